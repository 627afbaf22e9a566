"""Fixtures of the server tests: a copy of the bundled flows, a server app on them (the business
systems answered by flows/systems.http.yaml), its test client, and a signed-webhook phone."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient

from runtime.config import RuntimeConfig
from runtime.scripts.load import load_stubs
from runtime.server.app import create_app
from runtime.server.service import Service
from runtime.simulator import SimulatedEffects
from tests.runtime.server.phone import API_TOKEN, TWILIO_TOKEN, Phone

FLOWS = Path(__file__).resolve().parents[3] / "flows"


@pytest.fixture
def flows_dir(tmp_path: Path) -> Path:
    """A copy of the bundled flows (JSON and DSL twins, call scripts, stubs)."""
    target = tmp_path / "flows"
    shutil.copytree(FLOWS, target)
    return target


@pytest.fixture
def server_config(flows_dir: Path) -> RuntimeConfig:
    return RuntimeConfig(
        flows=str(flows_dir),
        twilio_auth_token=TWILIO_TOKEN,
        api_token=API_TOKEN,
        prompts=str(flows_dir.parent / "prompts"),
    )


def open_service(config: RuntimeConfig, flows_dir: Path) -> Service:
    effects = SimulatedEffects(load_stubs(flows_dir / "systems.http.yaml"), config)
    return Service.open(config, watch=False, effects=effects)


@pytest.fixture
def service(server_config: RuntimeConfig, flows_dir: Path) -> Iterator[Service]:
    svc = open_service(server_config, flows_dir)
    yield svc
    svc.close()


@pytest.fixture
def app(service: Service) -> Flask:
    return create_app(service=service)


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    return app.test_client()


@pytest.fixture
def phone(client: FlaskClient) -> Phone:
    return Phone(client)


@pytest.fixture
def writer() -> dict[str, str]:
    """Headers of an API client holding the token."""
    return {"Authorization": f"Bearer {API_TOKEN}"}
