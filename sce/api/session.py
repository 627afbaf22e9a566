"""Logging in from the browser: `POST /api/session` with a user name and password sets an
HttpOnly, SameSite=Lax session cookie (Secure over HTTPS, as the request came, so behind a
TLS proxy with `trust-forwarded`) and answers the CSRF token the browser's writes carry.
`GET /api/session` says who is logged in (and whether anyone can be), `DELETE` logs out, and
`POST /api/session/password` changes the user's own password (every session of theirs ends,
this one too). Failed logins, and wrong current passwords given to change one, are counted per
user and per address (`sce.access.logins`): past the limit, 429 with Retry-After, whatever the
password.
"""

from __future__ import annotations

from flask import Blueprint, Response, g, jsonify, request

from sce.access import passwords
from sce.access.logins import PER_ADDRESS, PER_USER, clock, key_of, new_login
from sce.access.roles import GRANTS, Role
from sce.api.auth import (
    COOKIE,
    Principal,
    access,
    audit,
    caller,
    from_here,
    own,
    principal,
    public,
)
from sce.api.errors import ApiError
from sce.api.requests import json_body, text_field
from sce.errors import InvalidUser

session = Blueprint("session", __name__)

MAX_NAME = 64
MAX_PASSWORD = 1024


@session.post("/api/session")
@public
def log_in() -> Response:
    from_here()
    acc = access()
    body = json_body()
    # A body without both is a malformed request (400), not a guess: it is not counted.
    name = text_field(body, "user", required=True, limit=MAX_NAME)
    password = text_field(body, "password", required=True, limit=MAX_PASSWORD)
    address = request.remote_addr or ""
    now = clock()
    _unless_limited("login", name, address, now)
    user = acc.users.check_password(name, password) if name and password else None
    if user is None:
        _failed(address, now)
        audit("login", "denied", target=name, detail="wrong user name or password")
        raise ApiError(401, "wrong user name or password (or the user is disabled)")
    acc.logins.forgive(f"user:{name}")
    cookie, login = new_login(user.name, address, now)
    acc.logins.put(login)
    g.sce_principal = Principal(user.name, user.role, "session", login=login)  # who logged in
    audit("login", target=user.name, detail=f"as {user.role}")
    response = jsonify(_me(user.name, user.role.value, "session", login.csrf))
    response.status_code = 201
    response.set_cookie(
        COOKIE,
        cookie,
        max_age=int(acc.logins.lifetime),
        httponly=True,
        samesite="Lax",
        secure=request.is_secure,
        path="/",
    )
    return response


@session.get("/api/session")
@public
def who_am_i() -> dict[str, object]:
    """Who is logged in (`user` null when nobody), and whether logging in is possible at all
    (`users`: false while nobody is a user, when reads are open)."""
    who = caller()
    if who is None:
        return {"user": None, "users": access().users.any()}
    csrf = who.login.csrf if who.login is not None else None
    return _me(who.name, who.role.value, who.via, csrf)


@session.delete("/api/session")
@public
def log_out() -> Response:
    from_here()
    cookie = request.cookies.get(COOKIE)
    if cookie:
        access().logins.drop(key_of(cookie))
        audit("logout")
    response = Response(status=204)
    response.delete_cookie(COOKIE, path="/", httponly=True, samesite="Lax")
    return response


@session.post("/api/session/password")
@own
def change_password() -> dict[str, object]:
    """The logged-in user's new password (`new`), given their current one (`current`)."""
    who = principal()
    acc = access()
    body = json_body()
    current = text_field(body, "current", required=True, limit=MAX_PASSWORD)
    new = text_field(body, "new", required=True, limit=MAX_PASSWORD)
    problem = passwords.problem(new)
    if problem is not None:
        raise ApiError(400, problem)
    # A wrong current password is a failed login: whoever holds the session or token cannot
    # guess the password faster here than at the login.
    address = request.remote_addr or ""
    now = clock()
    _unless_limited("user.password", who.name, address, now)
    if acc.users.check_password(who.name, current) is None:
        _failed(address, now)
        audit("user.password", "denied", target=who.name, detail="wrong current password")
        raise ApiError(403, "the current password is not right")
    try:
        acc.users.set_password(who.name, new)
    except InvalidUser as e:
        raise ApiError(400, e.message) from None
    acc.logins.forgive(f"user:{who.name}")
    acc.logins.drop_user(who.name)
    audit("user.password", target=who.name)
    return {"ok": True, "user": who.name, "message": "password changed: log in again"}


def _unless_limited(action: str, name: str, address: str, now: float) -> None:
    """429 with Retry-After while the user, or the address, has too many failed logins.

    The user's count takes this attempt before the password is checked (and forgets it when
    the password is right): guesses sent at once cannot all pass a count none of them has
    raised yet. The address's counts only failures, so that an office behind one address is
    not held up by its own good logins."""
    logins = access().logins
    for what, limit in ((f"address:{address}", PER_ADDRESS), (f"user:{name}", PER_USER)):
        count, wait = logins.failures(what, now)
        if count >= limit or (what.startswith("user:") and logins.failed(what, now) > limit):
            audit(action, "denied", target=name, detail="too many failed logins")
            raise ApiError(
                429,
                "too many failed logins: wait before trying again",
                headers={"Retry-After": str(max(1, int(wait) + 1))},
            )


def _failed(address: str, now: float) -> None:
    """A wrong password, for the address (the user's count has it already)."""
    access().logins.failed(f"address:{address}", now)


def _me(name: str, role: str, via: str, csrf: str | None) -> dict[str, object]:
    permissions = sorted(p.value for p in GRANTS[Role(role)])
    return {"user": name, "role": role, "via": via, "csrf": csrf, "permissions": permissions}
