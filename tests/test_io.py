"""Atomic writes."""

from __future__ import annotations

import pytest

from povmodel.io import atomic_path, write_json, write_text


def test_atomic_write_replaces_target(tmp_path):
    target = tmp_path / "out" / "a.json"
    write_json(target, {"b": "Hà Nội", "a": 1})
    assert target.read_text(encoding="utf-8").startswith('{\n  "a": 1')
    assert "Hà Nội" in target.read_text(encoding="utf-8")


def test_failed_write_leaves_target_and_no_temp(tmp_path):
    target = write_text(tmp_path / "a.txt", "old")
    with pytest.raises(RuntimeError), atomic_path(target) as tmp:
        tmp.write_text("half-written")
        raise RuntimeError("crash mid-write")
    assert target.read_text() == "old"
    assert [p.name for p in tmp_path.iterdir()] == ["a.txt"]


def test_temp_file_keeps_extension(tmp_path):
    with atomic_path(tmp_path / "report.ipynb") as tmp:
        assert tmp.suffix == ".ipynb" and tmp.parent == tmp_path
        tmp.write_text("{}")


def test_outputs_get_ordinary_permissions(tmp_path):
    import os
    import stat

    path = write_text(tmp_path / "out.txt", "x")
    umask = os.umask(0)
    os.umask(umask)
    assert stat.S_IMODE(path.stat().st_mode) == 0o666 & ~umask
