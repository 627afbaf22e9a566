"""Lint and compile in one pass, as a deploy does: whatever the flow, findings, never a crash."""

from __future__ import annotations

from hypothesis import HealthCheck, given, settings

from sce.build import build
from sce.canonical import to_json
from sce.compiler import CompiledFlow
from sce.loader import load_text
from sce.model import Flow
from tests.strategies import flows

SOUND = """\
flow f { languages = [en-US], start -> hello }
play hello { prompt { text { en-US = "Hello." } }, next -> bye }
hangup bye {}
"""


def test_a_sound_flow_builds_with_no_findings() -> None:
    result = build(load_text(SOUND, "f.flow", "flow"))
    assert result.diagnostics == []
    assert isinstance(result.compiled, CompiledFlow)


def test_an_error_stops_compilation_and_says_where() -> None:
    result = build(load_text(SOUND.replace("next -> bye", "next -> by"), "f.flow", "flow"))
    assert result.compiled is None
    assert [(d.code, d.line) for d in result.errors] == [("SCE102", 2)]


def test_warnings_do_not_stop_compilation() -> None:
    text = SOUND.replace("hangup bye {}", "hangup bye {}\nhangup orphan {}")
    result = build(load_text(text, "f.flow", "flow"))
    assert [d.code for d in result.diagnostics] == ["SCE103"]
    assert result.compiled is not None


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(flows())
def test_any_flow_gets_findings_or_a_compiled_flow_never_an_exception(flow: Flow) -> None:
    result = build(load_text(to_json(flow), "f.json"))
    assert result.compiled is not None or result.errors
    for d in result.diagnostics:
        assert d.line is not None and d.column is not None and d.message
    if result.compiled is not None:
        assert CompiledFlow.from_json(result.compiled.to_json()) == result.compiled
