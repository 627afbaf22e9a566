"""The deployed state outlives Redis's data (`runtime/store/durable.py`): Redis restarted empty
under live calls, then a worker that starts on it (a respawned one) serves every flow at the
version that was live, says in its log that it restored them, and the deploy log is back; a
process that cannot serve a live flow says so on /healthz, so a load balancer sends calls
elsewhere."""

from __future__ import annotations

import logging
from dataclasses import replace
from pathlib import Path

import pytest
import redis

from runtime.config import RuntimeConfig
from runtime.server.app import create_app
from runtime.server.service import DEPLOYS_FOLDER
from tests.runtime.server.fixtures import open_service
from tests.runtime.server.phone import API_TOKEN, Phone

WELCOME = "Welcome to the Example hotline."
NEW = "Welcome to the renewed hotline."


def flush(url: str) -> None:
    """What a Redis restart without persistence does to its data."""
    client = redis.Redis.from_url(url)
    client.flushall()
    client.close()


def test_a_worker_started_after_redis_lost_its_data_serves_what_was_live(
    server_config: RuntimeConfig,
    flows_dir: Path,
    redis_clean: str,
    caplog: pytest.LogCaptureFixture,
) -> None:
    config = replace(server_config, store=redis_clean)
    first = open_service(config, flows_dir)
    try:
        live = first.registry.current_versions()
        assert {"hotline", "balance"} <= set(live)
        old_app = create_app(service=first)
        phone = Phone(old_app.test_client())
        sid, answer = phone.call("hotline")
        assert WELCOME in answer.said
        headers = {"Authorization": f"Bearer {API_TOKEN}"}
        before = old_app.test_client().get("/api/deploys", headers=headers).get_json()["deploys"]
        assert before

        flush(redis_clean)

        # The call whose session went with Redis ends cleanly, with words, not silence.
        lost = phone.press(sid, answer, "1")
        assert lost.status == 200
        assert lost.verbs[-1] == "Hangup" and lost.said

        with caplog.at_level(logging.WARNING, logger="sce.deploy"):
            second = open_service(config, flows_dir)  # a respawned worker
        try:
            assert second.registry.current_versions() == live
            assert "restored" in caplog.text and "hotline" in caplog.text
            app = create_app(service=second)
            client = app.test_client()
            health = client.get("/healthz")
            assert health.status_code == 200, health.get_json()
            assert health.get_json()["flows"] == live
            _, fresh = Phone(client).call("hotline")
            assert WELCOME in fresh.said  # not the apology
            # Nothing lost from the deploy log either.
            deploys = client.get("/api/deploys", headers=headers).get_json()["deploys"]
            assert deploys == before
        finally:
            second.close()
    finally:
        first.close()


def test_health_is_503_while_a_live_flow_cannot_be_served_here(
    server_config: RuntimeConfig, flows_dir: Path, redis_clean: str
) -> None:
    config = replace(server_config, store=redis_clean)
    first = open_service(config, flows_dir)
    try:
        hotline = first.registry.current_versions()["hotline"]
        client = create_app(service=first).test_client()
        assert client.get("/healthz").status_code == 200
        # Redis lost everything, and the kept copy of the hotline's version is gone too: this
        # process may not tell a load balancer it is fine.
        flush(redis_clean)
        (flows_dir / DEPLOYS_FOLDER / "versions" / f"{hotline}.json").unlink()
        first.registry._loaded.clear()  # a process that had not loaded it yet
        first.registry.refresh()
        health = client.get("/healthz")
        assert health.status_code == 503
        assert "hotline" in health.get_json()["errors"][0]["message"]
    finally:
        first.close()


def test_a_store_put_back_to_an_older_snapshot_gets_the_later_deploys_back(
    server_config: RuntimeConfig,
    flows_dir: Path,
    redis_clean: str,
    caplog: pytest.LogCaptureFixture,
) -> None:
    """A failover to a replica that was behind, or a restart from an old RDB snapshot: Redis
    has a live hotline, but not the one deployed last."""
    config = replace(server_config, store=redis_clean)
    first = open_service(config, flows_dir)
    try:
        client = create_app(service=first).test_client()
        headers = {"Authorization": f"Bearer {API_TOKEN}"}
        raw = redis.Redis.from_url(redis_clean)
        snapshot = {key: raw.dump(key) for key in raw.keys("*")}
        renewed = (flows_dir / "hotline.flow").read_text(encoding="utf-8").replace(WELCOME, NEW)
        body = {"text": renewed, "format": "flow", "path": "hotline.flow", "who": "ops"}
        assert client.post("/api/deploys", json=body, headers=headers).status_code == 200
        live = first.registry.current_versions()
        before = client.get("/api/deploys", headers=headers).get_json()["deploys"]

        raw.flushall()
        for key, value in snapshot.items():
            raw.restore(key, 0, value)
        raw.close()

        with caplog.at_level(logging.WARNING, logger="sce.deploy"):
            second = open_service(config, flows_dir)  # a worker started on the old snapshot
        try:
            assert second.registry.current_versions() == live
            assert "fallen behind" in caplog.text and "hotline" in caplog.text
            fresh = create_app(service=second).test_client()
            _, answer = Phone(fresh).call("hotline")
            assert NEW in answer.said
            assert fresh.get("/api/deploys", headers=headers).get_json()["deploys"] == before
        finally:
            second.close()
        # The process that was running all along serves the later version too.
        assert client.get("/healthz").status_code == 200
        assert first.registry.current_versions() == live
    finally:
        first.close()
