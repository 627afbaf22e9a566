"""Fixtures of the runtime tests: a real redis-server for this test session."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
import redis

from tests.redis_server import RedisMissing, redis_server
from tests.runtime.bank_server import Bank, start_bank, stop_bank


@pytest.fixture(scope="session")
def redis_url() -> Iterator[str]:
    """URL of a real redis-server started for this test session and stopped at its end."""
    try:
        with redis_server() as url:
            yield url
    except RedisMissing as e:
        pytest.fail(str(e))


@pytest.fixture
def redis_clean(redis_url: str) -> str:
    """The test session's Redis, emptied first, so each test starts from nothing."""
    client = redis.Redis.from_url(redis_url)
    client.flushdb()
    client.close()
    return redis_url


@pytest.fixture(scope="module")
def bank() -> Iterator[Bank]:
    """A plain-HTTP business system on 127.0.0.1 and a free port (see bank_server)."""
    bank = start_bank()
    yield bank
    stop_bank(bank)
