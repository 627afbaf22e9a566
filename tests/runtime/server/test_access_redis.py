"""Logins, failed-login counts and the audit log over a real Redis shared by two workers (two
apps on one store and one users file, as `sce serve --workers 2 --redis URL` runs them behind
a load balancer that sends each request of a browser to either): a session made on one worker
is valid on the other, a logout or a user disabled on one is seen by the other at once, a
password guesser meets the same limit whichever worker answers, and the audit log of both is
one stream, in the order things happened."""

from __future__ import annotations

import copy
import time
from collections.abc import Iterator
from dataclasses import dataclass, field, replace
from pathlib import Path

import pytest
import redis
from flask.testing import FlaskClient
from werkzeug.test import TestResponse

from runtime.config import RuntimeConfig
from runtime.server.app import create_app
from runtime.store.redis_access import AUDIT_STREAM, PAGE, RedisAudit, RedisLogins
from sce.access.audit import MAX_QUERY, AuditQuery, AuditRecord, FileAudit
from sce.access.logins import WINDOW, Logins, MemoryLogins, new_login
from sce.access.users import UserFile
from tests.cli import run
from tests.runtime.server.fixtures import NEW_WELCOME, broken_hotline, open_service

#: Everyone's password in these tests (each user has their own file entry and hash).
PASSWORD = "a long enough password"
#: Who the users are: the role is in the name.
PEOPLE = {"ada": "admin", "dan": "deployer", "eve": "editor", "vic": "viewer"}
#: The origin of the test client's requests: a browser's writes come from the server's pages.
ORIGIN = "http://localhost"


@dataclass
class Workers:
    one: FlaskClient
    two: FlaskClient
    users: UserFile
    config: RuntimeConfig
    redis_url: str


@pytest.fixture
def workers(
    redis_clean: str, server_config: RuntimeConfig, flows_dir: Path, tmp_path: Path
) -> Iterator[Workers]:
    """Two apps on one Redis and one users file, each with a client that keeps no cookies (a
    `Browser` carries its own to whichever worker it talks to)."""
    users = UserFile(tmp_path / "access" / "users.json")
    for name, role in PEOPLE.items():
        users.add(name, role, PASSWORD)
    config = replace(
        server_config,
        store=redis_clean,
        users=str(users.path),
        audit=str(tmp_path / "access" / "audit.jsonl"),  # unused: the audit log is in Redis
        api_token=None,  # people only
    )
    services = [open_service(config, flows_dir), open_service(config, flows_dir)]
    try:
        one, two = (create_app(service=s).test_client(use_cookies=False) for s in services)
        yield Workers(one, two, users, config, redis_clean)
    finally:
        for service in services:
            service.close()


@dataclass
class Browser:
    """One person's browser: its session cookie and CSRF token, sent to either worker."""

    cookie: str = ""
    csrf: str = ""
    headers: dict[str, str] = field(default_factory=dict)

    def log_in(self, worker: FlaskClient, user: str, password: str = PASSWORD) -> TestResponse:
        r = worker.post("/api/session", json={"user": user, "password": password})
        if r.status_code == 201:
            cookie = r.headers["Set-Cookie"].split(";", 1)[0]
            self.cookie = cookie.split("=", 1)[1]
            self.csrf = r.json["csrf"]
        return r

    def send(self, worker: FlaskClient, method: str, path: str, **kwargs: object) -> TestResponse:
        headers = {"Cookie": f"sce_session={self.cookie}"} if self.cookie else {}
        if method not in ("GET", "HEAD"):
            headers |= {"X-CSRF-Token": self.csrf, "Origin": ORIGIN}
        extra = kwargs.pop("headers", {})
        assert isinstance(extra, dict)
        return worker.open(path, method=method, headers={**headers, **extra}, **kwargs)

    def who(self, worker: FlaskClient) -> str | None:
        return self.send(worker, "GET", "/api/session").json["user"]


def test_a_login_on_one_worker_is_valid_on_the_other_and_a_logout_on_either_ends_it(
    workers: Workers,
) -> None:
    ada = Browser()
    assert ada.log_in(workers.one, "ada").status_code == 201
    assert ada.who(workers.two) == "ada"
    assert ada.send(workers.two, "GET", "/api/users").status_code == 200
    # A write on the other worker: the CSRF token made on the first holds there too.
    r = ada.send(workers.two, "POST", "/api/users/vic/tokens", json={"label": "for a script"})
    assert r.status_code == 201, r.json

    assert ada.send(workers.two, "DELETE", "/api/session").status_code == 204
    assert ada.who(workers.one) is None
    assert ada.send(workers.one, "GET", "/api/flows").status_code == 401


def test_a_user_disabled_on_one_worker_is_out_on_the_other_at_once(workers: Workers) -> None:
    ada, eve = Browser(), Browser()
    ada.log_in(workers.two, "ada")
    eve.log_in(workers.one, "eve")
    token = ada.send(workers.one, "POST", "/api/users/eve/tokens").json["token"]
    bearer = {"Authorization": f"Bearer {token}"}
    assert eve.send(workers.two, "GET", "/api/flows").status_code == 200

    r = ada.send(workers.two, "PATCH", "/api/users/eve", json={"disabled": True})
    assert r.status_code == 200 and r.json["disabled"] is True
    assert eve.send(workers.one, "GET", "/api/flows").status_code == 401
    assert workers.one.get("/api/flows", headers=bearer).status_code == 401
    assert eve.log_in(workers.one, "eve").status_code == 401

    # Enabled again (on the other worker): the token works again, the old session does not.
    r = ada.send(workers.one, "PATCH", "/api/users/eve", json={"disabled": False})
    assert r.status_code == 200
    assert workers.two.get("/api/flows", headers=bearer).status_code == 200
    assert eve.send(workers.two, "GET", "/api/flows").status_code == 401
    assert eve.log_in(workers.two, "eve").status_code == 201


def test_sce_users_with_redis_ends_the_sessions_on_every_worker(
    workers: Workers, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    """`sce users --redis URL disable NAME` on the server's machine, as the API's route does:
    the user's sessions end, so enabling them again does not bring an old session back."""
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("SCE_USERS", workers.config.users)
    eve = Browser()
    eve.log_in(workers.one, "eve")
    for change in ("disable", "enable"):
        assert run("users", "--redis", workers.redis_url, change, "eve").exit_code == 0
    assert eve.who(workers.two) is None and eve.who(workers.one) is None
    assert eve.log_in(workers.two, "eve").status_code == 201

    ada = Browser()
    ada.log_in(workers.one, "ada")
    records = reversed(ada.send(workers.two, "GET", "/api/audit").json["records"])
    shell = [(r["action"], r["target"], r["role"]) for r in records if r["via"] == "cli"]
    assert shell == [("user.disable", "eve", None), ("user.enable", "eve", None)]


def test_failed_logins_are_counted_across_workers(workers: Workers) -> None:
    guesser = Browser()
    for attempt in range(5):
        worker = (workers.one, workers.two)[attempt % 2]
        assert guesser.log_in(worker, "dan", f"guess number {attempt}").status_code == 401
    for worker in (workers.one, workers.two):
        sixth = guesser.log_in(worker, "dan", "guess number 6")
        assert sixth.status_code == 429, sixth.json
        assert 0 < int(sixth.headers["Retry-After"]) <= 15 * 60
        assert guesser.log_in(worker, "dan").status_code == 429  # even the right password
    assert Browser().log_in(workers.two, "eve").status_code == 201  # another user is not held


def test_saves_and_deploys_on_both_workers_are_one_audit_log_in_order(
    workers: Workers, flows_dir: Path
) -> None:
    eve, dan, vic = Browser(), Browser(), Browser()
    assert eve.log_in(workers.one, "eve").status_code == 201
    assert dan.log_in(workers.two, "dan").status_code == 201
    assert vic.log_in(workers.one, "vic").status_code == 201

    # eve saves a new welcome on one worker, dan deploys it from the other
    stored = eve.send(workers.two, "GET", "/api/flows/hotline")
    document = copy.deepcopy(stored.json["document"])
    document["nodes"]["welcome"]["prompt"]["text"]["en-US"] = NEW_WELCOME
    etag = {"If-Match": stored.headers["ETag"]}
    saved = eve.send(
        workers.one, "PUT", "/api/flows/hotline", json={"document": document}, headers=etag
    )
    assert saved.status_code == 200, saved.json
    revision = saved.json["revision"]
    deployed = dan.send(workers.two, "POST", "/api/flows/hotline/deploy", json={})
    assert deployed.status_code == 200, deployed.json
    version = deployed.json["version"]

    # a broken hotline is refused (from one), a viewer's save is denied (on two)
    broken = {"text": broken_hotline(flows_dir), "format": "flow", "path": "drafts/hotline.flow"}
    refused = dan.send(workers.one, "POST", "/api/deploys", json=broken)
    assert refused.status_code == 422
    etag = {"If-Match": saved.headers["ETag"]}
    denied = vic.send(
        workers.two, "PUT", "/api/flows/hotline", json={"document": document}, headers=etag
    )
    assert denied.status_code == 403

    expected = [
        ("eve", "editor", "session", "login", "ok", None, None, None),
        ("dan", "deployer", "session", "login", "ok", None, None, None),
        ("vic", "viewer", "session", "login", "ok", None, None, None),
        ("eve", "editor", "session", "flow.save", "ok", "hotline", revision, None),
        ("dan", "deployer", "session", "deploy", "ok", "hotline", revision, version),
        ("dan", "deployer", "session", "deploy", "refused", "hotline", None, None),
        ("vic", "viewer", "session", "PUT /api/flows/hotline", "denied", "hotline", None, None),
    ]
    for worker in (workers.one, workers.two):
        records = dan.send(worker, "GET", "/api/audit").json["records"]
        assert [_summary(r) for r in reversed(records)] == expected
    assert "may not save or delete flows" in records[0]["detail"]

    stream = redis.Redis.from_url(workers.redis_url)
    assert stream.xlen(AUDIT_STREAM) == len(expected)
    stream.close()
    assert not Path(workers.config.audit).exists()  # in Redis, not in a file of one machine


def _summary(record: dict[str, object]) -> tuple[object, ...]:
    """What a record says: who (as what, how) did what, with what result, to which flow,
    revision and version."""
    keys = ("who", "role", "via", "action", "result", "flow", "revision", "version")
    return tuple(record[k] for k in keys)


# -- the Redis stores keep the contracts of the embedded ones -------------------------------------


@pytest.fixture(params=["memory", "redis"])
def logins(request: pytest.FixtureRequest) -> Iterator[Logins]:
    """Sessions of an hour unused, a day at most, in this process or in Redis."""
    if request.param == "memory":
        made: Logins = MemoryLogins(idle=3600, lifetime=86400)
    else:
        made = RedisLogins(request.getfixturevalue("redis_clean"), idle=3600, lifetime=86400)
    yield made
    made.close()


def test_a_session_ends_when_idle_too_long_or_too_old_whichever_comes_first(
    logins: Logins,
) -> None:
    start = time.time()
    _, login = new_login("eve", "127.0.0.1", start)
    logins.put(login)
    later = start
    for _ in range(30):  # used every 50 minutes for a day: never idle, then too old
        later += 3000
        if later - start >= 86400:
            break
        assert logins.get(login.key, later) is not None
    assert logins.get(login.key, later) is None
    assert logins.get(login.key, later - 3000) is None  # over is over

    _, idle = new_login("eve", "127.0.0.1", start)
    logins.put(idle)
    assert logins.get(idle.key, start + 3600) is None


def test_a_logout_or_a_revocation_ends_exactly_those_sessions(logins: Logins) -> None:
    now = time.time()
    made = [new_login(user, "127.0.0.1", now)[1] for user in ("eve", "eve", "eve", "dan")]
    for login in made:
        logins.put(login)
    logins.drop(made[0].key)
    assert logins.get(made[0].key, now) is None
    assert logins.drop_user("eve") == 2
    assert all(logins.get(login.key, now) is None for login in made[:3])
    assert logins.get(made[3].key, now) is not None
    assert logins.drop_user("eve") == 0


def test_a_failed_login_counts_for_one_window_to_the_second(logins: Logins) -> None:
    start = time.time()
    assert [logins.failed("user:eve", start + i) for i in range(3)] == [1, 2, 3]
    count, wait = logins.failures("user:eve", start + 10)
    assert count == 3 and wait == pytest.approx(WINDOW - 10)
    assert logins.failures("user:eve", start + WINDOW)[0] == 2  # the first has left it
    assert logins.failures("user:dan", start)[0] == 0
    logins.forgive("user:eve")
    assert logins.failures("user:eve", start + 10) == (0, 0.0)


def test_the_audit_stream_answers_queries_as_the_audit_file_does(
    redis_clean: str, tmp_path: Path
) -> None:
    """More records than one read of the stream takes: the newest matches, newest first."""
    in_file, in_redis = FileAudit(tmp_path / "audit.jsonl"), RedisAudit(redis_clean)
    for i in range(2 * PAGE + 100):
        record = AuditRecord(
            time=f"2026-12-01T{i // 3600:02}:{i // 60 % 60:02}:{i % 60:02}+00:00",
            who=("eve", "dan")[i % 2],
            role=None,
            via="session",
            action="flow.save" if i % 7 else "deploy",
            result="ok",
            flow="hotline",
            revision=i,
        )
        in_file.append(record)
        in_redis.append(record)
    queries = [
        AuditQuery(),
        AuditQuery(limit=MAX_QUERY),
        AuditQuery(action="deploy", limit=MAX_QUERY),
        AuditQuery(who="dan", action="deploy", limit=5),
        AuditQuery(since="2026-12-01T00:10:00+00:00", until="2026-12-01T00:12:00+00:00"),
        AuditQuery(who="nobody"),
    ]
    for query in queries:
        assert in_redis.query(query) == in_file.query(query), query
    assert [r.revision for r in in_redis.query(AuditQuery(limit=3))] == [1099, 1098, 1097]
    assert len(in_redis.query(AuditQuery(limit=MAX_QUERY))) == MAX_QUERY
    in_redis.close()
