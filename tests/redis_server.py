"""A real redis-server on a free port, for the tests and the benchmarks (nothing saved to disk).

with redis_server() as url:      # "redis://127.0.0.1:PORT/0"
    ...
"""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from contextlib import contextmanager

from runtime.store.throwaway import start_redis, stop

INSTALL = "redis-server is missing; install it: apt-get install redis-server"


class RedisMissing(RuntimeError):
    """No redis-server binary on this machine (scripts/setup.sh installs it)."""


@contextmanager
def redis_server() -> Iterator[str]:
    binary = shutil.which("redis-server")
    if binary is None:
        raise RedisMissing(INSTALL)
    process, port = start_redis(binary)
    try:
        yield f"redis://127.0.0.1:{port}/0"
    finally:
        stop(process, timeout=5)
