# Two commands on a fresh machine: `make demo` and `make test`.
VENV ?= .venv
PY := $(VENV)/bin/python
VOC := $(VENV)/bin/voc
DB ?= voc.duckdb
MODELS ?= voc-models

.PHONY: setup models demo test browser postgres bench accuracy serve clean

setup: $(VENV)/.installed

$(VENV)/.installed: pyproject.toml
	python3 -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q -e ".[dev]"
	touch $@

# The default models are trained from data/labelled during set-up (about two minutes) and promoted:
# restaurant aspects (AIC 2018, scored on the committed held-out file), item sentiment (binary reviews,
# the polar ASTE restaurant and CCF car clauses, and the AIC training reviews' overall verdicts),
# clause polarity (AIC clauses, CCF car reviews, ASTE sentences) for every taxonomy.
LABELLED := data/labelled
models: $(MODELS)/promoted.json

$(MODELS)/promoted.json: $(VENV)/.installed $(wildcard $(LABELLED)/*.csv)
	$(VOC) train --data $(LABELLED)/aic2018_train.csv --heldout $(LABELLED)/aic2018_heldout.csv --cv 0 --kind sklearn --name restaurant-aspects --models $(MODELS)
	$(VOC) models promote restaurant-aspects --models $(MODELS) --force
	$(VOC) train --data $(LABELLED)/sentiment_binary_10k.csv --data $(LABELLED)/aste_sentences.csv --data $(LABELLED)/ccf_car2018_polarity.csv --data $(LABELLED)/aic2018_train.csv --kind sentiment --name overall-sentiment --models $(MODELS)
	$(VOC) models promote overall-sentiment --models $(MODELS) --force
	$(VOC) train --kind polarity --name clause-polarity --data $(LABELLED)/aic2018_train.csv --data $(LABELLED)/ccf_car2018_polarity.csv --data $(LABELLED)/aste_sentences.csv --heldout $(LABELLED)/aic2018_heldout.csv --models $(MODELS)
	$(VOC) models promote clause-polarity --models $(MODELS) --force

demo: models
	$(VOC) run data/samples --db $(DB) --models $(MODELS)

test: setup browser postgres
	$(VENV)/bin/pytest -q

# The storage tests also run against a throwaway PostgreSQL server (tests/postgres.py starts it from
# Debian's binaries: initdb in a temporary folder, loopback only).
postgres:
	@ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 || [ -n "$$VOC_TEST_PG_URL" ] || { \
	  if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then \
	    echo "installing Debian's postgresql for the PostgreSQL store tests"; \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql >/dev/null; \
	  else echo "PostgreSQL not found: its store tests will be skipped"; fi; }

# The report's browser test renders in headless Chromium with a CJK font (Debian packages).
browser:
	@command -v chromium >/dev/null 2>&1 || { \
	  if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then \
	    echo "installing Debian's chromium and fonts-wqy-microhei for the report's browser test"; \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium fonts-wqy-microhei >/dev/null; \
	  else echo "chromium not found: the browser test will be skipped (install Debian's chromium to run it)"; fi; }

# The daily flow on a schedule, on a Prefect server this starts (database in .prefect/); Ctrl-C stops both.
LANDING ?= data/samples
CRON ?= 0 6 * * *
serve: models
	$(PY) -m flows.serve --landing $(LANDING) --cron "$(CRON)" --db $(DB) --models $(MODELS)

bench: setup
	$(PY) bench/throughput.py

accuracy: setup
	$(PY) bench/accuracy.py

clean:
	rm -rf $(VENV) $(DB) $(DB).wal $(MODELS)
