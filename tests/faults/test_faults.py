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
from tests.faults.harness import Report, Rig, Tally, holder
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


def outcome(answer: Answer | None) -> str:
    """What a caller got: the call went on, ended with a spoken apology, or was lost (an error
    page, silence, no answer)."""
    if answer is None or answer.status != 200 or not answer.said:
        return "lost"
    if answer.said == [HOURS, BYE]:
        return "went_on"
    if answer.verbs[-1] == "Hangup" and answer.said[0].startswith("Sorry"):
        return "apologised"
    return "lost"


def finish(calls: list[tuple[Phone, str, Answer]], tally: Tally) -> list[str]:
    """Each call presses 1 (hours, then goodbye); how each went, counted in `tally`."""

    def press(call: tuple[Phone, str, Answer]) -> str:
        phone, sid, menu = call
        try:
            return outcome(phone.press(sid, menu, "1"))
        except requests.RequestException:
            return "lost"

    with ThreadPoolExecutor(8) as pool:
        outcomes = list(pool.map(press, calls))
    for name in outcomes:
        setattr(tally, name, getattr(tally, name) + 1)
    return outcomes


def new_calls(rig: Rig, calls: int, tally: Tally) -> None:
    """`calls` new calls from start to goodbye, every one served."""
    fresh = Tally("")
    finish(at_menu(rig, calls), fresh)
    tally.new += fresh.went_on
    tally.lost += fresh.lost + fresh.apologised  # a new call has nothing to apologise for
    assert fresh.went_on == calls, fresh


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


def test_a_worker_killed_between_requests_loses_no_call(rig: Rig, report: Report) -> None:
    tally = report.fault("worker SIGKILL between requests")
    calls = at_menu(rig, 20)
    victim = rig.workers()[0]
    rig.kill(victim)
    finish(calls, tally)
    rig.wait_serving(exclude={victim})
    new_calls(rig, 10, tally)
    assert (tally.went_on, tally.lost) == (20, 0), tally


def test_a_worker_killed_inside_a_request_costs_that_call_an_apology_and_no_other(
    rig: Rig, report: Report
) -> None:
    tally = report.fault("worker SIGKILL inside a request (waiting on a business system)")
    bystanders = at_menu(rig, 10)
    phone = rig.phone
    sid, menu = phone.call("slowline")
    died: list[BaseException] = []

    def press() -> None:
        try:
            phone.press(sid, menu, "1")
        except requests.ConnectionError as e:  # what the platform sees of a dead worker
            died.append(e)

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
    assert died, "the request in flight died with its worker"

    # The platform asks again (its retry, or the number's fallback URL): the caller hears the
    # flow's apology and the call ends, never silence; as soon as the dead request's heartbeat
    # has lapsed, not at the end of the webhook's budget.
    rig.bank.release.set()
    asked = time.monotonic()
    again = phone.press(sid, menu, "1")
    took = time.monotonic() - asked
    assert took < LEASE + 2 < TWILIO_GIVES_UP, f"the retry was answered after {took:.1f} s"
    assert again.verbs == ["Say", "Hangup"] and again.said[0].startswith("Sorry"), again.text
    tally.apologised += 1
    tally.note = f"the retry of the dead request answered in {took:.1f} s"

    finish(bystanders, tally)
    rig.wait_serving(exclude={victim})
    new_calls(rig, 10, tally)
    assert (tally.went_on, tally.apologised, tally.lost) == (10, 1, 0), tally


def test_redis_restarted_empty_under_live_calls(rig: Rig, report: Report) -> None:
    tally = report.fault("Redis restarted empty under live calls, then a worker SIGKILL")
    deploy_once(rig)
    before = kept(rig)
    calls = at_menu(rig, 10)
    rig.redis.restart()

    # The calls whose sessions went with Redis's data end with an apology, not silence.
    finish(calls, tally)
    assert (tally.apologised, tally.lost) == (10, 0), tally
    # New calls are served, the live versions put back from disk, by every worker, and by one
    # started after the loss (the original failure: a respawned worker served nothing).
    new_calls(rig, 10, tally)
    victim = rig.workers()[0]
    rig.kill(victim)
    rig.wait_serving(exclude={victim})
    new_calls(rig, 10, tally)
    after = kept(rig)
    tally.data_lost = sum(d not in after[0] for d in before[0])
    tally.data_lost += sum(r not in after[1] for r in before[1])
    assert tally.data_lost == 0, "the deploy log and the revision history are intact"


def test_redis_restarted_from_its_append_only_file_loses_no_call(rig: Rig, report: Report) -> None:
    """Production Redis keeps its data (`appendonly yes`): calls outlive its restart."""
    tally = report.fault("Redis (append-only file) killed and restarted under live calls")
    rig.redis.keep()
    rig.wait_serving()
    before = kept(rig)
    calls = at_menu(rig, 10)
    rig.redis.restart()
    finish(calls, tally)
    new_calls(rig, 10, tally)
    after = kept(rig)
    tally.data_lost = sum(d not in after[0] for d in before[0])
    assert (tally.went_on, tally.lost, tally.data_lost) == (10, 0, 0), tally


def test_redis_stalled_then_back(rig: Rig, report: Report) -> None:
    tally = report.fault("Redis stalled (SIGSTOP) under live calls, then SIGCONT")
    calls = at_menu(rig, 6)
    with rig.redis.paused():
        started = time.monotonic()
        finish(calls[:1], tally)
        took = time.monotonic() - started
        health = requests.get(rig.server.url + "healthz", timeout=15)
        assert health.status_code == 503, "a process whose store does not answer says so"
    assert took < TWILIO_GIVES_UP, "the platform got its answer before it gave up"
    tally.note = f"the webhook during the stall answered in {took:.1f} s"
    finish(calls[1:], tally)
    rig.wait_serving()
    new_calls(rig, 10, tally)
    assert (tally.went_on, tally.apologised, tally.lost) == (5, 1, 0), tally


def test_a_graceful_restart_loses_no_call(rig: Rig, report: Report) -> None:
    tally = report.fault("graceful restart (SIGHUP: new workers, the old ones drain)")
    calls = at_menu(rig, 10)
    old = set(rig.workers())
    os.kill(rig.server.process.pid, signal.SIGHUP)
    finish(calls[:5], tally)
    rig.wait_serving(exclude=old)
    finish(calls[5:], tally)
    new_calls(rig, 10, tally)
    assert (tally.went_on, tally.lost) == (10, 0), tally
    # The workers that stopped took nothing shared with them (the metrics of all workers).
    assert requests.get(rig.server.url + "metrics", timeout=5).status_code == 200
