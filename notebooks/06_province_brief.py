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
province = "01"

# %%
from povmodel.reports.brief import ProvinceBrief

report = ProvinceBrief.from_parameters(config_path=config_path, run_id=run_id, output_dir=output_dir,
                                       language=language, province=province)
report.title()

# %%
report.synthetic_banner()

# %%
report.key_figures_table()

# %%
report.map_position()

# %%
report.risk()

# %%
report.scenario_impacts()

# %%
report.forecast()

# %%
report.provenance_line()
