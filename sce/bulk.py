"""Building many small objects at once (a 50k-node flow) without the cyclic GC's quadratic cost.

CPython's collector runs every few hundred allocations and each pass walks the survivors, so
building a large flow takes time that grows faster than its size. Work that allocates a whole
flow pauses it; none of that work makes reference cycles that need the collector.
"""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager


@contextmanager
def paused_gc() -> Iterator[None]:
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()
