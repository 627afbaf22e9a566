"""The last answer given for each call, so a retried webhook gets the same answer.

Twilio retries a webhook that timed out or failed, and a proxy may deliver one twice: the engine
drops the repeated answer (its `asked` is past), and this store hands back what the first one
got. Each answer is kept with the `asked` of the request it answered and the wait it set
(`then`, the session's `asked` after it): when the session waits on another wait than the last
answer set, a request that moved the call is still on its way to remembering its answer. An
answer lives as long as its session: `idle_ttl` while the call goes on (a caller may wait in a
queue for an hour), `ended_ttl` once it ended. The browser's test calls keep their last answer
here too.
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass
from typing import Protocol


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

    def close(self) -> None: ...


class MemoryReplies:
    def __init__(self, idle_ttl: float, ended_ttl: float) -> None:
        self.ttls = (idle_ttl, ended_ttl)
        self._lock = threading.Lock()
        self._items: dict[str, tuple[float, Reply]] = {}

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


class RedisReplies:
    """Replies shared by every worker on one Redis: the retry may reach another process."""

    def __init__(self, url: str, idle_ttl: float, ended_ttl: float) -> None:
        from runtime.store.redis_client import Client

        self.ttls_ms = tuple(max(int(ttl * 1000), 1) for ttl in (idle_ttl, ended_ttl))
        self._client = Client(url)

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
        self._client.close()


def _key(call_id: str) -> str:
    return f"sce:reply:{call_id}"


def open_replies(store_url: str | None, *, idle_ttl: float, ended_ttl: float) -> Replies:
    """The replies beside the session store `store_url` names (in Redis when it is there)."""
    from runtime.store import shared

    if shared(store_url):
        return RedisReplies(store_url or "", idle_ttl, ended_ttl)
    return MemoryReplies(idle_ttl, ended_ttl)
