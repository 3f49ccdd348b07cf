# esante-sandbox: `make run` starts the sandbox, `make test` runs every check. Both install what they need.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
RUN_STAMP := $(VENV)/.installed-run
# FHIR R4 validation (tests/test_fhir_r4.py): fhir.resources 6.4 is the last R4 line and needs pydantic 1,
# so it lives in an environment of its own.
FHIR_R4 := .venv-fhir-r4
FHIR_R4_STAMP := $(FHIR_R4)/.installed
PG_TEST_PORT ?= 5433
PG_TEST_URL ?= postgresql+psycopg:///esante?host=/var/run/postgresql&port=$(PG_TEST_PORT)
PG_BENCH_URL ?= postgresql+psycopg:///esantebench?host=/var/run/postgresql&port=$(PG_TEST_PORT)

.PHONY: run test lint typecheck pytest-sqlite pytest-postgres postgres openapi migration bench clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip

# What running needs (`make run`): the sandbox and its dependencies, with pip's progress.
$(RUN_STAMP): pyproject.toml | $(BIN)/python
	@echo "esante-sandbox: installing what the sandbox needs into $(VENV) (first run only, about a minute)"
	$(BIN)/pip install --progress-bar on -e .
	@# Bytecode written once: where PYTHONDONTWRITEBYTECODE is set, every start would compile the
	@# project's modules again (about 0.2 s of `esante up`); a changed module is compiled afresh.
	$(BIN)/python -m compileall -q shared services migrations
	touch $(RUN_STAMP)

# What the checks need too (`make test`): the dev tools.
$(STAMP): pyproject.toml $(RUN_STAMP)
	$(BIN)/pip install --quiet -e '.[dev]'
	touch $(STAMP)

$(FHIR_R4_STAMP):
	$(PYTHON) -m venv $(FHIR_R4)
	$(FHIR_R4)/bin/pip install --quiet "fhir.resources==6.4.0" "pydantic>=1.10,<2"
	touch $(FHIR_R4_STAMP)

## Start the all-in-one sandbox in the foreground (migrates and seeds first). Ctrl-C stops it.
run: $(RUN_STAMP)
	$(BIN)/esante up

## ruff, mypy, the import contracts, then the suite on SQLite and on PostgreSQL.
test: lint typecheck pytest-sqlite pytest-postgres

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/lint-imports

typecheck: $(STAMP)
	$(BIN)/mypy shared services migrations/env.py scripts bench

pytest-sqlite: $(STAMP) $(FHIR_R4_STAMP)
	ESANTE_FHIR_R4_PYTHON=$(FHIR_R4)/bin/python $(BIN)/pytest -q -p no:cacheprovider

pytest-postgres: $(STAMP) $(FHIR_R4_STAMP) postgres
	ESANTE_FHIR_R4_PYTHON=$(FHIR_R4)/bin/python ESANTE_TEST_DATABASE_URL='$(PG_TEST_URL)' $(BIN)/pytest -q -p no:cacheprovider

## Start the suite's own PostgreSQL 15 cluster (port $(PG_TEST_PORT)) when it is not running.
postgres:
	ESANTE_PG_TEST_PORT=$(PG_TEST_PORT) bash scripts/ensure_postgres.sh

## Rewrite openapi/<service>.json from the services' apps.
openapi: $(STAMP)
	$(BIN)/esante openapi

## Regenerate the initial migration from the models (until the first release).
migration: $(STAMP)
	$(BIN)/python scripts/regenerate_initial_migration.py

## Benchmarks: ratios against a bare FastAPI app measured in the same run.
bench: $(STAMP) postgres
	bash scripts/ensure_wrk.sh
	ESANTE_BENCH_DATABASE_URL='$(PG_BENCH_URL)' $(BIN)/python -m bench

clean:
	rm -rf $(VENV) $(FHIR_R4) .esante .mypy_cache .ruff_cache .pytest_cache build *.egg-info
