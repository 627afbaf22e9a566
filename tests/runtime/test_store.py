"""Session stores and deploy backends: the in-memory ones and Redis obey the same rules.

Every behavioural test runs on both kinds. On memory, time passes by advancing the store's
clock; on Redis (a real server started for the test session) it passes by sleeping past short
TTLs, so those tests use TTLs of a quarter of a second (Redis expires keys to the millisecond).
"""

from __future__ import annotations

import threading
import time
from collections import Counter
from collections.abc import Callable, Iterator

import pytest
import redis

from runtime.errors import SessionConflict, SessionExists, StoreUnavailable, UnknownCall
from runtime.session import ENDED, Session
from runtime.store import (
    MemoryDeployBackend,
    MemorySessionStore,
    SessionStore,
    open_deploys,
    open_store,
)
from runtime.store.base import DeployBackend

V1 = "a" * 64
V2 = "b" * 64
SUB = "c" * 64
#: A TTL the Redis tests can wait out quickly yet not reach by accident between two commands.
SHORT = 0.25
#: How long past a TTL the Redis tests wait: more than the store's sweep grace (100 ms), so a
#: sweep has forgotten an expired call, and less than SHORT, so a call given 2 * SHORT to live
#: is still there after two waits of SHORT.
MARGIN = 0.15


class Memory:
    """The in-memory kind: one store object, a clock the test moves."""

    kind = "memory"

    def __init__(self) -> None:
        self.now = 1000.0
        self.backend = MemoryDeployBackend(clock=lambda: self.now)

    def store(self, idle_ttl: float = 3600, ended_ttl: float = 600) -> SessionStore:
        return MemorySessionStore(idle_ttl=idle_ttl, ended_ttl=ended_ttl, clock=lambda: self.now)

    def wait_past(self, seconds: float) -> None:
        self.now += seconds + 0.001

    def deploys(self) -> DeployBackend:
        """Registries in one process share one backend object."""
        return self.backend

    def close(self) -> None:
        pass


class Redis:
    """The Redis kind: every store or backend is a new client, like another process."""

    kind = "redis"

    def __init__(self, url: str) -> None:
        self.url = url
        self.opened: list[SessionStore | DeployBackend] = []

    def store(self, idle_ttl: float = 3600, ended_ttl: float = 600) -> SessionStore:
        store = open_store(self.url, idle_ttl=idle_ttl, ended_ttl=ended_ttl)
        self.opened.append(store)
        return store

    def wait_past(self, seconds: float) -> None:
        time.sleep(seconds + MARGIN)

    def deploys(self) -> DeployBackend:
        backend = open_deploys(self.url)
        self.opened.append(backend)
        return backend

    def close(self) -> None:
        for thing in self.opened:
            thing.close()


@pytest.fixture(params=["memory", "redis"])
def kind(request: pytest.FixtureRequest) -> Iterator[Memory | Redis]:
    made = Memory() if request.param == "memory" else Redis(request.getfixturevalue("redis_clean"))
    yield made
    made.close()


def call(call_id: str = "CA1", *, caller: str = "+8613800000000", **fields: object) -> Session:
    """A small session as the engine makes them: a bank call in Chinese that pinned a subflow."""
    values: dict[str, object] = {
        "pins": {"verify": SUB},
        "state": "main_menu",
        "vars": {"caller": caller, "language": "zh-CN", "name": "张伟", "summary": "查询余额"},
        "started": 1_700_000_000.0,
        "updated": 1_700_000_000.0,
    }
    values |= fields
    return Session(call_id, "bank", V1, **values)  # type: ignore[arg-type]


def advanced(session: Session, **changes: object) -> Session:
    """The next version of `session`, as the engine would save it."""
    new = session.copy()
    new.seq = session.seq + 1
    for name, value in changes.items():
        setattr(new, name, value)
    return new


# Sessions


def test_a_created_session_comes_back_unchanged_with_chinese_text(kind: Memory | Redis) -> None:
    store = kind.store()
    session = call()
    store.create(session)
    got = store.get("CA1")
    assert got == session
    assert got is not None and got.vars["name"] == "张伟"
    assert store.get("never-started") is None


def test_a_call_id_can_be_created_only_once(kind: Memory | Redis) -> None:
    store = kind.store()
    store.create(call(state="first"))
    with pytest.raises(SessionExists, match="CA1"):
        store.create(call(state="second"))
    assert store.get("CA1").state == "first"  # type: ignore[union-attr]


def test_save_needs_the_next_sequence_number(kind: Memory | Redis) -> None:
    store = kind.store()
    base = call()
    store.create(base)
    step1 = advanced(base, state="balance")
    store.save(step1)
    stale = advanced(base, state="agent")  # made from the old session: seq 1 again
    with pytest.raises(SessionConflict, match="stored seq 1"):
        store.save(stale)
    skipping = advanced(advanced(step1), state="goodbye")
    with pytest.raises(SessionConflict):
        store.save(skipping)
    assert store.get("CA1") == step1


def test_saving_a_call_that_is_not_stored_says_so(kind: Memory | Redis) -> None:
    store = kind.store()
    with pytest.raises(UnknownCall, match="CA404"):
        store.save(advanced(call("CA404")))


def test_of_racing_saves_from_the_same_session_exactly_one_wins(kind: Memory | Redis) -> None:
    store = kind.store()
    base = call()
    store.create(base)
    racers = 8
    start = threading.Barrier(racers)
    outcomes: dict[int, str] = {}

    def race(n: int) -> None:
        mine = advanced(base, state=f"racer{n}")
        start.wait()
        try:
            store.save(mine)
            outcomes[n] = "won"
        except SessionConflict:
            outcomes[n] = "lost"

    threads = [threading.Thread(target=race, args=(n,)) for n in range(racers)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    winners = [n for n, outcome in outcomes.items() if outcome == "won"]
    assert len(outcomes) == racers and len(winners) == 1
    stored = store.get("CA1")
    assert stored is not None and stored.state == f"racer{winners[0]}" and stored.seq == 1


def test_an_abandoned_call_expires_and_the_caller_can_call_again(kind: Memory | Redis) -> None:
    store = kind.store(idle_ttl=SHORT)
    store.create(call("CA1"))
    assert store.active_count() == 1
    kind.wait_past(SHORT)
    assert store.get("CA1") is None
    with pytest.raises(UnknownCall):
        store.save(advanced(call("CA1")))
    assert store.active_count() == 0
    assert store.versions_in_use() == Counter()
    store.create(call("CA2"))  # the same caller calls again
    store.create(call("CA1"))  # even a reused call id starts afresh
    assert store.get("CA2") is not None and store.get("CA1").seq == 0  # type: ignore[union-attr]
    assert store.versions_in_use() == Counter({V1: 2, SUB: 2})


def test_each_save_gives_an_active_call_its_idle_time_again(kind: Memory | Redis) -> None:
    store = kind.store(idle_ttl=2 * SHORT)
    session = call()
    store.create(session)
    kind.wait_past(SHORT)
    store.save(advanced(session))
    kind.wait_past(SHORT)  # 2 idle periods after create, 1 after the save
    assert store.get("CA1") is not None


def test_an_ended_call_is_kept_for_ended_ttl_not_idle_ttl(kind: Memory | Redis) -> None:
    store = kind.store(idle_ttl=SHORT, ended_ttl=3600)
    talking, done = call("CA1"), call("CA2")
    store.create(talking)
    store.create(done)
    store.save(advanced(done, status=ENDED))
    kind.wait_past(SHORT)
    assert store.get("CA1") is None
    ended = store.get("CA2")  # a retried webhook still finds the ended call
    assert ended is not None and ended.status == ENDED


def test_an_ended_call_expires_after_ended_ttl(kind: Memory | Redis) -> None:
    store = kind.store(idle_ttl=3600, ended_ttl=SHORT)
    session = call()
    store.create(session)
    store.save(advanced(session, status=ENDED))
    assert store.get("CA1") is not None
    kind.wait_past(SHORT)
    assert store.get("CA1") is None


def test_versions_in_use_count_active_calls_per_pinned_version(kind: Memory | Redis) -> None:
    store = kind.store()
    with_subflow = call("CA1")
    plain = call("CA2", pins={})
    newer = call("CA3", pins={})
    newer.version = V2
    for session in (with_subflow, plain, newer):
        store.create(session)
    assert store.versions_in_use() == Counter({V1: 2, SUB: 1, V2: 1})
    assert store.active_count() == 3

    store.save(advanced(with_subflow, status=ENDED))  # an ended call holds no version
    assert store.versions_in_use() == Counter({V1: 1, V2: 1})
    store.delete("CA2")
    assert store.versions_in_use() == Counter({V2: 1})
    assert store.active_count() == 1
    store.delete("CA3")
    store.delete("CA3")  # deleting twice is harmless
    assert store.versions_in_use() == Counter() and store.active_count() == 0


def test_a_deleted_call_is_gone(kind: Memory | Redis) -> None:
    store = kind.store()
    store.create(call())
    store.delete("CA1")
    assert store.get("CA1") is None
    store.create(call())  # its id is free again


# Deploy backends


def test_versions_are_stored_by_their_version(kind: Memory | Redis) -> None:
    backend = kind.deploys()
    backend.put_version(V1, '{"title": "示例银行"}')
    assert backend.get_version(V1) == '{"title": "示例银行"}'
    assert backend.get_version(V2) is None


def test_a_drafts_version_is_kept_for_its_ttl_then_forgotten(kind: Memory | Redis) -> None:
    backend = kind.deploys()
    backend.put_version(V1, '{"title": "draft"}', ttl=SHORT)
    assert backend.get_version(V1) == '{"title": "draft"}'
    kind.wait_past(SHORT)
    assert backend.get_version(V1) is None


def test_staging_a_draft_again_gives_it_its_time_again(kind: Memory | Redis) -> None:
    backend = kind.deploys()
    backend.put_version(V1, "{}", ttl=2 * SHORT)
    kind.wait_past(SHORT)
    backend.put_version(V1, "{}", ttl=2 * SHORT)
    kind.wait_past(SHORT)  # 2 TTLs after the first put, 1 after the second
    assert backend.get_version(V1) == "{}"


def test_a_version_kept_for_good_stays_whatever_is_staged_or_deployed(
    kind: Memory | Redis,
) -> None:
    backend = kind.deploys()
    backend.put_version(V1, "{}")  # deployed
    backend.put_version(V1, "{}", ttl=SHORT)  # then tested as a draft, unchanged
    backend.put_version(V2, "{}", ttl=SHORT)  # a draft
    backend.put_version(V2, "{}")  # then deployed
    kind.wait_past(SHORT)
    assert backend.get_version(V1) == "{}" and backend.get_version(V2) == "{}"


def test_set_current_returns_the_version_it_replaced(kind: Memory | Redis) -> None:
    backend = kind.deploys()
    assert backend.set_current("bank", V1) is None
    assert backend.set_current("bank", V2) == V1
    backend.set_current("verify", SUB)
    assert backend.current() == {"bank": V2, "verify": SUB}


def test_the_deploy_log_is_newest_first_and_filters_by_flow(kind: Memory | Redis) -> None:
    backend = kind.deploys()
    backend.append_log({"flow": "bank", "version": V1, "previous": None, "who": "李娜"})
    backend.append_log({"flow": "verify", "version": SUB, "previous": None, "who": "ops"})
    backend.append_log({"flow": "bank", "version": V2, "previous": V1, "who": "ops"})
    assert [r["version"] for r in backend.log()] == [V2, SUB, V1]
    assert [r["version"] for r in backend.log("bank")] == [V2, V1]
    assert backend.log("bank", limit=1) == [
        {"flow": "bank", "version": V2, "previous": V1, "who": "ops"}
    ]
    assert backend.log("bank")[-1]["who"] == "李娜"
    assert backend.log("nothing") == []


def _listener() -> tuple[Callable[[str, str], None], list[tuple[str, str]], threading.Event]:
    heard: list[tuple[str, str]] = []
    event = threading.Event()

    def callback(flow: str, version: str) -> None:
        heard.append((flow, version))
        event.set()

    return callback, heard, event


def test_a_published_deploy_reaches_the_other_subscribers(kind: Memory | Redis) -> None:
    publisher, other = kind.deploys(), kind.deploys()
    callback, heard, event = _listener()
    other.subscribe(callback)
    publisher.publish("bank", V2)
    assert event.wait(timeout=5)
    assert heard == [("bank", V2)]


def test_a_stopped_subscriber_hears_nothing_more(kind: Memory | Redis) -> None:
    publisher = kind.deploys()
    stopped_cb, stopped_heard, _ = _listener()
    still_cb, still_heard, still_event = _listener()
    stop = kind.deploys().subscribe(stopped_cb)
    kind.deploys().subscribe(still_cb)
    stop()
    publisher.publish("bank", V2)
    assert still_event.wait(timeout=5)  # the news went out to those still listening
    assert still_heard == [("bank", V2)] and stopped_heard == []


# Choosing a store by URL, and Redis specifics


def test_the_url_chooses_the_kind_of_store() -> None:
    for url in ("memory://", "", None):
        assert isinstance(open_store(url), MemorySessionStore)
        assert isinstance(open_deploys(url), MemoryDeployBackend)
    store = open_store("memory://", idle_ttl=5, ended_ttl=7)
    assert (store.idle_ttl, store.ended_ttl) == (5, 7)


def test_an_unknown_kind_of_url_is_a_config_error_without_the_password() -> None:
    from sce.errors import ConfigError

    with pytest.raises(ConfigError, match="memory://, redis://") as error:
        open_store("postgres://admin:hunter2@db/sce")
    assert "hunter2" not in str(error.value) and "admin:***@db" in str(error.value)


def test_an_unreachable_redis_is_reported_without_the_password() -> None:
    import socket

    with socket.socket() as s:  # a port where nothing listens
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    url = f"redis://:hunter2@127.0.0.1:{port}/0"
    for opener in (open_store, open_deploys):
        with pytest.raises(StoreUnavailable) as error:
            opener(url)
        assert f"redis://:***@127.0.0.1:{port}/0" in str(error.value)
        assert "hunter2" not in str(error.value)


def test_another_process_advances_a_call_this_one_started(redis_clean: str) -> None:
    here, there = open_store(redis_clean), open_store(redis_clean)
    session = call()
    here.create(session)
    there.save(advanced(there.get("CA1"), state="balance"))  # type: ignore[arg-type]
    with pytest.raises(SessionConflict):
        here.save(advanced(session, state="agent"))
    assert here.get("CA1").state == "balance"  # type: ignore[union-attr]
    assert here.versions_in_use() == there.versions_in_use() == Counter({V1: 1, SUB: 1})
    here.close()
    there.close()


def test_an_idle_session_takes_at_most_2_kb_in_redis(redis_clean: str) -> None:
    store = open_store(redis_clean)
    store.create(call())
    client = redis.Redis.from_url(redis_clean)
    used = client.memory_usage("sce:call:CA1", samples=0)
    client.close()
    store.close()
    assert used is not None and used <= 2048


def test_a_subscriber_catches_up_after_losing_its_connection(redis_clean: str) -> None:
    publisher, listener = open_deploys(redis_clean), open_deploys(redis_clean)
    callback, heard, event = _listener()
    listener.subscribe(callback)
    admin = redis.Redis.from_url(redis_clean)
    connected = len(admin.client_list())
    with admin.pipeline(transaction=True) as cut:  # drop the listener and keep it out
        cut.client_kill_filter(_type="pubsub")
        cut.config_set("maxclients", connected - 1)
        cut.execute()
    try:
        publisher.set_current("bank", V2)
        publisher.publish("bank", V2)  # nobody hears this one
        time.sleep(0.3)
        assert heard == []
    finally:
        admin.config_set("maxclients", 10000)
    assert event.wait(timeout=5)
    assert heard == [("bank", V2)]
    admin.close()
    publisher.close()
    listener.close()
