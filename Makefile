# tribescope — two commands do everything on a fresh machine: `make demo` and `make test`.
SHELL := /bin/bash
# The interpreter .venv is made from: the distribution's CPython when it is 3.11+ with venv (Debian and Ubuntu
# build theirs with profile-guided and link-time optimisation; pyenv's default build has neither, and on this project's
# machine `import` + `score` of synth m ran ~11 % faster on Debian's: docs/perf-rounds.md), else the first python3 on
# PATH. `make PYTHON=/path/to/python3` chooses another; an existing .venv is kept (`make clean` to rebuild it). Both are
# expanded only where a venv is created, so the probe of /usr/bin/python3 runs then and not on every `make`.
SYSTEM_PYTHON = $(shell /usr/bin/python3 -c 'import sys, ensurepip, venv; sys.exit(sys.version_info < (3, 11))' 2>/dev/null && echo /usr/bin/python3)
PYTHON ?= $(or $(SYSTEM_PYTHON),python3)
VENV := .venv
PY := $(VENV)/bin/python
TS := $(VENV)/bin/tribescope
STAMP := $(VENV)/.installed
DEMO := demo-output
export SPARK_LOCAL_IP := 127.0.0.1
export PYSPARK_PYTHON := $(abspath $(PY))
export PYSPARK_DRIVER_PYTHON := $(abspath $(PY))

.PHONY: setup demo test check bench clean

$(STAMP): pyproject.toml
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e ".[spark,web,dev]"
	touch $(STAMP)

setup: $(STAMP)
	@# bytecode of the package's modules (an editable install leaves it to the first import, which writes none when
	@# PYTHONDONTWRITEBYTECODE is set: every command would compile the sources first); stale files are rewritten
	$(PY) -m compileall -q src/tribescope >/dev/null
	@# browser tests (tests/test_web_browser.py) drive Debian's chromium; installed when missing (root on CI)
	command -v chromium >/dev/null || (apt-get update -qq && apt-get install -y -qq chromium) || echo "chromium not installed: browser tests will be skipped"

demo: setup
	rm -rf $(DEMO) && mkdir -p $(DEMO)
	$(TS) synth --scale s --seed 7 --out $(DEMO)/exports
	$(TS) --workspace $(DEMO)/demo.duckdb import $(DEMO)/exports
	$(TS) --workspace $(DEMO)/demo.duckdb status
	$(TS) --workspace $(DEMO)/demo.duckdb score --out $(DEMO)/scores.csv --limit 15
	$(TS) --workspace $(DEMO)/demo.duckdb campaign import $(DEMO)/exports/campaigns
	$(TS) --workspace $(DEMO)/demo.duckdb report --out $(DEMO)/report.html --evidence 1
	$(PY) -m tribescope.cli._demo_tail $(DEMO)

test: setup
	$(PY) -m pytest -n 2 -q

check: setup
	$(VENV)/bin/ruff check src tests benchmarks
	$(VENV)/bin/ruff format --check src tests benchmarks
	$(VENV)/bin/mypy

bench: setup
	$(PY) -m benchmarks

clean:
	rm -rf $(VENV) $(DEMO) .pytest_cache test-artifacts
