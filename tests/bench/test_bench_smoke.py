"""The runtime benchmarks still run: each, in its tiny `--quick` mode, prints its table and, as
its last line, the JSON object that `make bench` readers collect.

No timing is asserted here (the machine is shared and noisy); the benchmarks check themselves
that every contender ended a call where the flow says, that the live calls kept their version
through the deploys, and that every webhook answer of both servers was a 200 with a <Gather>,
and exit non-zero otherwise.
"""

from __future__ import annotations

import json
import subprocess
import sys
from functools import cache
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]

EXPECTED = {
    "audio": {"ratio_vs_ffmpeg", "ours_ms_per_prompt", "ffmpeg_ms_per_prompt"},
    "engine": {
        "steps_per_s",
        "transitions_steps_per_s",
        "floor_steps_per_s",
        "ratio_vs_transitions",
        "fraction_of_floor",
        "bytes_per_session_memory",
        "bytes_per_session_redis",
        "session_json_bytes",
    },
    "reload": {
        "live_calls",
        "deploy_ms_idle",
        "deploy_ms_busy",
        "activate_ms_idle",
        "activate_ms_busy",
        "ratio_100k_vs_0",
        "ratio_activate_100k_vs_0",
    },
    "webhook": {
        "sce_p50_ms",
        "sce_p99_ms",
        "sce_rps",
        "floor_p50_ms",
        "floor_p99_ms",
        "floor_rps",
        "p50_ratio",
        "p99_ratio",
        "rps_ratio",
        "wsgi_p50_ms",
        "wsgi_p50_ratio",
    },
}


@cache
def run_quick(name: str) -> tuple[list[str], dict[str, object]]:
    """Run bench/<name>.py --quick from the repository root (once per test session): its
    output lines and its last line, read as JSON."""
    done = subprocess.run(
        [sys.executable, str(ROOT / "bench" / f"{name}.py"), "--quick"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    lines = done.stdout.strip().splitlines()
    return lines, json.loads(lines[-1])


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_quick_run_ends_with_its_metrics(name: str) -> None:
    lines, last = run_quick(name)
    assert last["bench"] == name
    metrics = last["metrics"]
    assert isinstance(metrics, dict)
    assert EXPECTED[name] <= set(metrics), f"missing: {EXPECTED[name] - set(metrics)}"
    for key, value in metrics.items():
        assert isinstance(value, int | float) and value > 0, f"{key} = {value!r}"
    assert len(lines) > 3, "the readable table comes before the JSON line"


def test_redis_holds_at_least_the_session_json() -> None:
    """A waiting call's Redis key keeps its JSON and bookkeeping: never less than the JSON."""
    _, last = run_quick("engine")
    metrics: dict[str, float] = last["metrics"]  # type: ignore[assignment]
    assert metrics["bytes_per_session_redis"] >= metrics["session_json_bytes"]
