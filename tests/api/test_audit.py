"""The audit log (`sce.access.audit`, `GET /api/audit`): a morning of saves, deploys and
refusals leaves exactly its records, in order, with who did what, in which role, how they came
in, to which flow and revision, and what came of it; deployers and admins read them back through
the filters; user and token changes are there too, without a secret."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from flask.testing import FlaskClient

from runtime.config import RuntimeConfig
from sce.access.roles import Role
from tests.api.people import NAMES, PASSWORD, People, log_in
from tests.api.test_auth import read_as
from tests.api.test_flows import HELLO, assert_error
from tests.runtime.server.fixtures import broken_hotline

VAL, EVE, DAN, ADA = (NAMES[r] for r in (Role.VIEWER, Role.EDITOR, Role.DEPLOYER, Role.ADMIN))
#: The fields a record is compared on (time and address are checked apart).
FIELDS = ("who", "role", "via", "action", "result", "flow", "revision")


def records(client: FlaskClient, people: People, query: str = "") -> list[dict]:
    r = client.get(f"/api/audit{query}", headers=people.token(Role.ADMIN))
    assert r.status_code == 200, r.json
    return r.json["records"]


def brief(rows: list[dict]) -> list[tuple]:
    return [tuple(row[f] for f in FIELDS) for row in rows]


@pytest.fixture
def morning(client: FlaskClient, people: People, flows_dir: Path) -> list[tuple]:
    """Eve creates a flow and saves the hotline (and once more from a stale copy); Dan deploys
    it, has a broken draft refused, and rolls back; Val tries to save; someone guesses Eve's
    password. The records this leaves, oldest first."""
    editor, deployer = people.token(Role.EDITOR), people.token(Role.DEPLOYER)
    assert client.post("/api/flows", json={"document": HELLO}, headers=editor).status_code == 201
    document, etag = read_as(client, "hotline", editor)
    revision = client.get("/api/flows/hotline", headers=editor).json["revision"]
    document["title"] = "Hotline (morning)"
    saved = client.put(
        "/api/flows/hotline", json={"document": document}, headers={**editor, "If-Match": etag}
    )
    assert saved.status_code == 200
    document["title"] = "Hotline (from a stale copy)"
    stale = client.put(
        "/api/flows/hotline", json={"document": document}, headers={**editor, "If-Match": etag}
    )
    assert stale.status_code == 412
    assert client.post("/api/flows/hotline/deploy", headers=deployer).json["result"] == "deployed"
    draft = {"text": broken_hotline(flows_dir), "format": "flow", "path": "hotline.flow"}
    assert client.post("/api/deploys", json=draft, headers=deployer).status_code == 422
    r = client.post("/api/flows/hotline/rollback", headers=deployer)
    assert r.json["result"] == "rolled-back"
    r = client.put(
        "/api/flows/hotline",
        json={"document": document},
        headers={**people.token(Role.VIEWER), "If-Match": saved.headers["ETag"]},
    )
    assert r.status_code == 403
    r = client.post("/api/session", json={"user": EVE, "password": "her cat's name"})
    assert r.status_code == 401
    saved_as = revision + 1
    return [
        (EVE, "editor", "token", "flow.create", "ok", "hello", 1),
        (EVE, "editor", "token", "flow.save", "ok", "hotline", saved_as),
        (EVE, "editor", "token", "flow.save", "refused", "hotline", saved_as),
        (DAN, "deployer", "token", "deploy", "ok", "hotline", saved_as),
        (DAN, "deployer", "token", "deploy", "refused", "hotline", None),
        (DAN, "deployer", "token", "rollback", "ok", "hotline", None),
        (VAL, "viewer", "token", "PUT /api/flows/hotline", "denied", "hotline", None),
        ("", None, "anonymous", "login", "denied", None, None),
    ]


def test_a_morning_leaves_exactly_its_records_newest_first(
    client: FlaskClient, people: People, morning: list[tuple], server_config: RuntimeConfig
) -> None:
    got = records(client, people)
    assert brief(got) == morning[::-1]
    login, denied, rollback, refused, deploy, stale, save, create = got
    assert login["target"] == EVE and "wrong user name or password" in login["detail"]
    assert "eve" not in json.dumps(denied) and "may not save or delete flows" in denied["detail"]
    assert deploy["version"] and deploy["version"] != rollback["version"]
    assert refused["detail"].endswith("finding(s)") and refused["version"] is None
    assert stale["detail"] == "stale If-Match"
    assert {r["address"] for r in got} == {"127.0.0.1"}
    assert [r["time"] for r in got] == sorted((r["time"] for r in got), reverse=True)
    assert all(r["time"].endswith("+00:00") for r in got)
    # Reading the log is no change: the file holds these records and no others.
    lines = Path(server_config.audit).read_text(encoding="utf-8").splitlines()
    assert brief([json.loads(line) for line in lines]) == morning


#: Queries of the morning's log, and the records (by their place in it) each gives.
FILTERS = {
    f"?who={DAN}": [3, 4, 5],
    "?action=deploy": [3, 4],
    "?result=refused": [2, 4],
    "?flow=hotline": [1, 2, 3, 4, 5, 6],
    f"?who={DAN}&result=ok": [3, 5],
    "?result=denied&action=login": [7],
    "?limit=2": [6, 7],
    "?since=2000-01-01T00:00:00Z&until=2999-01-01T00:00:00%2B01:00": list(range(8)),
    "?since=2999-01-01T00:00:00Z": [],
    "?until=2000-01-01T00:00:00-05:00": [],
    "?who=nobody": [],
}


def test_the_filters_pick_the_records_that_match_them_all(
    client: FlaskClient, people: People, morning: list[tuple]
) -> None:
    for query, picked in FILTERS.items():
        expected = [morning[i] for i in reversed(picked)]
        assert brief(records(client, people, query)) == expected, query


def test_a_time_filter_must_be_a_time_with_its_zone(client: FlaskClient, people: People) -> None:
    deployer = people.token(Role.DEPLOYER)
    for query, words in (
        ("?since=yesterday", "since must be an ISO time"),
        ("?until=2026-12-01T09:00:00", "until must say its time zone"),
        ("?since=0001-01-01T00:00:00%2B01:00", "since is out of the range of times"),
        ("?limit=0", "'limit' must be a whole number from 1 to 1000"),
    ):
        assert_error(client.get(f"/api/audit{query}", headers=deployer), 400, words)


def test_deployers_and_admins_read_the_log_and_a_refused_reader_is_in_it(
    client: FlaskClient, people: People
) -> None:
    assert client.get("/api/audit", headers=people.token(Role.DEPLOYER)).status_code == 200
    for role in (Role.VIEWER, Role.EDITOR, Role.VOICE):
        r = client.get("/api/audit", headers=people.token(role))
        assert_error(r, 403, "may not read the audit log: that takes the role deployer or admin")
    assert brief(records(client, people)) == [
        (NAMES[role], role.value, "token", "GET /api/audit", "denied", None, None)
        for role in (Role.VOICE, Role.EDITOR, Role.VIEWER)
    ]


def test_logins_and_user_and_token_changes_are_recorded_without_a_secret(
    client: FlaskClient, people: People, server_config: RuntimeConfig
) -> None:
    admin = people.token(Role.ADMIN)
    zoe = {"name": "zoe", "role": "editor", "password": "zoe's long password"}
    assert client.post("/api/users", json=zoe, headers=admin).status_code == 201
    assert client.patch("/api/users/zoe", json={"role": "viewer"}, headers=admin).status_code == 200
    r = client.post("/api/users/zoe/tokens", json={"label": "ci"}, headers=admin)
    token_id, secret = r.json["id"], r.json["token"]
    assert client.delete(f"/api/tokens/{token_id}", headers=admin).status_code == 200
    log_in(client, EVE)
    assert client.delete("/api/session").status_code == 204
    got = records(client, people)[::-1]
    assert [(r["who"], r["via"], r["action"], r["target"], r["detail"]) for r in got] == [
        (ADA, "token", "user.add", "zoe", "as editor"),
        (ADA, "token", "user.role", "zoe", "now viewer"),
        (ADA, "token", "token.create", token_id, "for zoe as viewer"),
        (ADA, "token", "token.revoke", token_id, "of zoe"),
        (EVE, "session", "login", EVE, "as editor"),
        (EVE, "session", "logout", None, ""),
    ]
    text = Path(server_config.audit).read_text(encoding="utf-8")
    for secret_ in (secret, zoe["password"], PASSWORD):
        assert secret_ not in text


def test_a_line_of_the_audit_file_that_is_no_record_is_shown_not_dropped(
    client: FlaskClient, people: People, server_config: RuntimeConfig
) -> None:
    client.post("/api/flows", json={"document": HELLO}, headers=people.token(Role.EDITOR))
    with open(server_config.audit, "a", encoding="utf-8") as f:
        f.write('{"time": "2026-12-06T10:00:00+00:00", "who": "ed\n')  # a write cut short
    rows = records(client, people)
    assert rows[0]["action"] == "unreadable" and rows[0]["result"] == "failed"
    assert "is not a record" in rows[0]["detail"]
    assert any(r["action"] == "flow.create" for r in rows[1:])
