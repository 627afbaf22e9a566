"""What every session store and deploy backend does; `open_store(url)` picks one by URL.

Two stores exist: in-memory (one process, the embedded default) and Redis (several processes
share calls and deploys). Both follow the same rules, tested by the same tests:

- `create` refuses a call id that exists; `save` is compare-and-set on `seq`: it stores a session
  only if the stored one has `seq - 1`, so two processes can never both advance one call.
- An active session that is not saved for `idle_ttl` seconds expires (an abandoned call never
  leaks); an ended one is kept `ended_ttl` seconds (a retried webhook still finds it) and then
  expires. Sessions are keyed by call id only, so nothing of an old call blocks a new one.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from typing import Protocol

from runtime.session import Session

DEFAULT_IDLE_TTL = 4 * 3600
DEFAULT_ENDED_TTL = 600


class SessionStore(Protocol):
    idle_ttl: float
    ended_ttl: float

    def create(self, session: Session) -> None:
        """Store a new call's session; SessionExists if the call id is taken."""

    def get(self, call_id: str) -> Session | None:
        """The stored session, or None (never started, or expired)."""

    def save(self, session: Session) -> None:
        """Store `session` if the stored one has `session.seq - 1`; else SessionConflict.
        UnknownCall if there is none (it expired)."""

    def delete(self, call_id: str) -> None: ...

    def versions_in_use(self) -> Counter[str]:
        """Active sessions per flow version they pinned (subflow pins included)."""

    def active_count(self) -> int: ...

    def close(self) -> None: ...


class DeployBackend(Protocol):
    """Where deploys live: compiled versions (as IR JSON), the current version per flow, the
    deploy log, and the news of a deploy for the other processes."""

    def put_version(self, version: str, ir_json: str, *, ttl: float | None = None) -> None:
        """Archive a compiled version for good; with `ttl`, a draft's (a test call's): kept
        `ttl` seconds from this put, unless the version is kept for good, before or after."""

    def get_version(self, version: str) -> str | None: ...

    def set_current(self, flow: str, version: str) -> str | None:
        """Make `version` current for `flow`; return the previous one (atomic)."""

    def current(self) -> dict[str, str]:
        """flow id → current version, for every deployed flow."""

    def append_log(self, record: dict[str, object]) -> None: ...

    def log(self, flow: str | None = None, limit: int = 100) -> list[dict[str, object]]:
        """Deploy records, newest first."""

    def publish(self, flow: str, version: str) -> None:
        """Tell the other processes that `flow` is now at `version`."""

    def subscribe(self, callback: Callable[[str, str], None]) -> Callable[[], None]:
        """Call `callback(flow, version)` on every deploy published elsewhere; returns a
        function that stops listening."""

    def close(self) -> None: ...
