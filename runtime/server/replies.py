"""The last TwiML answer given for each call, so a retried webhook gets the same answer.

Twilio retries a webhook that timed out or failed, and a proxy may deliver one twice: the engine
drops the repeated answer (its `asked` is past), and this store hands back what the first one
got. Entries live as long as an ended session (`ended_ttl`): after that the call is unknown.
"""

from __future__ import annotations

import threading
import time
from typing import Protocol


class Replies(Protocol):
    def put(self, call_id: str, asked: int, twiml: str) -> None:
        """Remember `twiml` as the answer to the request that carried `asked`."""

    def get(self, call_id: str) -> tuple[int, str] | None:
        """The last answer given for the call, and the `asked` of the request it answered."""

    def close(self) -> None: ...


class MemoryReplies:
    def __init__(self, ttl: float) -> None:
        self.ttl = ttl
        self._lock = threading.Lock()
        self._items: dict[str, tuple[float, int, str]] = {}

    def put(self, call_id: str, asked: int, twiml: str) -> None:
        now = time.monotonic()
        with self._lock:
            self._items[call_id] = (now + self.ttl, asked, twiml)
            if len(self._items) % 1024 == 0:
                self._items = {k: v for k, v in self._items.items() if v[0] > now}

    def get(self, call_id: str) -> tuple[int, str] | None:
        item = self._items.get(call_id)
        if item is None or item[0] <= time.monotonic():
            return None
        return item[1], item[2]

    def close(self) -> None:
        self._items.clear()


class RedisReplies:
    """Replies shared by every worker on one Redis: the retry may reach another process."""

    def __init__(self, url: str, ttl: float) -> None:
        from runtime.store.redis_client import Client

        self.ttl_ms = max(int(ttl * 1000), 1)
        self._client = Client(url)

    def put(self, call_id: str, asked: int, twiml: str) -> None:
        with self._client.reachable():
            self._client.redis.set(f"sce:reply:{call_id}", f"{asked}\n{twiml}", px=self.ttl_ms)

    def get(self, call_id: str) -> tuple[int, str] | None:
        with self._client.reachable():
            value = self._client.redis.get(f"sce:reply:{call_id}")
        if value is None:
            return None
        asked, _, twiml = str(value).partition("\n")
        return int(asked), twiml

    def close(self) -> None:
        self._client.close()


def open_replies(store_url: str | None, ttl: float) -> Replies:
    from runtime.store import REDIS_SCHEMES

    if store_url and store_url.split("://", 1)[0].lower() in REDIS_SCHEMES:
        return RedisReplies(store_url, ttl)
    return MemoryReplies(ttl)
