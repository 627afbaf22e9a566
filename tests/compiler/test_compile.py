"""Compiling flows into the runtime's state machine."""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap

import pytest

from sce.compiler import CompiledFlow, compile_flow
from sce.compiler.ir import Expression, IRError, Template
from sce.errors import CompileError
from sce.lint import lint_loaded
from sce.loader import load_text

BANK = textwrap.dedent("""\
    flow bank {
      languages = [en-US, zh-CN]
      start -> main
    }
    var balance: number = 0
    var vip: bool = false
    menu main {
      prompt { text { en-US = "Press 1 or 0.", zh-CN = "请按1或0。" } }
      choices = [ { key = "1", next -> lookup }, { key = "0", next -> check } ]
      timeout = 5
      exhausted -> bye
      ui { x = 10, y = 20 }
    }
    http lookup {
      url = "https://bank.example/b/{caller}"
      timeout = 3
      save { balance = "/amount" }
      next -> say
      error -> bye
    }
    play say { prompt { text { en-US = "Balance {balance}.", zh-CN = "余额{balance}。" } }, next -> bye }
    branch check { cases = [ { when = "vip and balance > 1000", next -> agent } ], default -> agent }
    transfer agent { queue = support, priority = "balance / 1000", failure -> bye }
    hangup bye {}
""")


def flow(text: str = BANK):
    loaded = load_text(text, "bank.flow", "flow")
    assert loaded.flow is not None, loaded.diagnostics
    return loaded.flow


def test_each_node_becomes_a_state_with_its_event_table() -> None:
    c = compile_flow(flow())
    assert c.start == "main"
    assert dict(c.states["main"].on) == {"key:1": "lookup", "key:0": "check", "exhausted": "bye"}
    assert dict(c.states["lookup"].on) == {"done": "say", "error": "bye"}
    assert dict(c.states["check"].on) == {"case:0": "agent", "default": "agent"}
    assert dict(c.states["agent"].on) == {"failure": "bye"}
    assert dict(c.states["bye"].on) == {}


def test_parameters_are_resolved_with_defaults_and_parsed_expressions() -> None:
    c = compile_flow(flow())
    menu = c.states["main"].params
    assert menu["retries"] == 2 and menu["barge_in"] is True
    assert isinstance(menu["prompt"]["text"]["zh-CN"], Template)
    assert isinstance(c.states["check"].params["cases"][0]["when"], Expression)
    assert "ui" not in menu and "choices" in menu and "next" not in menu["choices"][0]


def test_states_are_immutable() -> None:
    c = compile_flow(flow())
    with pytest.raises(TypeError):
        c.states["main"].params["retries"] = 9  # type: ignore[index]
    with pytest.raises(AttributeError):
        c.states["main"].type = "play"  # type: ignore[misc]


def test_round_trip_through_json_is_lossless() -> None:
    c = compile_flow(flow())
    again = CompiledFlow.from_json(c.to_json())
    assert again == c
    assert again.version == c.version


def test_the_version_is_the_content_hash_and_ignores_layout() -> None:
    a = compile_flow(flow())
    moved = compile_flow(flow(BANK.replace("x = 10", "x = 99")))
    changed = compile_flow(flow(BANK.replace("timeout = 5", "timeout = 6")))
    assert a.version == moved.version
    assert a.version != changed.version
    assert len(a.version) == 64


def test_the_version_is_the_same_in_another_process() -> None:
    code = textwrap.dedent(f"""
        from sce.loader import load_text
        from sce.compiler import compile_flow
        print(compile_flow(load_text({BANK!r}, "b.flow", "flow").flow).version)
    """)
    out = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        check=True,
        env={"PYTHONHASHSEED": "123", "PATH": ""},
    )
    assert out.stdout.strip() == compile_flow(flow()).version


def test_a_tampered_compiled_flow_is_refused() -> None:
    data = json.loads(compile_flow(flow()).to_json())
    data["states"]["main"]["on"]["key:1"] = "bye"
    with pytest.raises(Exception, match="version does not match"):
        CompiledFlow.from_data(data)


def test_a_damaged_compiled_flow_is_refused_as_damaged_not_as_bad_json() -> None:
    data = json.loads(compile_flow(flow()).to_json())
    data["states"]["main"]["params"] = "ab"  # JSON, but no state's parameters
    with pytest.raises(IRError, match="damaged"):
        CompiledFlow.from_json(json.dumps(data))


def test_errors_stop_compilation_with_every_diagnostic() -> None:
    broken = BANK.replace("next -> say", "next -> sya").replace("balance > 1000", "balanse > 1")
    with pytest.raises(CompileError) as e:
        compile_flow(flow(broken))
    codes = sorted((d.code, d.pointer) for d in e.value.diagnostics)
    assert codes == [("SCE102", "/nodes/lookup/next"), ("SCE203", "/nodes/check/cases/0/when")]
    messages = " ".join(d.message for d in e.value.diagnostics)
    assert "did you mean 'say'" in messages and "balance" in messages


def test_a_tampered_expression_is_refused_too() -> None:
    data = json.loads(compile_flow(flow()).to_json())
    data["states"]["check"]["params"]["cases"][0]["when"]["$expr"] = "true"
    with pytest.raises(Exception, match="version does not match"):
        CompiledFlow.from_data(data)


def test_the_canvas_notes_of_a_flow_change_neither_its_version_nor_its_findings() -> None:
    """The flow's own `ui` (sticky notes, the view) is the designer's: the compiled flow is
    the same with or without it, and the linter has nothing to say about it."""
    notes = 'ui { notes = [ { id = n1, x = 10, y = -20, text = "欢迎 note" } ] }\n'
    with_notes = BANK.replace("  start -> main\n", "  start -> main\n  " + notes)
    assert with_notes != BANK
    assert flow(with_notes).ui["notes"] == [{"id": "n1", "x": 10, "y": -20, "text": "欢迎 note"}]
    assert compile_flow(flow(with_notes)).version == compile_flow(flow()).version
    plain = lint_loaded(load_text(BANK, "bank.flow", "flow"))
    noted = lint_loaded(load_text(with_notes, "bank.flow", "flow"))
    assert [d.code for d in noted] == [d.code for d in plain]
