# Two commands on a fresh machine with Python 3.11 (see README):
#   make console   - the bot in your terminal, on the embedded SQLite database
#   make test      - ruff, mypy --strict and pytest on SQLite and PostgreSQL
PYTHON ?= python3
VENV ?= .venv
STAMP := $(VENV)/.installed

.PHONY: console test bench install

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(VENV)/bin/python -m pip install --quiet --upgrade pip
	$(VENV)/bin/python -m pip install --quiet -e '.[dev]'
	touch $(STAMP)

install: $(STAMP)

console: $(STAMP)
	$(VENV)/bin/privacy-desk console

test: $(STAMP)
	VENV=$(VENV) bash scripts/test.sh

bench: $(STAMP)
	VENV=$(VENV) bash scripts/bench.sh
