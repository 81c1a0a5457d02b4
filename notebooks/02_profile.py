# ---
# jupyter:
#   jupytext:
#     formats: ipynb,py:percent
#     text_representation:
#       extension: .py
#       format_name: percent
#       format_version: '1.3'
#       jupytext_version: 1.19.6
#   kernelspec:
#     display_name: Python 3 (ipykernel)
#     language: python
#     name: python3
# ---

# %% tags=["parameters"]
config_path = "../configs/default.yaml"
run_id = ""
output_dir = "."
language = "en"

# %%
from povmodel.reports.profile import ProfileReport

report = ProfileReport.from_parameters(config_path=config_path, run_id=run_id, output_dir=output_dir,
                                       language=language)
report.title()

# %%
report.synthetic_banner()

# %%
report.standards()

# %%
report.national()

# %%
report.standard_comparison()

# %%
report.regions()

# %%
report.fgt()

# %%
report.mpi()

# %%
report.mpi_contributions()

# %%
report.province_map()

# %%
report.provenance()
