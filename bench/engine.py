"""Benchmark: engine steps per second on a menu-heavy flow, and the memory of an idle session.

One step is one caller key in a 20-menu flow: leave a menu, enter the next one (a trace, the
prompt, a gather). Two references run in the same process on the same events:

- the `transitions` library: a Machine with the same states and key transitions, whose
  on_enter callbacks build the same kind of actions (a trace dict, a Play and a Gather with the
  same texts). Target: `ratio_vs_transitions` (ours / transitions) of at least 5. Ours does
  more per step than the reference: it returns a new session (the given one is untouched),
  records the key and the caller's summary in the call's variables, and checks the step bounds.
- the floor: a bare dict-table loop, `table[state][key]` and a new session dict per step, which
  no engine that keeps its sessions immutable can beat. `fraction_of_floor` is ours / floor.

A menu key that leads to another static menu, the step callers make most, takes the engine's
quick path; `general_steps_per_s` and `ratio_general_vs_transitions` show the same walk with the
quick path off, what every other kind of step costs.

Memory: `bytes_per_session_memory` is what one call waiting at the first menu costs in the
memory store (tracemalloc growth / N; target <= 1024); `bytes_per_session_redis` is `MEMORY
USAGE` of its key in a real redis-server (target <= 2048).

`--quick` runs a tiny version (for the smoke test); `--profile` prints where our steps spend
their time. The last line is {"bench": "engine", "metrics": {...}}.
"""

from __future__ import annotations

import argparse
import cProfile
import gc
import io
import json
import pstats
import sys
import time
import tracemalloc
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from transitions import Machine, State  # noqa: E402

from bench.flows import compile_data, menu_flow, menu_table, menu_walk  # noqa: E402
from runtime import actions as act  # noqa: E402
from runtime import engine  # noqa: E402
from runtime.config import Limits  # noqa: E402
from runtime.engine import new_session, step  # noqa: E402
from runtime.events import CallStarted, Digits  # noqa: E402
from runtime.session import Session  # noqa: E402
from runtime.store.memory import MemorySessionStore  # noqa: E402
from sce.compiler import CompiledFlow  # noqa: E402
from tests.redis_server import RedisMissing, redis_server  # noqa: E402

T0 = 1_700_000_000.0
CALLED = "+18005550100"
#: One long call: the per-call step bound is raised so that it never cuts the call short.
LIMITS = Limits(max_steps_per_call=10**9)


def call_sid(i: int) -> str:
    """A call id shaped like a platform's (Twilio's CallSid: CA + 32 hex digits)."""
    return f"CA{i:032x}"


def caller(i: int) -> str:
    return f"+1415{i:07d}"


def start_call(flow: CompiledFlow, i: int) -> Session:
    """Call `i` as a real call leaves it: started, waiting at the first menu."""
    session, _ = step(
        flow, new_session(flow, call_sid(i)), CallStarted(caller(i), CALLED, T0 + i), limits=LIMITS
    )
    return session


# -- steps per second ---------------------------------------------------------------------------


def run_ours(flow: CompiledFlow, events: list[Digits]) -> tuple[float, str, list[act.Action]]:
    session = start_call(flow, 0)
    actions: list[act.Action] = []
    gc.collect()
    t0 = time.perf_counter()
    for event in events:
        session, actions = step(flow, session, event, limits=LIMITS)
    elapsed = time.perf_counter() - t0
    return elapsed, str(session.state), actions


def run_general(flow: CompiledFlow, events: list[Digits]) -> tuple[float, str, list[act.Action]]:
    """Ours without the quick path for menu keys: what every other kind of step costs."""
    engine.QUICK = False
    try:
        return run_ours(flow, events)
    finally:
        engine.QUICK = True


class CallModel:
    """The `transitions` model: the actions of the last step."""

    def __init__(self) -> None:
        self.out: list[object] = []


def transitions_machine(data: dict[str, object], language: str) -> CallModel:
    """A transitions.Machine of the flow's menus, each entered with the same actions ours make:
    a trace, the menu's prompt in `language` and a one-key gather."""
    model = CallModel()
    nodes: dict[str, dict[str, object]] = data["nodes"]  # type: ignore[assignment]
    table = menu_table(data)
    states = []
    for sid in table:
        text = nodes[sid]["prompt"]["text"][language]  # type: ignore[index]
        timeout = float(nodes[sid]["timeout"])  # type: ignore[arg-type]

        def on_enter(
            when: float, sid: str = sid, text: str = text, timeout: float = timeout
        ) -> None:
            model.out = [
                {"node": sid, "type": "menu", "time": when},
                act.Play(text, language, None, True, 1),
                act.Gather(sid, language, 1, 1, None, timeout, None, False, (), True),
            ]

        states.append(State(sid, on_enter=[on_enter]))
    machine = Machine(
        model=model, states=states, initial=str(data["start"]), auto_transitions=False
    )
    for sid, keys in table.items():
        for key, dest in keys.items():
            machine.add_transition("press_" + key, sid, dest)
    return model


def run_transitions(
    data: dict[str, object], language: str, events: list[Digits]
) -> tuple[float, str, list[object]]:
    model = transitions_machine(data, language)
    fire: dict[str, Callable[[float], bool]] = {
        key: getattr(model, "press_" + key) for key in {e.digits for e in events}
    }
    gc.collect()
    t0 = time.perf_counter()
    for event in events:
        fire[event.digits](event.time)
    elapsed = time.perf_counter() - t0
    return elapsed, str(model.state), model.out  # type: ignore[attr-defined]


def run_floor(
    table: dict[str, dict[str, str]], start: str, events: list[Digits]
) -> tuple[float, str, list[object]]:
    session: dict[str, object] = {"call_id": call_sid(0), "state": start, "seq": 0}
    gc.collect()
    t0 = time.perf_counter()
    for event in events:
        session = {
            "call_id": session["call_id"],
            "state": table[session["state"]][event.digits],  # type: ignore[index]
            "seq": session["seq"] + 1,  # type: ignore[operator]
        }
    elapsed = time.perf_counter() - t0
    return elapsed, str(session["state"]), []


# -- memory per idle session --------------------------------------------------------------------


def memory_per_session(flow: CompiledFlow, count: int) -> tuple[float, MemorySessionStore]:
    """tracemalloc growth per call started through the engine and kept in the memory store."""
    start_call(flow, -1)  # the flow's shared prompt and gather cache, made once per version
    store = MemorySessionStore()
    gc.collect()
    tracemalloc.start()
    before = tracemalloc.get_traced_memory()[0]
    for i in range(count):
        store.create(start_call(flow, i))
    gc.collect()
    grown = tracemalloc.get_traced_memory()[0] - before
    tracemalloc.stop()
    return grown / count, store


def redis_per_session(sessions: list[Session]) -> dict[str, float]:
    """`MEMORY USAGE` of each call's key, averaged; and, for the whole picture, the share of
    the store's index of live calls and the server's own growth per call."""
    import redis

    from runtime.store.redis import CALL, IN_USE, LIVE, RedisSessionStore

    with redis_server() as url:
        client = redis.Redis.from_url(url)
        used_before = int(client.info("memory")["used_memory"])
        store = RedisSessionStore(url)
        for session in sessions:
            store.create(session)
        pipe = client.pipeline(transaction=False)
        for session in sessions:
            pipe.memory_usage(CALL + session.call_id, samples=0)
        per_key = pipe.execute()
        index = (client.memory_usage(LIVE, samples=0) or 0) + (
            client.memory_usage(IN_USE, samples=0) or 0
        )
        used_after = int(client.info("memory")["used_memory"])
        store.close()
        client.close()
    n = len(sessions)
    return {
        "key": sum(per_key) / n,
        "with_index": (sum(per_key) + index) / n,
        "server_growth": (used_after - used_before) / n,
    }


# -- report -------------------------------------------------------------------------------------


def profile(flow: CompiledFlow, events: list[Digits], top: int = 25) -> str:
    """Where our steps spend their time (cProfile, sorted by own time)."""
    session = start_call(flow, 0)
    profiler = cProfile.Profile()
    profiler.enable()
    for event in events:
        session, _ = step(flow, session, event, limits=LIMITS)
    profiler.disable()
    out = io.StringIO()
    pstats.Stats(profiler, stream=out).sort_stats("tottime").print_stats(top)
    return out.getvalue()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true", help="a tiny run (for the smoke test)")
    parser.add_argument("--profile", action="store_true", help="print where our steps go")
    args = parser.parse_args()
    steps, runs, sessions = (2_000, 2, 1_000) if args.quick else (10_000, 15, 20_000)

    data = menu_flow(20)
    flow = compile_data(data)
    language = flow.languages[0]
    keys, states = menu_walk(data, steps)
    events = [Digits(key, T0 + 10 + i) for i, key in enumerate(keys)]
    table = menu_table(data)

    if args.profile:
        print(profile(flow, events))

    # This machine's timings wander by a third from run to run: the best of many short runs,
    # with the three contenders taking turns so that a slow spell hits them alike.
    best = {n: float("inf") for n in ("ours", "general", "transitions", "floor")}
    for _ in range(runs):
        for name, run in (
            ("ours", lambda: run_ours(flow, events)),
            ("general", lambda: run_general(flow, events)),
            ("transitions", lambda: run_transitions(data, language, events)),
            ("floor", lambda: run_floor(table, flow.start, events)),
        ):
            elapsed, final, last = run()
            if final != states[-1]:
                raise SystemExit(f"{name} ended in {final}, expected {states[-1]}")
            if name != "floor" and [type(a).__name__ for a in last][1:] != ["Play", "Gather"]:
                raise SystemExit(f"{name}'s last step made {last}, not a trace, play and gather")
            best[name] = min(best[name], elapsed)
    rate = {name: steps / seconds for name, seconds in best.items()}

    per_memory, store = memory_per_session(flow, sessions)
    idle = [store.get(call_sid(i)) for i in range(sessions)]
    try:
        per_redis = redis_per_session([s for s in idle if s is not None])
    except RedisMissing as e:
        raise SystemExit(str(e)) from None
    json_bytes = sum(len(s.to_json().encode()) for s in idle if s is not None) / sessions

    metrics = {
        "steps_per_s": round(rate["ours"]),
        "transitions_steps_per_s": round(rate["transitions"]),
        "floor_steps_per_s": round(rate["floor"]),
        "ratio_vs_transitions": round(rate["ours"] / rate["transitions"], 3),
        "general_steps_per_s": round(rate["general"]),
        "ratio_general_vs_transitions": round(rate["general"] / rate["transitions"], 3),
        "fraction_of_floor": round(rate["ours"] / rate["floor"], 4),
        "bytes_per_session_memory": round(per_memory),
        "bytes_per_session_redis": round(per_redis["key"]),
        "bytes_per_session_redis_with_index": round(per_redis["with_index"]),
        "session_json_bytes": round(json_bytes),
    }
    print(f"{steps} menu-to-menu steps in one call, best of {runs} runs")
    print(f"{'engine':<28} {'steps/s':>12} {'us/step':>9} {'x ours':>8}")
    for name, label in (
        ("ours", "ours (runtime.engine.step)"),
        ("general", "ours, general path only"),
        ("transitions", "transitions.Machine"),
        ("floor", "dict-table floor"),
    ):
        print(
            f"{label:<28} {rate[name]:>12,.0f} {1e6 / rate[name]:>9.2f} "
            f"{rate[name] / rate['ours']:>8.2f}"
        )
    print(
        f"ratio vs transitions: {metrics['ratio_vs_transitions']} (target >= 5); "
        f"fraction of floor: {metrics['fraction_of_floor']}"
    )
    print(f"{sessions} idle sessions at the first menu")
    print(f"{'store':<28} {'bytes/session':>14} {'target':>8}")
    print(f"{'memory (tracemalloc)':<28} {per_memory:>14,.0f} {'<= 1024':>8}")
    print(f"{'redis (MEMORY USAGE key)':<28} {per_redis['key']:>14,.0f} {'<= 2048':>8}")
    print(f"{'redis, key + live index':<28} {per_redis['with_index']:>14,.0f}")
    print(f"{'redis, used_memory growth':<28} {per_redis['server_growth']:>14,.0f}")
    print(f"{'(the session as JSON)':<28} {json_bytes:>14,.0f}")
    print(json.dumps({"bench": "engine", "metrics": metrics}))


if __name__ == "__main__":
    main()
