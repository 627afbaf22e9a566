"""Faults injected into real processes (tests/faults/harness.py): gunicorn workers killed between
and inside requests, Redis restarted empty and stalled, the server restarted. After each: the
calls in progress go on or end with a spoken apology (never silence), new calls are served by
every worker, and the revision history and the deploy log have lost nothing."""

from __future__ import annotations

import os
import signal
import threading
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
import requests

from runtime.store.replies import LEASE
from tests.faults.harness import Rig, holder
from tests.runtime.server.phone import Answer, Phone

HOURS = "We are open from nine to five, Monday to Friday."
BYE = "Thank you for calling. Goodbye."
#: Seconds after which Twilio gives up on a webhook.
TWILIO_GIVES_UP = 15


@pytest.fixture
def rig(tmp_path: Path) -> Iterator[Rig]:
    with Rig.start(tmp_path) as rig:
        rig.wait_serving()
        yield rig


def at_menu(rig: Rig, calls: int) -> list[tuple[Phone, str, Answer]]:
    def start(i: int) -> tuple[Phone, str, Answer]:
        phone = Phone(base=rig.server.url, caller=f"+1555001{i:04d}")
        sid, answer = phone.call("hotline")
        assert answer.status == 200 and answer.find("Gather") is not None, answer.text
        return phone, sid, answer

    with ThreadPoolExecutor(8) as pool:
        return list(pool.map(start, range(calls)))


def finish(calls: list[tuple[Phone, str, Answer]]) -> list[list[str]]:
    """Each call presses 1 (hours, then goodbye): what each caller heard."""
    with ThreadPoolExecutor(8) as pool:
        answers = list(pool.map(lambda c: c[0].press(c[1], c[2], "1"), calls))
    assert all(a.status == 200 for a in answers), [a.text for a in answers if a.status != 200]
    return [a.said for a in answers]


def kept(rig: Rig) -> tuple[list[object], list[object]]:
    """The deploy log and the hotline's revision history, as the API gives them."""
    deploys = rig.api("GET", "api/deploys")
    revisions = rig.api("GET", "api/flows/hotline/revisions")
    assert deploys.status_code == 200 and revisions.status_code == 200
    return deploys.json()["deploys"], revisions.json()["revisions"]


def deploy_once(rig: Rig) -> None:
    """A deploy through the API, so that the history and the log have more than the start's."""
    text = (rig.flows / "hotline.flow").read_text(encoding="utf-8")
    changed = text.replace("Thank you for calling.", "Thank you for calling us.")
    r = rig.api(
        "POST",
        "api/deploys",
        json={"text": changed, "format": "flow", "path": "hotline.flow", "who": "ops"},
    )
    assert r.status_code == 200, r.text
    r = rig.api(
        "POST",
        "api/deploys",
        json={"text": text, "format": "flow", "path": "hotline.flow", "who": "ops"},
    )
    assert r.status_code == 200, r.text


def test_a_worker_killed_between_requests_loses_no_call(rig: Rig) -> None:
    calls = at_menu(rig, 20)
    victim = rig.workers()[0]
    rig.kill(victim)
    assert finish(calls) == [[HOURS, BYE]] * 20
    rig.wait_serving(exclude={victim})
    assert finish(at_menu(rig, 10)) == [[HOURS, BYE]] * 10


def test_a_worker_killed_inside_a_request_costs_that_call_an_apology_and_no_other(
    rig: Rig,
) -> None:
    bystanders = at_menu(rig, 10)
    phone = rig.phone
    sid, menu = phone.call("slowline")
    lost: list[BaseException] = []

    def press() -> None:
        try:
            phone.press(sid, menu, "1")
        except requests.ConnectionError as e:  # what the platform sees of a dead worker
            lost.append(e)

    pressing = threading.Thread(target=press)
    pressing.start()
    deadline = time.monotonic() + 10
    while not rig.bank.seen("/slow") and time.monotonic() < deadline:
        time.sleep(0.01)
    assert rig.bank.seen("/slow"), "the webhook reached the business system"
    victim = holder(rig.workers(), rig.bank.seen("/slow")[0].port)
    assert victim is not None
    rig.kill(victim)
    pressing.join()
    assert lost, "the request in flight died with its worker"

    # The platform asks again (its retry, or the number's fallback URL): the caller hears the
    # flow's apology and the call ends, never silence; as soon as the dead request's heartbeat
    # has lapsed, not at the end of the webhook's budget.
    rig.bank.release.set()
    asked = time.monotonic()
    again = phone.press(sid, menu, "1")
    took = time.monotonic() - asked
    assert took < LEASE + 2 < TWILIO_GIVES_UP, f"the retry was answered after {took:.1f} s"
    assert again.status == 200, again.text
    assert again.verbs == ["Say", "Hangup"] and again.said[0].startswith("Sorry"), again.text

    assert finish(bystanders) == [[HOURS, BYE]] * 10
    rig.wait_serving(exclude={victim})


def test_redis_restarted_empty_under_live_calls(rig: Rig) -> None:
    deploy_once(rig)
    before = kept(rig)
    calls = at_menu(rig, 10)
    rig.redis.restart_empty()

    # The calls whose sessions Redis lost end with the flow's apology, not silence.
    for said in finish(calls):
        assert len(said) == 1 and said[0].startswith("Sorry"), said
    # New calls are served, the live versions put back from disk, by every worker, and by one
    # started after the loss (the original failure: a respawned worker served nothing).
    assert finish(at_menu(rig, 10)) == [[HOURS, BYE]] * 10
    victim = rig.workers()[0]
    rig.kill(victim)
    rig.wait_serving(exclude={victim})
    assert finish(at_menu(rig, 10)) == [[HOURS, BYE]] * 10
    after = kept(rig)
    assert all(d in after[0] for d in before[0]), "the deploy log is intact"
    assert after[1] == before[1], "the revision history is intact"


def test_redis_stalled_then_back(rig: Rig) -> None:
    calls = at_menu(rig, 6)
    with rig.redis.paused():
        started = time.monotonic()
        stalled = calls[0][0].press(calls[0][1], calls[0][2], "1")
        took = time.monotonic() - started
        health = requests.get(rig.server.url + "healthz", timeout=15)
        assert health.status_code == 503
    assert took < 15, "the platform got its answer before it gave up"
    assert stalled.status == 200 and stalled.said, stalled.text
    assert finish(calls[1:]) == [[HOURS, BYE]] * 5
    rig.wait_serving()


def test_a_graceful_restart_loses_no_call(rig: Rig) -> None:
    calls = at_menu(rig, 10)
    old = set(rig.workers())
    os.kill(rig.server.process.pid, signal.SIGHUP)  # gunicorn: new workers, the old ones drain
    halfway = finish(calls[:5])
    rig.wait_serving(exclude=old)
    assert halfway + finish(calls[5:]) == [[HOURS, BYE]] * 10
    # The workers that stopped took nothing shared with them (the metrics of all workers).
    assert requests.get(rig.server.url + "metrics", timeout=5).status_code == 200
