# Mentoring Resource Guide — `make help` lists the targets.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin

.PHONY: help setup setup-test system-libs test-tools build test lint bench clean

help:  ## list the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | sed 's/:.*## /\t/'

# The install is editable; setuptools notes on each one that folders named like the package take precedence
# (here they are the code), which is silenced so that set-up prints nothing but real problems.
$(BIN)/mentor-guide: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	PYTHONWARNINGS="ignore:Editable installation" $(BIN)/pip install --quiet -e '.[test]'
	touch $@

setup: system-libs $(BIN)/mentor-guide  ## make .venv and install the project (enough to build)

setup-test: setup test-tools node_modules/axe-core/axe.min.js  ## setup, and the tools the tests use

# WeasyPrint subsets fonts with HarfBuzz's subset library when it is there (faster, and no warning);
# Debian's image ships Pango and fonts but not that library. Installed only as root with apt; else a note.
system-libs:
	@ldconfig -p | grep -q libharfbuzz-subset.so.0 || \
	  { [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null && \
	    { apt-get update -qq >/dev/null && apt-get install -y -qq libharfbuzz-subset0 >/dev/null; }; } || \
	  echo "note: libharfbuzz-subset0 is missing; WeasyPrint will subset fonts more slowly and say so"

# The handbook's tests read the PDF back with poppler's pdftotext; the web edition's tests drive Debian's
# Chromium through Playwright (which cannot download a browser of its own here) and check it with
# axe-core from npm; the MARC tests read the records with yaz-marcdump (Debian's yaz). Debian packages are installed only as root with apt; else a note.
test-tools:
	@missing=""; \
	  command -v pdftotext >/dev/null || missing="$$missing poppler-utils"; \
	  command -v chromium >/dev/null || missing="$$missing chromium"; \
	  command -v yaz-marcdump >/dev/null || missing="$$missing yaz"; \
	  [ -z "$$missing" ] || \
	  { [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null && \
	    { apt-get update -qq >/dev/null && apt-get install -y -qq $$missing >/dev/null; }; } || \
	  echo "note: missing Debian packages:$$missing (the handbook tests need pdftotext, the web edition's chromium, the MARC tests yaz-marcdump)"

node_modules/axe-core/axe.min.js:
	npm install --no-save --no-package-lock --no-audit --no-fund --silent axe-core@4

build: setup  ## build output/ from data/raw/ (no network)
	$(BIN)/mentor-guide build

# One test process per core (at most 4): much of the suite waits on WeasyPrint, Chromium and child
# processes. Work stealing keeps every process busy until the end; `pytest` alone runs in one process.
test: setup-test  ## run the test suite
	$(BIN)/python -m pytest -q --numprocesses auto --maxprocesses 4 --dist worksteal

lint: setup  ## check style and types: ruff (lint and format) and mypy
	$(BIN)/ruff check pipeline schemas tests benchmarks
	$(BIN)/ruff format --check pipeline schemas tests benchmarks
	$(BIN)/mypy

bench: setup  ## run the benchmarks; they write benchmarks/RESULTS.md
	$(BIN)/pip install --quiet -e '.[bench]'
	for script in benchmarks/bench_*.py; do $(BIN)/python $$script || exit 1; done

clean:  ## remove build products (never data/state/, where the link history lives)
	rm -rf output .output.releases .output.lock data/processed/*.* $(VENV) node_modules test-artefacts
