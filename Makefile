# Quick start: `make decks` (set up, export samples/ into decks/) and `make test` (set up, run the suite).
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin

.PHONY: decks test lint bench clean screenshots

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(VENV)/.installed: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e .
	touch $@

$(VENV)/.installed-test: pyproject.toml $(VENV)/.installed
	$(BIN)/python -m pip install --quiet -e '.[test,lint]'
	touch $@

decks: $(VENV)/.installed
	$(BIN)/flashdigest export samples --out decks

test: $(VENV)/.installed-test
	$(BIN)/python -m pytest $(PYTEST_ARGS)

# docs/screenshots/*.png: the demo deck's cards at phone width, light and night (needs /usr/bin/chromium)
screenshots: $(VENV)/.installed-test
	$(BIN)/python -m tests.make_screenshots docs/screenshots

lint: $(VENV)/.installed-test
	$(BIN)/ruff check flashdigest tests
	$(BIN)/ruff format --check flashdigest tests
	$(BIN)/mypy

clean:
	rm -rf $(VENV) decks/*.apkg .pytest_cache .mypy_cache

bench: $(VENV)/.installed
	$(BIN)/python bench/run.py
