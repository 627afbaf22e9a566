"""A Redis connection for the store and the deploy backend: checked on open, with lost
connections reported as StoreUnavailable naming the store (password hidden)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import redis
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import RedisError
from redis.exceptions import TimeoutError as RedisTimeoutError

from runtime.errors import StoreUnavailable
from runtime.store import redacted
from sce.errors import ConfigError


def connect(url: str) -> redis.Redis:
    """A client for `url`, checked with a PING; StoreUnavailable if Redis cannot be reached."""
    try:
        client = redis.Redis.from_url(
            url,
            decode_responses=True,
            # Well inside a webhook's budget: a Redis that stopped answering must leave time for
            # the caller to hear the flow's error policy before the platform gives up (15 s).
            socket_connect_timeout=2,
            socket_timeout=2,
            health_check_interval=30,
        )
    except ValueError as e:
        raise ConfigError(f"store URL {redacted(url)} is not valid: {e}") from None
    try:
        client.ping()
    except RedisError as e:
        client.close()
        raise StoreUnavailable(f"cannot reach Redis at {redacted(url)}: {e}") from None
    return client


class Client:
    """A Redis client whose connection failures become StoreUnavailable naming the store."""

    def __init__(self, url: str) -> None:
        self.url = redacted(url)
        self.redis = connect(url)

    @contextmanager
    def reachable(self) -> Iterator[None]:
        try:
            yield
        except (RedisConnectionError, RedisTimeoutError) as e:
            raise StoreUnavailable(f"lost Redis at {self.url}: {e}") from None

    def close(self) -> None:
        self.redis.close()
