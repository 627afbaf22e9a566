"""The in-memory session store and deploy backend: one process, nothing to install.

This is the embedded default. Sessions live in a dict guarded by one lock; the engine never
mutates a session it was given (it copies it), so the store keeps the objects themselves and
`get` returns the stored object: callers must not mutate it, they copy it (`Session.copy`).

Expiry costs almost nothing: every store write refreshes a session's deadline by moving it to
the end of an ordered dict (one per TTL, so deadlines in each are in write order), and every
write first drops the expired sessions from the front. Abandoned calls therefore never pile up,
and a `get` also checks the deadline, so an expired session is never returned.
"""

from __future__ import annotations

import json
import logging
import threading
import time
from collections import Counter, OrderedDict
from collections.abc import Callable

from runtime.errors import SessionConflict, SessionExists, UnknownCall
from runtime.session import Session
from runtime.store.base import DEFAULT_ENDED_TTL, DEFAULT_IDLE_TTL

log = logging.getLogger(__name__)

#: Deploy records kept (the Redis backend keeps as many).
LOG_LIMIT = 10_000


def pinned_versions(session: Session) -> set[str]:
    """The flow versions a session holds in memory: its own and its subflows' (each once)."""
    return {session.version, *session.pins.values()}


class MemorySessionStore:
    """Sessions of one process, with the same rules as the shared store (see `base`)."""

    def __init__(
        self,
        *,
        idle_ttl: float = DEFAULT_IDLE_TTL,
        ended_ttl: float = DEFAULT_ENDED_TTL,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.idle_ttl = idle_ttl
        self.ended_ttl = ended_ttl
        self._clock = clock
        self._lock = threading.Lock()
        self._sessions: dict[str, Session] = {}
        # call id → deadline, oldest write first; a session is in exactly one of the two.
        self._active: OrderedDict[str, float] = OrderedDict()
        self._ended: OrderedDict[str, float] = OrderedDict()
        self._in_use: Counter[str] = Counter()

    def create(self, session: Session) -> None:
        with self._lock:
            now = self._clock()
            self._sweep(now)
            if session.call_id in self._sessions:
                raise SessionExists(f"call '{session.call_id}' already has a session")
            self._put(session, now)

    def get(self, call_id: str) -> Session | None:
        """The stored session itself (not a copy): do not mutate it."""
        with self._lock:
            session = self._sessions.get(call_id)
            if session is None:
                return None
            deadline = self._active.get(call_id)
            if deadline is None:
                deadline = self._ended[call_id]
            if deadline <= self._clock():
                self._drop(call_id)
                return None
            return session

    def save(self, session: Session) -> None:
        with self._lock:
            now = self._clock()
            self._sweep(now)
            stored = self._sessions.get(session.call_id)
            if stored is None:
                raise UnknownCall(f"no session for call '{session.call_id}' (it ended or expired)")
            if stored.seq != session.seq - 1:
                raise SessionConflict(
                    f"call '{session.call_id}' moved on: stored seq {stored.seq}, "
                    f"this update expects {session.seq - 1}"
                )
            self._drop(session.call_id)
            self._put(session, now)

    def delete(self, call_id: str) -> None:
        with self._lock:
            if call_id in self._sessions:
                self._drop(call_id)

    def versions_in_use(self) -> Counter[str]:
        """Active sessions per version they pinned; a copy, built in O(number of versions)."""
        with self._lock:
            self._sweep(self._clock())
            return Counter(self._in_use)

    def active_count(self) -> int:
        with self._lock:
            self._sweep(self._clock())
            return len(self._active)

    def close(self) -> None:
        """Nothing to release; the sessions stay readable."""

    # The helpers below run under the lock.

    def _put(self, session: Session, now: float) -> None:
        self._sessions[session.call_id] = session
        if session.active:
            self._active[session.call_id] = now + self.idle_ttl
            self._in_use.update(pinned_versions(session))
        else:
            self._ended[session.call_id] = now + self.ended_ttl

    def _drop(self, call_id: str) -> None:
        session = self._sessions.pop(call_id)
        if self._active.pop(call_id, None) is not None:
            self._in_use.subtract(pinned_versions(session))
            for version in pinned_versions(session):
                if self._in_use[version] <= 0:
                    del self._in_use[version]
        else:
            del self._ended[call_id]

    def _sweep(self, now: float) -> None:
        """Drop expired sessions: only the front of each ordered dict can be expired."""
        for order in (self._active, self._ended):
            while order:
                call_id, deadline = next(iter(order.items()))
                if deadline > now:
                    break
                self._drop(call_id)


class MemoryDeployBackend:
    """Deploys of one process. `publish` calls every subscriber of this object (the registries
    sharing it) synchronously, in the publisher's thread and outside the lock, so a callback
    may read the backend. A failing callback is logged and does not stop the others."""

    def __init__(self, clock: Callable[[], float] = time.monotonic) -> None:
        self._lock = threading.Lock()
        self._clock = clock
        self._versions: dict[str, str] = {}
        #: version → when it goes (its clock), for the drafts' versions.
        self._drafts: dict[str, float] = {}
        self._current: dict[str, str] = {}
        self._log: list[dict[str, object]] = []  # oldest first
        self._subscribers: dict[object, Callable[[str, str], None]] = {}

    def put_version(self, version: str, ir_json: str, *, ttl: float | None = None) -> None:
        with self._lock:
            now = self._clock()
            for gone in [v for v, until in self._drafts.items() if until <= now]:
                del self._drafts[gone], self._versions[gone]
            if ttl is None:
                self._drafts.pop(version, None)
            elif version in self._versions and version not in self._drafts:
                return  # kept for good already
            else:
                self._drafts[version] = now + ttl
            self._versions[version] = ir_json

    def get_version(self, version: str) -> str | None:
        with self._lock:
            if self._drafts.get(version, float("inf")) <= self._clock():
                return None
            return self._versions.get(version)

    def set_current(self, flow: str, version: str) -> str | None:
        with self._lock:
            previous = self._current.get(flow)
            self._current[flow] = version
            return previous

    def current(self) -> dict[str, str]:
        with self._lock:
            return dict(self._current)

    def append_log(self, record: dict[str, object]) -> None:
        """Record a deploy; its values must be JSON values, stored as the Redis backend would
        give them back (tuples become lists), so code tested here runs the same on Redis."""
        stored = json.loads(json.dumps(record))
        with self._lock:
            self._log.append(stored)
            if len(self._log) > LOG_LIMIT:
                del self._log[: len(self._log) - LOG_LIMIT]

    def log(self, flow: str | None = None, limit: int = 100) -> list[dict[str, object]]:
        with self._lock:
            picked: list[dict[str, object]] = []
            for record in reversed(self._log):
                if len(picked) >= limit:
                    break
                if flow is None or record.get("flow") == flow:
                    picked.append(dict(record))
            return picked

    def publish(self, flow: str, version: str) -> None:
        with self._lock:
            subscribers = list(self._subscribers.values())
        for callback in subscribers:
            try:
                callback(flow, version)
            except Exception:
                log.exception("deploy subscriber failed on %s@%s", flow, version)

    def subscribe(self, callback: Callable[[str, str], None]) -> Callable[[], None]:
        token = object()
        with self._lock:
            self._subscribers[token] = callback

        def stop() -> None:
            with self._lock:
                self._subscribers.pop(token, None)

        return stop

    def close(self) -> None:
        with self._lock:
            self._subscribers.clear()
