# Every target does its own set-up: a fresh clone needs nothing but Python 3.11+.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: run test test-unit lint typecheck migrate openapi bench all clean

# The dev set-up: LedgerPort and, beside it, the sandbox fakes (their own distribution).
$(STAMP): pyproject.toml sandbox/pyproject.toml
	test -d $(VENV) || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[dev]' -e ./sandbox
	touch $(STAMP)

# The embedded demo: the sandbox fakes stand in for QBO and Shopify unless LEDGERPORT_SANDBOX=0.
# Ports: PORT (API, 8000), SANDBOX_QBO_PORT (8101), SANDBOX_SHOPIFY_PORT (8102); see README.
run: $(STAMP)
	LEDGERPORT_SANDBOX=$${LEDGERPORT_SANDBOX-1} $(BIN)/python -m app.cli run

test: $(STAMP)
	bash scripts/services.sh
	$(BIN)/pytest

test-unit: $(STAMP)
	$(BIN)/pytest tests/unit

lint: $(STAMP)
	$(BIN)/ruff check app sandbox tests bench scripts migrations
	$(BIN)/ruff format --check app sandbox tests bench scripts migrations

typecheck: $(STAMP)
	$(BIN)/mypy

migrate: $(STAMP)
	$(BIN)/alembic upgrade head

openapi: $(STAMP)
	$(BIN)/python -m app.cli openapi > openapi.json.tmp && mv openapi.json.tmp openapi.json

bench: $(STAMP)
	$(BIN)/python bench/sync_throughput.py

all: lint typecheck test

clean:
	rm -rf $(VENV) var .pytest_cache .ruff_cache .mypy_cache
