# Mentoring Resource Guide — `make help` lists the targets.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin

.PHONY: help setup system-libs build test bench clean

help:  ## list the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | sed 's/:.*## /\t/'

$(BIN)/mentor-guide: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[test]'
	touch $@

setup: system-libs $(BIN)/mentor-guide  ## make .venv and install the project with its test tools

# WeasyPrint subsets fonts with HarfBuzz's subset library when it is there (faster, and no warning);
# the handbook's tests read the PDF back with poppler's pdftotext. Debian's image ships Pango and fonts
# but neither of these. Installed only as root with apt; else a note.
system-libs:
	@missing=""; \
	  ldconfig -p | grep -q libharfbuzz-subset.so.0 || missing="$$missing libharfbuzz-subset0"; \
	  command -v pdftotext >/dev/null || missing="$$missing poppler-utils"; \
	  [ -z "$$missing" ] || \
	  { [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null && \
	    { apt-get update -qq >/dev/null && apt-get install -y -qq $$missing >/dev/null; }; } || \
	  echo "note: missing Debian packages:$$missing (WeasyPrint subsets fonts more slowly without libharfbuzz-subset0; the handbook tests need pdftotext)"

build: setup  ## build output/ from data/raw/ (no network)
	$(BIN)/mentor-guide build

test: setup  ## run the test suite
	$(BIN)/python -m pytest -q

bench: setup  ## run the benchmarks; they write benchmarks/RESULTS.md
	for script in benchmarks/bench_*.py; do $(BIN)/python $$script || exit 1; done

clean:  ## remove build products (never data/state/, where the link history lives)
	rm -rf output/*.* data/processed/*.* $(VENV)
