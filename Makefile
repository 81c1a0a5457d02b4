# povmodel: the two commands are `make report` and `make test` (see README.md).
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.povmodel-installed
UV_VERSION := 0.13.8
CONFIG ?= configs/default.yaml
# Only the pytest plugins we use load (autoloading every installed plugin costs ~4 s per run).
export PYTEST_DISABLE_PLUGIN_AUTOLOAD := 1

.PHONY: env report test test-slow lint data lab lock schema bench clean

# The environment: created once, refreshed when pyproject.toml or the lock file change.
$(STAMP): pyproject.toml requirements/lock.txt
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "povmodel needs Python >= 3.11; run make PYTHON=/path/to/python3.11")'
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check "uv==$(UV_VERSION)"
	$(BIN)/uv pip install --python $(BIN)/python --quiet -r requirements/lock.txt -e ".[dev]"
	@touch $(STAMP)

env: $(STAMP)

## report: build the embedded default data and write the default report set to reports/<run_id>/
report: env
	$(BIN)/povmodel report $(CONFIG)

## test: lint, check the layer contract, run the test suite (heavy cases marked `slow` excluded)
test: env lint
	$(BIN)/python -m pytest -q -m "not slow"

## test-slow: the heavy cases only (CI runs them after `make test`)
test-slow: env
	$(BIN)/python -m pytest -q -m slow

lint: env
	$(BIN)/ruff check src tests benchmarks
	$(BIN)/lint-imports

## data: (re)build data/processed from data/raw
data: env
	$(BIN)/povmodel data build

## lab: JupyterLab on notebooks/ with a registered "povmodel" kernel
lab: env
	$(BIN)/python -m ipykernel install --sys-prefix --name povmodel --display-name "Python (povmodel)"
	$(BIN)/jupyter lab notebooks/

## lock: re-resolve requirements/lock.txt from pyproject.toml (after changing dependencies)
lock:
	@test -x $(BIN)/uv || { $(PYTHON) -m venv $(VENV) && $(BIN)/python -m pip install --quiet "uv==$(UV_VERSION)"; }
	$(BIN)/uv pip compile pyproject.toml --extra dev --python-version 3.11 --quiet -o requirements/lock.txt

## schema: rewrite configs/schema.json from the config model
schema: env
	$(BIN)/python -c "import json; from povmodel.config import config_json_schema; open('configs/schema.json','w',encoding='utf-8').write(json.dumps(config_json_schema(), indent=2, ensure_ascii=False) + '\n')"

## bench: run every benchmark (figures against a named peer) and write benchmarks/results.md
bench: env
	$(BIN)/python benchmarks/run_all.py

clean:
	rm -rf data/processed reports/*/ .pytest_cache .ruff_cache
