# The README's commands. Everything installs into .venv beside this file.
PY      ?= python3
VENV    := .venv
BIN     := $(VENV)/bin
STAMP   := $(VENV)/.installed
TSTAMP  := $(VENV)/.installed-test

.PHONY: demo test bench lint system-deps clean

$(BIN)/python:
	$(PY) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip

$(STAMP): pyproject.toml | $(BIN)/python
	$(BIN)/pip install -q -e .
	touch $@

$(TSTAMP): pyproject.toml | $(BIN)/python
	$(BIN)/pip install -q -e '.[test,aws]'
	touch $(STAMP) $@

## make demo: install and start the rehearsal (no cluster needed)
demo: $(STAMP)
	$(BIN)/cockpit demo

## make test: install what the tests need (Python and system parts), then run them
test: $(TSTAMP) system-deps
	$(BIN)/python -m pytest -q -ra

## make bench: run the benchmarks; figures are printed against their budgets
bench: $(TSTAMP) system-deps
	$(BIN)/python -m bench

## install the real servers and tools the tests talk to (each script is idempotent)
system-deps:
	@for s in tools/deps.d/*.sh; do [ -e "$$s" ] || continue; bash "$$s" || exit 1; done

lint: $(TSTAMP)
	$(BIN)/ruff check cockpit tests bench

clean:
	rm -rf $(VENV) .pytest_cache build *.egg-info
