# The README's commands. Everything installs into .venv beside this file.
PY      ?= python3
VENV    := .venv
BIN     := $(VENV)/bin
STAMP   := $(VENV)/.installed
TSTAMP  := $(VENV)/.installed-test
DSTAMP  := $(VENV)/.installed-demo
DEMO_ARGS ?=

.PHONY: demo test bench bench-deps lint system-deps clean

$(BIN)/python:
	$(PY) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip

$(STAMP): pyproject.toml | $(BIN)/python
	$(BIN)/pip install -q -e .
	touch $@

$(TSTAMP): pyproject.toml | $(BIN)/python
	$(BIN)/pip install -q -e '.[test,aws]'
	touch $(STAMP) $@

$(DSTAMP): pyproject.toml | $(BIN)/python
	$(BIN)/pip install -q -e '.[demo]'
	touch $(STAMP) $@

## make demo: install and start the rehearsal (no cluster needed); DEMO_ARGS="--speed 5"
## helm (for the rehearsal's rollback) is fetched if it can be; without it the demo says so
demo: $(DSTAMP)
	@bash tools/deps.d/helm.sh >/dev/null 2>&1 || echo "make demo: no helm could be installed: the rehearsal runs without rollback"
	$(BIN)/cockpit demo $(DEMO_ARGS)

## make test: install what the tests need (Python and system parts), then run them
test: $(TSTAMP) system-deps
	$(BIN)/python -m pytest -q -ra

## make bench: run the benchmarks; figures are printed against their budgets
bench: $(TSTAMP) system-deps bench-deps
	$(BIN)/python -m bench

## what only the benchmarks need: the peers bench_peers measures (glances, btop, dolphie)
bench-deps:
	@for s in tools/bench.d/*.sh; do [ -e "$$s" ] || continue; bash "$$s" || exit 1; done

## install the real servers and tools the tests talk to (each script is idempotent)
system-deps:
	@for s in tools/deps.d/*.sh; do [ -e "$$s" ] || continue; bash "$$s" || exit 1; done

lint: $(TSTAMP)
	$(BIN)/ruff check cockpit tests bench

clean:
	rm -rf $(VENV) .venv-peers .pytest_cache build *.egg-info
