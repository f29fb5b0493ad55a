# Two commands on a fresh machine: `make demo` and `make test`.
VENV ?= .venv
PY := $(VENV)/bin/python
VOC := $(VENV)/bin/voc
DB ?= voc.duckdb
MODELS ?= voc-models

.PHONY: setup models demo test bench accuracy clean

setup: $(VENV)/.installed

$(VENV)/.installed: pyproject.toml
	python3 -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q -e ".[dev]"
	touch $@

# The default models are trained from data/labelled during set-up (about a minute) and promoted.
models: $(MODELS)/promoted.json

$(MODELS)/promoted.json: $(VENV)/.installed data/labelled/aic2018_labelled1500.csv data/labelled/sentiment_binary_10k.csv
	$(VOC) train --data data/labelled/aic2018_labelled1500.csv --kind sklearn --name restaurant-aspects --models $(MODELS)
	$(VOC) models promote restaurant-aspects --models $(MODELS)
	$(VOC) train --data data/labelled/sentiment_binary_10k.csv --kind sentiment --name overall-sentiment --models $(MODELS)
	$(VOC) models promote overall-sentiment --models $(MODELS)

demo: models
	$(VOC) run data/samples --db $(DB) --models $(MODELS)

test: setup
	$(VENV)/bin/pytest -q

bench: setup
	$(PY) bench/throughput.py

accuracy: setup
	$(PY) bench/accuracy.py

clean:
	rm -rf $(VENV) $(DB) $(DB).wal $(MODELS)
