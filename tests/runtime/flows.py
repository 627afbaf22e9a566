"""Small flows for the runtime tests, built as JSON data (what the designer saves), and the
helpers the engine and node handler tests drive calls with: `build` a flow from its nodes, `start`
a call, then read what the caller `heard` and why the trace `notes` the call left its path.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from datetime import UTC, datetime
from pathlib import Path

from runtime import actions as act
from runtime import events as ev
from runtime.config import Limits
from runtime.engine import new_session, step
from runtime.session import Session
from sce import build as sce_build
from sce.compiler import CompiledFlow, compile_flow
from sce.loader import LoadedFlow, load_data


def greeting(text: str = "Hello", flow: str = "hello") -> dict[str, object]:
    """A menu whose prompt says `text`: press 1 to hear it said back, 0 to hang up."""
    return {
        "flow": flow,
        "languages": ["en-US"],
        "start": "main",
        "nodes": {
            "main": {
                "type": "menu",
                "prompt": {"text": {"en-US": f"{text}. Press 1 or 0."}},
                "choices": [{"key": "1", "next": "echo"}, {"key": "0", "next": "bye"}],
                "exhausted": "bye",
            },
            "echo": {
                "type": "play",
                "prompt": {"text": {"en-US": f"{text} again."}},
                "next": "main",
            },
            "bye": {"type": "hangup", "prompt": {"text": {"en-US": f"{text}, goodbye."}}},
        },
    }


def broken(flow: str = "hello") -> dict[str, object]:
    """A flow whose start names no node: refused by every deploy."""
    data = greeting(flow=flow)
    data["start"] = "nowhere"
    return data


def loaded(data: dict[str, object]) -> LoadedFlow:
    return load_data(data)


def compiled(data: dict[str, object]) -> CompiledFlow:
    result = sce_build.build(load_data(data))
    assert result.compiled is not None, result.diagnostics
    return result.compiled


def write(path: Path, data: dict[str, object]) -> Path:
    path.write_text(json.dumps(data, ensure_ascii=False, indent=1), encoding="utf-8")
    return path


# -- calls driven event by event (the engine and node handler tests) ------------------------------

CALLER = "+15550001111"
CALLED = "+15550009999"
#: The instant calls start at (event times; the engine reads no clock).
T0 = datetime(2026, 11, 23, 15, 0, tzinfo=UTC).timestamp()


def say(en: str, zh: str | None = None) -> dict[str, object]:
    """A prompt with text per language."""
    return {"text": {"en-US": en} | ({"zh-CN": zh} if zh else {})}


def build(
    nodes: Mapping[str, object],
    *,
    flow: str = "test",
    start: str | None = None,
    variables: Mapping[str, object] | None = None,
    languages: tuple[str, ...] = ("en-US", "zh-CN"),
    on_error: str | None = None,
) -> CompiledFlow:
    """Load a flow from data as the designer would save it, and compile it."""
    data: dict[str, object] = {
        "flow": flow,
        "languages": list(languages),
        "start": start or next(iter(nodes)),
        "variables": dict(variables or {}),
        "nodes": dict(nodes),
    }
    if on_error:
        data["on_error"] = on_error
    loaded = load_data(data)
    assert loaded.flow is not None, loaded.diagnostics
    return compile_flow(loaded.flow)


def start(
    flow: CompiledFlow,
    *,
    caller: str = CALLER,
    called: str = CALLED,
    time: float = T0,
    pins: Mapping[str, str] | None = None,
    load: Callable[[str], CompiledFlow] | None = None,
    limits: Limits | None = None,
) -> tuple[Session, list[act.Action]]:
    """A new call: a fresh session and its CallStarted event."""
    session = new_session(flow, "call-1", pins)
    event = ev.CallStarted(caller, called, time)
    return step(flow, session, event, load=load, limits=limits or Limits())


def heard(actions: list[act.Action]) -> list[str]:
    return [a.text for a in actions if isinstance(a, act.Play)]


def of(actions: list[act.Action], kind: type) -> list:
    return [a for a in actions if isinstance(a, kind)]


def entered(actions: list[act.Action]) -> list[str]:
    """States entered, in order, from the trace actions."""
    return [a.node for a in actions if isinstance(a, act.Trace)]


def notes(actions: list[act.Action]) -> str:
    """The notes of the trace: why a call left its normal path."""
    return " | ".join(a.note for a in actions if isinstance(a, act.Trace) and a.note)


def bye(text: str = "Goodbye.", reason: str | None = None) -> dict[str, object]:
    node: dict[str, object] = {"type": "hangup", "prompt": say(text)}
    if reason:
        node["reason"] = reason
    return node


#: A menu with words to say, a repeat key, re-prompts and an exhausted exit, used by many tests.
MENU_NODES: dict[str, object] = {
    "main": {
        "type": "menu",
        "prompt": say(
            "For your balance, press 1. For cards, press 2.", "查询余额请按1，信用卡请按2。"
        ),
        "choices": [
            {"key": "1", "next": "balance", "label": "Balance", "speech": ["balance"]},
            {"key": "2", "next": "cards", "speech": ["credit card", "cards"]},
        ],
        "timeout": 4,
        "no_input": say("Sorry, I did not hear you."),
        "no_match": say("Sorry, that is not a choice."),
        "repeat_key": "*",
        "exhausted": "agent",
    },
    "balance": {"type": "play", "prompt": say("Your balance is ten dollars."), "next": "main"},
    "cards": {
        "type": "menu",
        "prompt": say("To block a card, press 1."),
        "choices": [{"key": "1", "next": "blocked"}],
        "retries": 1,
        "no_match": say("Cards: that is not a choice."),
        "exhausted": "agent",
    },
    "blocked": bye("Your card is blocked. Goodbye."),
    "agent": {"type": "transfer", "queue": "general", "attach": {"summary": "{summary}"}},
}


MAIN_PROMPT = "For your balance, press 1. For cards, press 2."


def verify_flow(ask: str = "Caller {caller}, enter the PIN of account {account}.") -> CompiledFlow:
    """A reusable PIN check: `account` in, `verified` out; a wrong PIN ends the call."""
    return build(
        {
            "ask": {
                "type": "collect",
                "prompt": say(ask, "请输入账户{account}的密码。"),
                "variable": "pin",
                "next": "check",
                "exhausted": "fail",
            },
            "check": {
                "type": "branch",
                "cases": [{"when": "pin == '1234'", "next": "ok"}],
                "default": "fail",
            },
            "ok": {"type": "set", "assign": {"verified": "true"}, "next": "back"},
            "back": {"type": "hangup", "prompt": say("Thank you.", "谢谢。"), "return": True},
            "fail": bye("Wrong PIN. Goodbye.", "pin-failed"),
        },
        flow="verify",
        variables={
            "account": {"type": "string", "default": "", "input": True},
            "pin": {"type": "string", "default": ""},
            "verified": {"type": "bool", "default": False, "output": True},
        },
    )


def parent_flow(first: str = "main") -> CompiledFlow:
    return build(
        {
            "main": {
                "type": "menu",
                "prompt": say("To verify, press 1."),
                "choices": [{"key": "1", "next": "verify", "label": "Verify"}],
            },
            "to_zh": {"type": "language", "language": "zh-CN", "next": "verify"},
            "verify": {
                "type": "subflow",
                "flow": "verify",
                "inputs": {"account": "account"},
                "outputs": {"ok": "verified"},
                "next": "result",
                "error": "unavailable",
            },
            "result": {
                "type": "branch",
                "cases": [{"when": "ok", "next": "agent"}],
                "default": "unavailable",
            },
            "agent": {
                "type": "transfer",
                "queue": "verified",
                "attach": {"summary": "{summary}", "account": "{account}"},
            },
            "unavailable": bye("Verification is not available.", "unverified"),
        },
        flow="parent",
        start=first,
        variables={
            "account": {"type": "string", "default": "12345678"},
            "ok": {"type": "bool", "default": False},
        },
    )


def loader(*flows: CompiledFlow) -> Callable[[str], CompiledFlow]:
    """What a registry gives the engine: a compiled flow by version."""
    return {f.version: f for f in flows}.__getitem__
