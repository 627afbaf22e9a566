"""The DSL parser: flow data with positions, and syntax errors a flow author can act on."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from sce.dsl import parse_dsl
from sce.loader import load_text

BANK = """\
# The bank's main line
flow bank {
  title = "Example Bank 示例银行"
  languages = [en-US, zh-CN]
  start -> main
}

var balance: number = 0

menu main {
  prompt { text { en-US = "Press 1.", zh-CN = "请按1。" } }
  choices = [
    { key = "1", next -> bye },
  ]
  timeout = 5
  exhausted -> bye
}

hangup bye {}
"""


def test_the_dsl_parses_to_the_json_shape() -> None:
    parsed = parse_dsl(BANK)
    assert parsed.diagnostics == []
    assert parsed.data == {
        "flow": "bank",
        "title": "Example Bank 示例银行",
        "languages": ["en-US", "zh-CN"],
        "start": "main",
        "variables": {"balance": {"type": "number", "default": 0}},
        "nodes": {
            "main": {
                "type": "menu",
                "prompt": {"text": {"en-US": "Press 1.", "zh-CN": "请按1。"}},
                "choices": [{"key": "1", "next": "bye"}],
                "timeout": 5,
                "exhausted": "bye",
            },
            "bye": {"type": "hangup"},
        },
    }


def test_bare_words_are_text_and_true_false_null_are_literals() -> None:
    data = parse_dsl('flow f {}\nplay p { a = yes, b = true, c = null, d = "true" }').data
    assert data["nodes"]["p"] == {"type": "play", "a": "yes", "b": True, "c": None, "d": "true"}


def test_positions_of_entries_are_recorded_as_pointers() -> None:
    parsed = parse_dsl(BANK)
    offset = parsed.offsets["/nodes/main/timeout"]
    assert BANK[offset:].startswith("timeout = 5")
    assert BANK[parsed.offsets["/nodes/main/choices/0/next"] :].startswith("next -> bye")


@pytest.mark.parametrize(
    ("text", "line", "column", "message"),
    [
        ("flow f {}\nmenu m {\n  timeout: 5\n}", 3, 10, "use '=' (not ':')"),
        ("flow f {}\nplay p { a = 'x' }", 2, 14, "double quotes, not single quotes"),
        ('flow f {}\nplay p { a = "x }', 2, 14, "not closed with a double quote"),
        ("flow f {}\nmenu m {\n  prompt {\n", 3, 10, "'{' opened on line 3 is closed"),
        ("flow f {}\nplay p { a }", 2, 12, "expected '=', '->' or '{' after the field name"),
        ("flow f {}\n}", 2, 1, "nothing is open here to close"),
        ("flow f {}\nplay p { a = 1; b = 2 }", 2, 15, "';' is not needed"),
        ("flow f {}\nplay 1x {}", 2, 6, "a name must start with a letter"),
    ],
)
def test_syntax_errors_say_where_and_what_in_plain_words(
    text: str, line: int, column: int, message: str
) -> None:
    [d] = parse_dsl(text).diagnostics
    assert d.code == "SCE001"
    assert (d.line, d.column) == (line, column), d.message
    assert message in d.message
    assert "NAME" not in d.message and "RBRACE" not in d.message


def test_duplicates_are_reported_with_the_first_place() -> None:
    [d] = parse_dsl("flow f {}\nplay p {\n  a = 1\n  a = 2\n}").diagnostics
    assert (d.code, d.line, d.pointer) == ("SCE003", 4, "/nodes/p/a")
    assert "first on line 3" in d.message


def test_an_unknown_node_type_is_a_schema_error_at_the_type_word() -> None:
    loaded = load_text("flow f { start -> p }\nmnu p {}\n", "f.flow", "flow")
    [d] = loaded.diagnostics
    assert (d.code, d.line, d.column, d.pointer) == ("SCE002", 2, 1, "/nodes/p/type")


def test_deep_nesting_is_an_error_not_a_crash() -> None:
    [d] = parse_dsl("flow f {}\nplay p { a = " + "[" * 500 + "]" * 500 + " }").diagnostics
    assert "nested too deeply" in d.message


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet=st.sampled_from(list("flow play{}[]=->\"# \nabc1,:'\\")), max_size=80))
def test_any_text_parses_or_gives_a_located_syntax_error(text: str) -> None:
    parsed = parse_dsl(text)
    if parsed.data is None:
        assert parsed.diagnostics
        assert all(d.line >= 1 and d.column >= 1 for d in parsed.diagnostics)


@pytest.mark.parametrize(
    ("text", "line", "column", "message"),
    [
        (
            "flow f { start -> a }\nmenu a {\n  timeout = 5\n\nplay b {\n  next -> a\n}\n",
            5,
            1,
            "'play b' starts a new declaration, but the block opened on line 2 is still open",
        ),
        ("flow f {}\nplay a {\n  title = Hello there\n}\n", 3, 11, '"Hello there ..."'),
        ("flow f {}\nplay {\n}\n", 2, 6, "'play' needs a name: write play NAME { ... }"),
        ("flow f {}\nplay a {\n  next ->\n}\n", 4, 1, "expected a value after '='"),
        ("flow f {}\nplay a { x = [a = 1] }", 2, 17, "write each object of a list as {"),
        ('{"flow": "f"}', 1, 1, "this looks like JSON"),
    ],
)
def test_common_mistakes_get_a_hint(text: str, line: int, column: int, message: str) -> None:
    [d] = parse_dsl(text).diagnostics
    assert (d.line, d.column) == (line, column), d.message
    assert message in d.message


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=60))
def test_any_unicode_text_parses_or_gives_a_syntax_error(text: str) -> None:
    parsed = parse_dsl(text)
    assert parsed.data is not None or parsed.diagnostics


def test_nodes_inside_the_flow_block_are_refused() -> None:
    [d] = parse_dsl("flow a {\n  start -> b\n  nodes { b { type = hangup } }\n}\n").diagnostics
    assert (d.line, d.column) == (3, 3)
    assert "declared at the top level" in d.message


def test_raw_tabs_are_text_and_lone_surrogates_are_refused() -> None:
    assert parse_dsl('flow f {}\nplay a { x = "a\tb" }').data["nodes"]["a"]["x"] == "a\tb"
    [d] = parse_dsl('flow f {}\nplay a { x = "\\ud800" }').diagnostics
    assert "surrogate" in d.message and (d.line, d.column) == (2, 14)


def test_long_integers_parse_as_in_json() -> None:
    big = "9" * 60
    assert parse_dsl(f"flow f {{}}\nvar n: number = {big}").data["variables"]["n"][
        "default"
    ] == int(big)
