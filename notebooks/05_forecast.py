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
from povmodel.reports.forecast_report import ForecastReport

report = ForecastReport.from_parameters(config_path=config_path, run_id=run_id, output_dir=output_dir,
                                        language=language)
report.title()

# %%
report.synthetic_banner()

# %%
report.data_basis()

# %%
report.national_path()

# %%
report.regional_paths()

# %%
report.province_table()

# %%
report.standard_change()

# %%
report.targets()

# %%
report.target_map()

# %%
report.rank_uncertainty()

# %%
report.allocation()

# %%
report.backtests()

# %%
report.provenance()
