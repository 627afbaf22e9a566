"""Loading flows from files, text and bytes: every problem is a located diagnostic."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from sce.loader import load_bytes, load_data, load_path, load_text

GOOD = {
    "flow": "f",
    "start": "hello",
    "nodes": {
        "hello": {"type": "play", "prompt": {"text": {"en-US": "Hi"}}, "next": "bye"},
        "bye": {"type": "hangup"},
    },
}


def test_a_sound_json_flow_loads_into_the_model() -> None:
    loaded = load_text(json.dumps(GOOD), "f.json")
    assert loaded.diagnostics == []
    assert loaded.flow is not None
    assert loaded.flow.nodes["hello"].next == "bye"


def test_a_json_syntax_error_has_line_and_column() -> None:
    text = '{\n  "flow": "f",\n  "nodes": {,}\n}'
    [d] = load_text(text, "f.json").diagnostics
    assert (d.code, d.path, d.line, d.column) == ("SCE001", "f.json", 3, 13)
    assert "field name" in d.message


def test_a_duplicate_key_is_an_error_with_its_place() -> None:
    text = '{"flow": "f", "start": "a",\n "nodes": {"a": {"type": "hangup"}},\n "start": "b"}'
    loaded = load_text(text, "f.json")
    dup = [d for d in loaded.diagnostics if d.code == "SCE003"]
    assert [(d.pointer, d.line, d.column) for d in dup] == [("/start", 3, 2)]
    assert loaded.flow is None


def test_schema_errors_point_at_the_field_in_the_file() -> None:
    text = json.dumps(GOOD, indent=2).replace('"next": "bye"', '"nxt": "bye"')
    [d] = load_text(text, "f.json").diagnostics
    assert d.code == "SCE002"
    assert d.pointer == "/nodes/hello/nxt"
    assert d.node == "hello"
    assert text.splitlines()[d.line - 1].strip().startswith('"nxt"')


def test_schema_errors_in_the_dsl_point_at_the_dsl_line() -> None:
    text = 'flow f { start -> a }\n\nplay a {\n  prompt { text { en-US = "x" } }\n  nxt -> a\n}\n'
    [d] = load_text(text, "f.flow", "flow").diagnostics
    assert (d.code, d.line, d.column, d.pointer) == ("SCE002", 5, 3, "/nodes/a/nxt")


def test_bytes_that_are_not_utf8_are_reported_where_they_start() -> None:
    raw = b'{"flow": "f",\n "title": "caf\xe9"}'
    [d] = load_bytes(raw, "f.json").diagnostics
    assert (d.code, d.line) == ("SCE001", 2)
    assert "UTF-8" in d.message


def test_a_bom_is_accepted_and_chinese_text_survives() -> None:
    data = dict(GOOD, title="示例银行")
    loaded = load_bytes(b"\xef\xbb\xbf" + json.dumps(data, ensure_ascii=False).encode(), "f.json")
    assert loaded.flow is not None and loaded.flow.title == "示例银行"


def test_a_missing_file_is_a_diagnostic_not_an_exception(tmp_path) -> None:
    [d] = load_path(tmp_path / "nope.json").diagnostics
    assert d.code == "SCE001" and "cannot read" in d.message


def test_a_document_that_is_not_an_object() -> None:
    [d] = load_text("[1, 2]", "f.json").diagnostics
    assert d.code == "SCE002"


def test_deep_nesting_and_huge_numbers_are_diagnostics() -> None:
    for text in ["[" * 100_000, "1" * 10_000, '{"a": 1e999}', '{"a": NaN}']:
        [d] = load_text(text, "f.json").diagnostics
        assert d.code == "SCE001", text[:20]


@settings(max_examples=300, deadline=None)
@given(st.binary(max_size=300))
def test_random_bytes_never_raise(raw: bytes) -> None:
    for fmt in ("json", "flow"):
        loaded = load_bytes(raw, "x", fmt)
        assert loaded.flow is not None or loaded.diagnostics


@settings(max_examples=200, deadline=None)
@given(st.integers(min_value=0, max_value=200))
def test_every_truncation_of_a_good_file_loads_or_reports(cut: int) -> None:
    text = json.dumps(GOOD, indent=1)
    loaded = load_text(text[: len(text) * cut // 200], "f.json")
    assert loaded.flow is not None or all(d.line and d.column for d in loaded.diagnostics)


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=5),
    lambda inner: (
        st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=5), inner, max_size=4)
    ),
    max_leaves=20,
)


@settings(max_examples=200, deadline=None)
@given(json_values)
def test_any_json_value_loads_or_reports_with_a_pointer(value: object) -> None:
    loaded = load_text(json.dumps(value), "f.json")
    assert loaded.flow is not None or loaded.diagnostics


#: Real Twilio Studio exports, kept in the shared workspace beside the repository (not in it:
#: their licences vary). A clone elsewhere has no such folder, and skips the test on them.
CORPUS = Path(__file__).resolve().parents[2] / "shared" / "corpus" / "twilio-studio"

#: A small export as Twilio Studio writes one (Flow definition v2): a trigger, a gather and a say.
STUDIO_EXPORT = {
    "description": "Hotline",
    "states": [
        {
            "name": "Trigger",
            "type": "trigger",
            "transitions": [
                {"event": "incomingMessage"},
                {"event": "incomingCall", "next": "gather_input"},
                {"event": "incomingRequest"},
            ],
            "properties": {"offset": {"x": 250, "y": 50}},
        },
        {
            "name": "gather_input",
            "type": "gather-input-on-call",
            "transitions": [
                {"event": "keypress", "next": "say_hours"},
                {"event": "speech"},
                {"event": "timeout"},
            ],
            "properties": {
                "say": "For opening hours, press 1.",
                "voice": "alice",
                "language": "en",
                "number_of_digits": 1,
                "timeout": 5,
                "offset": {"x": 290, "y": 250},
            },
        },
        {
            "name": "say_hours",
            "type": "say-play",
            "transitions": [{"event": "audioComplete"}],
            "properties": {"say": "We are open from nine to five.", "loop": 1},
        },
    ],
    "initial_state": "Trigger",
    "flags": {"allow_concurrent_calls": True},
}


def test_a_twilio_studio_export_gets_one_message_that_says_what_to_do() -> None:
    """One diagnostic, not one per Studio field: what the file is, what sce reads instead, and
    that there is no importer yet, so rebuilding it is the way."""
    [d] = load_text(json.dumps(STUDIO_EXPORT, indent=2), "studio.json").diagnostics
    assert (d.code, d.pointer, d.line) == ("SCE002", "", 1)
    assert d.message.startswith("this is a Twilio Studio flow definition")
    assert "sce reads its own flow format" in d.message
    assert "sce import twilio-studio FILE" in d.message


@pytest.mark.skipif(
    not CORPUS.is_dir(),
    reason=f"no Twilio Studio corpus at {CORPUS} (shared/corpus/twilio-studio lives beside the "
    "repository in the team's workspace, not in it)",
)
def test_real_twilio_studio_exports_get_one_clear_message_each() -> None:
    files = sorted(CORPUS.glob("*.json"))
    assert files, f"the Twilio Studio corpus at {CORPUS} holds no flows"
    for f in files:
        [d] = load_path(f).diagnostics
        assert d.code == "SCE002" and d.message.startswith("this is a Twilio Studio"), f.name


def test_a_lone_surrogate_escape_is_refused_with_its_place() -> None:
    [d] = load_text('{"flow": "f",\n "title": "a \\ud800 b"}', "f.json").diagnostics
    assert (d.code, d.line, d.column) == ("SCE001", 2, 14)
    assert (
        load_text(
            '{"flow": "f", "start": "b", "title": "\\ud83d\\ude00",'
            ' "nodes": {"b": {"type": "hangup"}}}',
            "f.json",
        ).flow
        is not None
    )


def test_free_form_data_nested_too_deep_is_refused() -> None:
    deep: object = 1
    for _ in range(70):
        deep = {"x": deep}
    doc = {"flow": "f", "start": "b", "nodes": {"b": {"type": "hangup", "ui": deep}}}
    [d] = load_text(json.dumps(doc), "f.json").diagnostics
    assert (d.code, d.pointer) == ("SCE002", "/nodes/b/ui")
    doc = {"flow": "f", "start": "b", "nodes": {"b": {"type": "hangup"}}, "ui": deep}
    [d] = load_text(json.dumps(doc), "f.json").diagnostics
    assert (d.code, d.pointer) == ("SCE002", "/ui")


def test_whole_floats_in_integer_fields_become_integers() -> None:
    doc = {"flow": "f", "start": "m", "nodes": {"m": {"type": "play", "prompt": {}, "loop": 2.0}}}
    assert load_text(json.dumps(doc), "f.json").flow.nodes["m"].loop == 2


def test_data_from_memory_loads_like_a_file() -> None:
    assert load_data(GOOD).flow == load_text(json.dumps(GOOD), "f.json").flow
    [d] = load_data(dict(GOOD, title="a\ud800")).diagnostics
    assert d.code == "SCE001" and "surrogate" in d.message


# -- a flow lives in one file -------------------------------------------------------------------


def test_every_tool_refuses_a_flow_kept_in_two_files_and_loads_the_one_left(
    tmp_path: Path,
) -> None:
    """With `hotline.flow` edited and a stale `hotline.json` beside it, no tool picks one in
    silence: lint, the simulator, the watcher's registry and the API all report SCE004; once
    the stale one is gone, they all run the same version of the same file."""
    from runtime.errors import DeployRefused
    from runtime.registry import Registry
    from runtime.simulator import Simulator
    from runtime.store.memory import MemoryDeployBackend
    from sce.build import build
    from sce.lint.runner import lint_paths
    from sce.revisions import FlowRepository

    flows = Path(__file__).resolve().parent.parent / "flows"
    dsl = tmp_path / "hotline.flow"
    edited = (flows / "hotline.flow").read_text(encoding="utf-8").replace("Welcome", "Hello")
    dsl.write_text(edited, encoding="utf-8")
    stale = tmp_path / "hotline.json"
    stale.write_text(json.dumps(load_path(flows / "hotline.flow").data), encoding="utf-8")

    assert {(d.path, d.code) for d in lint_paths([tmp_path]).diagnostics} == {
        (str(dsl), "SCE004"),
        (str(stale), "SCE004"),
    }
    with pytest.raises(DeployRefused) as refused:
        Simulator.from_paths([tmp_path])
    assert {d.code for d in refused.value.diagnostics} == {"SCE004"}
    registry = Registry(MemoryDeployBackend())
    assert not registry.deploy_path(dsl).ok and not registry.deploy_path(stale).ok
    repo = FlowRepository(tmp_path)
    assert "SCE004" in {d.code for d in repo.get("hotline").diagnostics}

    stale.unlink()
    assert lint_paths([tmp_path]).diagnostics == []
    version = Simulator.from_paths([tmp_path]).registry.current_versions()["hotline"]
    assert registry.deploy_path(dsl).version == version
    loaded, _ = repo.load("hotline")
    compiled = build(loaded).compiled
    assert compiled is not None and compiled.version == version
    assert repo.get("hotline").diagnostics == []
    call = Simulator.from_paths([tmp_path]).call("hotline")
    assert call.heard[0] == "Hello to the Example hotline."
