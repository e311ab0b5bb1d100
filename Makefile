# Quick start: `make decks` (set up, export samples/ into decks/) and `make test` (set up, run the suite).
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin

.PHONY: decks test lint bench clean screenshots fuzz

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

# Coverage-guided fuzzing (atheris) of each input format, FUZZ_SECONDS each. The corpus it grows
# and any crash-* findings go to build/fuzz/ (not committed); keep a finding by copying it into
# fuzz/corpus/<target>/, where `make test` replays it (tests/test_hostile.py).
FUZZ_SECONDS ?= 60
FUZZ_TARGETS ?= text html jsonl yaml svg
FUZZ_WORK    ?= build/fuzz

$(VENV)/.installed-fuzz: pyproject.toml $(VENV)/.installed
	$(BIN)/python -m pip install --quiet -e '.[fuzz]'
	touch $@

fuzz: $(VENV)/.installed-fuzz
	@for target in $(FUZZ_TARGETS); do \
	  mkdir -p $(FUZZ_WORK)/$$target $(FUZZ_WORK)/findings; \
	  echo "fuzz: $$target for $(FUZZ_SECONDS) s"; \
	  $(BIN)/python fuzz/fuzz_$$target.py $(FUZZ_WORK)/$$target fuzz/corpus/$$target \
	    -max_total_time=$(FUZZ_SECONDS) -max_len=4096 -timeout=10 -rss_limit_mb=2048 \
	    -artifact_prefix=$(FUZZ_WORK)/findings/$$target- -print_final_stats=1 || exit 1; \
	done
