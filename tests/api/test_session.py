"""Logging in from the browser (`sce.api.session`): the cookie a login sets and what it does,
logging out, a session ended by inactivity or by an admin, guessing slowed down per user and per
address, and changing one's own password."""

from __future__ import annotations

import threading
import time
from dataclasses import replace
from pathlib import Path

from flask import Flask
from flask.testing import FlaskClient

from runtime.config import RuntimeConfig
from runtime.server.app import create_app
from sce.access.audit import AuditQuery
from sce.access.roles import Role
from sce.access.users import UserFile
from sce.api.auth import COOKIE
from tests.api.people import NAMES, PASSWORD, People, browser, log_in
from tests.api.test_flows import assert_error
from tests.runtime.server.fixtures import open_service

EVE = NAMES[Role.EDITOR]
ADA = NAMES[Role.ADMIN]


def cookie_flags(set_cookie: str) -> tuple[str, dict[str, str]]:
    """A Set-Cookie header's name=value, and its attributes by lower-case name."""
    first, *attributes = (part.strip() for part in set_cookie.split(";"))
    flags = {}
    for attribute in attributes:
        name, _, value = attribute.partition("=")
        flags[name.lower()] = value
    return first, flags


def logged_in_as(client: FlaskClient) -> str | None:
    """Who the server takes the client's browser for."""
    return client.get("/api/session").json["user"]


def test_a_login_sets_an_http_only_same_site_cookie_and_answers_the_csrf_token(
    client: FlaskClient, people: People
) -> None:
    r = client.post("/api/session", json={"user": EVE, "password": PASSWORD})
    assert r.status_code == 201
    assert r.json["user"] == EVE and r.json["role"] == "editor" and r.json["via"] == "session"
    assert r.json["permissions"] == ["prompts", "read", "test", "write"]
    first, flags = cookie_flags(r.headers["Set-Cookie"])
    assert first.startswith(f"{COOKIE}=") and len(first) > len(COOKIE) + 40
    assert "httponly" in flags and flags["samesite"] == "Lax" and flags["path"] == "/"
    assert "secure" not in flags  # the request came over plain HTTP
    assert int(flags["max-age"]) == 24 * 3600
    # The browser's next requests carry the cookie: it is eve, with the same CSRF token.
    me = client.get("/api/session").json
    assert (me["user"], me["role"], me["csrf"]) == (EVE, "editor", r.json["csrf"])
    assert client.get("/api/flows").status_code == 200


def test_over_https_the_cookie_is_secure_too(client: FlaskClient, people: People) -> None:
    r = client.post(
        "/api/session",
        json={"user": EVE, "password": PASSWORD},
        base_url="https://localhost",
    )
    assert r.status_code == 201
    _, flags = cookie_flags(r.headers["Set-Cookie"])
    assert "secure" in flags and "httponly" in flags and flags["samesite"] == "Lax"


def test_a_wrong_password_and_an_unknown_user_get_the_same_answer_and_no_cookie(
    client: FlaskClient, people: People
) -> None:
    wrong = client.post("/api/session", json={"user": EVE, "password": "not her password"})
    nobody = client.post("/api/session", json={"user": "mallory", "password": PASSWORD})
    for r in (wrong, nobody):
        assert_error(r, 401, "wrong user name or password")
        assert "Set-Cookie" not in r.headers
    assert wrong.json == nobody.json
    assert_error(client.post("/api/session", json={"user": EVE}), 400, "/password is missing")


def test_another_site_can_neither_log_a_browser_in_nor_out(
    client: FlaskClient, people: People
) -> None:
    """A page elsewhere posting a login form (its own account, to watch what the victim does
    next) or a logout is refused by its Origin; a script that sends none may log in."""
    evil = {"Origin": "https://evil.example"}
    r = client.post("/api/session", json={"user": EVE, "password": PASSWORD}, headers=evil)
    assert_error(r, 403, "this server's own pages")
    assert "Set-Cookie" not in r.headers and logged_in_as(client) is None
    log_in(client, EVE)
    assert_error(client.delete("/api/session", headers=evil), 403, "this server's own pages")
    assert logged_in_as(client) == EVE


def test_logging_out_ends_the_session_even_for_a_copy_of_the_cookie(
    client: FlaskClient, people: People
) -> None:
    log_in(client, EVE)
    cookie = client.get_cookie(COOKIE)
    assert cookie is not None
    r = client.delete("/api/session")
    assert r.status_code == 204
    _, flags = cookie_flags(r.headers["Set-Cookie"])
    assert flags["max-age"] == "0"
    assert logged_in_as(client) is None
    # Someone who kept the cookie's value (another tab, a thief) gets nothing with it.
    client.set_cookie(COOKIE, cookie.value)
    assert logged_in_as(client) is None
    assert_error(client.get("/api/flows"), 401, "log in first")


def test_a_session_left_unused_ends(
    server_config: RuntimeConfig, flows_dir: Path, people: People
) -> None:
    service = open_service(replace(server_config, session_idle=1.0), flows_dir)
    try:
        client = create_app(service=service).test_client()
        log_in(client, EVE)
        assert logged_in_as(client) == EVE  # each use starts the idle time again
        time.sleep(1.1)
        assert logged_in_as(client) is None
        assert_error(client.get("/api/flows"), 401, "log in first")
    finally:
        service.close()


def test_an_admin_changing_a_users_role_or_password_or_disabling_them_ends_their_sessions(
    client: FlaskClient, app: Flask, people: People
) -> None:
    admin = people.token(Role.ADMIN)
    new_password = "a brand new password"
    eve = app.test_client()
    log_in(eve, EVE)
    r = client.patch(f"/api/users/{EVE}", json={"role": "viewer"}, headers=admin)
    assert r.status_code == 200
    assert logged_in_as(eve) is None
    assert_error(eve.get("/api/flows"), 401, "log in first")

    log_in(eve, EVE)
    assert eve.get("/api/session").json["role"] == "viewer"
    r = client.patch(f"/api/users/{EVE}", json={"password": new_password}, headers=admin)
    assert r.status_code == 200
    assert logged_in_as(eve) is None

    log_in(eve, EVE, new_password)
    r = client.patch(f"/api/users/{EVE}", json={"disabled": True}, headers=admin)
    assert r.status_code == 200
    assert logged_in_as(eve) is None
    r = eve.post("/api/session", json={"user": EVE, "password": new_password})
    assert_error(r, 401, "wrong user name or password (or the user is disabled)")


def test_changes_made_behind_the_servers_back_end_the_sessions_too(
    client: FlaskClient, people: People, server_config: RuntimeConfig
) -> None:
    """`sce users` in a terminal writes the users file: the server takes the change at the
    session's next request."""
    users = UserFile(server_config.users)
    changes = {
        "role": lambda: users.set_role(EVE, Role.VIEWER),
        "password": lambda: users.set_password(EVE, "changed in a terminal"),
        "disabled": lambda: users.set_disabled(EVE, True),
    }
    passwords = iter([PASSWORD, PASSWORD, "changed in a terminal"])
    for what, change in changes.items():
        log_in(client, EVE, next(passwords))
        change()
        assert logged_in_as(client) is None, what


# -- guessing -------------------------------------------------------------------------------------


def attempt(client: FlaskClient, user: str, password: str, address: str):
    return client.post(
        "/api/session",
        json={"user": user, "password": password},
        environ_base={"REMOTE_ADDR": address},
    )


def assert_too_many(r) -> None:
    assert_error(r, 429, "too many failed logins")
    assert 1 <= int(r.headers["Retry-After"]) <= 15 * 60
    assert "Set-Cookie" not in r.headers


def test_five_wrong_passwords_for_one_user_and_even_the_right_one_waits(
    client: FlaskClient, people: People
) -> None:
    for n in range(5):  # from five places: the limit is the user's, wherever guesses come from
        r = attempt(client, EVE, f"guess number {n}", f"192.0.2.{n}")
        assert_error(r, 401, "wrong user name or password")
    assert_too_many(attempt(client, EVE, PASSWORD, "192.0.2.99"))
    # Nobody else is held up by it.
    assert attempt(client, ADA, PASSWORD, "192.0.2.0").status_code == 201


def test_guesses_sent_at_once_get_no_more_tries_than_one_after_the_other(
    app: Flask, people: People
) -> None:
    """Twelve wrong passwords at the same moment: the limit still lets five be checked."""
    start = threading.Barrier(12)
    statuses: list[int] = []

    def guess(n: int) -> None:
        client = app.test_client()
        start.wait()
        statuses.append(attempt(client, EVE, f"guess number {n}", f"198.51.100.{n}").status_code)

    threads = [threading.Thread(target=guess, args=(n,)) for n in range(12)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(statuses) == [401] * 5 + [429] * 7


def test_twenty_failed_logins_from_one_address_hold_up_every_login_from_it(
    client: FlaskClient, people: People
) -> None:
    # Empty passwords: counted like any wrong one, without Argon2's time.
    for n in range(20):
        assert attempt(client, f"user{n % 4}", "", "198.51.100.7").status_code == 401
    assert_too_many(attempt(client, EVE, PASSWORD, "198.51.100.7"))
    assert attempt(client, EVE, PASSWORD, "198.51.100.8").status_code == 201


def test_behind_a_trusted_proxy_the_limit_is_the_clients_address_not_the_proxys(
    server_config: RuntimeConfig, flows_dir: Path, people: People
) -> None:
    service = open_service(replace(server_config, trust_forwarded=True), flows_dir)
    try:
        client = create_app(service=service).test_client()

        def attempt_from(address: str, user: str, password: str):
            return client.post(
                "/api/session",
                json={"user": user, "password": password},
                headers={"X-Forwarded-For": address, "X-Forwarded-Proto": "https"},
                environ_base={"REMOTE_ADDR": "10.0.0.1"},  # the proxy
            )

        for n in range(20):
            assert attempt_from("203.0.113.5", f"user{n % 4}", "").status_code == 401
        assert_too_many(attempt_from("203.0.113.5", EVE, PASSWORD))
        r = attempt_from("203.0.113.6", EVE, PASSWORD)  # another caller through the same proxy
        assert r.status_code == 201
        assert "secure" in cookie_flags(r.headers["Set-Cookie"])[1]  # HTTPS to the proxy
        last = service.access.audit.query(AuditQuery(action="login", limit=1))[0]
        assert (last.who, last.result, last.address) == (EVE, "ok", "203.0.113.6")
    finally:
        service.close()


# -- one's own password ---------------------------------------------------------------------------


def test_changing_ones_own_password_ends_every_session_and_the_old_password(
    client: FlaskClient, app: Flask, people: People
) -> None:
    csrf = log_in(client, EVE)
    other_tab = app.test_client()
    log_in(other_tab, EVE)
    url = "/api/session/password"
    r = client.post(
        url, json={"current": "not it", "new": "a new password!"}, headers=browser(csrf)
    )
    assert_error(r, 403, "the current password is not right")
    r = client.post(url, json={"current": PASSWORD, "new": "short"}, headers=browser(csrf))
    assert_error(r, 400, "at least 10 characters")
    r = client.post(url, json={"current": PASSWORD, "new": "a new password!"})
    assert_error(r, 403, "CSRF token")  # a write from the browser like any other
    r = client.post(
        url, json={"current": PASSWORD, "new": "a new password!"}, headers=browser(csrf)
    )
    assert r.status_code == 200 and r.json["user"] == EVE
    assert logged_in_as(client) is None and logged_in_as(other_tab) is None
    assert_error(attempt(client, EVE, PASSWORD, "127.0.0.1"), 401, "wrong user name")
    log_in(client, EVE, "a new password!")


def test_a_token_holder_changes_its_users_password_but_the_shared_token_has_none(
    client: FlaskClient, people: People, writer: dict[str, str]
) -> None:
    body = {"current": PASSWORD, "new": "another good password"}
    r = client.post("/api/session/password", json=body, headers=writer)
    assert_error(r, 401, "log in first")
    r = client.post("/api/session/password", json=body, headers=people.token(Role.VIEWER))
    assert r.status_code == 200 and r.json["user"] == NAMES[Role.VIEWER]


def test_wrong_current_passwords_count_as_failed_logins(
    client: FlaskClient, people: People
) -> None:
    """Whoever holds a session or token cannot guess its user's password faster here."""
    token = people.token(Role.VIEWER)
    for n in range(5):
        body = {"current": f"guess number {n}", "new": "another good password"}
        r = client.post("/api/session/password", json=body, headers=token)
        assert_error(r, 403, "the current password is not right")
    body = {"current": PASSWORD, "new": "another good password"}
    assert_too_many(client.post("/api/session/password", json=body, headers=token))
    assert_too_many(attempt(client, NAMES[Role.VIEWER], PASSWORD, "192.0.2.1"))
