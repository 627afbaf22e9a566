"""Fixtures of the server tests, as a pytest plugin (`tests/conftest.py` loads it) so that every
package testing through the server sees the same ones: the server tests, the authoring API's
(tests/api) and `sce deploy --server`'s. A copy of the bundled flows, a server app on them (the
business systems answered by flows/systems.http.yaml), its test client, a signed-webhook
phone; and the drafts of the hotline that the deploy tests deploy."""

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
OLD_WELCOME = "Welcome to the Example hotline."
NEW_WELCOME = "Welcome to the renewed hotline."


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
        http_allow=("*.bank.example",),  # the business systems of the bundled flows
        prompts=str(flows_dir.parent / "prompts"),
        users=str(flows_dir.parent / ".sce" / "users.json"),
        audit=str(flows_dir.parent / ".sce" / "audit.jsonl"),
    )


def open_service(config: RuntimeConfig, flows_dir: Path) -> Service:
    """A service on `config` whose business systems are the stubs of `flows_dir`."""
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


def renewed_hotline(flows_dir: Path) -> str:
    """The hotline's DSL with a new welcome."""
    text = (flows_dir / "hotline.flow").read_text(encoding="utf-8")
    return text.replace(OLD_WELCOME, NEW_WELCOME)


def broken_hotline(flows_dir: Path) -> str:
    """The renewed hotline with key 1 leading to a node that does not exist."""
    text = renewed_hotline(flows_dir)
    return text.replace('{ key = "1", next -> opening_hours }', '{ key = "1", next -> ghost }')
