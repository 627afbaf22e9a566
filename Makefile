# The two commands of the README: `make run` and `make test`. Both set up what is missing first.
VENV := .venv
BIN := $(VENV)/bin

.PHONY: setup run test lint bench

setup:
	@bash scripts/setup.sh

run: setup
	$(BIN)/sce lint flows/
	$(BIN)/sce call --script flows/
	@echo "A test call to the balance line; edit flows/*.flow while you call, then call again:"
	$(BIN)/sce call balance --flows flows --http flows/systems.http.yaml --watch

test: setup
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/python -m pytest

bench: setup
	$(BIN)/python bench/compile.py
	$(BIN)/python bench/engine.py
	$(BIN)/python bench/reload.py
