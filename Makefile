# Two commands matter (see README): `make demo` and `make test`.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
HOST ?= 127.0.0.1
PORT ?= 8000
PYTEST_ARGS ?=
# Test processes (pytest-xdist); each has its own test database and Redis database. 0 runs in one process.
PYTEST_WORKERS ?= 2

.PHONY: demo test install install-dev lint migrate messages clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

install: $(BIN)/python
	$(BIN)/pip install --quiet -r requirements.txt

install-dev: $(BIN)/python
	$(BIN)/pip install --quiet -r requirements-dev.txt

migrate: install
	$(BIN)/python manage.py migrate --noinput

## Install everything, load the demo campaign on SQLite and serve it.
## Safe to run again: the demo is loaded once and topped up with the days since.
demo: migrate
	$(BIN)/python manage.py load_demo --url http://$(HOST):$(PORT)/
	@echo ""
	$(BIN)/python manage.py runserver $(HOST):$(PORT)

lint: install-dev
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

## Install what the tests need and run the whole suite (lint, Django checks, pytest).
test: install-dev
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/python manage.py check
	$(BIN)/python manage.py makemigrations --check --dry-run
	$(BIN)/python -m pytest --create-db -n $(PYTEST_WORKERS) $(PYTEST_ARGS)

## Refresh the translation catalogues (needs GNU gettext) and compile them.
messages: install
	$(BIN)/python manage.py makemessages -l vi -l en --ignore=.venv --ignore=staticfiles
	$(BIN)/python manage.py compilemessages --ignore=.venv

clean:
	rm -rf $(VENV) db.sqlite3 staticfiles .pytest_cache .ruff_cache test-results
