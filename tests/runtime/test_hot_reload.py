"""Hot reload under load: deploys land while a thousand calls are in progress.

No call may change version mid-call, no call may fail, every broken deploy is refused with its
diagnostics, and calls started after the last good deploy get that version.
"""

from __future__ import annotations

import random
import re
import threading
import time

from runtime import actions as act
from runtime import events as ev
from runtime.calls import Calls
from runtime.config import RuntimeConfig
from runtime.effects import LiveEffects
from runtime.registry import REFUSED, Registry
from runtime.store.memory import MemoryDeployBackend, MemorySessionStore
from tests.runtime.flows import broken, greeting, loaded

CALLS = 1000
DEPLOYS = 50
WORKERS = 4
VERSION = re.compile(r"Version (\d+)")


def versions_heard(actions: list[act.Action]) -> set[str]:
    return {
        m.group(1) for a in actions if isinstance(a, act.Play) for m in VERSION.finditer(a.text)
    }


def test_a_thousand_calls_keep_their_version_while_fifty_deploys_land() -> None:
    registry = Registry(MemoryDeployBackend())
    registry.deploy(loaded(greeting("Version 0")))
    calls = Calls(registry, MemorySessionStore(), LiveEffects(RuntimeConfig()))
    heard: dict[str, set[str]] = {}
    pinned: dict[str, str] = {}
    problems: list[str] = []
    crossed: list[str] = []  # calls that went on after a newer version became current
    deploys: list[tuple[int, object]] = []
    started = threading.Barrier(WORKERS + 1)

    turns = [0]  # events applied so far: deploys are spread over the traffic

    def deployer() -> None:
        started.wait()
        for n in range(1, DEPLOYS + 1):
            while turns[0] < n * 40 and any(t.is_alive() for t in threads[:WORKERS]):
                time.sleep(0.001)
            data = broken() if n % 5 == 0 else greeting(f"Version {n}")
            deploys.append((n, registry.deploy(loaded(data), who="load-test")))

    def worker(index: int) -> None:
        rng = random.Random(index)
        mine = [f"call-{index}-{i}" for i in range(CALLS // WORKERS)]
        live: list[str] = []
        started.wait()
        while mine or live:
            if mine and (not live or rng.random() < 0.3):
                call_id = mine.pop()
                turn = calls.start(
                    "hello", call_id, caller=f"+1555{index:03d}", called="+1555", time=0
                )
                pinned[call_id] = turn.session.version
                heard[call_id] = versions_heard(turn.actions)
                live.append(call_id)
                continue
            call_id = live.pop(rng.randrange(len(live)))
            turn = calls.send(call_id, ev.Digits(rng.choice("1110"), 1))
            turns[0] += 1
            heard[call_id] |= versions_heard(turn.actions)
            if registry.current_versions()["hello"] != pinned[call_id]:
                crossed.append(call_id)
            if turn.session.version != pinned[call_id]:
                problems.append(f"{call_id} moved from {pinned[call_id]} to {turn.session.version}")
            if any(
                isinstance(a, act.Trace) and (a.note or "").startswith("error")
                for a in turn.actions
            ):
                problems.append(f"{call_id} failed: {turn.actions}")
            if turn.session.active:
                live.append(call_id)

    threads = [threading.Thread(target=worker, args=(i,)) for i in range(WORKERS)]
    threads.append(threading.Thread(target=deployer))
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    assert not any(t.is_alive() for t in threads)

    assert problems == []
    assert len(heard) == CALLS
    mixed = {call: seen for call, seen in heard.items() if len(seen) != 1}
    assert mixed == {}, "calls heard prompts of more than one version"
    assert len(set(crossed)) > 100, "too few calls were in progress while a deploy landed"
    for n, result in deploys:
        if n % 5 == 0:
            assert result.result == REFUSED and result.diagnostics, n  # type: ignore[attr-defined]
        else:
            assert result.ok, n  # type: ignore[attr-defined]
    newest = greeting(f"Version {DEPLOYS - 1}")
    assert registry.current("hello").version == registry.deploy(loaded(newest)).version
    turn = calls.start("hello", "after", caller="+1", called="+1", time=2)
    assert versions_heard(turn.actions) == {str(DEPLOYS - 1)}
    assert calls.store.active_count() == 1
