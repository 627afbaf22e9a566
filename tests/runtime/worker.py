"""A runtime process for the multi-process tests: one JSON command per stdin line, one JSON answer
per stdout line. It shares calls and deploys with its peers through the Redis URL it is given.

    python -m tests.runtime.worker redis://127.0.0.1:6379/0
    {"op": "deploy", "path": "hello.json"}        -> {"ok": true, "version": "..."}
    {"op": "start", "flow": "hello", "call": "c1"} -> {"heard": [...], "ended": false, ...}
    {"op": "press", "call": "c1", "digits": "1"}   -> the same shape
    {"op": "current", "flow": "hello"}             -> {"version": "..."}
"""

from __future__ import annotations

import json
import sys

from runtime import actions as act
from runtime import events as ev
from runtime.calls import Calls, Turn
from runtime.config import RuntimeConfig
from runtime.effects import LiveEffects
from runtime.registry import Registry
from runtime.store import open_deploys, open_store


def _turn(turn: Turn) -> dict[str, object]:
    return {
        "heard": [a.text for a in turn.actions if isinstance(a, act.Play)],
        "ended": not turn.session.active,
        "version": turn.session.version,
        "seq": turn.session.seq,
    }


def main(url: str) -> None:
    registry = Registry(open_deploys(url))
    registry.listen()
    calls = Calls(registry, open_store(url), LiveEffects(RuntimeConfig()))
    print(json.dumps({"ready": True}), flush=True)
    for line in sys.stdin:
        command = json.loads(line)
        op = command["op"]
        try:
            if op == "deploy":
                result = registry.deploy_path(command["path"], who=command.get("who", "worker"))
                answer: dict[str, object] = {"ok": result.ok, "version": result.version}
            elif op == "start":
                answer = _turn(
                    calls.start(command["flow"], command["call"], caller="+1", called="+2", time=0)
                )
            elif op == "press":
                answer = _turn(calls.send(command["call"], ev.Digits(command["digits"], 1)))
            elif op == "current":
                answer = {"version": registry.current_versions().get(command["flow"])}
            else:
                answer = {"error": f"unknown op {op}"}
        except Exception as e:  # the test reads the error instead of a dead pipe
            answer = {"error": f"{type(e).__name__}: {e}"}
        print(json.dumps(answer), flush=True)


if __name__ == "__main__":
    main(sys.argv[1])
