"""The API against its OpenAPI description: schemathesis fuzzes every endpoint, without
credentials and with a user's own API token, with requests that fit the description and
requests that do not, and finds no 500 and no answer that the description does
not allow. The description names the permission of every operation, and it is the one its view
checks."""

from __future__ import annotations

import re
import shutil
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path

import pytest
import schemathesis
from flask import Flask
from flask.testing import FlaskClient
from hypothesis import HealthCheck, settings
from jsonschema import Draft202012Validator

from runtime.config import RuntimeConfig
from runtime.server.openapi import description
from sce.access.roles import Permission, Role, allows
from sce.access.users import UserFile
from sce.api.auth import PUBLIC, SAFE_METHODS, SELF, decision


class AppUnderTest:
    """The app of the test in progress, as one WSGI app: the schema below is made when this
    module is imported, before any fixture exists."""

    app: Flask | None = None

    def __call__(self, environ: dict[str, object], start: Callable[..., object]) -> Iterable[bytes]:
        assert self.app is not None, "the tested_app fixture sets the app"
        return self.app(environ, start)


TESTED = AppUnderTest()
CHECKS = {
    # A change without If-Match is refused with 428 Precondition Required (RFC 6585), once
    # the token is checked.
    "missing_required_header": {"expected-statuses": [401, 403, 428]},
    # A request that fits the description may still be refused by what it says: a stale ETag
    # (412), a flow with errors (422), a document for another flow (400).
    "positive_data_acceptance": {"enabled": False},
}
schema = schemathesis.openapi.from_dict(
    description(), config=schemathesis.Config.from_dict({"checks": CHECKS})
)
schema.app = TESTED

#: The user whose own API token the fuzz also sends: an admin, so that every operation gets
#: past the check, and a user, so that the operations about oneself do too.
ADMIN = "ada"
PASSWORD = "a long enough password"


@pytest.fixture(scope="module")
def admin_users(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, str]:
    """A users file with an admin and her API token, made once (a password hash takes Argon2's
    time), and the token's secret."""
    path = tmp_path_factory.mktemp("users") / "users.json"
    users = UserFile(path)
    users.add(ADMIN, Role.ADMIN, PASSWORD)
    _, secret = users.create_token(ADMIN, label="schemathesis")
    return path, secret


@pytest.fixture
def admin_token(admin_users: tuple[Path, str], server_config: RuntimeConfig) -> dict[str, str]:
    """Headers of the admin's own token, her users file copied to where the server reads it."""
    path, secret = admin_users
    Path(server_config.users).parent.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(path, server_config.users)
    return {"Authorization": f"Bearer {secret}"}


@pytest.fixture(autouse=True)
def tested_app(app: Flask) -> Iterator[Flask]:
    TESTED.app = app
    yield app
    TESTED.app = None


# One test per operation; 10 requests each, sent without credentials and with an admin's own
# API token, keep the whole fuzz within seconds. (The shared token goes to the same views; what
# tells the two apart, the check and whom a change is recorded under, is tested in tests/api.)
# A login is sent once: it answers the same whoever asks, and each costs Argon2's time.
@schema.parametrize()
@settings(max_examples=10, deadline=None, database=None, suppress_health_check=list(HealthCheck))
def test_every_answer_is_described(case: schemathesis.Case, admin_token: dict[str, str]) -> None:
    case.call_and_validate()
    if case.operation.definition.raw.get("operationId") != "logIn":
        case.call_and_validate(headers=admin_token)


def api_routes(app: Flask) -> Iterator[tuple[str, str, str]]:
    """Every route under /api: its path as the description writes it, method and endpoint."""
    for rule in app.url_map.iter_rules():
        if rule.rule.startswith("/api/"):
            path = re.sub(r"<(?:\w+:)?(\w+)>", r"{\1}", rule.rule)
            for method in sorted((rule.methods or set()) - {"HEAD", "OPTIONS"}):
                yield path, method, rule.endpoint


def test_the_description_is_served_and_names_every_api_route(
    client: FlaskClient, app: Flask
) -> None:
    served = client.get("/api/openapi.json")
    assert served.status_code == 200 and served.json == description()
    assert served.json["openapi"] == "3.1.0"
    described = {
        (path, method.upper())
        for path, item in served.json["paths"].items()
        for method in item
        if method != "parameters"
    }
    routes = {(path, method) for path, method, _ in api_routes(app)} | {("/healthz", "GET")}
    assert routes == described
    for schema_ in served.json["components"]["schemas"].values():
        Draft202012Validator.check_schema(schema_)


def roles_sentence(needs: str) -> str:
    """How an operation's description begins: its permission and who has it."""
    if needs == PUBLIC:
        return "Permission `public`: anyone."
    if needs == SELF:
        return "Permission `self`: any logged-in user, by session cookie or their own API token"
    roles = [role.value for role in Role if allows(role, Permission(needs))]
    return f"Permission `{needs}`: {', '.join(roles)}."


def test_every_operation_names_the_permission_its_view_checks_and_who_has_it(
    app: Flask,
) -> None:
    paths = description()["paths"]
    assert isinstance(paths, dict)
    for path, method, endpoint in api_routes(app):
        operation = paths[path][method.lower()]
        needs = decision(app.view_functions[endpoint])
        assert needs is not None, f"{method} {path}: its view says nothing of who may use it"
        where = f"{method} {path} ({operation['operationId']})"
        assert operation.get("x-sce-permission") == str(needs), where
        said = " ".join(operation["description"].split())
        assert said.startswith(roles_sentence(str(needs))), (where, said)


def test_every_operation_says_how_to_come_in_and_what_a_refusal_looks_like(app: Flask) -> None:
    """Bearer token or session cookie, the CSRF header with the cookie on a write, nothing while
    nobody is a user for a read; and the refusals the check gives."""
    paths = description()["paths"]
    assert isinstance(paths, dict)
    for path, method, endpoint in api_routes(app):
        operation = paths[path][method.lower()]
        needs = decision(app.view_functions[endpoint])
        where = f"{method} {path}"
        if needs == PUBLIC:
            assert operation.get("security", []) == [], where
            continue
        session: dict[str, list[str]] = {"session": []}
        if method not in SAFE_METHODS:
            session["csrf"] = []
        expected: list[dict[str, list[str]]] = [{"bearer": []}, session]
        if needs == Permission.READ:
            expected.append({})
        assert operation["security"] == expected, where
        assert {"401", "403"} <= set(operation["responses"]), where
    assert "429" in paths["/api/session"]["post"]["responses"]
