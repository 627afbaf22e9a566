"""Browser sessions and login attempts, in a store every server process shares.

A session is a random id in an HttpOnly cookie; the store keeps it under the id's SHA-256 (a
copy of the store holds no usable cookie), with the user's name, the CSRF token its writes must
carry, and when it began and was last used. It ends after `idle` seconds unused, `lifetime`
seconds after it began whatever happens, at logout, or when it is revoked (a user disabled, a
password changed). Failed logins are counted per user and per address in a window, so that
guessing is slow from one place and against one account.

`MemoryLogins` serves one process (the embedded default); `runtime.store.redis_logins` is the
same over Redis for several.
"""

from __future__ import annotations

import hashlib
import secrets
import threading
import time
from dataclasses import dataclass, replace
from typing import Protocol

#: Seconds a session lasts unused, and at most.
IDLE = 4 * 3600.0
LIFETIME = 24 * 3600.0
#: Failed logins allowed per user, and per address, in WINDOW seconds.
PER_USER = 5
PER_ADDRESS = 20
WINDOW = 15 * 60.0
#: Names and addresses counted before the ones out of the window are forgotten.
PRUNE_AT = 10_000


@dataclass(frozen=True)
class Login:
    """A browser session (`key` is the SHA-256 of the cookie's value)."""

    key: str
    user: str
    csrf: str
    created: float
    seen: float
    address: str = ""

    def to_data(self) -> dict[str, object]:
        return {
            "user": self.user,
            "csrf": self.csrf,
            "created": self.created,
            "seen": self.seen,
            "address": self.address,
        }

    @classmethod
    def from_data(cls, key: str, data: dict[str, object]) -> Login:
        return cls(
            key,
            str(data["user"]),
            str(data["csrf"]),
            float(data["created"]),  # type: ignore[arg-type]
            float(data["seen"]),  # type: ignore[arg-type]
            str(data.get("address", "")),
        )


def key_of(cookie: str) -> str:
    return hashlib.sha256(cookie.encode("utf-8", "replace")).hexdigest()


def new_login(user: str, address: str, now: float) -> tuple[str, Login]:
    """A new session: the cookie's value (shown to the browser only) and its record."""
    cookie = secrets.token_urlsafe(32)
    return cookie, Login(key_of(cookie), user, secrets.token_urlsafe(32), now, now, address)


class Logins(Protocol):
    """Where sessions and failed-login counts are kept (see the module's docstring)."""

    idle: float
    lifetime: float

    def put(self, login: Login) -> None: ...

    def get(self, key: str, now: float) -> Login | None:
        """The live session, its last use moved to `now`; None when it is over."""
        ...

    def drop(self, key: str) -> None: ...

    def drop_user(self, user: str) -> int:
        """End every session of `user`; how many there were."""
        ...

    def failed(self, what: str, now: float) -> int:
        """Count a failed login of `what` (a user or an address); the count in the window."""
        ...

    def failures(self, what: str, now: float) -> tuple[int, float]:
        """Failed logins of `what` in the window, and seconds until the oldest leaves it."""
        ...

    def forgive(self, what: str) -> None: ...

    def close(self) -> None: ...


def live(login: Login, now: float, idle: float, lifetime: float) -> bool:
    return now - login.seen < idle and now - login.created < lifetime


class MemoryLogins:
    """Sessions and counts of one process."""

    def __init__(self, idle: float = IDLE, lifetime: float = LIFETIME) -> None:
        self.idle = idle
        self.lifetime = lifetime
        self._lock = threading.Lock()
        self._logins: dict[str, Login] = {}
        self._failures: dict[str, list[float]] = {}

    def put(self, login: Login) -> None:
        with self._lock:
            self._logins[login.key] = login

    def get(self, key: str, now: float) -> Login | None:
        with self._lock:
            login = self._logins.get(key)
            if login is None:
                return None
            if not live(login, now, self.idle, self.lifetime):
                del self._logins[key]
                return None
            seen = replace(login, seen=now)
            self._logins[key] = seen
            return seen

    def drop(self, key: str) -> None:
        with self._lock:
            self._logins.pop(key, None)

    def drop_user(self, user: str) -> int:
        with self._lock:
            keys = [k for k, v in self._logins.items() if v.user == user]
            for k in keys:
                del self._logins[k]
            return len(keys)

    def failed(self, what: str, now: float) -> int:
        with self._lock:
            if len(self._failures) > PRUNE_AT:  # names and addresses tried once, long ago
                self._failures = {
                    k: v for k, v in self._failures.items() if v and now - v[-1] < WINDOW
                }
            times = [t for t in self._failures.get(what, []) if now - t < WINDOW] + [now]
            self._failures[what] = times
            return len(times)

    def failures(self, what: str, now: float) -> tuple[int, float]:
        with self._lock:
            times = [t for t in self._failures.get(what, []) if now - t < WINDOW]
            return len(times), (WINDOW - (now - times[0]) if times else 0.0)

    def forgive(self, what: str) -> None:
        with self._lock:
            self._failures.pop(what, None)

    def close(self) -> None:
        pass


def clock() -> float:
    return time.time()
