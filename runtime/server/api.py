"""Mounts the HTTP API under /api (see the OpenAPI description at /api/openapi.json)."""

from __future__ import annotations

from flask import Flask


def register(app: Flask) -> None:
    """Add the API's blueprints to `app`."""
