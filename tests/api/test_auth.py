"""The one permission check (`sce.api.auth`): every route of the app, asked by every role,
answers 403 exactly when the role lacks the route's permission; nobody gets in without
credentials once someone is a user; a browser's write needs its CSRF token and the server's own
origin; every answer carries the security headers; and a change is recorded under who made it.

The route table is read from the app itself, so that a route added tomorrow is in these tests
without anyone writing it down, and a route that says nothing of who may use it fails them."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, replace
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient
from werkzeug.test import TestResponse

from runtime.config import RuntimeConfig
from runtime.server.app import create_app
from sce.access.roles import Permission, Role, allows
from sce.api.auth import PUBLIC, SELF, decision
from tests.api.people import NAMES, ORIGIN, People, bearer, browser, log_in
from tests.api.test_flows import assert_error, read
from tests.runtime.server.fixtures import open_service
from tests.runtime.server.phone import API_TOKEN

#: What goes into each path parameter of a route. A route with a parameter not named here
#: fails the matrix: say what to send it.
SAMPLES = {
    "flow_id": "hotline",
    "number": "1",
    "call_id": "sim-" + "0" * 32,
    "name": "nobody",
    "token_id": "0" * 12,
    "prompt_id": "hotline_welcome",
    "language": "en-US",
}


@dataclass(frozen=True)
class Route:
    """One method of one rule of the app's url_map under /api, and what its view needs."""

    method: str
    rule: str
    needs: Permission | str | None

    @property
    def path(self) -> str:
        return re.sub(r"<(?:\w+:)?(\w+)>", lambda m: SAMPLES[m.group(1)], self.rule)

    def __str__(self) -> str:
        return f"{self.method} {self.rule}"


def api_routes(app: Flask) -> list[Route]:
    return [
        Route(method, rule.rule, decision(app.view_functions[rule.endpoint]))
        for rule in app.url_map.iter_rules()
        if rule.rule.startswith("/api/")
        for method in sorted((rule.methods or set()) - {"HEAD", "OPTIONS"})
    ]


def send(client: FlaskClient, route: Route, headers: dict[str, str]) -> TestResponse:
    """The route asked with an empty body: the check decides before the view reads it."""
    body = {"json": {}} if route.method in ("POST", "PUT", "PATCH") else {}
    return client.open(route.path, method=route.method, headers=headers, **body)


#: What a request should get from the check: None for "past it" (whatever the view then
#: answers to an empty body, 400, 404, 428..., but never 401, 403 or a 5xx), else the refusal.
Expect = Callable[[Permission | str], int | None]


def wrong_answers(
    app: Flask, client: FlaskClient, headers: dict[str, str], expect: Expect
) -> list[str]:
    """Every route asked with `headers`; the ones whose answer is not what `expect` says."""
    wrong = []
    routes = api_routes(app)
    decided = {str(route.needs) for route in routes}
    assert decided >= {*Permission, PUBLIC, SELF}
    for route in routes:
        if route.needs is None:
            wrong.append(f"{route}: its view says nothing of who may use it")
            continue
        r = send(client, route, headers)
        want = expect(route.needs)
        if want is None:
            fine = r.status_code not in (401, 403) and r.status_code < 500
        else:
            body = r.json or {}
            fine = r.status_code == want and body.get("ok") is False and body["status"] == want
        if not fine:
            said = r.json["errors"][0]["message"] if r.is_json and r.status_code >= 400 else ""
            wanted = want or "past the check"
            wrong.append(f"{route} ({route.needs}): {r.status_code} {said!r}, not {wanted}")
    return wrong


def by_role(role: Role) -> Expect:
    def expect(needs: Permission | str) -> int | None:
        if needs in (PUBLIC, SELF):
            return None
        return None if allows(role, Permission(needs)) else 403

    return expect


def as_the_shared_token(needs: Permission | str) -> int | None:
    return 401 if needs == SELF else None


@pytest.mark.parametrize("role", list(Role), ids=str)
def test_every_route_answers_each_role_as_its_permissions_say(
    app: Flask, client: FlaskClient, people: People, role: Role
) -> None:
    assert wrong_answers(app, client, people.token(role), by_role(role)) == []


def test_a_refusal_says_who_was_refused_and_which_roles_may(
    client: FlaskClient, people: People
) -> None:
    r = client.post("/api/flows/hotline/deploy", headers=people.token(Role.EDITOR))
    assert_error(r, 403, "eve (editor) may not deploy or roll back flows")
    assert_error(r, 403, "that takes the role deployer or admin")


def test_before_the_first_user_reads_are_open_and_the_rest_needs_the_shared_token(
    app: Flask, client: FlaskClient
) -> None:
    def expect(needs: Permission | str) -> int | None:
        return None if needs in (PUBLIC, Permission.READ) else 401

    assert wrong_answers(app, client, {}, expect) == []
    assert client.get("/api/session").json == {"user": None, "users": False}


def test_once_someone_is_a_user_nothing_but_logging_in_is_open(
    app: Flask, client: FlaskClient, people: People
) -> None:
    assert wrong_answers(app, client, {}, lambda needs: None if needs == PUBLIC else 401) == []
    assert client.get("/api/session").json == {"user": None, "users": True}
    r = client.get("/api/flows")
    assert_error(r, 401, "log in first")
    assert r.headers["WWW-Authenticate"] == 'Bearer realm="sce"'


def test_the_shared_token_is_an_admin_called_api_with_nothing_of_its_own(
    app: Flask, client: FlaskClient, people: People, writer: dict[str, str]
) -> None:
    """It may do everything but what is about oneself: it is nobody's password to change."""
    assert wrong_answers(app, client, writer, as_the_shared_token) == []
    me = client.get("/api/session", headers=writer).json
    assert (me["user"], me["role"], me["via"], me["csrf"]) == ("api", "admin", "api-token", None)


def test_a_server_without_token_or_users_is_read_only(
    server_config: RuntimeConfig, flows_dir: Path
) -> None:
    config = replace(server_config, api_token=None)
    service = open_service(config, flows_dir)
    try:
        app = create_app(service=service)

        def expect(needs: Permission | str) -> int | None:
            if needs in (PUBLIC, Permission.READ):
                return None
            return 401 if needs == SELF else 403

        assert wrong_answers(app, app.test_client(), {}, expect) == []
        r = app.test_client().post("/api/flows/hotline/deploy")
        assert_error(r, 403, "the API is read-only: create a user")
    finally:
        service.close()


def test_a_route_that_says_nothing_of_who_may_use_it_is_refused_to_everyone(
    app: Flask, client: FlaskClient, writer: dict[str, str]
) -> None:
    app.add_url_rule("/api/forgotten", "forgotten", lambda: {"secret": 42})
    for headers in ({}, writer):
        assert_error(client.get("/api/forgotten", headers=headers), 500, "says nothing of who")
    assert wrong_answers(app, client, writer, as_the_shared_token) == [
        "GET /api/forgotten: its view says nothing of who may use it"
    ]


@pytest.mark.parametrize(
    "authorization", ["Bearer wrong", "Bearer sce_000000000000_" + "A" * 43, "Basic YTpi", "Bearer"]
)
def test_credentials_that_do_not_hold_are_401_even_where_none_are_needed(
    client: FlaskClient, people: People, authorization: str
) -> None:
    for path in ("/api/flows", "/api/session", "/api/openapi.json"):
        r = client.get(path, headers={"Authorization": authorization})
        assert_error(r, 401, "API token")
        assert r.headers["WWW-Authenticate"] == 'Bearer realm="sce"'


# -- CSRF ---------------------------------------------------------------------------------------


def snapshot(folder: Path) -> dict[str, bytes]:
    """Every file under the flows folder (its history too), with its bytes."""
    return {str(p.relative_to(folder)): p.read_bytes() for p in folder.rglob("*") if p.is_file()}


def the_store(client: FlaskClient) -> tuple[object, object]:
    """The deploy log and the live versions, as the shared token reads them."""
    writer = bearer(API_TOKEN)
    return client.get("/api/deploys", headers=writer).json, client.get("/healthz").json["flows"]


def test_a_browser_write_without_its_csrf_token_or_from_another_site_changes_nothing(
    client: FlaskClient, people: People, flows_dir: Path
) -> None:
    csrf = log_in(client, NAMES[Role.DEPLOYER])
    document, etag = read(client, "hotline")
    document["title"] = "Hotline (forged)"
    disk, store = snapshot(flows_dir), the_store(client)
    attempts = {
        "no CSRF token": {"Origin": ORIGIN},
        "a wrong CSRF token": browser("not-the-token"),
        "another site's page": browser(csrf, origin="https://evil.example"),
        "a look-alike of this one": browser(csrf, origin="http://localhost.evil.example"),
        "the same host over another scheme": browser(csrf, origin="https://localhost"),
        "no Origin nor Referer": {"X-CSRF-Token": csrf},
        "a Referer from another site": {"X-CSRF-Token": csrf, "Referer": "https://evil.example/"},
        "Origin null (a sandboxed frame)": browser(csrf, origin="null"),
    }
    for why, headers in attempts.items():
        save = client.put(
            "/api/flows/hotline",
            json={"document": document},
            headers={**headers, "If-Match": etag},
        )
        deploy = client.post("/api/flows/hotline/deploy", json={}, headers=headers)
        for r in (save, deploy):
            assert r.status_code == 403, why
            assert_error(r, 403, "" if "CSRF" in why else "this server's own pages")
    assert snapshot(flows_dir) == disk
    assert the_store(client) == store


def test_the_same_write_from_the_servers_own_pages_goes_through(
    client: FlaskClient, people: People
) -> None:
    csrf = log_in(client, NAMES[Role.DEPLOYER])
    document, etag = read(client, "hotline")
    document["title"] = "Hotline (renewed)"
    r = client.put(
        "/api/flows/hotline",
        json={"document": document},
        headers={**browser(csrf), "If-Match": etag},
    )
    assert r.status_code == 200, r.json
    assert r.json["author"] == "dan"
    referer = {"X-CSRF-Token": csrf, "Referer": f"{ORIGIN}/designer/hotline"}
    r = client.post("/api/flows/hotline/deploy", json={}, headers=referer)
    assert r.status_code == 200, r.json
    assert (r.json["result"], r.json["who"]) == ("deployed", "dan")
    # Reads need neither: a link from anywhere may show a page.
    r = client.get("/api/flows/hotline", headers={"Origin": "https://evil.example"})
    assert r.status_code == 200


# -- headers --------------------------------------------------------------------------------------


def test_every_answer_the_browser_sees_carries_the_security_headers(
    client: FlaskClient, people: People
) -> None:
    answers = {
        "/api/flows (401)": client.get("/api/flows"),
        "/api/flows (200)": client.get("/api/flows", headers=people.token(Role.VIEWER)),
        "/api/flows/ghost (404)": client.get("/api/flows/ghost", headers=people.token(Role.VIEWER)),
        "/api/audit (403)": client.get("/api/audit", headers=people.token(Role.VIEWER)),
        "/api/openapi.json": client.get("/api/openapi.json"),
        "/healthz": client.get("/healthz"),
        "/metrics": client.get("/metrics"),
        "/nowhere (404)": client.get("/nowhere"),
    }
    for what, r in answers.items():
        csp = r.headers.get("Content-Security-Policy", "")
        assert "frame-ancestors 'none'" in csp and "default-src 'self'" in csp, what
        assert "script-src 'self'" in csp and "object-src 'none'" in csp, what
        assert r.headers.get("X-Content-Type-Options") == "nosniff", what
        assert r.headers.get("Referrer-Policy") == "same-origin", what
        assert r.headers.get("X-Frame-Options") == "DENY", what
        if what.startswith("/api/"):
            assert r.headers.get("Cache-Control") == "no-store", what


# -- who a change is recorded under ------------------------------------------------------------


def read_as(client: FlaskClient, flow: str, headers: dict[str, str]) -> tuple[dict, str]:
    """The flow's document and ETag, as the holder of `headers` reads them."""
    r = client.get(f"/api/flows/{flow}", headers=headers)
    assert r.status_code == 200, r.json
    return r.json["document"], r.headers["ETag"]


def revisions(client: FlaskClient, flow: str) -> list[dict]:
    r = client.get(f"/api/flows/{flow}/revisions", headers=bearer(API_TOKEN))
    assert r.status_code == 200
    return r.json["revisions"]


def test_a_users_save_and_deploy_are_recorded_under_their_name(
    client: FlaskClient, people: People
) -> None:
    editor, deployer = people.token(Role.EDITOR), people.token(Role.DEPLOYER)
    document, etag = read_as(client, "hotline", editor)
    document["title"] = "Hotline (by eve)"
    r = client.put(
        "/api/flows/hotline",
        json={"document": document, "author": "eve", "message": "a new title"},
        headers={**editor, "If-Match": etag},
    )
    assert r.status_code == 200, r.json
    newest = revisions(client, "hotline")[0]
    assert (newest["author"], newest["message"]) == ("eve", "a new title")
    r = client.post("/api/flows/hotline/deploy", json={}, headers=deployer)
    assert r.status_code == 200 and r.json["who"] == "dan"
    log = client.get("/api/deploys?flow=hotline&limit=1", headers=deployer).json["deploys"]
    assert log[0]["who"] == "dan"


def test_a_user_naming_someone_else_is_a_400_and_nothing_is_saved_or_deployed(
    client: FlaskClient, people: People, flows_dir: Path
) -> None:
    editor, deployer = people.token(Role.EDITOR), people.token(Role.DEPLOYER)
    document, etag = read_as(client, "hotline", editor)
    document["title"] = "Hotline (by someone)"
    before, disk, store = revisions(client, "hotline"), snapshot(flows_dir), the_store(client)
    r = client.put(
        "/api/flows/hotline",
        json={"document": document, "author": "val"},
        headers={**editor, "If-Match": etag},
    )
    assert_error(r, 400, "changes are recorded under who is logged in (eve): leave out 'val'")
    r = client.post("/api/flows/hotline/deploy", json={"who": "ada"}, headers=deployer)
    assert_error(r, 400, "recorded under who is logged in (dan)")
    assert revisions(client, "hotline") == before
    assert snapshot(flows_dir) == disk and the_store(client) == store


def test_the_shared_token_may_say_whom_it_acts_for_as_scripts_did(
    client: FlaskClient, writer: dict[str, str]
) -> None:
    document, etag = read(client, "hotline")
    document["title"] = "Hotline (from CI)"
    r = client.put(
        "/api/flows/hotline",
        json={"document": document, "author": "ci-bot"},
        headers={**writer, "If-Match": etag},
    )
    assert r.status_code == 200 and r.json["author"] == "ci-bot"
    r = client.post("/api/flows/hotline/deploy", json={}, headers=writer)
    assert r.status_code == 200 and r.json["who"] == "api"
