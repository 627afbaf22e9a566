"""Calls: the engine, a store, the registry and the effects, as every adapter drives them."""

from __future__ import annotations

import threading
from pathlib import Path

import pytest

from runtime import actions as act
from runtime import events as ev
from runtime.calls import MAX_EFFECTS_PER_TURN, Calls
from runtime.config import RuntimeConfig
from runtime.errors import SessionConflict, SessionExists, UnknownCall
from runtime.registry import Registry
from runtime.simulator import HttpStub, SimulatedEffects
from runtime.store.memory import MemoryDeployBackend, MemorySessionStore
from tests.runtime.flows import greeting, loaded

LOOKUP: dict[str, object] = {
    "flow": "lookup",
    "languages": ["en-US"],
    "start": "fetch",
    "on_error": "sorry",
    "variables": {"tier": {"type": "string", "default": "none"}},
    "nodes": {
        "fetch": {
            "type": "http",
            "url": "https://crm.bank.example/customers/{caller}",
            "save": {"tier": "/tier"},
            "next": "tell",
            "error": "fetch",  # retry for ever: only the bounds stop it
            "noqa": ["SCE105"],  # the linter sees the loop; the analyst silenced it
        },
        "tell": {"type": "hangup", "prompt": {"text": {"en-US": "You are {tier}."}}},
        "sorry": {"type": "hangup", "prompt": {"text": {"en-US": "Sorry."}}},
    },
}


def calls_with(*flows: dict[str, object], stubs: list[HttpStub] | None = None) -> Calls:
    registry = Registry(MemoryDeployBackend())
    for data in flows:
        assert registry.deploy(loaded(data)).ok
    effects = SimulatedEffects(stubs or [], RuntimeConfig())
    return Calls(registry, MemorySessionStore(), effects, clock=lambda: 1_800_000_000.0)


def test_a_call_is_stored_from_its_start_and_advanced_event_by_event() -> None:
    calls = calls_with(greeting("Hi"))
    turn = calls.start("hello", "CA1", caller="+1555", called="+1800", time=0)
    assert [a.text for a in turn.actions if isinstance(a, act.Play)] == ["Hi. Press 1 or 0."]
    assert calls.get("CA1") is not None and calls.get("CA1").seq == 1  # type: ignore[union-attr]
    turn = calls.send("CA1", ev.Digits("0", 1))
    assert turn.ended and isinstance(turn.actions[-1], act.Hangup)
    with pytest.raises(SessionExists):
        calls.start("hello", "CA1", caller="+1555", called="+1800", time=2)
    with pytest.raises(UnknownCall):
        calls.send("CA-never", ev.Digits("1", 3))


def test_effects_run_and_their_results_go_straight_back_to_the_engine() -> None:
    stub = HttpStub("GET https://crm.bank.example/*", json={"tier": "gold"})
    calls = calls_with(LOOKUP, stubs=[stub])
    turn = calls.start("lookup", "CA2", caller="+1555", called="+1800", time=0)
    assert [type(r) for r in turn.results] == [ev.HttpResult]
    assert [a.text for a in turn.actions if isinstance(a, act.Play)] == ["You are gold."]
    assert turn.ended


def test_a_flow_that_fetches_in_a_loop_ends_and_never_keeps_the_caller_waiting() -> None:
    stub = HttpStub("GET https://crm.bank.example/*", status=503)
    calls = calls_with(LOOKUP, stubs=[stub])
    turn = calls.start("lookup", "CA3", caller="+1555", called="+1800", time=0)
    assert turn.ended
    assert [a.text for a in turn.actions if isinstance(a, act.Play)][-1:] == ["Sorry."]
    assert len(calls.effects.fetched) == MAX_EFFECTS_PER_TURN  # type: ignore[attr-defined]
    notes = [a.note for a in turn.actions if isinstance(a, act.Trace) and a.note]
    assert any("steps without caller input" in n for n in notes)


def test_a_webhook_budget_caps_each_fetch_by_the_time_left(tmp_path: Path) -> None:
    """A webhook must answer within the platform's limit: with 1.2 s left a 5 s fetch gets 1.2 s
    at most, and once less than half a second is left, fetches are answered without running."""
    stub = HttpStub("GET https://crm.bank.example/*", status=503)
    calls = calls_with(LOOKUP, stubs=[stub])
    calls.budget = 1.2
    turn = calls.start("lookup", "CA9", caller="+1555", called="+1800", time=0)
    fetched = calls.effects.fetched  # type: ignore[attr-defined]
    assert fetched and all(f.timeout <= 1.2 for f in fetched)
    assert turn.ended
    calls.budget = 0.1
    before = len(fetched)
    turn = calls.start("lookup", "CA10", caller="+1555", called="+1800", time=0)
    errors = [r.error for r in turn.results if isinstance(r, ev.HttpResult)]
    assert errors and "no time left" in str(errors[0])
    assert len(fetched) == before, "nothing was sent"
    assert turn.ended


def test_two_processes_advancing_one_call_at_once_never_both_win(tmp_path: Path) -> None:
    """Many threads press keys on one call at the same time: each event is applied exactly once
    or refused with SessionConflict, and the sequence number counts exactly the applied ones."""
    calls = calls_with(greeting("Hi"))
    calls.start("hello", "CA4", caller="+1555", called="+1800", time=0)
    applied, refused = [], []
    barrier = threading.Barrier(8)

    def press() -> None:
        barrier.wait()
        for i in range(50):
            try:
                calls.send("CA4", ev.Digits("1", i))
                applied.append(i)
            except SessionConflict:
                refused.append(i)

    threads = [threading.Thread(target=press) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(applied) + len(refused) == 400
    assert calls.get("CA4").seq == 1 + len(applied)  # type: ignore[union-attr]
