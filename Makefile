# The two commands of the README: `make run` and `make test`. Both set up what is missing first.
VENV := .venv
BIN := $(VENV)/bin

.PHONY: setup run test lint bench

setup:
	@bash scripts/setup.sh

run: setup
	$(BIN)/sce lint flows/
	$(BIN)/sce call --script flows/
	@echo "The runtime server on the bundled flows (business systems answered by flows/systems.http.yaml)."
	@echo "Point a Twilio number at POST http://HOST:8000/voice/balance; edit flows/*.flow: it redeploys."
	$(BIN)/sce serve --flows flows --http flows/systems.http.yaml

test: setup
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy
	$(BIN)/python -m pytest

bench: setup
	$(BIN)/python bench/compile.py
	$(BIN)/python bench/engine.py
	$(BIN)/python bench/reload.py
	$(BIN)/python bench/webhook.py
