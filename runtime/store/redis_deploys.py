"""The Redis deploy backend: compiled versions, the current version per flow, the deploy log,
and the news of a deploy for the other processes (keys in `runtime.store.redis`'s docstring)."""

from __future__ import annotations

import json
import logging
import threading
from collections.abc import Callable
from typing import cast

import redis
from redis.exceptions import RedisError

from runtime.errors import StoreUnavailable
from runtime.store.memory import LOG_LIMIT
from runtime.store.redis_client import Client

log = logging.getLogger(__name__)

IR = "sce:ir:"
CURRENT = "sce:current"
DEPLOYS = "sce:deploys"
CHANNEL = "sce:deploy"

#: A draft's version: stored with its TTL, unless it is kept for good already (no TTL).
_PUT_DRAFT = """
if redis.call('TTL', KEYS[1]) == -1 then return 0 end
redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2])
return 1
"""

_SET_CURRENT = """
local previous = redis.call('HGET', KEYS[1], ARGV[1])
redis.call('HSET', KEYS[1], ARGV[1], ARGV[2])
return previous
"""


class RedisDeployBackend:
    """Deploys shared through Redis: versions, current versions, the log, and pub/sub news."""

    def __init__(self, url: str) -> None:
        self._client = Client(url)
        self._set_current = self._client.redis.register_script(_SET_CURRENT)
        self._put_draft = self._client.redis.register_script(_PUT_DRAFT)
        self._stops: list[Callable[[], None]] = []

    def put_version(self, version: str, ir_json: str, *, ttl: float | None = None) -> None:
        with self._client.reachable():
            if ttl is None:
                self._client.redis.set(IR + version, ir_json)  # a SET keeps it for good
            else:
                self._put_draft([IR + version], [ir_json, max(1, round(ttl * 1000))])

    def get_version(self, version: str) -> str | None:
        with self._client.reachable():
            # The client decodes replies (decode_responses=True): values are text.
            return cast(str | None, self._client.redis.get(IR + version))

    def set_current(self, flow: str, version: str) -> str | None:
        with self._client.reachable():
            return self._set_current([CURRENT], [flow, version])

    def current(self) -> dict[str, str]:
        with self._client.reachable():
            return cast(dict[str, str], self._client.redis.hgetall(CURRENT))

    def append_log(self, record: dict[str, object]) -> None:
        """Record a deploy; its values must be JSON values (the log keeps the last 10,000)."""
        text = json.dumps(record, ensure_ascii=False, separators=(",", ":"))
        with self._client.reachable():
            pipe = self._client.redis.pipeline(transaction=True)
            pipe.lpush(DEPLOYS, text)
            pipe.ltrim(DEPLOYS, 0, LOG_LIMIT - 1)
            pipe.execute()

    def log(self, flow: str | None = None, limit: int = 100) -> list[dict[str, object]]:
        if limit <= 0:
            return []
        r = self._client.redis
        if flow is None:
            with self._client.reachable():
                texts = cast(list[str], r.lrange(DEPLOYS, 0, limit - 1))
                return [json.loads(t) for t in texts]
        picked: list[dict[str, object]] = []
        start, batch = 0, 1000
        while len(picked) < limit:
            with self._client.reachable():
                texts = cast(list[str], r.lrange(DEPLOYS, start, start + batch - 1))
            for text in texts:
                record = json.loads(text)
                if record.get("flow") == flow:
                    picked.append(record)
            if len(texts) < batch:
                break
            start += batch
        return picked[:limit]

    def publish(self, flow: str, version: str) -> None:
        message = json.dumps({"flow": flow, "version": version}, ensure_ascii=False)
        with self._client.reachable():
            self._client.redis.publish(CHANNEL, message)

    def subscribe(self, callback: Callable[[str, str], None]) -> Callable[[], None]:
        """Listen on a daemon thread; returns once Redis confirmed the subscription, so a deploy
        published after this returns is delivered. Every published deploy is delivered, this
        process's own included. After a lost connection, once listening again, the callback
        gets every flow's current version, so deploys published meanwhile are not missed."""
        with self._client.reachable():
            pubsub = self._client.redis.pubsub()
            pubsub.subscribe(CHANNEL)
            confirmed = pubsub.get_message(timeout=5)
        if not confirmed or confirmed["type"] != "subscribe":
            pubsub.close()
            raise StoreUnavailable(f"Redis at {self._client.url} did not confirm the subscription")
        stopped = threading.Event()
        thread = threading.Thread(
            target=self._listen, args=(pubsub, callback, stopped), name="sce-deploys", daemon=True
        )
        thread.start()

        def stop() -> None:
            stopped.set()
            if thread is not threading.current_thread():
                thread.join(timeout=5)

        self._stops.append(stop)
        return stop

    def _listen(
        self,
        pubsub: redis.client.PubSub,
        callback: Callable[[str, str], None],
        stopped: threading.Event,
    ) -> None:
        try:
            while not stopped.is_set():
                try:
                    message = pubsub.get_message(timeout=0.2)
                except (RedisError, OSError) as e:
                    log.warning("deploy news from Redis at %s lost: %s", self._client.url, e)
                    stopped.wait(0.5)
                    continue
                if stopped.is_set():
                    break
                if message is None:
                    continue
                if message["type"] == "subscribe":  # listening again after a lost connection
                    self._deliver_current(callback)
                elif message["type"] == "message":
                    self._deliver(callback, message["data"])
        finally:
            pubsub.close()

    def _deliver(self, callback: Callable[[str, str], None], data: str) -> None:
        try:
            news = json.loads(data)
            flow, version = news["flow"], news["version"]
        except (ValueError, TypeError, KeyError):
            log.warning("ignoring a malformed deploy message: %r", data)
            return
        self._call(callback, flow, version)

    def _deliver_current(self, callback: Callable[[str, str], None]) -> None:
        try:
            current = self.current()
        except StoreUnavailable as e:
            log.warning("cannot read the current versions: %s", e)
            return
        for flow, version in current.items():
            self._call(callback, flow, version)

    @staticmethod
    def _call(callback: Callable[[str, str], None], flow: str, version: str) -> None:
        try:
            callback(flow, version)
        except Exception:
            log.exception("deploy subscriber failed on %s@%s", flow, version)

    def close(self) -> None:
        for stop in self._stops:
            stop()
        self._stops.clear()
        self._client.close()
