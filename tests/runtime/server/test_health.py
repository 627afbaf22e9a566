"""/healthz and /metrics as operations see them."""

from __future__ import annotations

from flask.testing import FlaskClient

from runtime.config import RuntimeConfig
from runtime.server.app import create_app
from runtime.server.service import Service
from tests.redis_server import redis_server
from tests.runtime.server.phone import Phone


def test_health_names_the_store_and_the_deployed_versions(client: FlaskClient) -> None:
    body = client.get("/healthz").get_json()
    assert body["ok"] and body["store"] == "memory" and body["active_calls"] == 0
    assert set(body["flows"]) >= {"balance", "hotline", "agent_queue"}
    assert all(len(v) == 64 for v in body["flows"].values())


def test_metrics_count_calls_per_flow_and_version_and_show_the_calls_in_progress(
    client: FlaskClient, phone: Phone, service: Service
) -> None:
    version = service.registry.current("hotline").version[:12]
    sid, answer = phone.call("hotline")
    text = client.get("/metrics").get_data(as_text=True)
    assert f'sce_calls_active{{flow="hotline",version="{version}"}} 1.0' in text
    assert client.get("/healthz").get_json()["active_calls"] == 1
    phone.press(sid, answer, "1")
    text = client.get("/metrics").get_data(as_text=True)
    assert f'sce_calls_active{{flow="hotline",version="{version}"}}' not in text
    assert 'sce_webhook_seconds_bucket{le="15.0",webhook="gather"}' in text
    assert "# TYPE sce_deploys_total counter" in text


def test_health_says_503_when_the_store_is_gone(tmp_path) -> None:  # type: ignore[no-untyped-def]
    with redis_server() as url:
        config = RuntimeConfig(store=url, flows=str(tmp_path / "none"))
        app = create_app(config, watch=False)
        assert app.test_client().get("/healthz").status_code == 200
    response = app.test_client().get("/healthz")  # the server stopped with the block
    assert response.status_code == 503
    assert "Redis" in response.get_json()["errors"][0]["message"]
    metrics = app.test_client().get("/metrics")  # still served, saying the store is down
    assert metrics.status_code == 200
    assert "sce_store_up 0.0" in metrics.get_data(as_text=True)
    app.extensions["sce"].close()
