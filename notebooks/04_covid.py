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
from povmodel.reports.covid import CovidReport

report = CovidReport.from_parameters(config_path=config_path, run_id=run_id, output_dir=output_dir,
                                     language=language)
report.title()

# %%
report.synthetic_banner()

# %%
report.scenario_table()

# %%
report.headline()

# %%
report.support()

# %%
report.breakdowns()

# %%
report.regions()

# %%
report.provenance()
