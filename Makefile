# Quick start: `make decks` (set up, export samples/ into decks/) and `make test` (set up, run the suite).
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin

# Every install is from a lock file of exact versions with their hashes (requirements.txt for the
# tool, requirements-dev.txt for the tool + tests + lint), so a dependency's new release cannot
# change what a fresh clone gets. `make lock` refreshes both from pyproject.toml's ranges.
PIP    := $(BIN)/python -m pip --disable-pip-version-check
LOCKED := $(PIP) install --quiet --require-hashes --no-deps
SELF   := $(PIP) install --quiet --no-deps --no-build-isolation -e .

.PHONY: decks test coverage lint lock bench clean screenshots fuzz sdist docs

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

$(VENV)/.installed: requirements.txt pyproject.toml | $(BIN)/python
	$(LOCKED) -r requirements.txt
	$(SELF)
	touch $@

$(VENV)/.installed-test: requirements-dev.txt pyproject.toml | $(BIN)/python
	$(LOCKED) -r requirements-dev.txt
	$(SELF)
	touch $@ $(VENV)/.installed

decks: $(VENV)/.installed
	$(BIN)/flashdigest export samples --out decks

# the suite in parallel on every core (pytest-xdist); PYTEST_ARGS="-n 0" runs it serially,
# PYTEST_ARGS='-m "not browser and not anki_desktop"' skips the slow families (markers: pyproject.toml)
PYTEST_ARGS ?= -n auto
test: $(VENV)/.installed-test
	$(BIN)/python -m pytest $(PYTEST_ARGS)

# the suite with coverage of flashdigest/ (subprocesses included); fails under the floor in pyproject.toml
coverage: $(VENV)/.installed-test
	$(BIN)/python -m pytest -n auto --cov --cov-report=term $(PYTEST_ARGS)

# docs/screenshots/*.png: the demo deck's cards at phone width, light and night (needs /usr/bin/chromium)
screenshots: $(VENV)/.installed-test
	$(BIN)/python -m tests.make_screenshots docs/screenshots

# docs/reference.md's generated parts (each command's --help, exit codes, config keys, limits,
# environment variables) written anew from the code; tests/test_docs.py checks they are current
docs: $(VENV)/.installed-test
	$(BIN)/python -m tests.make_reference docs/reference.md

lint: $(VENV)/.installed-test
	$(BIN)/ruff check flashdigest tests bench fuzz
	$(BIN)/ruff format --check flashdigest tests bench fuzz
	$(BIN)/mypy

# Refresh the lock files from pyproject.toml's ranges (needs the network to the package index),
# then run `make test`: an upgrade is a new lock that passed the suite. uv resolves for every
# platform at once (--universal), so the same files install on Linux, macOS and Windows.
UV_COMPILE := $(VENV)/lock-tools/bin/uv pip compile --universal --generate-hashes \
	--python-version 3.11 --no-header --annotation-style line
lock: | $(BIN)/python
	test -x $(VENV)/lock-tools/bin/uv || ($(PYTHON) -m venv $(VENV)/lock-tools && \
	  $(VENV)/lock-tools/bin/pip install --quiet uv)
	echo 'setuptools>=77,<90' | $(UV_COMPILE) pyproject.toml - --extra test --extra lint \
	  --extra verify $(LOCK_ARGS) -o requirements-dev.txt
	echo 'setuptools>=77,<90' | $(UV_COMPILE) pyproject.toml - -c requirements-dev.txt \
	  $(LOCK_ARGS) -o requirements.txt
	for lock in requirements-dev.txt requirements.txt; do \
	  { $(PYTHON) -m tests.lock_hash; grep -v '^# pyproject.toml dependencies' $$lock; } > $$lock.new && \
	  mv $$lock.new $$lock; \
	done

# A source distribution that holds the tests and samples, so the suite runs from it
sdist: $(VENV)/.installed-test
	$(BIN)/python -c "from setuptools import build_meta as b; print('dist/' + b.build_sdist('dist'))"

clean:
	rm -rf $(VENV) decks/*.apkg .pytest_cache .mypy_cache

bench: $(VENV)/.installed-test
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
