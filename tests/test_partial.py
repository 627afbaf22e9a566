"""The partial model of a flow with schema errors: its sound parts, as the author drew them
(sce.partial). What the linter makes of it is in tests/lint/test_partial.py."""

from __future__ import annotations

import json
from typing import Any

from sce.loader import load_text
from sce.model import Hangup, Menu, Variable
from sce.partial import Partial, Unchecked

FLOW: dict[str, Any] = {
    "flow": "f",
    "start": "main",
    "variables": {"tier": {"type": "string"}},
    "nodes": {
        "main": {
            "type": "menu",
            "prompt": {"text": {"en-US": "Press 1."}},
            "choices": [{"key": "1", "next": "bye"}],
            "timeout": 5,
            "exhausted": "bye",
        },
        "bye": {"type": "hangup"},
    },
}


def partial_of(doc: dict[str, Any]) -> Partial:
    loaded = load_text(json.dumps(doc), "f.json")
    assert loaded.flow is None and loaded.partial is not None, loaded.diagnostics
    return loaded.partial


def with_node(nid: str, node: object) -> dict[str, Any]:
    return {**FLOW, "nodes": {**FLOW["nodes"], nid: node}}


def test_a_node_with_a_misspelt_field_is_rebuilt_of_its_type_without_it() -> None:
    node = dict(FLOW["nodes"]["main"], timout=5)
    del node["timeout"]
    partial = partial_of(with_node("main", node))
    main = partial.flow.nodes["main"]
    assert isinstance(main, Menu) and main.timeout is None and main.exhausted == "bye"
    assert partial.broken["main"].kept == {"prompt", "choices", "exhausted"}
    assert partial.broken["main"].bad == {"timout"}
    assert isinstance(partial.flow.nodes["bye"], Hangup)
    assert list(partial.flow.nodes) == ["main", "bye"]  # the author's order


def test_a_misspelt_exit_is_salvaged_under_the_exit_it_is_spelt_like() -> None:
    node = {
        "type": "menu",
        "prompt": {},
        "choices": [{"key": "1", "nxt": "bye"}],
        "exhaustd": "bye",
    }
    partial = partial_of(with_node("main", node))
    assert sorted(partial.salvaged) == [("main", "bye", "exhausted"), ("main", "bye", "key 1")]
    assert not partial.unknown_exits


def test_an_exit_that_names_nothing_leaves_what_is_behind_it_unknown() -> None:
    node = dict(FLOW["nodes"]["main"], exhausted=5)
    partial = partial_of(with_node("main", node))
    assert partial.unknown_exits and partial.salvaged == ()


def test_a_node_of_unknown_type_is_unchecked_and_every_node_it_names_an_exit() -> None:
    partial = partial_of(with_node("bye", {"type": "hangoff", "goto": "main", "reason": "done"}))
    assert isinstance(partial.flow.nodes["bye"], Unchecked)
    assert partial.untyped and partial.broken["bye"].kept is None
    assert partial.salvaged == (("bye", "main", "goto"),)
    assert partial.flow.nodes["bye"].targets() == []


def test_a_node_that_is_not_an_object_is_unchecked_and_may_read_anything() -> None:
    partial = partial_of(with_node("bye", 5))
    assert isinstance(partial.flow.nodes["bye"], Unchecked)
    assert partial.unknown_reads and partial.unknown_exits


def test_a_broken_variable_keeps_its_sound_fields_and_a_broken_type_becomes_any() -> None:
    doc = dict(FLOW, variables={"tier": {"type": "text", "default": "gold", "input": True}})
    assert partial_of(doc).flow.variables["tier"] == Variable(
        type="any", default="gold", input=True
    )


def test_the_words_of_a_broken_field_are_the_variables_it_may_read() -> None:
    node = {"type": "hangup", "promt": {"text": {"en-US": "Bye, {tier}."}}}
    assert partial_of(with_node("bye", node)).words == {"Bye", "tier"}  # texts, not keys


def test_a_broken_title_is_left_out_since_no_rule_reads_it() -> None:
    assert partial_of(dict(FLOW, title=5)).flow.title is None


def test_a_node_written_twice_in_the_dsl_is_unchecked() -> None:
    text = "flow f { start -> a }\nhangup a {}\nplay a { prompt {}, next -> b }\nhangup b {}\n"
    loaded = load_text(text, "f.flow", "flow")
    assert [d.code for d in loaded.diagnostics] == ["SCE003"]
    assert loaded.partial is not None and isinstance(loaded.partial.flow.nodes["a"], Unchecked)


def test_no_partial_model_when_a_problem_lies_outside_nodes_and_variables() -> None:
    for doc in [
        dict(FLOW, languages=["english"]),
        dict(FLOW, start=5),
        dict(FLOW, strat="main"),  # perhaps the start, misspelt
        dict(FLOW, nodes=[]),
        {"nodes": FLOW["nodes"]},  # no flow id
    ]:
        loaded = load_text(json.dumps(doc), "f.json")
        assert loaded.flow is None and loaded.partial is None, doc
    assert load_text('{"flow": "f", "nodes": {,}}', "f.json").partial is None


def test_a_sound_flow_has_no_partial_model() -> None:
    loaded = load_text(json.dumps(FLOW), "f.json")
    assert loaded.flow is not None and loaded.partial is None
    assert loaded.lint_model is loaded.flow
