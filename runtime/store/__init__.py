"""Session stores and deploy backends, chosen by the `store` setting's URL.

`memory://` (or nothing) keeps everything in this process; `redis://`, `rediss://` and
`unix://` URLs share sessions and deploys between processes through Redis. The Redis modules
load only when a Redis URL is used.
"""

from __future__ import annotations

from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

from runtime.store.base import DEFAULT_ENDED_TTL, DEFAULT_IDLE_TTL, DeployBackend, SessionStore
from runtime.store.memory import MemoryDeployBackend, MemorySessionStore
from sce.access.audit import Audit, FileAudit
from sce.access.logins import Logins, MemoryLogins
from sce.errors import ConfigError

__all__ = [
    "DeployBackend",
    "MemoryDeployBackend",
    "MemorySessionStore",
    "SessionStore",
    "open_audit",
    "open_deploys",
    "open_logins",
    "open_store",
    "redacted",
    "shared",
]

REDIS_SCHEMES = ("redis", "rediss", "unix")


def redacted(url: str) -> str:
    """`url` with its password replaced by `***`, fit for messages and logs."""
    try:
        parts = urlsplit(url)
        password = parts.password
    except ValueError:
        return "<unparsable URL>"
    if not password:
        return url
    user = parts.username or ""
    host = parts.netloc.rsplit("@", 1)[1]
    return urlunsplit(parts._replace(netloc=f"{user}:***@{host}"))


def _scheme(url: str | None) -> str:
    if not url:
        return "memory"
    scheme = url.split("://", 1)[0].lower() if "://" in url else ""
    if scheme == "memory" or scheme in REDIS_SCHEMES:
        return scheme
    raise ConfigError(
        f"unknown store URL {redacted(url)!r}: use memory://, redis://HOST:PORT/DB, "
        "rediss://HOST:PORT/DB (TLS) or unix://PATH"
    )


def shared(url: str | None) -> bool:
    """Whether the store `url` names is shared between processes (Redis)."""
    return _scheme(url) in REDIS_SCHEMES


def open_store(
    url: str | None,
    *,
    idle_ttl: float = DEFAULT_IDLE_TTL,
    ended_ttl: float = DEFAULT_ENDED_TTL,
) -> SessionStore:
    """The session store `url` names. ConfigError for an unknown kind of URL, StoreUnavailable
    if Redis cannot be reached."""
    if _scheme(url) == "memory":
        return MemorySessionStore(idle_ttl=idle_ttl, ended_ttl=ended_ttl)
    from runtime.store.redis import RedisSessionStore

    return RedisSessionStore(url or "", idle_ttl=idle_ttl, ended_ttl=ended_ttl)


def open_deploys(url: str | None) -> DeployBackend:
    """The deploy backend `url` names (a new one per call: share it between registries that
    should hear each other's deploys in one process)."""
    if _scheme(url) == "memory":
        return MemoryDeployBackend()
    from runtime.store.redis_deploys import RedisDeployBackend

    return RedisDeployBackend(url or "")


def open_logins(url: str | None, *, idle: float, lifetime: float) -> Logins:
    """Where browser sessions and failed logins are kept: in Redis when the store is there."""
    if _scheme(url) == "memory":
        return MemoryLogins(idle, lifetime)
    from runtime.store.redis_access import RedisLogins

    return RedisLogins(url or "", idle, lifetime)


def open_audit(url: str | None, path: str | Path) -> Audit:
    """The audit log: a Redis stream when the store is Redis (processes on several machines
    share it), else a file of JSON lines at `path`."""
    if _scheme(url) == "memory":
        return FileAudit(path)
    from runtime.store.redis_access import RedisAudit

    return RedisAudit(url or "")
