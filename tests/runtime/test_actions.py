"""Actions as adapters and `sce call -o` see them: JSON with their kind, traces at ISO times."""

from __future__ import annotations

import json

from runtime import actions as act


def test_every_action_becomes_json_with_its_kind() -> None:
    examples = [
        act.Play("您好", "zh-CN", "welcome", True, 2),
        act.Gather("main", "en-US", 1, 1, None, 5, None, True, ("balance",)),
        act.Record("voicemail", 120, 5),
        act.Transfer("agent", "en-US", "service", None, ("cards",), 10, {"summary": "main: 0"}),
        act.Hangup("self-service"),
        act.Fetch(
            "lookup", "GET", "https://core.bank.example/x", 3, {"Accept": "application/json"}
        ),
        act.SendSms("text", "+15550100", "Balance: 12.5"),
        act.Trace("main", "menu", 1795446000.25, {"topic": "cards"}, "no-match 1 of 3"),
    ]
    kinds = [act.action_to_data(a)["action"] for a in examples]
    assert kinds == ["play", "gather", "record", "transfer", "hangup", "fetch", "sms", "trace"]
    data = json.loads(json.dumps([act.action_to_data(a) for a in examples], ensure_ascii=False))
    assert data[0]["text"] == "您好" and data[3]["skills"] == ["cards"]
    assert data[7]["time"] == "2026-11-23T15:00:00.250+00:00"
    assert data[7]["changed"] == {"topic": "cards"}
