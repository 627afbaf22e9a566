# The two commands of the README: `make run` and `make test`. Both set up what is missing first.
VENV := .venv
BIN := $(VENV)/bin

.PHONY: setup run test lint bench

setup:
	@bash scripts/setup.sh

run: setup
	@echo "Linting the bundled flows (the runtime comes with the next milestone):"
	$(BIN)/sce lint flows/
	$(BIN)/sce --help

test: setup
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/python -m pytest

bench: setup
	$(BIN)/python bench/compile.py
	$(BIN)/python bench/engine.py
	$(BIN)/python bench/reload.py
