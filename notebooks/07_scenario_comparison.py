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
baseline = "covid_2020_wave1"
alternative = "double-poor-transfer-2020"

# %%
from povmodel.reports.comparison import ScenarioComparisonReport

report = ScenarioComparisonReport.from_parameters(config_path=config_path, run_id=run_id,
                                                  output_dir=output_dir, language=language,
                                                  baseline=baseline, alternative=alternative)
report.title()

# %%
report.synthetic_banner()

# %%
report.descriptions()

# %%
report.headline()

# %%
report.areas()

# %%
report.forecast()

# %%
report.targets()

# %%
report.provenance()
