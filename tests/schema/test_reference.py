"""docs/reference.md: generated from the flow schema, committed, and never stale.

The page must be exactly what `python -m sce.schema.reference` renders from the schema today; it
must document every field of every node type the schema has, with its exits; and each example
on it must say the same thing in its JSON and its DSL form.
"""

from __future__ import annotations

import difflib
import json
import re
import subprocess
import sys
from pathlib import Path
from typing import cast

import pytest

from sce.dsl import parse_dsl
from sce.loader import load_text
from sce.model import NODE_TYPES
from sce.schema import SCHEMA
from sce.schema.document import NODE_TYPE_NAMES
from sce.schema.reference import main, render_reference
from sce.schema.reference_tables import common_fields, exits_of, md, slug, type_of

ROOT = Path(__file__).resolve().parents[2]
PAGE = ROOT / "docs" / "reference.md"
REGENERATE = "make docs  (or: python -m sce.schema.reference docs/reference.md)"


@pytest.fixture(scope="module")
def rendered() -> str:
    return render_reference()


def section(page: str, heading: str) -> str:
    """The text under a heading, up to the next heading of the same or a higher level."""
    level = heading.split(" ")[0]
    start = page.index(f"\n{heading}\n")
    ends = [m.start() for m in re.finditer(rf"\n#{{1,{len(level)}}} ", page) if m.start() > start]
    return page[start : ends[0] if ends else len(page)]


def blocks(text: str, lang: str) -> list[str]:
    return re.findall(rf"^```{lang}\n(.*?)^```$", text, re.S | re.M)


def test_the_committed_page_is_what_the_schema_renders(rendered: str) -> None:
    committed = PAGE.read_text(encoding="utf-8") if PAGE.exists() else ""
    if committed != rendered:
        diff = difflib.unified_diff(
            committed.splitlines(), rendered.splitlines(), "committed", "rendered", lineterm=""
        )
        shown = "\n".join(list(diff)[:40])
        pytest.fail(f"docs/reference.md is stale; regenerate it with: {REGENERATE}\n{shown}")


@pytest.mark.parametrize("type_name", NODE_TYPE_NAMES)
def test_every_field_and_exit_of_a_node_type_is_on_its_section(
    rendered: str, type_name: str
) -> None:
    text = section(rendered, f"### `{type_name}`")
    schema = SCHEMA["$defs"][type_name]
    assert md(schema["description"]) in text
    shown = set(re.findall(r"^\| `(\w+)` \|", text, re.M))
    exits = {field for field, sub, _ in exits_of(type_name) if not sub}
    common = set(common_fields(type_name))
    assert shown | common | {"type"} == set(schema["properties"])
    assert exits <= shown
    assert f"Also {', '.join(f'`{c}`' for c in common_fields(type_name))}" in text
    for name in set(schema["properties"]) - common - exits - {"type"}:
        row = next(line for line in text.splitlines() if line.startswith(f"| `{name}` |"))
        prop = schema["properties"][name]
        assert type_of(prop) in row
        assert ("| yes |" in row) == (name in schema.get("required", ()))
        if "default" in prop:
            assert f"`{json.dumps(prop['default'], ensure_ascii=False)}`" in row


@pytest.mark.parametrize("type_name", NODE_TYPE_NAMES)
def test_the_exits_the_page_names_are_those_the_printer_writes_with_arrows(type_name: str) -> None:
    """Exits are found in the schema (fields holding a node id); the DSL printer writes `->`
    for the model's exits: both must agree, or the page's DSL would show `=`."""
    direct = [field for field, sub, _ in exits_of(type_name) if not sub]
    assert direct == list(NODE_TYPES[type_name].exits)
    nested = [(field, sub) for field, sub, _ in exits_of(type_name) if sub]
    assert nested == {"menu": [("choices", "next")], "branch": [("cases", "next")]}.get(
        type_name, []
    )


@pytest.mark.parametrize("type_name", NODE_TYPE_NAMES)
def test_each_example_says_the_same_in_json_and_in_the_dsl(rendered: str, type_name: str) -> None:
    text = section(rendered, f"### `{type_name}`")
    [json_entry], [dsl] = blocks(text, "json"), blocks(text, "flow")
    from_json = json.loads("{" + json_entry + "}")
    parsed = parse_dsl(dsl)
    assert parsed.diagnostics == []
    assert parsed.data is not None
    assert parsed.data["nodes"] == from_json
    [(node_id, node)] = from_json.items()
    assert node["type"] == type_name
    assert dsl.startswith(f"{type_name} {node_id} {{")


def test_the_whole_example_flow_is_one_flow_in_both_forms(rendered: str) -> None:
    text = section(rendered, "## Reading the two forms")
    [whole_json], [whole_dsl] = blocks(text, "json"), blocks(text, "flow")
    from_json, from_dsl = load_text(whole_json, fmt="json"), load_text(whole_dsl, fmt="flow")
    assert from_json.diagnostics == [] and from_dsl.diagnostics == []
    assert from_json.flow == from_dsl.flow


def test_the_table_of_forms_reads_back_in_the_dsl(rendered: str) -> None:
    rows = re.findall(r"^\| `(\"\w+\": .*)` \| `(.*)` \| .* \|$", rendered, re.M)
    assert len(rows) >= 8
    for json_part, dsl_part in rows:
        data = parse_dsl(f"play n {{ {dsl_part} }}").data
        assert data is not None, dsl_part
        node = cast("dict[str, dict[str, object]]", data["nodes"])["n"]
        assert {k: v for k, v in node.items() if k != "type"} == json.loads(f"{{{json_part}}}")


def test_every_link_on_the_page_goes_to_a_heading_of_it(rendered: str) -> None:
    anchors = {slug(line.lstrip("#").strip()) for line in rendered.splitlines() if line[:1] == "#"}
    links = set(re.findall(r"\]\(#([^)]+)\)", rendered))
    assert links - anchors == set()
    assert {"play", "hangup", "prompt", "node-id", "expressions-and-texts"} <= anchors


def test_the_page_says_what_the_caller_hears_from_the_renderer(rendered: str) -> None:
    assert '| `Your account {spell(account)}.` | account = "1234" | Your account 1 2 3 4. |' in (
        rendered
    )
    assert "| `if(tier == 'vip', 10, 1)` |" in rendered
    assert "10 if" not in rendered


def test_the_module_writes_the_page_given_on_its_command_line(tmp_path: Path) -> None:
    out = tmp_path / "reference.md"
    done = subprocess.run(
        [sys.executable, "-m", "sce.schema.reference", str(out)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert out.read_text(encoding="utf-8") == render_reference()
    assert list(tmp_path.iterdir()) == [out]  # written atomically: no temporary file left


def test_a_wrong_command_line_is_a_usage_error(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--help"]) == 2
    assert "usage: python -m sce.schema.reference" in capsys.readouterr().err
