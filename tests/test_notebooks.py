"""Report notebooks stay thin, paired and in step with their typed parameters."""

from __future__ import annotations

import ast

import jupytext
import nbformat
import papermill
import pytest
from conftest import ROOT

from povmodel.reports.catalogue import REPORTS

NOTEBOOKS = sorted((ROOT / "notebooks").glob("*.py"))
ALLOWED_IMPORTS = ("povmodel", "IPython.display")
FORBIDDEN = (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef, ast.Lambda, ast.For, ast.AsyncFor,
             ast.While, ast.ListComp, ast.SetComp, ast.DictComp, ast.GeneratorExp)


def violations(source: str) -> list[str]:
    """What a thin notebook cell must not contain."""
    found = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, FORBIDDEN):
            found.append(f"{type(node).__name__} on line {node.lineno}")
        elif isinstance(node, ast.Import):
            found += [f"import {a.name}" for a in node.names if not a.name.startswith(ALLOWED_IMPORTS)]
        elif isinstance(node, ast.ImportFrom) and not (node.module or "").startswith(ALLOWED_IMPORTS):
            found.append(f"from {node.module} import")
    return found


def test_every_report_has_a_notebook_pair():
    assert NOTEBOOKS, "no notebooks found"
    for spec in REPORTS.values():
        assert spec.notebook_path.is_file(), spec.notebook_path
        assert spec.notebook_path.with_suffix(".py").is_file()


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_notebook_is_thin(path):
    nb = jupytext.read(path)
    for cell in nb.cells:
        if cell.cell_type == "code":
            assert violations(cell.source) == [], f"{path.name}: logic belongs in povmodel"


def test_the_thinness_check_can_fail():
    assert violations("def f():\n    pass")
    assert violations("for x in y:\n    pass")
    assert violations("import pandas as pd")
    assert violations("[x for x in y]")
    assert not violations("from povmodel.reports.overview import OverviewReport\nr = OverviewReport.x(1)")


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_py_and_ipynb_are_in_sync(path):
    py = jupytext.read(path)
    ipynb = nbformat.read(path.with_suffix(".ipynb"), as_version=4)
    strip = [(c.cell_type, c.source.strip(), sorted(c.metadata.get("tags", []))) for c in py.cells]
    other = [(c.cell_type, c.source.strip(), sorted(c.metadata.get("tags", []))) for c in ipynb.cells]
    assert strip == other, f"run: jupytext --sync {path}"
    assert all(not c.get("outputs") for c in ipynb.cells if c.cell_type == "code"), "commit notebooks without outputs"


@pytest.mark.parametrize("spec", REPORTS.values(), ids=lambda s: s.name)
def test_notebook_parameters_match_the_typed_model(spec):
    declared = set(papermill.inspect_notebook(str(spec.notebook_path)))
    assert declared == set(spec.parameters.model_fields)
