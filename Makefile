# `make run` and `make test` create .venv on first use and reinstall only when
# pyproject.toml changes.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: install run test lint format clean bench fuzz

install: $(STAMP)

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -e '.[dev]'
	touch $(STAMP)

run: $(STAMP)
	$(BIN)/slotwise serve --demo

# One test process per core; each takes its own PostgreSQL and Redis database (tests/conftest.py).
test: $(STAMP) lint
	$(BIN)/pytest -n auto

# Schemathesis' command line against a live server on a scratch database (tests/fuzz/run.sh).
fuzz: $(STAMP)
	BIN=$(BIN) tests/fuzz/run.sh

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

bench: $(STAMP)
	$(BIN)/python bench/availability.py
	$(BIN)/python bench/api.py

format: $(STAMP)
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache .hypothesis *.egg-info
