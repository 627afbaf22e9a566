"""The people of the access tests: one user of every role, each with an API token of that role,
and what a browser sends when one of them logs in and changes something.

    people.token(Role.EDITOR)          # {"Authorization": "Bearer sce_..."}: eve's token
    csrf = log_in(client, "eve")       # the session cookie is in the client's jar now
    client.put(..., headers=browser(csrf))

Password hashes take Argon2's time (a fifth of a second each), so the users file is made once
per run and copied into each test's server; tests log in only where logging in is the point.
"""

from __future__ import annotations

from dataclasses import dataclass

from flask.testing import FlaskClient

from sce.access.roles import Role

#: Everyone's password (long enough for the rules of `sce.access.passwords`).
PASSWORD = "correct horse battery staple"
NAMES = {
    Role.VIEWER: "val",
    Role.EDITOR: "eve",
    Role.DEPLOYER: "dan",
    Role.VOICE: "vox",
    Role.ADMIN: "ada",
}
#: Where the test client's requests come from, as a browser on the server's own pages says.
ORIGIN = "http://localhost"


@dataclass(frozen=True)
class People:
    """The users of the test's server (see `NAMES`) and the secrets of their API tokens."""

    secrets: dict[Role, str]

    def token(self, role: Role) -> dict[str, str]:
        """Headers of the API token of the user of `role`."""
        return {"Authorization": f"Bearer {self.secrets[role]}"}


def bearer(secret: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {secret}"}


def log_in(client: FlaskClient, name: str, password: str = PASSWORD, **kwargs: object) -> str:
    """Log `name` in from the client's browser: the session cookie goes into the client's jar;
    the answer is the session's CSRF token."""
    r = client.post("/api/session", json={"user": name, "password": password}, **kwargs)
    assert r.status_code == 201, r.get_data(as_text=True)
    return r.json["csrf"]


def browser(csrf: str, origin: str = ORIGIN) -> dict[str, str]:
    """Headers of a write from one of the server's own pages: its CSRF token and its origin."""
    return {"X-CSRF-Token": csrf, "Origin": origin}
