# `make run` and `make test` create .venv on first use and reinstall only when
# pyproject.toml changes.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: install run test lint lint-spec format clean bench fuzz

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

# Spectral checks openapi.yaml against .spectral.yaml. It comes from npm, pinned, into .tools/,
# installed again only when the pin changes; `make test` never needs it.
SPECTRAL_VERSION := 6.16.3
SPECTRAL := .tools/spectral-$(SPECTRAL_VERSION)/node_modules/.bin/spectral

$(SPECTRAL):
	rm -rf .tools
	npm install --prefix .tools/spectral-$(SPECTRAL_VERSION) --save-exact --no-audit --no-fund \
		--loglevel=error @stoplight/spectral-cli@$(SPECTRAL_VERSION)

lint-spec: $(SPECTRAL)
	$(SPECTRAL) lint --ruleset .spectral.yaml --fail-severity=warn openapi.yaml

bench: $(STAMP)
	$(BIN)/python bench/availability.py
	$(BIN)/python bench/api.py

format: $(STAMP)
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

clean:
	rm -rf $(VENV) .tools .pytest_cache .ruff_cache .hypothesis *.egg-info
