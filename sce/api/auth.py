"""Who may do what through the API: one permission check, before every route under /api.

Every view says what it needs with `@allow(Permission.X)` (or `@public`); a route that says
nothing is refused, so that a new route cannot be added without a decision (the tests go through
the app's whole route table). Who the request is comes from, in this order:

- `Authorization: Bearer TOKEN`: the shared `SCE_API_TOKEN` (an admin called "api", as before
  users existed), or a user's API token (with the token's role);
- the session cookie a browser got from `POST /api/session` (with its user's role as it is now:
  a user disabled or given another role is so at their next request).

Until the first user exists, reads are open to anyone who can reach the port (and the shared
token is needed for the rest, as it always was); once someone is a user, nothing is. A write
that comes with the session cookie must also carry the session's CSRF token (header
`X-CSRF-Token`) and come from the server's own origin (`Origin`, else `Referer`): another site
the user has open cannot make their browser save or deploy. Refusals are 401 (who are you?),
403 (not you) and 429 (too many failed logins), in the API's one error shape, and each refused
change is in the audit log.
"""

from __future__ import annotations

import hmac
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, NoReturn, TypeVar
from urllib.parse import urlsplit

from flask import Flask, Response, current_app, g, request

from sce.access.audit import Audit, AuditRecord
from sce.access.logins import Login, Logins, clock, key_of
from sce.access.roles import Permission, Role, allows
from sce.access.users import UserFile
from sce.api.errors import ApiError
from sce.clock import iso_now

F = TypeVar("F", bound=Callable[..., Any])

#: Where the app keeps `Access` (`create_app` sets it).
ACCESS_KEY = "sce.access"
#: The browser session's cookie, and the header a cookie-borne write carries its CSRF token in.
COOKIE = "sce_session"
CSRF_HEADER = "X-CSRF-Token"
#: Who the shared SCE_API_TOKEN is.
API_USER = "api"
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
_CHALLENGE = {"WWW-Authenticate": 'Bearer realm="sce"'}
#: What a route needs: a permission, PUBLIC (logging in, the API's description), or SELF (any
#: user, for what is about themselves: changing their password).
PUBLIC = "public"
SELF = "self"
_DECISION = "_sce_permission"


@dataclass
class Access:
    """What the permission check works with: the users, the sessions, the audit log, and the
    shared token."""

    users: UserFile
    logins: Logins
    audit: Audit
    api_token: str | None = None


@dataclass(frozen=True)
class Principal:
    """Who a request is: a user (by session or API token), the shared token, or anyone (reads
    before the first user exists)."""

    name: str
    role: Role
    #: "session", "token", "api-token" or "open".
    via: str
    token: str | None = None
    login: Login | None = None


def allow(permission: Permission) -> Callable[[F], F]:
    """A view that needs `permission`."""

    def decide(view: F) -> F:
        setattr(view, _DECISION, permission)
        return view

    return decide


def public(view: F) -> F:
    """A view anyone may call (logging in, the API's description)."""
    setattr(view, _DECISION, PUBLIC)
    return view


def own(view: F) -> F:
    """A view any logged-in user may call, about themselves."""
    setattr(view, _DECISION, SELF)
    return view


def decision(view: Callable[..., Any]) -> Permission | str | None:
    """What a view needs (a Permission, PUBLIC or SELF); None when it says nothing."""
    return getattr(view, _DECISION, None)


def access() -> Access:
    return current_app.extensions[ACCESS_KEY]


def caller() -> Principal | None:
    """Who this request is, if anyone could be told (on a public route too)."""
    return g.get("sce_principal")


def principal() -> Principal:
    """Who this request is (the check let it through)."""
    found = caller()
    if found is None:  # a view without the check: a bug, never "anyone"
        raise ApiError(500, "no permission check ran for this route")
    return found


def author(named: str | None = None) -> str:
    """The name a change is recorded under: the logged-in user. Only the shared token, which
    is nobody in particular, may say whom it acts for (`named`, as scripts did before users
    existed); a user naming someone else is refused."""
    who = principal()
    if who.via in ("api-token", "open"):
        return named or who.name
    if named and named != who.name:
        raise ApiError(
            400, f"changes are recorded under who is logged in ({who.name}): leave out '{named}'"
        )
    return who.name


def install(app: Flask) -> None:
    """The permission check before every /api route, and the security headers on every answer
    the browser sees."""
    app.before_request(_check)
    app.after_request(_headers)


def audit(action: str, result: str = "ok", **fields: object) -> None:
    """Append a record of this request's change (or refusal) to the audit log."""
    who = caller()
    access().audit.append(
        AuditRecord(
            time=iso_now(),
            who=who.name if who else "",
            role=who.role.value if who else None,
            via=who.via if who else "anonymous",
            action=action,
            result=result,
            address=request.remote_addr or "",
            **fields,  # type: ignore[arg-type]  # the record's optional fields, by name
        )
    )


# -- the check ----------------------------------------------------------------------------------


def _check() -> None:
    if not request.path.startswith("/api/") or request.endpoint is None:
        return  # the webhooks, health, metrics and unknown paths are not the API's
    view = current_app.view_functions[request.endpoint]
    needs = decision(view)
    if needs is None:
        raise ApiError(500, f"the route {request.endpoint} says nothing of who may use it")
    who = _authenticate()
    g.sce_principal = who
    if needs == PUBLIC:
        return
    if needs == SELF:
        if who is None or who.via not in ("session", "token"):
            _refuse(401, "log in first (POST /api/session) as the user this is about", _CHALLENGE)
        assert who is not None
        if who.via == "session" and request.method not in SAFE_METHODS:
            _check_csrf(who)
        return
    assert isinstance(needs, Permission)
    if who is None:
        who = _open(needs)
        g.sce_principal = who
    if not allows(who.role, needs):
        _refuse(403, f"{who.name} ({who.role}) may not {_WORDS[needs]}{_ask(needs)}")
    if who.via == "session" and request.method not in SAFE_METHODS:
        _check_csrf(who)


def _authenticate() -> Principal | None:
    """Who the request says it is, checked; ApiError 401 for credentials that do not hold."""
    acc = access()
    scheme, _, given = request.headers.get("Authorization", "").partition(" ")
    if scheme and (acc.api_token or acc.users.any()):
        secret = given.strip()
        if scheme.lower() != "bearer" or not secret:
            _refuse(401, "send an API token as 'Authorization: Bearer TOKEN'", _CHALLENGE)
        if acc.api_token and hmac.compare_digest(secret.encode(), acc.api_token.encode()):
            return Principal(API_USER, Role.ADMIN, "api-token")
        found = acc.users.check_token(secret, datetime.now(UTC))
        if found is None:
            _refuse(
                401,
                "this API token is not valid: wrong, revoked, expired, or its user disabled",
                _CHALLENGE,
            )
        user, token = found
        return Principal(user.name, token.role, "token", token=token.id)
    cookie = request.cookies.get(COOKIE)
    if cookie:
        login = acc.logins.get(key_of(cookie), clock())
        if login is None:
            return None
        person = acc.users.users().get(login.user)
        if person is None or person.disabled or login.created < _epoch(person.sessions_from):
            acc.logins.drop(login.key)
            return None
        return Principal(person.name, person.role, "session", login=login)
    return None


def _open(needs: Permission) -> Principal:
    """Anyone, where that is allowed: reads while nobody is a user. Else 401 (or 403 when the
    server has no way in at all)."""
    acc = access()
    if not acc.users.any():
        if needs is Permission.READ:
            return Principal("anyone", Role.VIEWER, "open")
        if not acc.api_token:
            _refuse(
                403,
                "the API is read-only: create a user (sce users add NAME --role admin) or start "
                "the server with SCE_API_TOKEN set",
            )
    _refuse(
        401,
        "log in first (POST /api/session) or send an API token as 'Authorization: Bearer TOKEN'",
        _CHALLENGE,
    )


def _check_csrf(who: Principal) -> None:
    assert who.login is not None
    given = request.headers.get(CSRF_HEADER, "")
    if not given or not hmac.compare_digest(given.encode(), who.login.csrf.encode()):
        _refuse(
            403,
            f"a change from the browser needs the session's CSRF token in {CSRF_HEADER} "
            "(GET /api/session gives it)",
        )
    if not request.headers.get("Origin") and not request.headers.get("Referer"):
        _refuse(403, "a change from the browser must come from this server's own pages (no Origin)")
    from_here()


def from_here() -> None:
    """Refuse a request that says it comes from another site's page (its Origin, else its
    Referer): a browser says so on every cross-site POST, so another site the user has open
    can neither change things in their name nor log them in as someone else."""
    origin = request.headers.get("Origin") or request.headers.get("Referer")
    if origin is None:
        return
    here = urlsplit(request.host_url)
    there = urlsplit(origin)
    if (there.scheme, there.netloc) != (here.scheme, here.netloc):
        _refuse(403, "a change from the browser must come from this server's own pages")


def _refuse(status: int, message: str, headers: dict[str, str] | None = None) -> NoReturn:
    """Refuse the request; a refused change (anything but a read) goes into the audit log,
    with the flow it was about."""
    if request.method not in SAFE_METHODS or status == 403:
        flow = (request.view_args or {}).get("flow_id")
        audit(f"{request.method} {request.path}", "denied", flow=flow, detail=message)
    raise ApiError(status, message, headers=headers)


def _epoch(text: str) -> float:
    try:
        return datetime.fromisoformat(text).timestamp()
    except ValueError:
        return 0.0


_WORDS = {
    Permission.READ: "read flows",
    Permission.TEST: "make test calls",
    Permission.WRITE: "save or delete flows",
    Permission.DEPLOY: "deploy or roll back flows",
    Permission.AUDIT: "read the audit log",
    Permission.PROMPTS: "read prompts",
    Permission.RECORD: "record or upload prompts",
    Permission.USERS: "manage users and API tokens",
}


def _ask(needs: Permission) -> str:
    roles = [r.value for r in Role if allows(r, needs)]
    return f": that takes the role {' or '.join(roles)} (an admin gives it)"


# -- headers --------------------------------------------------------------------------------------

#: What the browser may load for pages of this server: its own scripts and styles (React Flow
#: sets inline styles), images and media from itself (recorded prompts are blobs), no frames.
CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; "
    "img-src 'self' data: blob:; media-src 'self' blob:; connect-src 'self'; "
    "object-src 'none'; base-uri 'self'; form-action 'self'; frame-ancestors 'none'"
)
SECURITY_HEADERS = {
    "Content-Security-Policy": CSP,
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
    "X-Frame-Options": "DENY",
}


def _headers(response: Response) -> Response:
    for name, value in SECURITY_HEADERS.items():
        response.headers.setdefault(name, value)
    if request.path.startswith("/api/"):
        response.headers.setdefault("Cache-Control", "no-store")
    return response
