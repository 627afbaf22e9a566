"""The users file: people with a role and a password hash, and their API tokens.

One JSON file (`.sce/users.json` unless the settings say otherwise), readable by the server's
processes and written by `sce users` and the API's user routes alike: every change is a
read-modify-write under `flock`, written atomically with mode 0600 (it holds password hashes),
and a reader takes a change made by another process at its next request (the file is read again
when its modification time changes). Passwords are Argon2id hashes (`sce.access.passwords`);
an API token is shown once, when it is made, and kept as its SHA-256 only (a token is 256 random
bits, so a fast hash is safe, and a check costs no Argon2 on every request).
"""

from __future__ import annotations

import fcntl
import hashlib
import hmac
import json
import os
import re
import secrets
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field, replace
from datetime import UTC, datetime
from pathlib import Path

from sce.access import passwords
from sce.access.roles import Role, role_named, within
from sce.clock import iso_now
from sce.errors import InvalidUser, UserExists, UserNotFound, UsersFileBroken
from sce.files import write_atomic

DEFAULT_PATH = ".sce/users.json"
NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9._@-]{0,63}")
TOKEN_PREFIX = "sce_"
_TOKEN = re.compile(r"sce_([0-9a-f]{12})_([A-Za-z0-9_-]{43})")


@dataclass(frozen=True)
class Token:
    """An API token of a user, for machines (`sce deploy --server`, scripts): its id (shown in
    lists and audit records) and the SHA-256 of its secret."""

    id: str
    user: str
    role: Role
    digest: str
    created: str
    expires: str | None = None
    label: str = ""

    def expired(self, now: datetime) -> bool:
        return self.expires is not None and datetime.fromisoformat(self.expires) <= now

    def to_data(self) -> dict[str, object]:
        """As the API shows it (never the digest)."""
        return {
            "id": self.id,
            "user": self.user,
            "role": self.role.value,
            "created": self.created,
            "expires": self.expires,
            "label": self.label,
        }


@dataclass(frozen=True)
class User:
    name: str
    role: Role
    password: str
    disabled: bool = False
    created: str = ""
    #: When the password was last set.
    password_set: str = ""
    tokens: tuple[Token, ...] = field(default_factory=tuple)
    #: A browser session begun before this is over: set when the password, the role or the
    #: standing changes, so that the change holds even where the sessions cannot be reached
    #: (`sce users` beside a server on the in-memory store).
    sessions_from: str = ""

    def to_data(self) -> dict[str, object]:
        """As the API shows it (never the password hash)."""
        return {
            "name": self.name,
            "role": self.role.value,
            "disabled": self.disabled,
            "created": self.created,
            "password_set": self.password_set,
            "tokens": [t.to_data() for t in self.tokens],
        }


class UserFile:
    """The users of a server (see the module's docstring)."""

    def __init__(self, path: str | Path) -> None:
        self.path = Path(path)
        self._lock = threading.Lock()
        self._cache: tuple[tuple[int, int], dict[str, User]] | None = None

    # -- reading ----------------------------------------------------------------------------

    def users(self) -> dict[str, User]:
        """Every user by name (none when the file does not exist)."""
        try:
            stat = self.path.stat()
        except FileNotFoundError:
            return {}
        key = (stat.st_mtime_ns, stat.st_size)
        cached = self._cache
        if cached is not None and cached[0] == key:
            return cached[1]
        users = _parse(self.path.read_text(encoding="utf-8"), self.path)
        self._cache = (key, users)
        return users

    def any(self) -> bool:
        """Whether anyone is a user (reads are open to all until someone is)."""
        return bool(self.users())

    def get(self, name: str) -> User:
        user = self.users().get(name)
        if user is None:
            raise UserNotFound(f"there is no user '{name}'")
        return user

    def check_password(self, name: str, password: str) -> User | None:
        """The enabled user with this name and password, or None (in the same time whether or
        not the user exists)."""
        user = self.users().get(name)
        if user is None:
            passwords.verify(passwords.DECOY, password)
            return None
        if not passwords.verify(user.password, password) or user.disabled:
            return None
        return user

    def check_token(self, secret: str, now: datetime) -> tuple[User, Token] | None:
        """The enabled user and the live token this secret is, or None."""
        m = _TOKEN.fullmatch(secret.strip())
        if m is None:
            return None
        digest = _digest(secret.strip())
        for user in self.users().values():
            for token in user.tokens:
                if token.id == m.group(1) and hmac.compare_digest(token.digest, digest):
                    if user.disabled or token.expired(now):
                        return None
                    return user, token
        return None

    # -- writing ----------------------------------------------------------------------------

    def add(self, name: str, role: Role | str, password: str) -> User:
        if not NAME.fullmatch(name):
            raise InvalidUser(
                f"'{name}' cannot be a user name: use letters, digits, '.', '_', '@' and '-' "
                "(at most 64, starting with a letter or digit)"
            )
        checked = _role(role)
        _check_password(password)
        _check_new(self.users(), name)  # before Argon2's time is spent; again under the lock
        digest = passwords.hash_password(password)
        with self._changing() as users:
            _check_new(users, name)
            user = User(name, checked, digest, False, iso_now(), _precise_now())
            users[name] = user
            return user

    def set_password(self, name: str, password: str) -> User:
        _check_password(password)
        digest = passwords.hash_password(password)
        now = _precise_now()
        return self._change(name, password=digest, password_set=now, sessions_from=now)

    def set_role(self, name: str, role: Role | str) -> User:
        """Give the user another role; tokens that would do more than it are revoked."""
        checked = _role(role)
        with self._changing() as users:
            user = _one(users, name)
            kept = tuple(t for t in user.tokens if within(t.role, checked))
            users[name] = replace(user, role=checked, tokens=kept, sessions_from=_precise_now())
            return users[name]

    def set_disabled(self, name: str, disabled: bool) -> User:
        return self._change(name, disabled=disabled, sessions_from=_precise_now())

    def create_token(
        self,
        name: str,
        *,
        role: Role | str | None = None,
        expires: str | None = None,
        label: str = "",
    ) -> tuple[Token, str]:
        """A new API token for the user (its role by default, at most the user's): the token
        and its secret, which is shown this once and never kept."""
        if expires is not None:
            try:
                when = datetime.fromisoformat(expires)
                if when.tzinfo is None:
                    when = when.astimezone()  # ValueError for a day no clock can tell (year 1)
            except (ValueError, OverflowError):
                raise InvalidUser(f"'{expires}' is not a date and time like 2027-01-31") from None
            if when <= datetime.now(UTC):
                raise InvalidUser(f"a token must expire in the future, not at {expires}")
            expires = when.isoformat(timespec="seconds")
        with self._changing() as users:
            user = _one(users, name)
            checked = _role(role) if role is not None else user.role
            if not within(checked, user.role):
                raise InvalidUser(f"a token of {name} ({user.role}) cannot be {checked}")
            token_id = secrets.token_hex(6)
            secret = f"{TOKEN_PREFIX}{token_id}_{secrets.token_urlsafe(32)}"
            token = Token(token_id, name, checked, _digest(secret), iso_now(), expires, label)
            users[name] = replace(user, tokens=(*user.tokens, token))
            return token, secret

    def revoke_token(self, token_id: str) -> Token:
        with self._changing() as users:
            for name, user in users.items():
                for token in user.tokens:
                    if token.id == token_id:
                        kept = tuple(t for t in user.tokens if t.id != token_id)
                        users[name] = replace(user, tokens=kept)
                        return token
        raise UserNotFound(f"there is no API token '{token_id}'")

    def _change(self, name: str, **changes: object) -> User:
        with self._changing() as users:
            users[name] = replace(_one(users, name), **changes)  # type: ignore[arg-type]
            return users[name]

    @contextmanager
    def _changing(self) -> Iterator[dict[str, User]]:
        """The users, to change in place; written back (atomically, 0600) when the block ends
        without an error. Held under a lock and `flock`, so that two writers (a server and
        `sce users`) never lose each other's change."""
        self.path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
        with self._lock:
            fd = os.open(
                self.path.with_name(self.path.name + ".lock"), os.O_RDWR | os.O_CREAT, 0o600
            )
            try:
                fcntl.flock(fd, fcntl.LOCK_EX)
                self._cache = None
                users = dict(self.users())
                yield users
                write_atomic(self.path, _render(users))
                os.chmod(self.path, 0o600)
                self._cache = None
            finally:
                os.close(fd)


def _one(users: dict[str, User], name: str) -> User:
    user = users.get(name)
    if user is None:
        raise UserNotFound(f"there is no user '{name}'")
    return user


def _check_new(users: dict[str, User], name: str) -> None:
    if any(n.lower() == name.lower() for n in users):
        raise UserExists(f"a user '{name}' exists already")


def _role(role: Role | str) -> Role:
    try:
        return role_named(role)
    except ValueError as e:
        raise InvalidUser(str(e)) from None


def _check_password(password: str) -> None:
    problem = passwords.problem(password)
    if problem is not None:
        raise InvalidUser(problem)


def _precise_now() -> str:
    """Now, to the microsecond: a session begun a moment before a password change ends."""
    return datetime.now(UTC).isoformat()


def _digest(secret: str) -> str:
    return hashlib.sha256(secret.encode("utf-8")).hexdigest()


def _render(users: dict[str, User]) -> str:
    data = {
        "version": 1,
        "users": {
            name: {**asdict(user), "tokens": [asdict(t) for t in user.tokens]}
            for name, user in sorted(users.items())
        },
    }
    return json.dumps(data, indent=2, ensure_ascii=False) + "\n"


def _parse(text: str, path: Path) -> dict[str, User]:
    """The users of the file's text; InvalidUser that names the file when it is not one."""
    try:
        data = json.loads(text)
        out = {}
        for name, raw in data["users"].items():
            tokens = tuple(Token(**{**t, "role": Role(t["role"])}) for t in raw.get("tokens", []))
            out[name] = User(**{**raw, "role": Role(raw["role"]), "tokens": tokens})
        return out
    except (ValueError, KeyError, TypeError, AttributeError) as e:
        raise UsersFileBroken(
            f"{path}: not a users file sce can read ({e}); restore it from a backup, or move "
            "it away and create the users again with `sce users add`"
        ) from None
