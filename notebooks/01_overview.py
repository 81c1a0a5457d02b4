# ---
# jupyter:
#   jupytext:
#     formats: ipynb,py:percent
#     text_representation:
#       extension: .py
#       format_name: percent
#   kernelspec:
#     display_name: Python 3 (ipykernel)
#     language: python
#     name: python3
# ---

# %% tags=["parameters"]
config_path = "../configs/default.yaml"
output_dir = "."
language = "en"

# %%
from povmodel.reports.overview import OverviewReport

report = OverviewReport.from_config(config_path, language=language, output_dir=output_dir)
report.title()

# %%
report.headline()

# %%
report.province_map()

# %%
report.national_series()

# %%
report.regional_table()

# %%
report.data_sources()

# %%
report.parameter_flags()

# %%
report.provenance()
