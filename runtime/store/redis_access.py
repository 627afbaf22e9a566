"""Browser sessions, failed-login counts and the audit log in Redis, for servers of several
processes or machines (the same contracts as `sce.access.logins.MemoryLogins` and
`sce.access.audit.FileAudit`).

    sce:login:<sha256 of the cookie>   a session (JSON), expiring when idle too long or too old
    sce:logins:<user>                  the keys of a user's sessions (to revoke them all)
    sce:failed:<user:NAME|address:IP>  a sorted set of failed-login times, kept one window
    sce:audit                          a stream: records are only ever added (XADD)
"""

from __future__ import annotations

import json
import secrets
from dataclasses import replace
from typing import cast

from runtime.store.redis_client import Client
from sce.access.audit import MAX_QUERY, AuditQuery, AuditRecord
from sce.access.logins import IDLE, LIFETIME, WINDOW, Login, live

_LOGIN = "sce:login:"
_USER = "sce:logins:"
_FAILED = "sce:failed:"
AUDIT_STREAM = "sce:audit"
#: Records read from the audit stream at a time.
PAGE = 500


class RedisLogins:
    def __init__(self, url: str, idle: float = IDLE, lifetime: float = LIFETIME) -> None:
        self.client = Client(url)
        self.idle = idle
        self.lifetime = lifetime

    def put(self, login: Login) -> None:
        r = self.client.redis
        with self.client.reachable():
            pipe = r.pipeline()
            pipe.set(_LOGIN + login.key, json.dumps(login.to_data()), px=self._ttl(login))
            pipe.sadd(_USER + login.user, login.key)
            pipe.expire(_USER + login.user, int(self.lifetime) + 60)
            pipe.execute()

    def get(self, key: str, now: float) -> Login | None:
        r = self.client.redis
        with self.client.reachable():
            raw = cast(str | None, r.get(_LOGIN + key))
            if raw is None:
                return None
            found = Login.from_data(key, json.loads(raw))
            if not live(found, now, self.idle, self.lifetime):
                self._forget(found)
                return None
            seen = replace(found, seen=now)
            # Only if it is still there: a logout or a revocation since the read wins, and
            # this request is not let through on a session that just ended.
            kept = r.set(_LOGIN + key, json.dumps(seen.to_data()), px=self._ttl(seen), xx=True)
            return seen if kept else None

    def drop(self, key: str) -> None:
        r = self.client.redis
        with self.client.reachable():
            pipe = r.pipeline()  # MULTI: read and delete at once
            pipe.get(_LOGIN + key)
            pipe.delete(_LOGIN + key)
            raw = cast(str | None, pipe.execute()[0])
            if raw is not None:
                r.srem(_USER + Login.from_data(key, json.loads(raw)).user, key)

    def _forget(self, login: Login) -> None:
        pipe = self.client.redis.pipeline()
        pipe.delete(_LOGIN + login.key)
        pipe.srem(_USER + login.user, login.key)
        pipe.execute()

    def _ttl(self, login: Login) -> int:
        """Milliseconds Redis keeps a session: until it is idle too long or, if sooner, its
        lifetime ends (so that no session outlives its lifetime in Redis either)."""
        left = min(self.idle, login.created + self.lifetime - login.seen)
        return max(1, int(left * 1000))

    def drop_user(self, user: str) -> int:
        r = self.client.redis
        with self.client.reachable():
            keys = list(cast(set[str], r.smembers(_USER + user)))
            pipe = r.pipeline()
            for key in keys:
                pipe.delete(_LOGIN + key)
            pipe.delete(_USER + user)
            return sum(pipe.execute()[: len(keys)])

    def failed(self, what: str, now: float) -> int:
        r = self.client.redis
        with self.client.reachable():
            pipe = r.pipeline()
            pipe.zremrangebyscore(_FAILED + what, "-inf", now - WINDOW)
            pipe.zadd(_FAILED + what, {f"{now}:{secrets.token_hex(4)}": now})
            pipe.zcard(_FAILED + what)
            pipe.expire(_FAILED + what, int(WINDOW) + 1)
            return int(pipe.execute()[2])

    def failures(self, what: str, now: float) -> tuple[int, float]:
        r = self.client.redis
        with self.client.reachable():
            times = cast(
                list[tuple[str, float]],
                # "(": strictly inside the window, as `failed` keeps them and MemoryLogins counts.
                r.zrangebyscore(_FAILED + what, f"({now - WINDOW}", "+inf", withscores=True),
            )
        if not times:
            return 0, 0.0
        return len(times), WINDOW - (now - float(times[0][1]))

    def forgive(self, what: str) -> None:
        with self.client.reachable():
            self.client.redis.delete(_FAILED + what)

    def close(self) -> None:
        self.client.close()


class RedisAudit:
    def __init__(self, url: str) -> None:
        self.client = Client(url)

    def append(self, record: AuditRecord) -> None:
        with self.client.reachable():
            self.client.redis.xadd(
                AUDIT_STREAM, {"record": json.dumps(record.to_data(), ensure_ascii=False)}
            )

    def query(self, query: AuditQuery) -> list[AuditRecord]:
        """Read from the newest back, a page at a time, until the query has its records or the
        stream its start: the log only grows, and a query must not read all of it every time."""
        limit = max(0, min(query.limit, MAX_QUERY))
        found: list[AuditRecord] = []
        end = "+"
        while len(found) < limit:
            with self.client.reachable():
                page = cast(
                    list[tuple[str, dict[str, str]]],
                    self.client.redis.xrevrange(AUDIT_STREAM, end, "-", count=PAGE),
                )
            for _, fields in page:
                record = AuditRecord.from_data(json.loads(fields["record"]))
                if query.matches(record):
                    found.append(record)
            if len(page) < PAGE:
                break
            end = _before(page[-1][0])
        return found[:limit]

    def close(self) -> None:
        self.client.close()


def _before(entry_id: str) -> str:
    """The stream ID just before `entry_id` ("MS-SEQ"), to read on from there: what "(ID" says
    to Redis 6.2 and later, for older ones too."""
    ms, _, seq = entry_id.partition("-")
    if int(seq) > 0:
        return f"{ms}-{int(seq) - 1}"
    return f"{int(ms) - 1}-{2**64 - 1}"
