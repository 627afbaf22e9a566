"""Users and their API tokens, for admins: list, add, change (role, password, disabled), and
tokens made and revoked. Every change is in the audit log, and a user whose role, password or
standing changed loses their browser sessions (their next request says who they are now)."""

from __future__ import annotations

from flask import Blueprint, Response, jsonify

from sce.access import passwords
from sce.access.roles import Permission, Role, role_named
from sce.api.auth import access, allow, audit
from sce.api.errors import ApiError, answer_errors
from sce.api.requests import json_body, text_field
from sce.errors import InvalidUser, UserExists, UserNotFound

users = Blueprint("users", __name__)
answer_errors(users, {UserNotFound: 404, UserExists: 409, InvalidUser: 400})

MAX_NAME = 64
MAX_PASSWORD = 1024
MAX_LABEL = 200


@users.get("/api/users")
@allow(Permission.USERS)
def list_users() -> dict[str, object]:
    return {"users": [u.to_data() for _, u in sorted(access().users.users().items())]}


@users.post("/api/users")
@allow(Permission.USERS)
def add_user() -> Response:
    body = json_body()
    name = text_field(body, "name", required=True, limit=MAX_NAME)
    role = text_field(body, "role", required=True, limit=MAX_NAME)
    password = text_field(body, "password", required=True, limit=MAX_PASSWORD)
    user = access().users.add(name, role, password)
    audit("user.add", target=user.name, detail=f"as {user.role}")
    response = jsonify(user.to_data())
    response.status_code = 201
    return response


@users.patch("/api/users/<name>")
@allow(Permission.USERS)
def change_user(name: str) -> dict[str, object]:
    """Any of `role`, `password`, `disabled`; the user's sessions end."""
    acc = access()
    body = json_body()
    acc.users.get(name)
    changes = [k for k in ("role", "password", "disabled") if body.get(k) is not None]
    if not changes:
        raise ApiError(400, "say what to change: role, password or disabled")
    disabled = body.get("disabled")
    if disabled is not None and not isinstance(disabled, bool):
        raise ApiError(400, "/disabled must be true or false")
    role = text_field(body, "role", limit=MAX_NAME)
    password = text_field(body, "password", limit=MAX_PASSWORD)
    # All of it checked before any of it is made: a bad password must not leave the role
    # changed (and the user's sessions alive).
    if role is not None:
        try:
            role_named(role)
        except ValueError as e:
            raise ApiError(400, str(e)) from None
    if password is not None and (problem := passwords.problem(password)) is not None:
        raise ApiError(400, problem)
    if (role not in (None, Role.ADMIN.value) or disabled is True) and _last_admin(name):
        raise ApiError(
            409,
            f"{name} is the last admin: make someone else an admin first, or nobody could "
            "manage users through the API (`sce users` on the server still can)",
        )
    if role is not None:
        user = acc.users.set_role(name, role)
        audit("user.role", target=name, detail=f"now {user.role}")
    if password is not None:
        acc.users.set_password(name, password)
        audit("user.password", target=name)
    if isinstance(disabled, bool):
        acc.users.set_disabled(name, disabled)
        audit("user.disable" if disabled else "user.enable", target=name)
    acc.logins.drop_user(name)
    return acc.users.get(name).to_data()


@users.post("/api/users/<name>/tokens")
@allow(Permission.USERS)
def create_token(name: str) -> Response:
    """A new API token for the user: the secret is in this answer only."""
    body = json_body(optional=True)
    token, secret = access().users.create_token(
        name,
        role=text_field(body, "role", limit=MAX_NAME),
        expires=text_field(body, "expires", limit=64),
        label=text_field(body, "label", limit=MAX_LABEL) or "",
    )
    audit("token.create", target=token.id, detail=f"for {name} as {token.role}")
    response = jsonify({**token.to_data(), "token": secret})
    response.status_code = 201
    return response


@users.delete("/api/tokens/<token_id>")
@allow(Permission.USERS)
def revoke_token(token_id: str) -> dict[str, object]:
    token = access().users.revoke_token(token_id)
    audit("token.revoke", target=token.id, detail=f"of {token.user}")
    return {**token.to_data(), "revoked": True}


def _last_admin(name: str) -> bool:
    """Whether `name` is the only admin who is not disabled."""
    users = access().users.users().values()
    return [u.name for u in users if u.role is Role.ADMIN and not u.disabled] == [name]
