# The two set-up commands of the README: `make run` and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
# pytest-xdist workers for `make test`: one per core (a file's tests stay on one worker).
TEST_WORKERS ?= auto

.PHONY: run test lint bench clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q -e '.[test]'
	touch $(STAMP)

# The JT/T 808 port the demo's server listens on and its simulated vehicles report to.
DEMO_JT808_PORT ?= 6808

## Install, build the Dafeng demo region and serve it at http://127.0.0.1:8000 (big screen:
## /screen), with 40 simulated vehicles driving the roads and answering dispatches
run: $(STAMP)
	$(BIN)/lanyan init
	$(BIN)/lanyan demo --if-empty
	$(BIN)/lanyan simulate vehicles --follow-dispatch --count 40 --port $(DEMO_JT808_PORT) & sim=$$!; \
	LANYAN_DEMO_LIVE=1 LANYAN_JT808_PORT=$(DEMO_JT808_PORT) $(BIN)/lanyan serve; status=$$?; \
	kill $$sim 2>/dev/null; exit $$status

## Install everything (Python packages, Debian's Chromium and a CJK font) and run all tests
test: $(STAMP)
	scripts/ensure-browser
	$(BIN)/ruff check src tests bench
	$(BIN)/mypy
	$(BIN)/python -m pytest -q -n $(TEST_WORKERS) --dist loadfile

lint: $(STAMP)
	$(BIN)/ruff check src tests bench
	$(BIN)/ruff format --check src tests bench
	$(BIN)/mypy

$(VENV)/.bench: $(STAMP)
	$(BIN)/pip install -q -e '.[test,bench]'
	touch $(VENV)/.bench

## Every benchmark, each against its anchor in the same run (figures and ratios printed)
bench: $(VENV)/.bench
	for b in import_hydrants recommend indicators planning risk_eval ingest fuzz_gb26875; do \
	  echo "== bench/$$b.py"; $(BIN)/python bench/$$b.py || exit 1; done

clean:
	rm -rf $(VENV) var
