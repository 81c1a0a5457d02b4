"""The environment files agree; importing povmodel stays light; the layer contract holds."""

from __future__ import annotations

import re
import subprocess
import sys
import tomllib

import yaml
from conftest import ROOT


def _name(requirement: str) -> list[str]:
    base = re.split(r"[<>=!~\s;]", requirement, maxsplit=1)[0]
    name, _, extras = base.partition("[")
    names = [name.lower().replace("_", "-")]
    if extras:  # dask[distributed] -> distributed, h5netcdf[h5py] -> h5py
        names += [e.strip().lower() for e in extras.rstrip("]").split(",")]
    return names


def test_environment_yml_lists_every_runtime_dependency():
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    env = yaml.safe_load((ROOT / "environment.yml").read_text(encoding="utf-8"))
    conda = {_name(d)[0] for d in env["dependencies"] if isinstance(d, str)}
    wanted = {n for d in project["dependencies"] + project["optional-dependencies"]["dev"] for n in _name(d)}
    assert not wanted - conda, f"missing from environment.yml: {sorted(wanted - conda)}"
    assert "conda-forge" in env["channels"]
    pip = next(d["pip"] for d in env["dependencies"] if isinstance(d, dict))
    assert "-e ." in pip


def test_lock_pins_every_dependency():
    lock = (ROOT / "requirements" / "lock.txt").read_text(encoding="utf-8")
    pinned = {m.group(1).lower() for m in re.finditer(r"^([A-Za-z0-9_.\-]+)==", lock, re.M)}
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    wanted = {n for d in project["dependencies"] + project["optional-dependencies"]["dev"] for n in _name(d)}
    assert not wanted - pinned, f"run `make lock`: {sorted(wanted - pinned)}"


def test_import_povmodel_is_light():
    code = (
        "import sys, povmodel, povmodel.config, povmodel.parameters, povmodel.admin;"
        "heavy = [m for m in sys.modules if m.split('.')[0] in "
        "{'papermill','matplotlib','jupyter_client','nbconvert','ipykernel','jupyterlab','geopandas','dask'}];"
        "print(','.join(sorted(heavy)))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == ""


def test_version_cli():
    out = subprocess.run([sys.executable, "-m", "povmodel.cli", "--version"], capture_output=True, text=True)
    from povmodel import __version__

    assert out.returncode == 0 and out.stdout.strip() == f"povmodel {__version__}"
