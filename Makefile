# Quick start: `make run` opens the app; `make test` runs the tests headless.
# Each target makes .venv if it is missing and installs what it needs.
PYTHON ?= python3
VENV ?= .venv
# Users keep the default (it fits their GPU); CI sets TORCH_SPEC=torch==2.13.0 (a CPU build on disk).
TORCH_SPEC ?= torch>=2.2
BIN := $(VENV)/bin

.PHONY: run test lint bench screenshot clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(VENV)/.installed: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet "$(TORCH_SPEC)"
	$(BIN)/python -m pip install --quiet -e .
	touch $@

$(VENV)/.installed-test: $(VENV)/.installed
	$(BIN)/python -m pip install --quiet -e ".[test]"
	touch $@

run: $(VENV)/.installed
	$(BIN)/python main.py

test: $(VENV)/.installed-test
	QT_QPA_PLATFORM=offscreen $(BIN)/python -m pytest -q
	$(BIN)/ruff check .
	$(BIN)/lint-imports --no-cache

lint: $(VENV)/.installed-test
	$(BIN)/ruff check .
	$(BIN)/lint-imports --no-cache

bench: $(VENV)/.installed
	$(BIN)/python main.py bench

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache
