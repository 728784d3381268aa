# make test  — the whole suite (lint, types, unit, portal and browser tests)
# make demo  — the main job against the bundled mock portal
# Both work on a fresh Debian/Ubuntu machine: they create .venv and find (or install) a Chromium.

PYTHON ?= python3
VENV   ?= .venv
BIN     = $(VENV)/bin

.PHONY: test test-fast demo lint typecheck pytest browser bench clean

$(BIN)/python:
	@$(PYTHON) -m venv $(VENV) 2>/dev/null || { \
	  rm -rf $(VENV); \
	  echo "python3 -m venv failed: installing python3-venv..."; \
	  if [ "$$(id -u)" -eq 0 ]; then SUDO=""; else SUDO="sudo"; fi; \
	  $$SUDO apt-get update -qq && $$SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq python3-venv >/dev/null \
	    && $(PYTHON) -m venv $(VENV); \
	} || { echo "Could not create $(VENV): install python3-venv (apt-get install python3-venv)"; exit 1; }

# The demo needs the tool and the mock portal; the tests need the test tools too.
$(VENV)/.installed-mock: $(BIN)/python pyproject.toml
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[mock]'
	touch $@

$(VENV)/.installed-test: $(VENV)/.installed-mock
	$(BIN)/python -m pip install --quiet -e '.[test]'
	touch $@

browser: $(VENV)/.installed-mock
	@sh scripts/ensure-browser.sh $(BIN)

lint: $(VENV)/.installed-test
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

typecheck: $(VENV)/.installed-test
	$(BIN)/mypy

# Three workers on two cores: the browser tests wait on Chromium and the mock often enough that
# a third worker fills the idle time (faster than two in both comparisons made, none flaky).
# Bytecode is written (__pycache__, ignored by git) even where PYTHONDONTWRITEBYTECODE is set, as
# on these machines: else every worker, and every koss-rpa process a test starts, compiles the
# sources again, and pytest rewrites every plugin's modules again in each worker.
pytest: $(VENV)/.installed-test browser
	PYTHONDONTWRITEBYTECODE= $(BIN)/pytest -n 3 --dist loadgroup

# mypy runs beside pytest (-j2): on a clean checkout (no .mypy_cache) it takes one core for
# half a minute, which overlaps the browser tests' waits instead of coming before them. Its
# failure still fails `make test`, once pytest has finished.
test: lint
	@$(MAKE) --no-print-directory -j2 typecheck pytest

# The inner loop: ruff and the unit and mock-portal tests, without the browser E2E (< 1 min).
test-fast: $(VENV)/.installed-test
	$(BIN)/ruff check .
	$(BIN)/pytest -n 2 -q tests/unit tests/mock_portal/server

demo: $(VENV)/.installed-mock browser
	$(BIN)/koss-rpa demo

bench: $(VENV)/.installed-test browser
	$(BIN)/python bench/mock_portal_throughput.py
	$(BIN)/python bench/download_vs_floor.py
	$(BIN)/python bench/download_vs_handwritten.py
	$(BIN)/python bench/page_phases.py
	$(BIN)/python bench/batch_scaling.py

clean:
	rm -rf $(VENV) .mypy_cache .pytest_cache .ruff_cache
