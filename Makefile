# Community Ledger — the two commands: `make run` and `make test`.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
HOST ?= 127.0.0.1
PORT ?= 8501

.PHONY: run test bench demo admin backup restore migrate clean-venv

$(VENV)/.installed: requirements.txt
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -r requirements.txt
	touch $@

$(VENV)/.installed-dev: $(VENV)/.installed requirements-dev.txt
	$(PY) -m pip install --quiet -r requirements-dev.txt
	touch $@

## run: install, migrate, load the demo into an empty database, serve on $(HOST):$(PORT)
run: $(VENV)/.installed
	$(PY) manage.py prepare
	$(PY) manage.py serve --server.address $(HOST) --server.port $(PORT) --server.headless true

## test: the whole suite (PostgreSQL and browser tests skip with a reason when not available)
test: $(VENV)/.installed-dev
	$(PY) -m pytest $(PYTEST_ARGS)

## bench: measured ratios against a baseline from the same run
bench: $(VENV)/.installed-dev
	$(PY) -m bench.run

## migrate: upgrade the database to the newest schema
migrate: $(VENV)/.installed
	$(PY) -m db.migrate

## demo: prepare the database (demo data only if it is empty)
demo: $(VENV)/.installed
	$(PY) manage.py prepare

## admin: create the first administrator (COMMUNITY_DEMO=0 databases)
admin: $(VENV)/.installed
	COMMUNITY_DEMO=0 $(PY) manage.py admin

## backup: write a backup into backups/
backup: $(VENV)/.installed
	$(PY) manage.py backup

## restore FILE=backups/...: replace the database with a backup (stop the app first)
restore: $(VENV)/.installed
	$(PY) manage.py restore $(FILE)

clean-venv:
	rm -rf $(VENV)
