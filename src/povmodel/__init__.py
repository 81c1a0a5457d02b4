"""povmodel: re-poverty risk, COVID-19 impact, poverty mapping and forecasting for Vietnam.

Importing ``povmodel`` is light: subpackages load on first use, and papermill, matplotlib and
jupyter are only imported when a report runs.
"""

from povmodel._version import __version__
from povmodel.errors import ConfigError, DataValidationError, PovmodelError

__all__ = ["ConfigError", "DataValidationError", "PovmodelError", "__version__"]
