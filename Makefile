# Two commands on a fresh machine with Python 3.11 (see README):
#   make console   - the bot in your terminal, on the embedded SQLite database
#   make test      - ruff, mypy --strict and pytest on SQLite and PostgreSQL
PYTHON ?= python3
VENV ?= .venv
STAMP := $(VENV)/.installed

.PHONY: console test bench install lock

# Installs the locked versions (requirements/dev.txt, made by scripts/lock.sh from the ranges in
# pyproject.toml), then the project itself without re-resolving its dependencies.
$(STAMP): pyproject.toml requirements/dev.txt
	$(PYTHON) -m venv $(VENV)
	$(VENV)/bin/python -m pip install --quiet --upgrade pip
	$(VENV)/bin/python -m pip install --quiet -r requirements/dev.txt
	$(VENV)/bin/python -m pip install --quiet --no-deps -e .
	touch $(STAMP)

install: $(STAMP)

console: $(STAMP)
	$(VENV)/bin/privacy-desk console

test: $(STAMP)
	VENV=$(VENV) bash scripts/test.sh

bench: $(STAMP)
	VENV=$(VENV) bash scripts/bench.sh

lock: $(STAMP)
	VENV=$(VENV) bash scripts/lock.sh
