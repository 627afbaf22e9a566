"""A real redis-server on a free port, for the tests and the benchmarks (nothing saved to disk).

with redis_server() as url:      # "redis://127.0.0.1:PORT/0"
    ...
"""

from __future__ import annotations

import shutil
import socket
import subprocess
import time
from collections.abc import Iterator
from contextlib import contextmanager

import redis

INSTALL = "redis-server is missing; install it: apt-get install redis-server"


class RedisMissing(RuntimeError):
    """No redis-server binary on this machine (scripts/setup.sh installs it)."""


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _start(binary: str) -> tuple[subprocess.Popen[bytes], str]:
    """A server answering PING; retried on another port if one was taken meanwhile."""
    for _ in range(5):
        port = _free_port()
        process = subprocess.Popen(
            [
                binary,
                "--port",
                str(port),
                "--bind",
                "127.0.0.1",
                "--save",
                "",
                "--appendonly",
                "no",
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        url = f"redis://127.0.0.1:{port}/0"
        client = redis.Redis.from_url(url)
        deadline = time.monotonic() + 10
        while process.poll() is None and time.monotonic() < deadline:
            try:
                client.ping()
                client.close()
                return process, url
            except redis.ConnectionError:
                time.sleep(0.01)
        client.close()
        process.kill()
        process.wait()
    raise RuntimeError("redis-server did not start on a free port (tried 5 ports)")


@contextmanager
def redis_server() -> Iterator[str]:
    binary = shutil.which("redis-server")
    if binary is None:
        raise RedisMissing(INSTALL)
    process, url = _start(binary)
    try:
        yield url
    finally:
        process.terminate()
        try:
            process.wait(timeout=5)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
