"""The DSL printer: canonical, readable, and keeping the author's comments."""

from __future__ import annotations

from sce.dsl import parse_dsl, print_dsl

COMMENTED = """\
# Main line of the bank
flow bank {  # reviewed by ops
  languages = [en-US]
  start -> hello
}

# Greeting
play hello {
  prompt {
    text {
      en-US = "Hello"  # keep it short
    }
  }
  next -> bye
  # more to come
}

hangup bye {}

# end of flow
"""


def fmt(text: str) -> str:
    parsed = parse_dsl(text)
    assert parsed.data is not None, parsed.diagnostics
    return print_dsl(parsed.data, parsed.comments)


def test_canonical_text_is_a_fixed_point() -> None:
    assert fmt(COMMENTED) == COMMENTED


def test_comments_survive_reformatting_of_messy_layout() -> None:
    messy = COMMENTED.replace("\n  ", "\n        ").replace("{\n", "{ \n\n")
    out = fmt(messy)
    for comment in [
        "# Main line of the bank",
        "# reviewed by ops",
        "# Greeting",
        "# keep it short",
        "# more to come",
        "# end of flow",
    ]:
        assert comment in out
    assert out == COMMENTED


def test_exits_are_arrows_texts_are_quoted_names_are_bare() -> None:
    out = print_dsl(
        {
            "flow": "f",
            "languages": ["en-US"],
            "start": "a",
            "nodes": {
                "a": {
                    "type": "play",
                    "prompt": {"audio": "welcome", "text": {"en-US": "Welcome"}},
                    "next": "b",
                },
                "b": {"type": "hangup", "reason": "done"},
            },
        }
    )
    assert "next -> b" in out
    assert 'en-US = "Welcome"' in out
    assert "audio = welcome" in out
    assert 'reason = "done"' in out
    assert "start -> a" in out


def test_texts_that_need_escapes_are_escaped_and_readable() -> None:
    text = 'Say "hi"\n\\ {balance}\t你好 😀'
    out = print_dsl({"flow": "f", "nodes": {"a": {"type": "hangup", "reason": text}}})
    assert '"Say \\"hi\\"\\n\\\\ {balance}\\t你好 😀"' in out
    assert parse_dsl(out).data["nodes"]["a"]["reason"] == text


def test_a_comment_on_a_removed_entry_is_kept_at_the_end() -> None:
    parsed = parse_dsl("flow f {}\nplay a {\n  # about loop\n  loop = 1\n}\n")
    data = parsed.data
    del data["nodes"]["a"]["loop"]
    out = print_dsl(data, parsed.comments)
    assert "# about loop" in out


def test_fmt_keeps_each_noqa_on_the_line_it_was_on() -> None:
    text = (
        "flow v { start -> m }\n"
        'var unused: string = "a"  # noqa: SCE204\n'
        "menu m {\n"
        "  choices = [\n"
        '    { key = "1", next -> bye },  # noqa: SCE303\n'
        '    { key = "2", next -> bye },\n'
        "  ]\n"
        "}  # after menu\n"
        "hangup bye {}  # after bye\n"
    )
    out = fmt(text)
    assert 'var unused: string = "a"  # noqa: SCE204\n' in out
    assert '    { key = "1", next -> bye },  # noqa: SCE303\n' in out
    assert "}  # after menu\n" in out
    assert "hangup bye {}  # after bye\n" in out
    assert fmt(out) == out


def test_the_schema_reference_travels_in_the_flow_block() -> None:
    out = print_dsl({"$schema": "../flow.schema.json", "flow": "f", "nodes": {}})
    assert '"$schema" = "../flow.schema.json"' in out
    assert parse_dsl(out).data["$schema"] == "../flow.schema.json"
