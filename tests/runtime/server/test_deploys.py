"""Deploys over HTTP as operations and `sce deploy --server` use them: a stored or posted flow
made live for new calls, a broken one refused with every diagnostic while the live version
stays, rollbacks, and the deploy log."""

from __future__ import annotations

import copy
import re
import time
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path

from flask.testing import FlaskClient

from runtime.config import RuntimeConfig
from runtime.scripts.load import load_stubs
from runtime.server.app import create_app
from runtime.server.service import Service
from runtime.simulator import SimulatedEffects
from sce.files import write_atomic
from tests.runtime.server.fixtures import (
    NEW_WELCOME,
    OLD_WELCOME,
    broken_hotline,
    open_service,
    renewed_hotline,
)
from tests.runtime.server.phone import Phone


def live(client: FlaskClient, flow: str = "hotline") -> str:
    """The version new calls of `flow` get, as the load balancer's health check shows it."""
    return client.get("/healthz").json["flows"][flow]


def welcome_heard(phone: Phone) -> str:
    """What a new caller of the hotline hears first, through the TwiML webhooks."""
    _, answer = phone.call("hotline")
    return answer.said[0]


def simulated_version(client: FlaskClient, writer: dict[str, str]) -> str:
    """The version a new test call of the hotline runs on."""
    r = client.post("/api/simulate/calls", json={"flow": "hotline"}, headers=writer)
    assert r.status_code == 201, r.json
    return r.json["version"]


def save_renewed(client: FlaskClient, writer: dict[str, str]) -> dict:
    """Save the hotline with a new welcome through the API, as the designer does: revision 2."""
    stored = client.get("/api/flows/hotline")
    document = copy.deepcopy(stored.json["document"])
    document["nodes"]["welcome"]["prompt"]["text"]["en-US"] = NEW_WELCOME
    saved = client.put(
        "/api/flows/hotline",
        json={"document": document},
        headers={**writer, "If-Match": stored.headers["ETag"]},
    )
    assert saved.status_code == 200 and saved.json["revision"] == 2, saved.json
    return document


def compiled_version(client: FlaskClient, document: dict) -> str:
    r = client.post("/api/compile", json={"document": document})
    assert r.status_code == 200, r.json
    return r.json["version"]


def test_a_saved_flow_deployed_is_the_version_of_new_calls_only(
    client: FlaskClient, writer: dict[str, str], phone: Phone, flows_dir: Path
) -> None:
    old = live(client)
    sid, in_progress = phone.call("hotline")
    assert in_progress.said[0] == OLD_WELCOME
    save_renewed(client, writer)

    r = client.post("/api/flows/hotline/deploy", json={"who": "ana"}, headers=writer)
    assert r.status_code == 200, r.json
    assert r.json["ok"] is True and r.json["result"] == "deployed"
    assert r.json["previous"] == old and r.json["revision"] == 2 and r.json["who"] == "ana"
    # The working file, as the folder watcher deploys it; diagnostics come as objects only.
    assert r.json["source"] == str(flows_dir / "hotline.flow")
    assert r.json["diagnostics"] == [] and "errors" not in r.json
    assert live(client) == r.json["version"] != old

    assert welcome_heard(phone) == NEW_WELCOME
    assert simulated_version(client, writer) == r.json["version"]
    # The call that started before goes on, on the version it started on.
    assert phone.press(sid, in_progress, "1").status == 200
    assert client.application.extensions["sce"].calls.get(sid).version == old


def test_a_broken_flow_is_refused_with_every_diagnostic_and_the_live_version_stays(
    client: FlaskClient, writer: dict[str, str], phone: Phone, flows_dir: Path
) -> None:
    old = live(client)
    r = client.post(
        "/api/deploys",
        json={"text": broken_hotline(flows_dir), "format": "flow", "path": "drafts/hotline.flow"},
        headers=writer,
    )
    assert r.status_code == 422
    body = r.json
    assert body["ok"] is False and body["status"] == 422
    assert f"version {old[:12]} stays live" in body["errors"][0]["message"]
    ghost = next(e for e in body["errors"] if e.get("code") == "SCE102")
    assert ghost["path"] == "drafts/hotline.flow" and ghost["node"] == "main"
    assert ghost["line"] is not None and "ghost" in ghost["message"]
    assert body["deploy"]["result"] == "refused" and body["deploy"]["previous"] == old
    assert "errors" not in body["deploy"]  # they are above, as objects

    assert live(client) == old
    assert welcome_heard(phone) == OLD_WELCOME
    assert simulated_version(client, writer) == old
    log = client.get("/api/deploys?flow=hotline").json["deploys"]
    assert log[0]["result"] == "refused" and log[0]["source"] == "posted:drafts/hotline.flow"


def test_a_posted_flow_goes_live_and_a_rollback_brings_the_old_one_back(
    client: FlaskClient, writer: dict[str, str], phone: Phone, flows_dir: Path
) -> None:
    old = live(client)
    r = client.post(
        "/api/deploys", json={"text": renewed_hotline(flows_dir), "format": "flow"}, headers=writer
    )
    assert r.status_code == 200 and r.json["result"] == "deployed" and r.json["who"] == "api"
    new = r.json["version"]
    assert welcome_heard(phone) == NEW_WELCOME

    back = client.post("/api/flows/hotline/rollback", headers=writer)
    assert back.status_code == 200
    assert (back.json["result"], back.json["version"], back.json["previous"]) == (
        "rolled-back",
        old,
        new,
    )
    assert live(client) == old and welcome_heard(phone) == OLD_WELCOME
    assert simulated_version(client, writer) == old

    # Forward again, naming the version by its first characters as people copy them.
    forward = client.post(
        "/api/flows/hotline/rollback", json={"version": new[:10], "who": "bo"}, headers=writer
    )
    assert forward.status_code == 200 and forward.json["version"] == new
    assert welcome_heard(phone) == NEW_WELCOME


def test_rollbacks_that_name_no_version_say_why(
    client: FlaskClient, writer: dict[str, str]
) -> None:
    short = client.post("/api/flows/hotline/rollback", json={"version": "abc"}, headers=writer)
    assert (
        short.status_code == 400 and "at least 8 characters" in short.json["errors"][0]["message"]
    )
    unknown = client.post(
        "/api/flows/hotline/rollback", json={"version": "0123456789"}, headers=writer
    )
    assert (
        unknown.status_code == 404
        and "names no single version" in unknown.json["errors"][0]["message"]
    )
    first = client.post("/api/flows/hotline/rollback", headers=writer)
    assert first.status_code == 404 and "no earlier version" in first.json["errors"][0]["message"]
    assert client.post("/api/flows/nothing/rollback", headers=writer).status_code == 404


def test_an_earlier_revision_can_be_deployed(
    client: FlaskClient, writer: dict[str, str], phone: Phone, flows_dir: Path
) -> None:
    old = live(client)
    save_renewed(client, writer)
    second = client.post("/api/flows/hotline/deploy", json={"revision": 2}, headers=writer)
    assert second.json["result"] == "deployed"
    assert second.json["source"] == str(flows_dir / "hotline.flow")  # 2 is the current one
    first = client.post("/api/flows/hotline/deploy", json={"revision": 1}, headers=writer)
    assert first.status_code == 200 and first.json["version"] == old
    assert first.json["source"] == "hotline@1.json"
    assert welcome_heard(phone) == OLD_WELCOME
    missing = client.post("/api/flows/hotline/deploy", json={"revision": 9}, headers=writer)
    assert missing.status_code == 404 and "no revision 9" in missing.json["errors"][0]["message"]
    nothing = client.post("/api/flows/nothing/deploy", headers=writer)
    assert nothing.status_code == 404


def test_the_revision_answered_is_the_content_deployed(
    client: FlaskClient, writer: dict[str, str], flows_dir: Path
) -> None:
    save_renewed(client, writer)
    # Someone edits the working file on disk: the repository records that as revision 3.
    path = flows_dir / "hotline.flow"
    edited = path.read_text(encoding="utf-8").replace(NEW_WELCOME, "Hello again.")
    path.write_text(edited, encoding="utf-8")
    for asked, number in ((None, 3), (2, 2), (1, 1), (3, 3)):
        body = {} if asked is None else {"revision": asked}
        r = client.post("/api/flows/hotline/deploy", json=body, headers=writer)
        assert r.status_code == 200 and r.json["revision"] == number, r.json
        kept = client.get(f"/api/flows/hotline/revisions/{number}").json["document"]
        assert r.json["version"] == compiled_version(client, kept) == live(client)


def test_the_deploy_log_is_newest_first_and_can_be_narrowed(
    client: FlaskClient, writer: dict[str, str], flows_dir: Path
) -> None:
    for text in (broken_hotline(flows_dir), renewed_hotline(flows_dir)):
        client.post("/api/deploys", json={"text": text, "format": "flow"}, headers=writer)
    r = client.get("/api/deploys?flow=hotline&limit=2")
    assert r.status_code == 200
    assert [d["result"] for d in r.json["deploys"]] == ["deployed", "refused"]
    everything = client.get("/api/deploys").json["deploys"]
    assert {d["flow"] for d in everything} >= {"hotline", "balance", "after_hours"}
    for limit in ("0", "1001", "ten", "-1"):
        bad = client.get(f"/api/deploys?limit={limit}")
        assert bad.status_code == 400 and "'limit' must be" in bad.json["errors"][0]["message"]


def test_every_deploy_is_counted_by_result(
    client: FlaskClient, writer: dict[str, str], flows_dir: Path
) -> None:
    def refused() -> float:
        text = client.get("/metrics").get_data(as_text=True)
        found = re.search(r'^sce_deploys_total\{result="refused"\} (\S+)$', text, re.M)
        return float(found.group(1)) if found else 0.0

    before = refused()
    body = {"text": broken_hotline(flows_dir), "format": "flow"}
    client.post("/api/deploys", json=body, headers=writer)
    assert refused() == before + 1


def test_deploys_need_the_token_and_the_log_does_not(
    client: FlaskClient, service: Service, flows_dir: Path
) -> None:
    old = live(client)
    body = {"text": renewed_hotline(flows_dir), "format": "flow"}
    wrong = {"Authorization": "Bearer nope"}
    for url, json_body in (
        ("/api/deploys", body),
        ("/api/flows/hotline/deploy", {}),
        ("/api/flows/hotline/rollback", {}),
    ):
        r = client.post(url, json=json_body, headers=wrong)
        assert r.status_code == 401 and r.json["status"] == 401
        assert client.post(url, json=json_body).status_code == 401
    read_only = create_app(replace(service.config, api_token=None), service=service).test_client()
    r = read_only.post("/api/deploys", json=body, headers=wrong)
    assert r.status_code == 403 and "read-only" in r.json["errors"][0]["message"]
    assert live(client) == old
    assert read_only.get("/api/deploys").status_code == 200


def _until(condition: Callable[[], bool], seconds: float = 10) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.05)
    return condition()


def test_a_save_through_the_api_is_a_draft_but_an_edit_on_disk_is_deployed(
    server_config: RuntimeConfig, flows_dir: Path, writer: dict[str, str], redis_clean: str
) -> None:
    """The server watches its flows folder. What the designer saves through the API waits for
    the deploy button, even across a restart; a file changed on disk (an editor, a git pull)
    is deployed as before. (On Redis, where deploys outlive the process.)"""
    config = replace(server_config, store=redis_clean)
    effects = SimulatedEffects(load_stubs(flows_dir / "systems.http.yaml"), config)
    service = Service.open(config, watch=True, effects=effects)
    client = create_app(service=service).test_client()
    old = live(client)
    document = save_renewed(client, writer)
    time.sleep(3 * service.watcher.debounce)  # type: ignore[union-attr]
    assert live(client) == old and welcome_heard(Phone(client)) == OLD_WELCOME
    service.close()

    service = Service.open(config, watch=True, effects=effects)  # a restart
    client = create_app(service=service).test_client()
    assert live(client) == old, "a restart does not deploy a draft"
    r = client.post("/api/flows/hotline/deploy", json={}, headers=writer)
    assert r.status_code == 200 and live(client) == compiled_version(client, document)

    hand_edited = (flows_dir / "hotline.flow").read_text(encoding="utf-8")
    write_atomic(flows_dir / "hotline.flow", hand_edited.replace(NEW_WELCOME, "Hello by hand."))
    assert _until(lambda: welcome_heard(Phone(client)) == "Hello by hand.")
    service.close()


def test_a_flow_posted_under_the_name_of_a_server_file_survives_a_restart(
    server_config: RuntimeConfig, flows_dir: Path, writer: dict[str, str], redis_clean: str
) -> None:
    """`sce deploy flows/hotline.flow --server URL` from a checkout posts the same name the
    server's own file has; a restart must not take the server's older file for it."""
    config = replace(server_config, store=redis_clean)
    service = open_service(config, flows_dir)
    client = create_app(service=service).test_client()
    path = str(flows_dir / "hotline.flow")
    body = {"text": renewed_hotline(flows_dir), "format": "flow", "path": path}
    posted = client.post("/api/deploys", json=body, headers=writer)
    assert posted.status_code == 200, posted.json
    service.close()

    service = open_service(config, flows_dir)  # a restart over the unchanged folder
    assert service.registry.current("hotline").version == posted.json["version"]
    service.close()
