# The two commands of the README: `make run` and `make test`. Both set up what is missing first
# (the designer's build from web/ included).
VENV := .venv
BIN := $(VENV)/bin

.PHONY: setup run test lint bench

setup:
	@bash scripts/setup.sh

run: setup
	$(BIN)/sce lint flows/
	$(BIN)/sce call --script flows/
	@echo "The runtime server on the bundled flows (business systems answered by flows/systems.http.yaml)."
	@echo "The designer: http://127.0.0.1:8000/ (log in with the designer login below)."
	@echo "Edit a file in flows/: it redeploys. /healthz, /metrics and /api/openapi.json work at once."
	@echo "Webhooks need TWILIO_AUTH_TOKEN (try one: sce webhook balance); the API needs the login below."
	@echo "The README's first section says how, and how to reach the server from Twilio."
	@$(BIN)/python scripts/dev_user.py
	$(BIN)/sce serve --flows flows --http flows/systems.http.yaml

test: setup
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy
	cd web && npm run check
	$(BIN)/python -m pytest

bench: setup
	$(BIN)/python bench/compile.py
	$(BIN)/python bench/engine.py
	$(BIN)/python bench/reload.py
	$(BIN)/python bench/webhook.py
	$(BIN)/python bench/designer.py
	$(BIN)/python bench/audio.py

# Scale-out on a laptop: two workers sharing a throwaway Redis (started on a free port, saving
# nothing, stopped when the server stops, Ctrl-C included). Extra serve options: ARGS="--port 8001".
.PHONY: run-redis
run-redis: setup
	@$(BIN)/python scripts/dev_user.py
	$(BIN)/python scripts/run_redis.py $(ARGS)

# docs/reference.md from the flow schema (tests/schema/test_reference.py says when it is stale).
.PHONY: docs
docs: setup
	$(BIN)/python -m sce.schema.reference docs/reference.md
