"""Where povmodel finds its raw data and writes what it builds.

The project root is, in order: the ``POVMODEL_ROOT`` environment variable; the first folder at
or above the current directory holding ``data/raw`` and ``pyproject.toml``; the checkout this
package was installed from (editable install).
"""

from __future__ import annotations

import os
from pathlib import Path

_PACKAGE_DIR = Path(__file__).resolve().parent


def _looks_like_root(path: Path) -> bool:
    return (path / "data" / "raw").is_dir() and (path / "pyproject.toml").is_file()


def project_root() -> Path:
    """Return the project root folder (see module docstring for the search order)."""
    env = os.environ.get("POVMODEL_ROOT")
    if env:
        return Path(env).resolve()
    here = Path.cwd().resolve()
    for candidate in (here, *here.parents):
        if _looks_like_root(candidate):
            return candidate
    checkout = _PACKAGE_DIR.parent.parent
    if _looks_like_root(checkout):
        return checkout
    return here


def raw_dir() -> Path:
    """Immutable real public data with provenance (``data/raw``)."""
    return project_root() / "data" / "raw"


def processed_dir() -> Path:
    """Tables and boundaries built from the raw data (``data/processed``)."""
    return project_root() / "data" / "processed"


def reports_dir() -> Path:
    """Default folder for executed reports (``reports``)."""
    return project_root() / "reports"


def notebooks_dir() -> Path:
    """Report notebooks (``notebooks``)."""
    return project_root() / "notebooks"


def configs_dir() -> Path:
    """Run configs and scenarios (``configs``)."""
    return project_root() / "configs"


def parameters_dir() -> Path:
    """Dated policy parameter YAML files shipped with the package."""
    return _PACKAGE_DIR / "parameters"
