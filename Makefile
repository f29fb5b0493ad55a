# Two commands on a fresh machine: `make demo` and `make test`.
VENV ?= .venv
PY := $(VENV)/bin/python
DB ?= voc.duckdb

.PHONY: setup demo test bench clean

setup: $(VENV)/.installed

$(VENV)/.installed: pyproject.toml
	python3 -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q -e ".[dev]"
	touch $@

demo: setup
	$(VENV)/bin/voc run data/samples --db $(DB)

test: setup
	$(VENV)/bin/pytest -q

bench: setup
	$(PY) bench/throughput.py

clean:
	rm -rf $(VENV) $(DB) $(DB).wal
