"""Benchmark: a deploy with no call in progress vs with 100,000 calls pinned to the old version.

Hot reload must not get slower as a centre gets busier: a deploy makes the new version current
for new calls and leaves the calls in progress alone, so its cost should not depend on how many
there are. Each deploy is a real change (a new edition of every prompt of a 20-menu flow), timed
two ways:

- the full deploy: `load_data` + `Registry.deploy` (lint, compile, archive, make current, log);
- the activation alone: `Registry.activate` of a flow compiled beforehand.

The live calls are started through the engine on the first version and kept in the memory store,
as a busy process holds them. Target (issue): `ratio_100k_vs_0` (full deploy, best of several)
at most 1.2. `--quick` uses 10,000 calls. The last line is {"bench": "reload", "metrics": {...}}.
"""

from __future__ import annotations

import argparse
import gc
import json
import statistics
import sys
import time
from collections.abc import Iterator
from itertools import count
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.flows import menu_flow  # noqa: E402
from runtime.config import Limits  # noqa: E402
from runtime.engine import new_session, step  # noqa: E402
from runtime.events import CallStarted  # noqa: E402
from runtime.registry import DEPLOYED, Registry  # noqa: E402
from runtime.store.memory import MemoryDeployBackend, MemorySessionStore  # noqa: E402
from sce.build import build  # noqa: E402
from sce.compiler import CompiledFlow  # noqa: E402
from sce.loader import load_data  # noqa: E402

FLOW = "menus"
T0 = 1_700_000_000.0
LIMITS = Limits()
#: Rounds of (deploys with no live call, start the calls, deploys with them).
ROUNDS = 2


def full_deploy(registry: Registry, data: dict[str, object]) -> float:
    """Seconds from flow data to the new current version (lint and compile included)."""
    t0 = time.perf_counter()
    result = registry.deploy(load_data(data, "menus.json"), who="bench")
    elapsed = time.perf_counter() - t0
    if result.result != DEPLOYED:
        raise SystemExit(f"the deploy was {result.result}: {result.to_data()['errors'][:3]}")
    return elapsed


def compiled(data: dict[str, object]) -> CompiledFlow:
    outcome = build(load_data(data, "menus.json"))
    if outcome.compiled is None:
        raise SystemExit(f"the benchmark flow does not compile: {outcome.errors[:3]}")
    return outcome.compiled


def activation(registry: Registry, flow: CompiledFlow) -> float:
    """Seconds to make an already compiled version current (archive, switch, publish, log)."""
    t0 = time.perf_counter()
    result = registry.activate(flow, who="bench")
    elapsed = time.perf_counter() - t0
    if result.result != DEPLOYED:
        raise SystemExit(f"the activation was {result.result}")
    return elapsed


def measure(
    registry: Registry, store: MemorySessionStore, editions: Iterator[int], runs: int
) -> dict[str, list[float]]:
    """`runs` full deploys and `runs` activations, taking turns, each of a new edition. After
    each, versions no call uses are unloaded (untimed), as a running server does."""
    times: dict[str, list[float]] = {"deploy": [], "activate": []}
    for _ in range(runs):
        times["deploy"].append(full_deploy(registry, menu_flow(variant=next(editions))))
        registry.release(store.versions_in_use())
        ready = compiled(menu_flow(variant=next(editions)))
        times["activate"].append(activation(registry, ready))
        registry.release(store.versions_in_use())
    return times


def start_calls(flow: CompiledFlow, store: MemorySessionStore, calls: int) -> None:
    """`calls` calls started through the engine, each waiting at the first menu."""
    for i in range(calls):
        session = new_session(flow, f"CA{i:032x}")
        session, _ = step(
            flow, session, CallStarted(f"+1415{i:07d}", "+18005550100", T0 + i), limits=LIMITS
        )
        store.create(session)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true", help="a tiny run (for the smoke test)")
    args = parser.parse_args()
    calls, runs = (10_000, 3) if args.quick else (100_000, 10)

    registry = Registry(MemoryDeployBackend())
    editions = count(1)
    full_deploy(registry, menu_flow(variant=0))
    old = registry.current(FLOW).version
    measure(registry, MemorySessionStore(), editions, 1)  # warm-up: first imports, caches

    # This machine's timings wander by a third from run to run: the best of several deploys,
    # in rounds of idle then busy, so that a slow spell of the machine hits both alike.
    idle: dict[str, list[float]] = {"deploy": [], "activate": []}
    busy: dict[str, list[float]] = {"deploy": [], "activate": []}
    started = 0.0
    for _ in range(ROUNDS):
        store = MemorySessionStore()
        for kind, times in measure(registry, store, editions, runs).items():
            idle[kind] += times
        t0 = time.perf_counter()
        start_calls(registry.get(old), store, calls)
        started = time.perf_counter() - t0
        for kind, times in measure(registry, store, editions, runs).items():
            busy[kind] += times
        pinned = store.versions_in_use()[old]
        if pinned != calls or old not in registry.loaded_versions():
            raise SystemExit(f"the live calls lost their version: {pinned} of {calls} pin it")
        if registry.current(FLOW).version == old:
            raise SystemExit("the deploys did not change the current version")
        del store
        gc.collect()

    def best(times: dict[str, list[float]], kind: str) -> float:
        return min(times[kind])

    def median(times: dict[str, list[float]], kind: str) -> float:
        return statistics.median(times[kind])

    # Names stay the same in --quick (fewer live calls: see `live_calls`).
    metrics = {
        "live_calls": calls,
        "deploy_ms_idle": round(best(idle, "deploy") * 1000, 3),
        "deploy_ms_busy": round(best(busy, "deploy") * 1000, 3),
        "activate_ms_idle": round(best(idle, "activate") * 1000, 3),
        "activate_ms_busy": round(best(busy, "activate") * 1000, 3),
        "ratio_100k_vs_0": round(best(busy, "deploy") / best(idle, "deploy"), 3),
        "ratio_activate_100k_vs_0": round(best(busy, "activate") / best(idle, "activate"), 3),
        "ratio_median_100k_vs_0": round(median(busy, "deploy") / median(idle, "deploy"), 3),
        # The slowest deploy: a full collection of the cyclic GC, which walks every live
        # session, can land in any one of them (and in any other request alike).
        "deploy_ms_worst_idle": round(max(idle["deploy"]) * 1000, 3),
        "deploy_ms_worst_busy": round(max(busy["deploy"]) * 1000, 3),
    }
    print(
        f"deploys of a changed 20-menu flow, {ROUNDS * runs} of each kind per row; "
        f"{calls:,} live calls started through the engine in {started:.1f} s, "
        f"pinned to {old[:12]}"
    )
    print(
        f"{'live calls':>10} {'deploy best ms':>15} {'median':>8} {'worst':>8} "
        f"{'activate best ms':>17} {'median':>8}"
    )
    for n, times in ((0, idle), (calls, busy)):
        print(
            f"{n:>10,} {best(times, 'deploy') * 1000:>15.2f} "
            f"{median(times, 'deploy') * 1000:>8.2f} {max(times['deploy']) * 1000:>8.2f} "
            f"{best(times, 'activate') * 1000:>17.2f} {median(times, 'activate') * 1000:>8.2f}"
        )
    print(
        f"ratio {calls:,} vs 0 live calls: full deploy {metrics['ratio_100k_vs_0']} (target <= 1.2), "
        f"activate {metrics['ratio_activate_100k_vs_0']}, "
        f"median deploy {metrics['ratio_median_100k_vs_0']}"
    )
    print(json.dumps({"bench": "reload", "metrics": metrics}))


if __name__ == "__main__":
    main()
