"""Provenance of every output: config hash, package version, git commit, seed, data checksums."""

from __future__ import annotations

import functools
import hashlib
import subprocess
from pathlib import Path

from povmodel._version import __version__
from povmodel.config import RunConfig
from povmodel.io import raw_checksums
from povmodel.paths import project_root


@functools.lru_cache(maxsize=1)
def git_commit() -> str | None:
    """The checkout's current commit (with ``-dirty`` if it has uncommitted changes), if any."""
    try:
        root = project_root()
        head = subprocess.run(["git", "-C", str(root), "rev-parse", "HEAD"], capture_output=True,
                              text=True, timeout=5, check=True).stdout.strip()
        dirty = subprocess.run(["git", "-C", str(root), "status", "--porcelain", "--untracked-files=no"],
                               capture_output=True, text=True, timeout=5, check=True).stdout.strip()
    except (OSError, subprocess.SubprocessError):
        return None
    return head + ("-dirty" if dirty else "")


_PACKAGE_DIR = Path(__file__).resolve().parent


def code_digest(exclude: tuple[str, ...] = ()) -> str:
    """SHA-256 over the package's source and parameter files (a cache key for derived outputs),
    leaving out the sub-packages or modules named in ``exclude`` (e.g. ``("reports",)``)."""
    h = hashlib.sha256()
    for path in sorted(_PACKAGE_DIR.rglob("*")):
        relative = path.relative_to(_PACKAGE_DIR)
        if relative.parts[0] in exclude:
            continue
        if path.suffix in {".py", ".yaml"} and "__pycache__" not in path.parts:
            h.update(str(path.relative_to(_PACKAGE_DIR)).encode())
            h.update(path.read_bytes())
    return h.hexdigest()


def raw_data_digest() -> str:
    """One SHA-256 over the recorded checksums of all raw files (changes if any file does)."""
    blob = "\n".join(f"{d}  {n}" for n, d in sorted(raw_checksums().items()))
    return hashlib.sha256(blob.encode("utf-8")).hexdigest()


def provenance_record(config: RunConfig) -> dict[str, object]:
    """What every output of a run carries to be traceable."""
    return {
        "run_id": config.run_id,
        "config_file": str(config.source) if config.source else None,
        "config_hash": config.config_hash,
        "povmodel_version": __version__,
        "git_commit": git_commit(),
        "seed": config.seed,
        "language": config.language,
        "raw_data_sha256": raw_data_digest(),
        "scenarios": ", ".join(s.name for s in config.scenario_specs),
    }
