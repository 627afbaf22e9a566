"""Suppressing findings with noqa, in JSON and in the DSL, and reporting stale directives."""

from __future__ import annotations

import json

from sce.lint import lint_loaded
from sce.loader import load_text

HTTP = """\
flow f {{ languages = [en-US], start -> get }}
http get {{ url = "https://x.example/", {timeout}next -> bye, error -> bye }}{comment}
hangup bye {{}}
"""


def lint_dsl(text: str) -> list[tuple[int, str]]:
    return [(d.line, d.code) for d in lint_loaded(load_text(text, "f.flow", "flow"))]


def test_a_finding_without_noqa_is_reported() -> None:
    assert lint_dsl(HTTP.format(timeout="", comment="")) == [(2, "SCE502")]


def test_a_dsl_comment_on_the_line_suppresses_its_code() -> None:
    assert lint_dsl(HTTP.format(timeout="", comment="  # noqa: SCE502")) == []


def test_a_bare_noqa_suppresses_everything_on_the_line() -> None:
    assert lint_dsl(HTTP.format(timeout="", comment="  # noqa")) == []


def test_a_noqa_on_a_node_header_covers_the_whole_node() -> None:
    text = (
        "flow f { languages = [en-US], start -> get }\n"
        "http get {  # noqa: SCE502\n"
        '  url = "https://x.example/"\n  next -> bye\n  error -> bye\n}\nhangup bye {}\n'
    )
    assert lint_dsl(text) == []


def test_an_unused_noqa_is_reported_where_it_is() -> None:
    text = HTTP.format(timeout="timeout = 3, ", comment="  # noqa: SCE502")
    found = lint_loaded(load_text(text, "f.flow", "flow"))
    assert [(d.line, d.code) for d in found] == [(2, "SCE900")]
    assert "SCE502" in found[0].message


def test_an_unknown_code_in_noqa_is_called_unknown() -> None:
    text = HTTP.format(timeout="timeout = 3, ", comment="  # noqa: SCE999")
    [d] = lint_loaded(load_text(text, "f.flow", "flow"))
    assert d.code == "SCE900" and "unknown rule code" in d.message


def test_a_json_node_noqa_list_suppresses_and_goes_stale() -> None:
    doc = {
        "flow": "f",
        "languages": ["en-US"],
        "start": "get",
        "nodes": {
            "get": {
                "type": "http",
                "url": "https://x.example/",
                "next": "bye",
                "error": "bye",
                "noqa": ["SCE502", "SCE501"],
            },
            "bye": {"type": "hangup"},
        },
    }
    found = lint_loaded(load_text(json.dumps(doc, indent=2), "f.json"))
    assert [(d.code, d.pointer) for d in found] == [("SCE900", "/nodes/get/noqa")]
    assert "SCE501" in found[0].message


def test_a_flow_level_noqa_covers_every_node() -> None:
    doc = {
        "flow": "f",
        "languages": ["en-US"],
        "start": "get",
        "noqa": ["SCE502"],
        "nodes": {
            "get": {"type": "http", "url": "https://x.example/", "next": "bye", "error": "bye"},
            "bye": {"type": "hangup"},
        },
    }
    assert lint_loaded(load_text(json.dumps(doc), "f.json")) == []


def test_a_rule_name_works_like_its_code_and_words_after_are_a_remark() -> None:
    text = HTTP.format(timeout="", comment="  # noqa: http-without-timeout (the CRM is local)")
    assert lint_dsl(text) == []
    stale = HTTP.format(timeout="timeout = 3, ", comment="  # noqa: menu-trap")
    [d] = lint_loaded(load_text(stale, "f.flow", "flow"))
    assert d.code == "SCE900" and "SCE604" in d.message
