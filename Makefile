# One task runner for people and CI. Needs only Python >= 3.11 and make.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
RUN    := $(VENV)/.installed-run
DEV    := $(VENV)/.installed-dev

.PHONY: demo test lint typecheck unit bench fuzz clean help

help:  ## list the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | sed 's/:.*## /\t/'

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(RUN): pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e '.[web]'
	touch $@

$(DEV): pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	# tests/unit/stats/test_changepoint.py checks assay.stats.changepoint against Otava's own
	# code; otava.analysis needs only NumPy and SciPy, but the package pins numpy 2.2 and pulls
	# cloud clients, so it is installed without its dependencies, for the tests only.
	$(BIN)/python -m pip install --quiet --no-deps apache-otava==0.8.0
	touch $@ $(RUN)

demo: $(RUN)  ## create .venv, install assay, build and show the demo workspace
	$(BIN)/assay demo

lint: $(DEV)  ## ruff check and format check; lint-imports keeps the layers of pyproject.toml
	$(BIN)/ruff check src tests $(wildcard benchmarks)
	$(BIN)/ruff format --check src tests $(wildcard benchmarks)
	$(BIN)/lint-imports --no-cache --no-logo

typecheck: $(DEV)  ## mypy, strict on src/assay
	$(BIN)/mypy

unit: $(DEV)  ## the fast unit tests only
	$(BIN)/pytest tests/unit -q

PYTEST_WORKERS ?= auto

test: lint typecheck  ## create .venv with the dev extras, run ruff, mypy and the whole suite (on every core)
	$(BIN)/pytest -n $(PYTEST_WORKERS) --dist loadgroup

bench: $(DEV)  ## run the benchmarks; results as JSON under benchmarks/results/
	@missed=""; for f in benchmarks/bench_*.py; do echo "== $$f"; \
		$(BIN)/python $$f || missed="$$missed $$f"; done; \
	if [ -n "$$missed" ]; then echo "targets missed in:$$missed"; exit 1; fi

FUZZ_EXAMPLES ?= 2000
FUZZ_REPORT   ?= fuzz-report.json

fuzz: $(DEV)  ## the CLI fuzz test, larger and random (FUZZ_EXAMPLES=2000); summary in fuzz-report.json
	ASSAY_FUZZ_EXAMPLES=$(FUZZ_EXAMPLES) ASSAY_FUZZ_RANDOM=1 ASSAY_FUZZ_REPORT=$(FUZZ_REPORT) \
		$(BIN)/pytest tests/fuzz -q -p no:cacheprovider -k every_command; status=$$?; \
	$(BIN)/python -c "import json; d = json.load(open('$(FUZZ_REPORT)')); \
		print(d['invocations'], 'invocations of', d['commands'], 'commands:', d['outcomes'])"; \
	exit $$status

clean:  ## remove the virtual environment, caches and the demo workspace
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache assay-demo
