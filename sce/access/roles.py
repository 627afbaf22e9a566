"""What each role may do. One table, read by the API's permission check and written into the
OpenAPI document, so that what a route needs is decided in one place.

    viewer    reads flows, revisions, diffs and the deploy log; checks drafts; test calls
    editor    + saves and deletes flows; sees and plays prompts
    deployer  + deploys and rolls back; reads the audit log
    voice     reads prompts, records and uploads them (and nothing of the flows)
    admin     everything, users and tokens included
"""

from __future__ import annotations

from enum import StrEnum


class Role(StrEnum):
    VIEWER = "viewer"
    EDITOR = "editor"
    DEPLOYER = "deployer"
    VOICE = "voice"
    ADMIN = "admin"


class Permission(StrEnum):
    #: Read flows, revisions, diffs, the deploy log; lint and compile drafts.
    READ = "read"
    #: Test calls in the simulator (on drafts too).
    TEST = "test"
    #: Save and delete flows.
    WRITE = "write"
    #: Deploy and roll back.
    DEPLOY = "deploy"
    #: Read the audit log.
    AUDIT = "audit"
    #: Read prompts and their audio.
    PROMPTS = "prompts"
    #: Record and upload prompts.
    RECORD = "record"
    #: Manage users and API tokens.
    USERS = "users"


P = Permission
GRANTS: dict[Role, frozenset[Permission]] = {
    Role.VIEWER: frozenset({P.READ, P.TEST}),
    Role.EDITOR: frozenset({P.READ, P.TEST, P.WRITE, P.PROMPTS}),
    Role.DEPLOYER: frozenset({P.READ, P.TEST, P.WRITE, P.DEPLOY, P.AUDIT, P.PROMPTS}),
    Role.VOICE: frozenset({P.PROMPTS, P.RECORD}),
    Role.ADMIN: frozenset(Permission),
}


def allows(role: Role, permission: Permission) -> bool:
    return permission in GRANTS[role]


def within(role: Role, of: Role) -> bool:
    """Whether `role` grants nothing that `of` does not (a user's token may not do more than
    the user)."""
    return GRANTS[role] <= GRANTS[of]


def role_named(name: object) -> Role:
    """The role called `name`; ValueError that lists the roles otherwise."""
    try:
        return Role(str(name))
    except ValueError:
        roles = ", ".join(r.value for r in Role)
        raise ValueError(f"'{name}' is not a role: give one of {roles}") from None
