# make test  — the whole suite (lint, types, unit, portal and browser tests)
# make demo  — the main job against the bundled mock portal
# Both work on a fresh Debian/Ubuntu machine: they create .venv and find (or install) a Chromium.

PYTHON ?= python3
VENV   ?= .venv
BIN     = $(VENV)/bin
STAMP   = $(VENV)/.installed

.PHONY: test demo lint typecheck pytest browser bench clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV) || { echo "python3 -m venv failed: on Debian/Ubuntu run 'apt-get install -y python3-venv'"; exit 1; }

$(STAMP): $(BIN)/python pyproject.toml
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[test]'
	touch $(STAMP)

browser: $(STAMP)
	@sh scripts/ensure-browser.sh $(BIN)

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

typecheck: $(STAMP)
	$(BIN)/mypy

pytest: $(STAMP) browser
	$(BIN)/pytest -n 2 --dist loadgroup

test: lint typecheck pytest

demo: $(STAMP) browser
	$(BIN)/koss-rpa demo

bench: $(STAMP) browser
	$(BIN)/python bench/mock_portal_throughput.py
	$(BIN)/python bench/download_vs_floor.py

clean:
	rm -rf $(VENV) .mypy_cache .pytest_cache .ruff_cache
