"""Every flow prints to DSL and parses back equal; JSON likewise; formatting is idempotent.

Proven over generated flows (tests/strategies.py): random node types and values, Chinese
text, quotes, backslashes, newlines and braces in texts.
"""

from __future__ import annotations

import json

from hypothesis import HealthCheck, given, settings

from sce.canonical import render, to_dsl, to_json
from sce.dsl import parse_dsl, print_dsl
from sce.loader import load_text
from sce.model import Flow, flow_from_data, flow_to_data
from tests.strategies import flows

SETTINGS = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@SETTINGS
@given(flows())
def test_dsl_round_trip_gives_an_equal_model(flow: Flow) -> None:
    data = flow_to_data(flow)
    text = print_dsl(data)
    parsed = parse_dsl(text)
    assert parsed.diagnostics == [], text
    assert parsed.data == data
    assert flow_from_data(parsed.data) == flow


@SETTINGS
@given(flows())
def test_json_round_trip_gives_an_equal_model(flow: Flow) -> None:
    loaded = load_text(to_json(flow), "f.json", "json")
    assert loaded.diagnostics == []
    assert loaded.flow == flow


@SETTINGS
@given(flows())
def test_fmt_is_idempotent_in_both_formats(flow: Flow) -> None:
    for fmt, text in (("flow", to_dsl(flow)), ("json", to_json(flow))):
        once = load_text(text, f"f.{fmt}", fmt)
        assert once.flow is not None, once.diagnostics
        first = render(once, fmt)
        again = load_text(first, f"f.{fmt}", fmt)
        assert render(again, fmt) == first


@SETTINGS
@given(flows())
def test_converting_json_to_dsl_and_back_gives_the_same_json_bytes(flow: Flow) -> None:
    json_text = to_json(flow)
    dsl = render(load_text(json_text, "f.json", "json"), "flow")
    back = render(load_text(dsl, "f.flow", "flow"), "json")
    assert back == json_text


#: A flow with the designer's own data at its root: sticky notes (nested objects, Chinese text,
#: a decimal, empty values) and the canvas's view.
WITH_NOTES = {
    "flow": "notes",
    "languages": ["en-US"],
    "start": "bye",
    "nodes": {"bye": {"type": "hangup"}},
    "ui": {
        "notes": [
            {"id": "n1", "x": 10, "y": -20, "text": "欢迎 note", "color": "yellow"},
            {"id": "n2", "x": 2.5, "y": 0, "text": 'two\nlines "quoted"', "tags": [], "meta": {}},
        ],
        "viewport": {"x": 0, "y": 0, "zoom": 1},
    },
}


def test_sticky_notes_and_view_survive_json_to_dsl_and_back_byte_for_byte() -> None:
    json_text = json.dumps(WITH_NOTES, indent=2, ensure_ascii=False) + "\n"
    loaded = load_text(json_text, "notes.json", "json")
    assert loaded.diagnostics == [] and loaded.flow is not None
    assert loaded.flow.ui == WITH_NOTES["ui"]
    dsl = render(loaded, "flow")
    assert "ui {" in dsl and '"欢迎 note"' in dsl
    back = load_text(dsl, "notes.flow", "flow")
    assert back.diagnostics == []
    assert back.data == WITH_NOTES
    assert render(back, "json") == json_text
