# Quick start: `make run` opens the app; `make test` runs the tests headless.
# Each target makes .venv if it is missing and installs what it needs.
PYTHON ?= python3
VENV ?= .venv
# Users keep the default (it fits their GPU); CI sets TORCH_SPEC=torch==2.13.0 (a CPU build on disk).
TORCH_SPEC ?= torch>=2.2
BIN := $(VENV)/bin

.PHONY: run test lint bench screenshot clean i18n

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

# The window's translations: collect the strings of gui/ into the .ts (translations kept), then compile the
# .qm the window loads. Edit the Russian text in resources/i18n/genviz_ru.ts (by hand or with pyside6-linguist).
I18N_SOURCES = $(filter-out gui/bench.py,$(wildcard gui/*.py gui/panels/*.py))
i18n: | $(VENV)/.installed
	$(BIN)/pyside6-lupdate -no-obsolete $(I18N_SOURCES) -source-language en -target-language ru -ts resources/i18n/genviz_ru.ts
	$(BIN)/pyside6-lrelease resources/i18n/genviz_ru.ts -qm resources/i18n/genviz_ru.qm

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache
