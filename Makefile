# Mentoring Resource Guide — `make help` lists the targets.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin

.PHONY: help setup build test bench clean

help:  ## list the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | sed 's/:.*## /\t/'

$(BIN)/mentor-guide: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[test]'
	touch $@

setup: $(BIN)/mentor-guide  ## make .venv and install the project with its test tools

build: setup  ## build output/ from data/raw/ (no network)
	$(BIN)/mentor-guide build

test: setup  ## run the test suite
	$(BIN)/python -m pytest -q

bench: setup  ## run the benchmarks; they write benchmarks/RESULTS.md
	for script in benchmarks/bench_*.py; do $(BIN)/python $$script || exit 1; done

clean:  ## remove build products
	rm -rf output/*.* data/processed/*.* $(VENV)
