"""Fixtures of the runtime tests: a real redis-server for this test session."""

from __future__ import annotations

import shutil
import socket
import subprocess
import time
from collections.abc import Iterator

import pytest
import redis


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _start_redis(binary: str) -> tuple[subprocess.Popen[bytes], str]:
    """A redis-server on a free port, answering PING; retried if another process took the port."""
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


@pytest.fixture(scope="session")
def redis_url() -> Iterator[str]:
    """URL of a real redis-server started for this test session and stopped at its end."""
    binary = shutil.which("redis-server")
    if binary is None:
        pytest.fail("redis-server is missing; install it: apt-get install redis-server")
    process, url = _start_redis(binary)
    try:
        yield url
    finally:
        process.terminate()
        try:
            process.wait(timeout=5)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


@pytest.fixture
def redis_clean(redis_url: str) -> str:
    """The test session's Redis, emptied first, so each test starts from nothing."""
    client = redis.Redis.from_url(redis_url)
    client.flushdb()
    client.close()
    return redis_url
