"""Several runtime processes on one real Redis: calls move between them, deploys reach all of
them, and a process killed mid-call loses nothing."""

from __future__ import annotations

import json
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import redis

from tests.runtime.flows import greeting, write

ROOT = Path(__file__).resolve().parents[2]


class Worker:
    def __init__(self, url: str) -> None:
        self.process = subprocess.Popen(
            [sys.executable, "-m", "tests.runtime.worker", url],
            cwd=ROOT,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
        )
        assert self._read() == {"ready": True}

    def _read(self) -> dict[str, object]:
        line = self.process.stdout.readline()  # type: ignore[union-attr]
        assert line, "the worker died"
        return json.loads(line)  # type: ignore[no-any-return]

    def ask(self, **command: object) -> dict[str, object]:
        self.process.stdin.write(json.dumps(command) + "\n")  # type: ignore[union-attr]
        self.process.stdin.flush()  # type: ignore[union-attr]
        answer = self._read()
        assert "error" not in answer, answer
        return answer

    def current(self, flow: str, want: str, within: float = 10) -> str | None:
        """The worker's current version of `flow`, once it is `want` (or the last seen)."""
        deadline = time.monotonic() + within
        while True:
            seen = self.ask(op="current", flow=flow)["version"]
            if seen == want or time.monotonic() > deadline:
                return seen  # type: ignore[return-value]
            time.sleep(0.02)

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.stdin.close()  # type: ignore[union-attr]
            self.process.wait(timeout=10)


@pytest.fixture
def workers(redis_url: str) -> Iterator[list[Worker]]:
    redis.Redis.from_url(redis_url).flushdb()
    started = [Worker(redis_url), Worker(redis_url)]
    yield started
    for w in started:
        w.stop()


def test_calls_and_deploys_are_shared_and_a_killed_process_loses_no_call(
    workers: list[Worker], redis_url: str, tmp_path: Path
) -> None:
    one, two = workers
    v1 = one.ask(op="deploy", path=str(write(tmp_path / "hello.json", greeting("One"))))["version"]
    assert two.current("hello", v1) == v1  # a deploy in one is live in both

    started = one.ask(op="start", flow="hello", call="c1")
    assert started["heard"] == ["One. Press 1 or 0."]
    moved = two.ask(op="press", call="c1", digits="1")  # the call goes on in the other process
    assert moved["heard"] == ["One again.", "One. Press 1 or 0."]

    v2 = two.ask(op="deploy", path=str(write(tmp_path / "hello.json", greeting("Two"))))["version"]
    assert one.current("hello", v2) == v2
    assert one.ask(op="press", call="c1", digits="1")["heard"][0] == "One again."  # pinned
    assert one.ask(op="start", flow="hello", call="c2")["heard"] == ["Two. Press 1 or 0."]

    one.process.send_signal(signal.SIGKILL)  # mid-call: c1 and c2 wait at the menu
    one.process.wait(timeout=10)
    finished = two.ask(op="press", call="c2", digits="0")
    assert finished["heard"] == ["Two, goodbye."] and finished["ended"]
    assert two.ask(op="press", call="c1", digits="0")["heard"] == ["One, goodbye."]

    late = Worker(redis_url)  # started after the deploys: reads the stored current version
    try:
        assert late.ask(op="current", flow="hello")["version"] == v2
    finally:
        late.stop()
