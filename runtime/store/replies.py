"""The last answer given for each call, so a retried webhook gets the same answer.

Twilio retries a webhook that timed out or failed, and a proxy may deliver one twice: the engine
drops the repeated answer (its `asked` is past), and this store hands back what the first one
got. Each answer is kept with the `asked` of the request it answered and the wait it set
(`then`, the session's `asked` after it): when the session waits on another wait than the last
answer set, a request that moved the call is still on its way to remembering its answer. An
answer lives as long as its session: `idle_ttl` while the call goes on (a caller may wait in a
queue for an hour), `ended_ttl` once it ended. The browser's test calls keep their last answer
here too.

A request that finds the call moved and its answer not yet remembered waits for it; it must
tell a request still running (a business system taking its time) from one whose worker died
inside it (whose answer will never come). So a request running a turn says so (`running`): in
Redis, a key refreshed every HEARTBEAT seconds that lives LEASE seconds, written by one thread
per process for all its turns at once (nothing more on a webhook's own path). `alive` is false
once the key has lapsed: the waiting request then answers at once instead of at its deadline.
"""

from __future__ import annotations

import logging
import threading
import time
from collections import Counter
from collections.abc import Iterator
from contextlib import AbstractContextManager, contextmanager
from dataclasses import dataclass
from typing import Protocol

log = logging.getLogger("sce.voice")

#: Seconds between two heartbeats of the turns a process runs, and how long one lasts.
HEARTBEAT = 0.5
LEASE = 3.0


@dataclass(frozen=True)
class Reply:
    """The answer `text` to the request that carried `asked`; it set the call's wait `then`."""

    asked: int
    then: int
    text: str


class Replies(Protocol):
    def put(self, call_id: str, reply: Reply, *, ended: bool) -> None:
        """Remember `reply` as the call's last answer (for as long as its session lives)."""

    def get(self, call_id: str) -> Reply | None:
        """The last answer given for the call."""

    def running(self, call_id: str) -> AbstractContextManager[None]:
        """While the block runs, this process runs a turn of the call."""

    def alive(self, call_id: str) -> bool:
        """Whether a turn of the call may be running (in any process), as of LEASE ago."""

    def close(self) -> None: ...


class _Running:
    """The calls whose turns this process runs (a call may have two: a retry racing)."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.calls: Counter[str] = Counter()

    @contextmanager
    def running(self, call_id: str) -> Iterator[None]:
        with self.lock:
            self.calls[call_id] += 1
        try:
            yield
        finally:
            with self.lock:
                self.calls[call_id] -= 1
                if self.calls[call_id] <= 0:
                    del self.calls[call_id]

    def now(self) -> list[str]:
        with self.lock:
            return list(self.calls)


class MemoryReplies(_Running):
    """Replies in this process (whose calls end with it: what runs here is all there is)."""

    def __init__(self, idle_ttl: float, ended_ttl: float) -> None:
        super().__init__()
        self.ttls = (idle_ttl, ended_ttl)
        self._lock = threading.Lock()
        self._items: dict[str, tuple[float, Reply]] = {}

    def alive(self, call_id: str) -> bool:
        with self.lock:
            return call_id in self.calls

    def put(self, call_id: str, reply: Reply, *, ended: bool) -> None:
        now = time.monotonic()
        with self._lock:
            self._items[call_id] = (now + self.ttls[ended], reply)
            if len(self._items) % 1024 == 0:  # now and then, forget the expired
                self._items = {k: v for k, v in self._items.items() if v[0] > now}

    def get(self, call_id: str) -> Reply | None:
        item = self._items.get(call_id)
        if item is None or item[0] <= time.monotonic():
            return None
        return item[1]

    def close(self) -> None:
        self._items.clear()


class RedisReplies(_Running):
    """Replies shared by every worker on one Redis: the retry may reach another process."""

    def __init__(self, url: str, idle_ttl: float, ended_ttl: float) -> None:
        from runtime.store.redis_client import Client

        super().__init__()
        self.ttls_ms = tuple(max(int(ttl * 1000), 1) for ttl in (idle_ttl, ended_ttl))
        self._client = Client(url)
        self._stop = threading.Event()
        self._beat: threading.Thread | None = None

    @contextmanager
    def running(self, call_id: str) -> Iterator[None]:
        if self._beat is None:  # started in the worker that serves, not before a fork
            with self.lock:
                if self._beat is None:
                    self._beat = threading.Thread(
                        target=self._heartbeat, name="sce-turns", daemon=True
                    )
                    self._beat.start()
        with super().running(call_id):
            yield

    def alive(self, call_id: str) -> bool:
        with self._client.reachable():
            return bool(self._client.redis.exists(_turn_key(call_id)))

    def _heartbeat(self) -> None:
        lease = int(LEASE * 1000)
        while not self._stop.wait(HEARTBEAT):
            calls = self.now()
            if not calls:
                continue
            try:
                with self._client.reachable():
                    pipe = self._client.redis.pipeline(transaction=False)
                    for call_id in calls:
                        pipe.set(_turn_key(call_id), "1", px=lease)
                    pipe.execute()
            except Exception as e:  # the store is away: the webhooks say so themselves
                log.debug("turn heartbeat not written: %s", e)

    def put(self, call_id: str, reply: Reply, *, ended: bool) -> None:
        value = f"{reply.asked} {reply.then}\n{reply.text}"
        with self._client.reachable():
            self._client.redis.set(_key(call_id), value, px=self.ttls_ms[ended])

    def get(self, call_id: str) -> Reply | None:
        with self._client.reachable():
            value = self._client.redis.get(_key(call_id))
        if value is None:
            return None
        head, _, text = str(value).partition("\n")
        asked, _, then = head.partition(" ")
        return Reply(int(asked), int(then), text)

    def close(self) -> None:
        self._stop.set()
        if self._beat is not None:
            self._beat.join()
        self._client.close()


def _key(call_id: str) -> str:
    return f"sce:reply:{call_id}"


def _turn_key(call_id: str) -> str:
    return f"sce:turn:{call_id}"


def open_replies(store_url: str | None, *, idle_ttl: float, ended_ttl: float) -> Replies:
    """The replies beside the session store `store_url` names (in Redis when it is there)."""
    from runtime.store import shared

    if shared(store_url):
        return RedisReplies(store_url or "", idle_ttl, ended_ttl)
    return MemoryReplies(idle_ttl, ended_ttl)
