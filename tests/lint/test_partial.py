"""A schema error in one node no longer hides the flow's other findings, and what the broken node
would have done does not turn into findings of its own (sce.lint.partial)."""

from __future__ import annotations

import copy
import json
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from sce.build import build
from sce.canonical import to_json
from sce.lint import lint_loaded
from sce.lint.runner import lint_paths
from sce.loader import load_data, load_path, load_text
from sce.model import Flow
from tests.strategies import flows

ROOT = Path(__file__).resolve().parents[2]

# The menu's `timeout` is misspelt (SCE002, line 6); key 0 goes to a node that does not exist
# (SCE102, line 5); the play reads a variable nobody declared (SCE203, line 9).
DSL = """\
flow hotline { languages = [en-US], start -> main }
menu main {
  prompt { text { en-US = "For opening hours press 1, for an agent press 0." } }
  choices = [ { key = "1", next -> hours },
              { key = "0", next -> agnet } ]
  timout = 5
  exhausted -> bye
}
play hours { prompt { text { en-US = "We open at {opening}." } }, next -> bye }
hangup bye {}
"""

JSON = """\
{
  "flow": "hotline",
  "languages": ["en-US"],
  "start": "main",
  "nodes": {
    "main": {
      "type": "menu",
      "prompt": {"text": {"en-US": "For opening hours press 1, for an agent press 0."}},
      "choices": [{"key": "1", "next": "hours"}, {"key": "0", "next": "agnet"}],
      "timout": 5,
      "exhausted": "bye"
    },
    "hours": {
      "type": "play",
      "prompt": {"text": {"en-US": "We open at {opening}."}},
      "next": "bye"
    },
    "bye": {"type": "hangup"}
  }
}
"""


def found(text: str, fmt: str) -> list[tuple[int | None, str, str]]:
    loaded = load_text(text, f"hotline.{fmt}", fmt)
    return [(d.line, d.code, d.pointer) for d in lint_loaded(loaded)]


def test_a_misspelt_field_in_one_node_and_an_unknown_target_elsewhere_are_both_reported() -> None:
    assert found(DSL, "flow") == [
        (5, "SCE102", "/nodes/main/choices/1/next"),
        (6, "SCE002", "/nodes/main/timout"),
        (9, "SCE203", "/nodes/hours/prompt/text/en-US"),
    ]
    assert found(JSON, "json") == [
        (9, "SCE102", "/nodes/main/choices/1/next"),
        (10, "SCE002", "/nodes/main/timout"),
        (15, "SCE203", "/nodes/hours/prompt/text/en-US"),
    ]


def test_the_flow_itself_stays_unloaded_and_does_not_compile() -> None:
    """The partial model is for the linter only: nothing compiles, deploys or saves it (the
    registry's refusal is in tests/runtime/test_registry.py)."""
    loaded = load_text(DSL, "hotline.flow", "flow")
    assert loaded.flow is None and not loaded.ok and loaded.partial is not None
    outcome = build(loaded)
    assert outcome.compiled is None
    assert [d.code for d in outcome.errors] == ["SCE102", "SCE002", "SCE203"]


HELLO = """\
flow hello { languages = [en-US], start -> hello }
var name: string
play hello { prompt { text { en-US = "Hello {name}." } }, next -> bye }
hangup bye {}
"""


def test_consequences_of_a_broken_node_are_not_reported() -> None:
    """Alone, the misspelt `nxt` would make `bye` unreachable (SCE103) and `hello` a dead end
    (SCE104); the misspelt `promt` would leave `name` unused (SCE204). Spelt right, they are
    none of these, so only the schema errors are reported."""
    text = HELLO.replace("next -> bye", "nxt -> bye")
    assert found(text, "flow") == [(3, "SCE002", "/nodes/hello/nxt")]
    text = HELLO.replace("prompt {", "promt {")
    assert found(text, "flow") == [
        (3, "SCE002", "/nodes/hello"),
        (3, "SCE002", "/nodes/hello/promt"),
    ]


def test_an_exit_to_a_broken_node_is_no_unknown_target() -> None:
    """`hours` has a schema error, but it is there: key 1 goes to a node of the flow."""
    text = DSL.replace("play hours { prompt", "play hours { promt").replace("timout", "timeout")
    assert [(code, ptr) for _, code, ptr in found(text, "flow")] == [
        ("SCE604", "/nodes/main"),  # no key leads to an agent: `agnet` is no node
        ("SCE102", "/nodes/main/choices/1/next"),
        ("SCE002", "/nodes/hours"),  # missing required field 'prompt'
        ("SCE002", "/nodes/hours/promt"),
    ]


def test_findings_about_the_sound_fields_of_a_broken_node_are_kept() -> None:
    """The menu's `timeout` is what is broken: its prompt's unknown variable is reported, its
    lack of a timeout (the misspelt field) is not."""
    text = DSL.replace("press 0.", "press 0, {caller_name}.")
    codes = {(code, ptr) for _, code, ptr in found(text, "flow")}
    assert ("SCE203", "/nodes/main/prompt/text/en-US") in codes
    assert not any(code == "SCE301" for code, _ in codes)


def test_a_node_of_unknown_type_silences_the_rules_that_follow_paths_only() -> None:
    """What `hangoff` does on a call is unknown, so whether a caller can get stuck is too; the
    unknown target and the unreachable node have nothing to do with it."""
    text = DSL.replace("timout", "timeout").replace("hangup bye {}", "hangoff bye {}")
    text += 'play lost { prompt { text { en-US = "Lost." } }, next -> bye }\n'
    assert [code for _, code, _ in found(text, "flow")] == ["SCE102", "SCE203", "SCE002", "SCE103"]


def test_a_directive_never_silences_a_schema_error_nor_counts_unused_inside_a_broken_node() -> None:
    text = DSL.replace("timout = 5", "timout = 5  # noqa: SCE002, SCE301")
    assert [code for _, code, _ in found(text, "flow")] == ["SCE102", "SCE002", "SCE203"]


def test_broken_designer_data_of_the_flow_does_not_hide_the_other_findings() -> None:
    """The flow's `ui` (the canvas's notes) is read by no rule: a list there, or a key
    repeated inside it, is reported and the rules still run."""
    text = DSL.replace("timout", "timeout").replace("start -> main", "start -> main, ui = [1]")
    assert found(text, "flow") == [
        (1, "SCE002", "/ui"),
        (2, "SCE604", "/nodes/main"),  # no key leads to an agent: `agnet` is no node
        (5, "SCE102", "/nodes/main/choices/1/next"),
        (9, "SCE203", "/nodes/hours/prompt/text/en-US"),
    ]
    text = DSL.replace("timout", "timeout").replace(
        "start -> main", "start -> main, ui { zoom = 1, zoom = 2 }"
    )
    assert [code for _, code, _ in found(text, "flow")] == ["SCE003", "SCE604", "SCE102", "SCE203"]


def test_problems_outside_nodes_and_variables_still_stop_the_rules() -> None:
    """A flow whose languages or start are broken is another flow in every node."""
    bad_language = DSL.replace("languages = [en-US]", "languages = [english]")
    assert [ptr for _, _, ptr in found(bad_language, "flow")] == [
        "/languages/0",
        "/nodes/main/timout",
    ]
    assert load_text(bad_language, "f.flow", "flow").partial is None


def test_sce_lint_prints_every_finding_of_a_flow_with_a_schema_error(tmp_path: Path) -> None:
    from tests.cli import run, write

    path = write(tmp_path / "hotline.flow", DSL)
    result = run("lint", path)
    assert result.exit_code == 1
    assert [line.split(" ")[1] for line in result.stdout.splitlines()[:3]] == [
        "SCE102",
        "SCE002",
        "SCE203",
    ]
    assert result.stdout.startswith(f"{path}:5:")


def test_a_flow_calling_one_with_schema_errors_still_finds_it(tmp_path: Path) -> None:
    """The called flow is among the flows linted together, broken or not."""
    (tmp_path / "hotline.flow").write_text(DSL, encoding="utf-8")
    (tmp_path / "caller.flow").write_text(
        "flow caller { start -> sub }\nsubflow sub { flow = hotline, next -> bye }\n"
        "hangup bye {}\n",
        encoding="utf-8",
    )
    result = lint_paths([tmp_path])
    assert not any(d.code == "SCE107" for d in result.diagnostics)


# -- nothing set aside turns into a finding ---------------------------------------------------


def _findings(data: object) -> set[tuple[str, str]]:
    return {(d.code, d.pointer) for d in lint_loaded(load_data(data))}


def _reference_flows() -> list[dict[str, object]]:
    paths = [*sorted((ROOT / "flows").glob("*.flow")), *sorted((ROOT / "flows").glob("*.json"))]
    out = []
    for path in [*paths, ROOT / "tests" / "broken" / "everything.flow"]:
        loaded = load_path(path)
        if loaded.data is not None and loaded.flow is not None:
            out.append(loaded.data)
    return out


def test_misspelling_any_field_of_any_node_reports_nothing_the_flow_lacks() -> None:
    """For every field of every node of the reference flows and of the broken example: with
    that field misspelt, every finding but the schema error is one the flow as written has
    too (the fix is to spell it right), and the flow is still refused."""
    cases = 0
    for data in _reference_flows():
        sound = _findings(data)
        nodes = data["nodes"]
        assert isinstance(nodes, dict)
        for nid, node in nodes.items():
            for field in [f for f in node if f != "type"]:
                broken = copy.deepcopy(data)
                target = broken["nodes"][nid]  # type: ignore[index]
                target[field + "x"] = target.pop(field)
                loaded = load_data(broken)
                assert loaded.flow is None and loaded.partial is not None
                extra = _findings(broken) - sound - {("SCE002", f"/nodes/{nid}/{field}x")}
                assert not {e for e in extra if e[0] != "SCE002"}, (nid, field, extra)
                cases += 1
    assert cases > 200


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(flows(), st.data())
def test_a_broken_field_in_any_flow_adds_no_finding(flow: Flow, data: st.DataObject) -> None:
    """In a random flow, one field of one node misspelt or of the wrong type: the flow is
    refused, and nothing is reported that the flow as generated did not have, but schema
    errors (what stood there is set aside, and what depended on it with it)."""
    doc = json.loads(to_json(flow))
    nid = data.draw(st.sampled_from(sorted(doc["nodes"])))
    node = doc["nodes"][nid]
    fields = sorted(f for f in node if f != "type")
    if not fields:
        return
    field = data.draw(st.sampled_from(fields))
    sound = _findings(doc)
    if data.draw(st.booleans()):
        node[field + "x"] = node.pop(field)
    else:
        node[field] = [] if not isinstance(node[field], list) else 7
    loaded = load_data(doc)
    assert loaded.flow is None and loaded.partial is not None
    extra = {e for e in _findings(doc) - sound if e[0] != "SCE002"}
    assert not extra, extra
