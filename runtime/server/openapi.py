"""`GET /api/openapi.json`: the OpenAPI 3.1 description of the API (every /api endpoint and
/healthz), kept as YAML beside this module (`openapi.yaml`) because people read and review it.

The tests fuzz the server against this description (schemathesis), so it says what the server
really answers: status codes, bodies, the error shape, and which calls need the bearer token.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path

import yaml
from flask import Blueprint

from sce.api.auth import public

openapi = Blueprint("openapi", __name__)

SOURCE = Path(__file__).with_name("openapi.yaml")


@cache
def description() -> dict[str, object]:
    """The API's description as data (read once per process)."""
    return yaml.safe_load(SOURCE.read_text(encoding="utf-8"))


@openapi.get("/api/openapi.json")
@public
def openapi_json() -> dict[str, object]:
    return description()
