"""`sce users`: the people and API tokens of a server, managed from the machine it runs on.

    sce users add NAME --role ROLE     sce users passwd NAME      sce users role NAME ROLE
    sce users list [--format json]     sce users disable NAME     sce users enable NAME
    sce users token NAME [--role R] [--expires ISO] [--label TEXT]
    sce users revoke TOKEN_ID

It edits the users file the server reads (`users` in `[tool.sce.runtime]`, env `SCE_USERS`,
`.sce/users.json` by default), found exactly as `sce serve` finds it, so a change made here is
the server's at its next request, with no restart. The first admin can only be made this way:
before anyone is a user, the API has nobody who may add one. Whoever can write that file can
already do anything, which is why the command needs no login and the file is mode 0600.

Every change is appended to the audit log the server keeps (a file, or the Redis stream when the
store is Redis) as the API's user routes record theirs, under the name of the person logged in
on this machine (`via` "cli"): a change from the shell is as accountable as one from the
designer. With Redis, the browser sessions of a user whose password, role or standing changed
end at once, as they do through the API.

Passwords are asked twice without echo, or read as one line from stdin with `--password-stdin`
(for scripts: never on the command line, where `ps` and shell history would show them). They
are never printed; the file keeps Argon2id hashes only. A token's secret is printed once, when
it is made: on stdout alone, so that `TOKEN=$(sce users token ci)` keeps it, with what to do
with it on stderr.

The runtime is imported only when a command runs (`sce/` never imports it at module level).
"""

from __future__ import annotations

import getpass
import os
import sys
from collections.abc import Iterator
from contextlib import AbstractContextManager, contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import click

from sce.access import passwords
from sce.access.audit import Audit, AuditRecord
from sce.access.logins import Logins
from sce.access.roles import Role
from sce.access.users import NAME, Token, User, UserFile
from sce.cli.common import CliError, SceGroup, to_json
from sce.clock import iso_now
from sce.errors import InvalidUser, UserExists

#: How many times a mistyped or too short password is asked again before giving up.
PASSWORD_TRIES = 3
ROLES = [r.value for r in Role]


@dataclass
class UserAdmin:
    """The users file and the audit log the server uses, and its shared sessions (Redis only:
    an in-memory server's sessions are out of reach, and end by themselves when the password
    changes or the user is disabled, since the server reads the file at every request)."""

    users: UserFile
    audit: Audit
    logins: Logins | None
    #: Who is making the changes: the person logged in on this machine.
    who: str

    def record(self, action: str, target: str, detail: str = "") -> None:
        """Append a change to the audit log, as the API's user routes record theirs."""
        self.audit.append(
            AuditRecord(
                time=iso_now(),
                who=self.who,
                role=None,
                via="cli",
                action=action,
                result="ok",
                target=target,
                detail=detail,
            )
        )

    def end_sessions(self, name: str) -> None:
        if self.logins is not None:
            self.logins.drop_user(name)

    def close(self) -> None:
        self.audit.close()
        if self.logins is not None:
            self.logins.close()


@contextmanager
def user_admin(store: str | None = None, start: Path | None = None) -> Iterator[UserAdmin]:
    """The users file, audit log and shared sessions that the settings found from `start`
    (the current folder) name, with `store` for `--redis`: the same ones `sce serve` started
    there with the same `--redis` uses."""
    from runtime.config import load_config
    from runtime.store import open_audit, open_logins, shared

    config = load_config(start or Path.cwd(), store=store)
    audit = open_audit(config.store, config.audit)
    admin = UserAdmin(UserFile(config.users), audit, None, os_user())
    try:
        if shared(config.store):
            admin.logins = open_logins(
                config.store, idle=config.session_idle, lifetime=config.session_lifetime
            )
        yield admin
    finally:
        admin.close()


def os_user() -> str:
    """The name of the person running the command, as the system knows them."""
    try:
        return getpass.getuser()
    except (KeyError, OSError):  # no name for this uid (a container's bare uid)
        return f"uid {os.getuid()}"


def new_password(from_stdin: bool, whose: str) -> str:
    """A new password: one line of stdin, or asked twice without echo (again when it is too
    short, up to PASSWORD_TRIES times). Never echoed, never an argument."""
    if from_stdin:
        line = sys.stdin.readline()
        password = line.removesuffix("\n").removesuffix("\r")
        if not password:
            raise CliError("--password-stdin read no password (give it as one line on stdin)")
        problem = passwords.problem(password)
        if problem is not None:
            raise CliError(problem)
        return password
    for _ in range(PASSWORD_TRIES):
        try:
            typed: str = click.prompt(
                f"New password for {whose}",
                hide_input=True,
                confirmation_prompt="Repeat it",
                err=True,
            )
        except click.Abort:
            raise CliError("no password given") from None
        problem = passwords.problem(typed)
        if problem is None:
            return typed
        click.echo(f"{problem}; try again", err=True)
    raise CliError(f"no password taken after {PASSWORD_TRIES} tries")


password_stdin_option = click.option(
    "--password-stdin",
    is_flag=True,
    help="Read the password as one line from stdin (for scripts) instead of asking twice.",
)


@click.group(cls=SceGroup)
@click.option(
    "--redis",
    "redis_url",
    metavar="URL",
    help="The Redis the server was started with (`sce serve --redis URL`): its audit log and "
    "browser sessions are there.",
)
@click.pass_context
def users(ctx: click.Context, redis_url: str | None) -> None:
    """Manage the people and API tokens of the server (its users file, .sce/users.json unless
    `users` or SCE_USERS says otherwise). Every change is in the server's audit log."""
    ctx.obj = redis_url


def _admin() -> AbstractContextManager[UserAdmin]:
    """The server's users and audit log, with the group's `--redis` (its context's `obj`,
    which the command's context inherits)."""
    store: str | None = click.get_current_context().obj
    return user_admin(store)


@users.command("add")
@click.argument("name")
@click.option("--role", type=click.Choice(ROLES), required=True, help="What the user may do.")
@password_stdin_option
def add(name: str, role: str, password_stdin: bool) -> None:
    """Add a user with a role and a password.

    The password is asked twice without echo (or read from stdin with --password-stdin); the
    name and role are checked first.
    """
    with _admin() as admin:
        if not NAME.fullmatch(name):  # said before the password is asked for
            raise InvalidUser(
                f"'{name}' cannot be a user name: use letters, digits, '.', '_', '@' and '-' "
                "(at most 64, starting with a letter or digit)"
            )
        taken = next((n for n in admin.users.users() if n.lower() == name.lower()), None)
        if taken is not None:  # names differing only in case are one person's
            raise UserExists(f"a user '{taken}' exists already (sce users passwd {taken})")
        password = new_password(password_stdin, name)
        user = admin.users.add(name, role, password)
        admin.record("user.add", user.name, f"as {user.role}")
        click.echo(f"added {user.name} as {user.role}")


@users.command("list")
@click.option(
    "--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True
)
def list_users(fmt: str) -> None:
    """List the users, their roles and API tokens.

    Never a password or a token's secret: a token shows its id (what `revoke` takes), what it
    may do, when it expires and its label.
    """
    with _admin() as admin:
        found = [u for _, u in sorted(admin.users.users().items())]
        if fmt == "json":
            click.echo(to_json({"users": [u.to_data() for u in found]}), nl=False)
        elif not found:
            click.echo(
                f"no users yet in {admin.users.path}: reads are open to anyone who can reach "
                "the server; create one with: sce users add NAME --role admin"
            )
        else:
            click.echo(user_table(found, datetime.now(UTC)), nl=False)


def user_table(found: list[User], now: datetime) -> str:
    """The users as aligned columns, their API tokens one a line (a user without one: `-`):
    the token's id (what `revoke` takes), what it may do, when it stops, and its label."""
    rows = [["NAME", "ROLE", "DISABLED", "TOKEN", "AS", "EXPIRES", "LABEL"]]
    for user in found:
        tokens = [token_cells(t, now) for t in user.tokens] or [["-", "", "", ""]]
        rows.append([user.name, user.role.value, "yes" if user.disabled else "no", *tokens[0]])
        rows.extend(["", "", "", *more] for more in tokens[1:])
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
    return "".join(
        "  ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=True)).rstrip()
        + "\n"
        for row in rows
    )


def token_cells(token: Token, now: datetime) -> list[str]:
    if token.expires is None:
        when = "never"
    else:
        when = f"expired {token.expires}" if token.expired(now) else token.expires
    return [token.id, token.role.value, when, token.label]


@users.command("passwd")
@click.argument("name")
@password_stdin_option
def passwd(name: str, password_stdin: bool) -> None:
    """Set a user's password; their sessions end.

    Asked twice without echo, or read from stdin with --password-stdin.
    """
    with _admin() as admin:
        admin.users.get(name)
        password = new_password(password_stdin, name)
        admin.users.set_password(name, password)
        admin.end_sessions(name)
        admin.record("user.password", name)
        click.echo(f"password of {name} changed: their browser sessions are over")


@users.command("disable")
@click.argument("name")
def disable(name: str) -> None:
    """Stop a user from logging in or using tokens.

    Their sessions end and their API tokens stop working at once; the tokens are kept, and
    work again after `sce users enable NAME`.
    """
    with _admin() as admin:
        admin.users.set_disabled(name, True)
        admin.end_sessions(name)
        admin.record("user.disable", name)
        click.echo(f"{name} is disabled: their sessions and API tokens no longer work")


@users.command("enable")
@click.argument("name")
def enable(name: str) -> None:
    """Let a disabled user in again (their tokens too)."""
    with _admin() as admin:
        admin.users.set_disabled(name, False)
        admin.end_sessions(name)
        admin.record("user.enable", name)
        click.echo(f"{name} is enabled")


@users.command("role")
@click.argument("name")
@click.argument("role", type=click.Choice(ROLES))
def set_role(name: str, role: str) -> None:
    """Give a user another role.

    Their API tokens that could do more than the new role are revoked.
    """
    with _admin() as admin:
        before = {t.id for t in admin.users.get(name).tokens}
        user = admin.users.set_role(name, role)
        admin.end_sessions(name)
        admin.record("user.role", name, f"now {user.role}")
        click.echo(f"{name} is now {user.role}")
        revoked = sorted(before - {t.id for t in user.tokens})
        if revoked:
            click.echo(f"revoked their tokens that could do more: {', '.join(revoked)}")


@users.command("token")
@click.argument("name")
@click.option(
    "--role", type=click.Choice(ROLES), help="What the token may do (default: NAME's role)."
)
@click.option(
    "--expires", metavar="ISO", help="When it stops working: 2027-01-31 or 2027-01-31T18:00Z."
)
@click.option("--label", default="", help="What it is for, shown in lists (e.g. 'CI deploys').")
def token(name: str, role: str | None, expires: str | None, label: str) -> None:
    """Make an API token for a user (shown once).

    For scripts and CI, sent as `Authorization: Bearer TOKEN`; it may do what its role grants
    (the user's by default, never more).

    The secret is printed once, alone on stdout; only its hash is kept, so it cannot be shown
    again: keep it now, or revoke it and make another.
    """
    with _admin() as admin:
        made, secret = admin.users.create_token(name, role=role, expires=expires, label=label)
        admin.record("token.create", made.id, f"for {name} as {made.role}")
        until = f"until {made.expires}" if made.expires else "with no expiry"
        click.echo(f"token {made.id} for {name} as {made.role}, {until}:", err=True)
        click.echo(secret)
        click.echo(
            "this secret is shown once and never again: keep it now (send it as "
            f"'Authorization: Bearer TOKEN'); revoke it with: sce users revoke {made.id}",
            err=True,
        )


@users.command("revoke")
@click.argument("token_id")
def revoke(token_id: str) -> None:
    """Revoke an API token by its id.

    TOKEN_ID is as `sce users list` shows it; the token stops working at once.
    """
    with _admin() as admin:
        gone = admin.users.revoke_token(token_id)
        admin.record("token.revoke", gone.id, f"of {gone.user}")
        click.echo(f"revoked token {gone.id} of {gone.user}")
