"""Writing files safely and checking raw data: every output goes to a temporary file beside
its target and is renamed over it only once complete (:func:`atomic_path`, :func:`write_text`,
:func:`write_json`, :func:`write_parquet`), so a crash never leaves a half-written file that
looks complete; :func:`sha256_file`, :func:`raw_checksums` and :func:`verify_raw_data` check the
immutable raw files against ``data/raw/SHA256SUMS``.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from povmodel.errors import DataValidationError, Problem
from povmodel.paths import raw_dir


@contextlib.contextmanager
def atomic_path(target: str | Path) -> Iterator[Path]:
    """Yield a temporary path beside ``target``; rename it onto ``target`` on success.

    On any exception the temporary file is removed and ``target`` is left as it was.
    """
    target = Path(target)
    target.parent.mkdir(parents=True, exist_ok=True)
    # keep the real extension last: writers and readers that go by it (papermill) stay happy
    fd, tmp = tempfile.mkstemp(prefix=f".{target.stem}.", suffix=f".tmp{target.suffix}", dir=target.parent)
    os.close(fd)
    tmp_path = Path(tmp)
    # mkstemp creates the file private (0600); outputs get the usual permissions (0666 - umask)
    umask = os.umask(0)
    os.umask(umask)
    os.chmod(tmp_path, 0o666 & ~umask)
    try:
        yield tmp_path
        os.replace(tmp_path, target)
    finally:
        if tmp_path.exists():
            tmp_path.unlink()


@contextlib.contextmanager
def atomic_directory(target: str | Path) -> Iterator[Path]:
    """Yield a temporary directory beside ``target`` (a directory store such as Zarr); on
    success it replaces ``target`` (an older ``target`` is moved aside, then deleted), so
    readers see the old store or the new one, never a half-written one. On any exception
    the temporary directory is removed and ``target`` is left as it was."""
    import shutil

    target = Path(target)
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent))
    try:
        yield tmp
        old = None
        if target.exists():
            old = Path(tempfile.mkdtemp(prefix=f".{target.name}.", suffix=".old", dir=target.parent))
            os.replace(target, old / "store")
        os.replace(tmp, target)
        if old is not None:
            shutil.rmtree(old, ignore_errors=True)
    finally:
        if tmp.exists():
            shutil.rmtree(tmp, ignore_errors=True)


def write_text(path: str | Path, text: str) -> Path:
    """Write UTF-8 text atomically."""
    with atomic_path(path) as tmp:
        tmp.write_text(text, encoding="utf-8")
    return Path(path)


def write_json(path: str | Path, obj: Any) -> Path:
    """Write JSON (UTF-8, diacritics kept, sorted keys) atomically."""
    return write_text(path, json.dumps(obj, ensure_ascii=False, indent=2, sort_keys=True, default=str) + "\n")


def write_parquet(df, path: str | Path) -> Path:
    """Write a (Geo)DataFrame to (Geo)Parquet atomically."""
    with atomic_path(path) as tmp:
        df.to_parquet(tmp, index=False)
    return Path(path)


def write_table(df, path: str | Path, *, sheet_name: str = "table") -> Path:
    """Write a table for spreadsheet users, atomically: ``.csv`` as UTF-8 with a BOM (so that
    Excel shows Vietnamese names correctly) or ``.xlsx``; any other extension is an error."""
    from povmodel.errors import PovmodelError

    path = Path(path)
    suffix = path.suffix.lower()
    if suffix not in (".csv", ".xlsx"):
        raise PovmodelError(f"export to .csv or .xlsx, not {suffix or 'no extension'}: {path}")
    with atomic_path(path) as tmp:
        if suffix == ".csv":
            df.to_csv(tmp, index=False, encoding="utf-8-sig")
        else:
            df.to_excel(tmp, index=False, sheet_name=sheet_name, engine="openpyxl")
    return path


def read_json(path: str | Path, default: Any = None) -> Any:
    """The JSON content of ``path``, or ``default`` if the file is missing or not valid JSON
    (records such as build reports are rewritten when unreadable)."""
    try:
        return json.loads(Path(path).read_text(encoding="utf-8"))
    except (FileNotFoundError, json.JSONDecodeError):
        return default


def sha256_file(path: str | Path, chunk: int = 1 << 20) -> str:
    """SHA-256 hex digest of a file."""
    h = hashlib.sha256()
    with open(path, "rb") as f:
        while block := f.read(chunk):
            h.update(block)
    return h.hexdigest()


def sha256_path(path: str | Path) -> str:
    """SHA-256 of a file, or of a directory store: its files' relative paths and contents, in
    sorted order (so the digest changes when any file is added, removed, renamed or edited)."""
    path = Path(path)
    if not path.is_dir():
        return sha256_file(path)
    h = hashlib.sha256()
    for f in sorted(p for p in path.rglob("*") if p.is_file()):
        h.update(f.relative_to(path).as_posix().encode() + b"\0" + sha256_file(f).encode() + b"\n")
    return h.hexdigest()


def raw_checksums() -> dict[str, str]:
    """The SHA-256 of every raw data file as recorded in ``data/raw/SHA256SUMS``."""
    sums = raw_dir() / "SHA256SUMS"
    out = {}
    for line in sums.read_text(encoding="utf-8").splitlines():
        if line.strip():
            digest, name = line.split(maxsplit=1)
            out[name.strip()] = digest
    return out


def verify_raw_data() -> dict[str, str]:
    """Check every raw file against ``data/raw/SHA256SUMS``.

    Returns
    -------
    dict
        The verified checksums (relative path -> SHA-256), for provenance records.

    Raises
    ------
    DataValidationError
        Listing every missing or modified file.
    """
    expected = raw_checksums()
    problems = []
    for name, digest in expected.items():
        path = raw_dir() / name
        if not path.is_file():
            problems.append(Problem("raw data file missing", file=str(path)))
        elif sha256_file(path) != digest:
            problems.append(
                Problem("raw data file differs from its recorded SHA-256 (raw data is immutable)",
                        file=str(path))
            )
    if problems:
        raise DataValidationError(problems, title="raw data check failed")
    return expected
