"""Users and their API tokens, as an admin manages them (`sce.api.users`): adding people,
changing them (all of a change or none of it), and tokens with a role no higher than their
user's, an expiry, and revocation that holds at once."""

from __future__ import annotations

import stat
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

from flask.testing import FlaskClient

from runtime.config import RuntimeConfig
from sce.access.roles import Role
from tests.api.people import NAMES, PASSWORD, People, bearer, log_in
from tests.api.test_flows import assert_error

EVE = NAMES[Role.EDITOR]
DAN = NAMES[Role.DEPLOYER]


def new_token(client: FlaskClient, people: People, user: str, **body: str) -> dict:
    r = client.post(f"/api/users/{user}/tokens", json=body, headers=people.token(Role.ADMIN))
    assert r.status_code == 201, r.json
    return r.json


def test_an_admin_adds_a_user_who_can_then_log_in(
    client: FlaskClient, people: People, server_config: RuntimeConfig
) -> None:
    admin = people.token(Role.ADMIN)
    zoe = {"name": "zoe", "role": "deployer", "password": "zoe's long password"}
    r = client.post("/api/users", json=zoe, headers=admin)
    assert r.status_code == 201
    assert r.json["name"] == "zoe" and r.json["role"] == "deployer" and not r.json["disabled"]
    listed = client.get("/api/users", headers=admin)
    assert [u["name"] for u in listed.json["users"]] == ["ada", "dan", "eve", "val", "vox", "zoe"]
    assert "argon2" not in listed.get_data(as_text=True)  # no password hash ever leaves
    assert_error(client.post("/api/users", json={**zoe, "name": "Zoe"}, headers=admin), 409, "")
    bad = [
        ({**zoe, "name": "zack", "role": "boss"}, "'boss' is not a role: give one of viewer"),
        ({**zoe, "name": "zack", "password": "short"}, "at least 10 characters"),
        ({**zoe, "name": "zack smith"}, "cannot be a user name"),
        ({"name": "zack", "role": "viewer"}, "/password is missing"),
    ]
    for body, words in bad:
        assert_error(client.post("/api/users", json=body, headers=admin), 400, words)
    log_in(client, "zoe", "zoe's long password")
    assert client.get("/api/session").json["role"] == "deployer"
    # The file holds password hashes: only the server's user may read it.
    assert stat.S_IMODE(Path(server_config.users).stat().st_mode) == 0o600


def test_a_change_with_one_bad_part_changes_nothing(client: FlaskClient, people: People) -> None:
    admin, editor = people.token(Role.ADMIN), people.token(Role.EDITOR)
    for change, words in (
        ({"role": "viewer", "password": "short"}, "at least 10 characters"),
        ({"role": "viewer", "disabled": "yes"}, "/disabled must be true or false"),
        ({"role": "emperor", "disabled": True}, "'emperor' is not a role"),
        ({}, "say what to change"),
    ):
        assert_error(client.patch(f"/api/users/{EVE}", json=change, headers=admin), 400, words)
    eve = {u["name"]: u for u in client.get("/api/users", headers=admin).json["users"]}[EVE]
    assert eve["role"] == "editor" and not eve["disabled"] and eve["tokens"]
    assert client.get("/api/session", headers=editor).json["role"] == "editor"
    assert_error(client.patch("/api/users/nobody", json={"disabled": True}, headers=admin), 404, "")


def test_the_last_admin_can_be_neither_disabled_nor_demoted(
    client: FlaskClient, people: People
) -> None:
    admin = people.token(Role.ADMIN)
    ada = NAMES[Role.ADMIN]
    for change in ({"disabled": True}, {"role": "deployer"}):
        r = client.patch(f"/api/users/{ada}", json=change, headers=admin)
        assert_error(r, 409, f"{ada} is the last admin: make someone else an admin first")
    assert (
        client.patch(f"/api/users/{DAN}", json={"role": "admin"}, headers=admin).status_code == 200
    )
    assert client.patch(f"/api/users/{ada}", json={"disabled": True}, headers=admin).json[
        "disabled"
    ]


def test_a_token_acts_with_its_own_role_until_it_is_revoked(
    client: FlaskClient, people: People
) -> None:
    admin = people.token(Role.ADMIN)
    made = new_token(client, people, EVE, role="viewer", label="dashboard")
    secret = made.pop("token")
    assert secret.startswith("sce_") and made["role"] == "viewer" and made["user"] == EVE
    assert (made["label"], made["expires"]) == ("dashboard", None)
    # Lists show the token, never its secret (which is not even kept).
    users = client.get("/api/users", headers=admin)
    assert made in {u["name"]: u for u in users.json["users"]}[EVE]["tokens"]
    assert secret not in users.get_data(as_text=True)

    token = bearer(secret)
    me = client.get("/api/session", headers=token).json
    assert (me["user"], me["role"], me["via"]) == (EVE, "viewer", "token")
    assert client.get("/api/flows", headers=token).status_code == 200
    r = client.post("/api/flows", json={"document": {"flow": "x"}}, headers=token)
    assert_error(r, 403, "eve (viewer) may not save or delete flows")

    r = client.delete(f"/api/tokens/{made['id']}", headers=admin)
    assert r.status_code == 200 and r.json["revoked"] is True and r.json["id"] == made["id"]
    assert_error(client.get("/api/flows", headers=token), 401, "wrong, revoked, expired")
    assert_error(client.delete(f"/api/tokens/{made['id']}", headers=admin), 404, "no API token")
    # Her other token (the editor's) is as it was.
    assert client.get("/api/session", headers=people.token(Role.EDITOR)).json["role"] == "editor"


def test_a_token_can_do_no_more_than_its_user(client: FlaskClient, people: People) -> None:
    admin = people.token(Role.ADMIN)
    for role in ("deployer", "admin", "voice"):  # voice: prompts, which an editor may not touch
        r = client.post(f"/api/users/{EVE}/tokens", json={"role": role}, headers=admin)
        assert_error(r, 400, f"a token of eve (editor) cannot be {role}")
    assert new_token(client, people, EVE)["role"] == "editor"  # the user's role by default


def test_lowering_a_users_role_revokes_the_tokens_above_it(
    client: FlaskClient, people: People
) -> None:
    admin, deployer = people.token(Role.ADMIN), people.token(Role.DEPLOYER)
    viewer = bearer(new_token(client, people, DAN, role="viewer")["token"])
    r = client.patch(f"/api/users/{DAN}", json={"role": "editor"}, headers=admin)
    assert r.status_code == 200
    assert [t["role"] for t in r.json["tokens"]] == ["viewer"]
    assert_error(client.get("/api/flows", headers=deployer), 401, "wrong, revoked, expired")
    assert client.get("/api/session", headers=viewer).json["role"] == "viewer"


def test_a_token_stops_at_its_expiry_and_while_its_user_is_disabled(
    client: FlaskClient, people: People
) -> None:
    admin = people.token(Role.ADMIN)
    soon = (datetime.now(UTC) + timedelta(seconds=1.5)).isoformat()
    made = new_token(client, people, EVE, expires=soon)
    expires = datetime.fromisoformat(made["expires"])  # to the second
    brief = bearer(made["token"])
    assert client.get("/api/flows", headers=brief).status_code == 200
    time.sleep(max(0.0, (expires - datetime.now(UTC)).total_seconds()) + 0.05)
    r = client.get("/api/flows", headers=brief)
    assert_error(r, 401, "expired")
    assert r.headers["WWW-Authenticate"] == 'Bearer realm="sce"'
    for expires_at, words in (
        ("2001-02-03T04:05:06Z", "a token must expire in the future"),
        ("next week", "is not a date and time like 2027-01-31"),
        ("0001-01-01", "is not a date and time like 2027-01-31"),
    ):
        r = client.post(f"/api/users/{EVE}/tokens", json={"expires": expires_at}, headers=admin)
        assert_error(r, 400, words)

    lasting = new_token(client, people, EVE, expires="2999-01-01T00:00:00+01:00")
    assert lasting["expires"] == "2999-01-01T00:00:00+01:00"
    token = bearer(lasting["token"])
    r = client.patch(f"/api/users/{EVE}", json={"disabled": True}, headers=admin)
    assert r.json["disabled"] is True
    assert_error(client.get("/api/flows", headers=token), 401, "its user disabled")
    client.patch(f"/api/users/{EVE}", json={"disabled": False}, headers=admin)
    assert client.get("/api/flows", headers=token).status_code == 200


def test_the_users_file_never_holds_a_tokens_secret(
    client: FlaskClient, people: People, server_config: RuntimeConfig
) -> None:
    secret = new_token(client, people, EVE)["token"]
    text = Path(server_config.users).read_text(encoding="utf-8")
    assert secret not in text and secret.split("_", 2)[2] not in text
    assert PASSWORD not in text


def test_a_broken_users_file_lets_nobody_in_and_says_where_it_is(
    client: FlaskClient, people: People, server_config: RuntimeConfig
) -> None:
    Path(server_config.users).write_text('{"users": {"ada": ', encoding="utf-8")
    for r in (client.get("/api/flows"), client.get("/api/flows", headers=people.token(Role.ADMIN))):
        assert_error(r, 503, f"{server_config.users}: not a users file sce can read")
