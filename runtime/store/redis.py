"""The Redis session store: several runtime processes share calls (deploys: redis_deploys).

Keys (all under `sce:`):

- `sce:call:<call id>`: hash `s` (seq), `d` (the session's JSON) and, while the call is active,
  `v` (the versions it pinned). Active sessions expire `idle_ttl` after their last save, ended
  ones `ended_ttl` after they ended.
- `sce:inuse`: hash version → active sessions that pinned it.
- `sce:live`: sorted set of the active sessions, member `<versions>\\n<call id>`, scored by the
  moment the session's key expires. It is how the counts above forget abandoned calls: a call
  whose key expired without ending is found here and its versions are counted down (`_SWEEP`).
- `sce:ir:<version>`, `sce:current` (flow → version), `sce:deploys` (records, newest first) and
  the pub/sub channel `sce:deploy` hold the deploys. The versions of drafts staged for test
  calls expire; deployed versions never do.

Every write that touches more than one key is one Lua script, so the keys never disagree and
two processes can never both advance one call. Times are the Redis server's own clock.
"""

from __future__ import annotations

import logging
from collections import Counter
from typing import cast

from runtime.errors import SessionConflict, SessionExists, UnknownCall
from runtime.session import Session
from runtime.store.base import DEFAULT_ENDED_TTL, DEFAULT_IDLE_TTL
from runtime.store.memory import pinned_versions
from runtime.store.redis_client import Client

log = logging.getLogger(__name__)

CALL = "sce:call:"
IN_USE = "sce:inuse"
LIVE = "sce:live"

#: Expired sessions forgotten by each write (more by `versions_in_use` and `active_count`).
SWEEP_PER_WRITE = 20
SWEEP_BATCH = 500
#: A sweep forgets a session only this long (ms) after its key expired, so it never counts
#: down a session that Redis, inside the same script, still sees as live.
GRACE_MS = 100

_PRELUDE = f"""
local function now_ms()
  local t = redis.call('TIME')
  return tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
end

local function count(inuse, versions, delta)
  for v in string.gmatch(versions, '%S+') do
    if redis.call('HINCRBY', inuse, v, delta) <= 0 then redis.call('HDEL', inuse, v) end
  end
end

local function sweep(live, inuse, now, limit)
  local gone = redis.call('ZRANGEBYSCORE', live, '-inf', '(' .. (now - {GRACE_MS}),
                          'LIMIT', 0, limit)
  for _, member in ipairs(gone) do
    local nl = string.find(member, '\\n', 1, true)
    count(inuse, string.sub(member, 1, nl - 1), -1)
  end
  if #gone > 0 then redis.call('ZREM', live, unpack(gone)) end
  return #gone
end

-- Store session ARGV (seq, json, versions or '' if ended, call id, idle ms, ended ms) whose
-- stored predecessor pinned `old` ('' or false if it was not active), moving the counts.
local function put(old, now)
  local call, live, inuse = KEYS[1], KEYS[2], KEYS[3]
  local versions, id = ARGV[3], ARGV[4]
  if old and old ~= '' and old ~= versions then
    count(inuse, old, -1)
    redis.call('ZREM', live, old .. '\\n' .. id)
  end
  if versions ~= '' then
    local deadline = now + tonumber(ARGV[5])
    local member = versions .. '\\n' .. id
    if old ~= versions and not redis.call('ZSCORE', live, member) then
      count(inuse, versions, 1)
    end
    redis.call('ZADD', live, deadline, member)
    redis.call('HSET', call, 's', ARGV[1], 'd', ARGV[2], 'v', versions)
    redis.call('PEXPIREAT', call, deadline)
  else
    redis.call('HSET', call, 's', ARGV[1], 'd', ARGV[2])
    redis.call('HDEL', call, 'v')
    redis.call('PEXPIREAT', call, now + tonumber(ARGV[6]))
  end
end
"""

_CREATE = (
    _PRELUDE
    + f"""
local now = now_ms()
sweep(KEYS[2], KEYS[3], now, {SWEEP_PER_WRITE})
if redis.call('EXISTS', KEYS[1]) == 1 then return 0 end
put(false, now)
return 1
"""
)

# Returns -1 (no session), the stored seq on a conflict as {seq}, or 1.
_SAVE = (
    _PRELUDE
    + f"""
local now = now_ms()
sweep(KEYS[2], KEYS[3], now, {SWEEP_PER_WRITE})
local cur = redis.call('HMGET', KEYS[1], 's', 'v')
if not cur[1] then return -1 end
if tonumber(cur[1]) ~= tonumber(ARGV[1]) - 1 then return {{tonumber(cur[1])}} end
put(cur[2], now)
return 1
"""
)

_DELETE = (
    _PRELUDE
    + """
local old = redis.call('HGET', KEYS[1], 'v')
if old then
  count(KEYS[3], old, -1)
  redis.call('ZREM', KEYS[2], old .. '\\n' .. ARGV[1])
end
return redis.call('DEL', KEYS[1])
"""
)

_SWEEP = _PRELUDE + "return sweep(KEYS[1], KEYS[2], now_ms(), tonumber(ARGV[1]))"


def _ms(seconds: float) -> int:
    return max(1, round(seconds * 1000))


class RedisSessionStore:
    """Sessions shared by every process using the same Redis (see the module's key layout).

    `versions_in_use` and `active_count` forget an abandoned call (one that expired without
    ending) at the first write or count after its key expired. Were a count ever left behind,
    it would only delay unloading a version from a process's memory, never change a call:
    versions are loaded lazily from the deploy backend.
    """

    def __init__(
        self,
        url: str,
        *,
        idle_ttl: float = DEFAULT_IDLE_TTL,
        ended_ttl: float = DEFAULT_ENDED_TTL,
    ) -> None:
        self.idle_ttl = idle_ttl
        self.ended_ttl = ended_ttl
        self._client = Client(url)
        r = self._client.redis
        self._create = r.register_script(_CREATE)
        self._save = r.register_script(_SAVE)
        self._delete = r.register_script(_DELETE)
        self._sweep = r.register_script(_SWEEP)

    def _args(self, session: Session) -> list[str | int]:
        versions = " ".join(sorted(pinned_versions(session))) if session.active else ""
        return [
            session.seq,
            session.to_json(),
            versions,
            session.call_id,
            _ms(self.idle_ttl),
            _ms(self.ended_ttl),
        ]

    def _keys(self, call_id: str) -> list[str]:
        return [CALL + call_id, LIVE, IN_USE]

    def create(self, session: Session) -> None:
        with self._client.reachable():
            created = self._create(self._keys(session.call_id), self._args(session))
        if not created:
            raise SessionExists(f"call '{session.call_id}' already has a session")

    def get(self, call_id: str) -> Session | None:
        with self._client.reachable():
            # The client decodes replies (decode_responses=True): the hash holds text.
            data = cast(str | None, self._client.redis.hget(CALL + call_id, "d"))
        return None if data is None else Session.from_json(data)

    def save(self, session: Session) -> None:
        with self._client.reachable():
            result = self._save(self._keys(session.call_id), self._args(session))
        if result == -1:
            raise UnknownCall(f"no session for call '{session.call_id}' (it ended or expired)")
        if isinstance(result, list):
            raise SessionConflict(
                f"call '{session.call_id}' moved on: stored seq {result[0]}, "
                f"this update expects {session.seq - 1}"
            )

    def delete(self, call_id: str) -> None:
        with self._client.reachable():
            self._delete(self._keys(call_id), [call_id])

    def _forget_expired(self) -> None:
        with self._client.reachable():
            while self._sweep([LIVE, IN_USE], [SWEEP_BATCH]) == SWEEP_BATCH:
                pass

    def versions_in_use(self) -> Counter[str]:
        self._forget_expired()
        with self._client.reachable():
            counts = cast(dict[str, str], self._client.redis.hgetall(IN_USE))
        return Counter({v: int(n) for v, n in counts.items() if int(n) > 0})

    def active_count(self) -> int:
        self._forget_expired()
        with self._client.reachable():
            return cast(int, self._client.redis.zcard(LIVE))

    def close(self) -> None:
        self._client.close()
