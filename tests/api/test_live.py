"""The flow list says what is live (`sce.api.live`): the version new calls get, who deployed it
and when, and which stored revision it is, so the designer can show "live: revision 3" beside
the draft being edited."""

from __future__ import annotations

from pathlib import Path

from flask.testing import FlaskClient

from tests.api.test_flows import read, save
from tests.runtime.server.fixtures import renewed_hotline


def listed(client: FlaskClient) -> dict[str, dict]:
    r = client.get("/api/flows")
    assert r.status_code == 200
    return {line["id"]: line for line in r.json["flows"]}


def test_each_deployed_flow_says_what_new_calls_get(client: FlaskClient) -> None:
    running = client.get("/healthz").json["flows"]
    lines = listed(client)
    for flow_id, line in lines.items():
        live = line["live"]
        assert live["version"] == running[flow_id], flow_id
        # The server deployed the folder as it started: the files as they are, revision 1.
        assert live["who"] == "startup" and live["revision"] == 1 and live["when"], live
        assert line["languages"] == ["en-US", "zh-CN"]


def test_a_saved_draft_is_not_live_and_the_live_revision_stays_named(
    client: FlaskClient, writer: dict[str, str]
) -> None:
    live = listed(client)["hotline"]["live"]
    document, etag = read(client, "hotline")
    document["title"] = "Hotline (draft)"
    assert save(client, writer, "hotline", document, etag).status_code == 200
    line = listed(client)["hotline"]
    assert line["revision"] == 2 and line["live"] == live  # still revision 1, as deployed

    deployed = client.post("/api/flows/hotline/deploy", json={"who": "dan"}, headers=writer)
    assert deployed.status_code == 200 and deployed.json["revision"] == 2
    now = listed(client)["hotline"]["live"]
    assert now == {
        "version": deployed.json["version"],
        "when": deployed.json["when"],
        "who": "dan",
        "revision": 2,
    }
    assert client.get("/api/deploys?flow=hotline&limit=1").json["deploys"][0]["revision"] == 2


def test_a_rollback_names_the_revision_it_went_back_to(
    client: FlaskClient, writer: dict[str, str], flows_dir: Path
) -> None:
    document, etag = read(client, "hotline")
    document["title"] = "Hotline (renewed)"
    save(client, writer, "hotline", document, etag)
    assert client.post("/api/flows/hotline/deploy", headers=writer).status_code == 200
    assert listed(client)["hotline"]["live"]["revision"] == 2
    back = client.post("/api/flows/hotline/rollback", json={"who": "dan"}, headers=writer)
    assert back.status_code == 200 and back.json["result"] == "rolled-back"
    assert listed(client)["hotline"]["live"]["revision"] == 1


def test_a_flow_never_deployed_or_posted_from_elsewhere_is_said_so(
    client: FlaskClient, writer: dict[str, str], flows_dir: Path
) -> None:
    (flows_dir / "hotline.flow").write_text(renewed_hotline(flows_dir), encoding="utf-8")
    posted = client.post(
        "/api/deploys",
        json={"text": renewed_hotline(flows_dir).replace("renewed", "posted"), "format": "flow"},
        headers=writer,
    )
    assert posted.status_code == 200
    hello = {
        "flow": "hello",
        "start": "bye",
        "nodes": {"bye": {"type": "hangup"}},
    }
    assert client.post("/api/flows", json={"document": hello}, headers=writer).status_code == 201
    lines = listed(client)
    assert lines["hello"]["live"] is None
    assert lines["hotline"]["live"]["version"] == posted.json["version"]
    assert lines["hotline"]["live"]["revision"] is None  # no revision holds the posted text
