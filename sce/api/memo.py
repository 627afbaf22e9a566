"""A small cache for what the API works out from content that never changes under its key
(a flow's lint counts by the ETag of its file): bounded, the least recently used going first,
and safe across the threads of a server process."""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable
from typing import Generic, TypeVar

K = TypeVar("K", bound=Hashable)
V = TypeVar("V")


class Memo(Generic[K, V]):
    """At most `limit` answers, by key; `misses` counts the answers worked out."""

    def __init__(self, limit: int) -> None:
        self.limit = limit
        self.misses = 0
        self._kept: OrderedDict[K, V] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key: K, work: Callable[[], V]) -> V:
        """The answer kept for `key`, else `work()`'s, kept. The work runs outside the lock, so
        that other requests go on meanwhile (two may work out the same answer: it is the same)."""
        with self._lock:
            if key in self._kept:
                self._kept.move_to_end(key)
                return self._kept[key]
        value = work()
        with self._lock:
            self.misses += 1
            self._kept[key] = value
            self._kept.move_to_end(key)
            while len(self._kept) > self.limit:
                self._kept.popitem(last=False)
        return value

    def __len__(self) -> int:
        return len(self._kept)
