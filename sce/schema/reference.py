"""The flow reference, `docs/reference.md`, generated from the flow schema so it cannot go stale.

Every field of the flow document and of each node type comes from `flow.schema.json`: its type,
its meaning (the description), its default, whether it is required, which fields are exits; the
node types themselves are the schema's list. Each node type's example is the schema's own
(`examples`), shown in JSON and, printed by the real DSL printer, in the DSL, and each is loaded,
linted and compiled first (`sce.schema.examples`), so the page never teaches a flow that does not
work. How a field's type is said, and which fields are exits, is `sce.schema.reference_tables`;
the expression section (`sce.schema.reference_expressions`) is built from the function table and
the built-in variables the checker uses, its examples parsed and rendered by the real language.

    python -m sce.schema.reference docs/reference.md     # or: make docs

`tests/schema/test_reference.py` fails when the committed page differs from what this renders.
"""

from __future__ import annotations

import json
import re
import sys
from collections.abc import Iterator
from typing import Any

from sce.dsl import parse_dsl, print_dsl
from sce.files import write_atomic
from sce.schema.document import NODE_TYPE_NAMES, SCHEMA
from sce.schema.examples import check_flow_example, check_node_example
from sce.schema.reference_expressions import expressions_section
from sce.schema.reference_tables import (
    DEFS,
    cell,
    common_fields,
    def_name,
    exits_of,
    field_table,
    is_shape,
    is_value,
    md,
    short_title,
    slug,
)


def _fence(lang: str, text: str) -> list[str]:
    return [f"```{lang}", text.rstrip("\n"), "```"]


def _dsl_after_header(data: dict[str, Any]) -> str:
    """The DSL of a document's variables and nodes, without its `flow ...` line."""
    text = print_dsl(data)
    return text.split("\n\n", 1)[1]


def _json_entry(key: str, value: object) -> str:
    """`"key": value` as it stands inside its object in a JSON flow."""
    text = json.dumps({key: value}, indent=2, ensure_ascii=False)
    lines = text.splitlines()[1:-1]
    return "\n".join(line[2:] for line in lines)


# -- sections -----------------------------------------------------------------------------------

#: (node type, field, value, what it shows) for the table of how JSON reads in the DSL.
_FORMS: tuple[tuple[str, str, object, str], ...] = (
    ("menu", "timeout", 5, "a number"),
    ("hangup", "reason", "self-service", "text, in double quotes"),
    (
        "transfer",
        "queue",
        "general",
        "one word (letters, digits, `_` `.` `-`) may go without quotes; `sce fmt` leaves names "
        "bare (ids, languages, queues) and quotes what people read",
    ),
    ("record", "transcribe", True, "`true`, `false` and `null` as in JSON"),
    ("play", "next", "goodbye", "an exit, the id of the step that comes next, with `->`"),
    ("transfer", "skills", ["cards", "loans"], "a list"),
    ("play", "prompt", {"audio": "welcome", "text": {"en-US": "Welcome."}}, "an object"),
    ("menu", "choices", [{"key": "1", "next": "agent"}], "a list of objects"),
    ("transfer", "priority", "if(tier == 'vip', 10, 1)", "an expression is text too"),
)


def _form_row(type_name: str, field: str, value: object, note: str) -> str:
    """One row of the forms table, its DSL printed (and read back) by the real printer/parser."""
    node = {"type": type_name, field: value}
    block = _dsl_after_header({"flow": "x", "nodes": {"n": node}}).strip().splitlines()
    dsl = " ".join(line.strip() for line in block[1:-1])
    back = parse_dsl(f"{type_name} n {{ {dsl} }}").data or {}
    if back.get("nodes") != {"n": node}:
        raise AssertionError(f"the DSL form {dsl!r} does not read back as {node}")
    shown = json.dumps({field: value}, ensure_ascii=False)[1:-1]
    return "| " + " | ".join(cell(c) for c in (f"`{shown}`", f"`{dsl}`", note)) + " |"


def _two_forms() -> Iterator[str]:
    yield "## Reading the two forms"
    yield ""
    yield (
        "A flow is one file, `NAME.json` (the JSON document) or `NAME.flow` (the DSL, what "
        "people review in git). Both hold the same document: `sce convert FILE --to json` (or "
        "`--to flow`) turns one into the other without losing anything, and `sce fmt` writes "
        "either in its canonical layout. The field names on this page are the JSON keys, and the "
        "DSL uses the same names:"
    )
    yield ""
    yield "- the flow's own fields are a block `flow ID { ... }`;"
    yield "- each variable is a line `var NAME: TYPE = DEFAULT` (with a block for more fields);"
    yield "- each step is a block `TYPE ID { ... }`, such as `menu main { ... }`;"
    yield (
        "- inside a block, each field is `name = value`, an exit is `name -> step`, an object "
        "is `name { ... }`; commas between entries are optional;"
    )
    yield (
        "- text is in double quotes, with JSON's escapes (`\\\"`, `\\n`); a key of the keypad "
        'is text too, `key = "1"` (a bare `1` is a number);'
    )
    yield (
        "- `#` starts a comment, kept by `sce fmt`; `# noqa: SCE502` silences that check on its "
        "line (on a step's first line, for the whole step)."
    )
    yield ""
    yield "| JSON | DSL | |"
    yield "|---|---|---|"
    yield from (_form_row(*form) for form in _FORMS)
    yield ""
    example = check_flow_example()
    yield "A whole flow, as JSON:"
    yield ""
    yield from _fence("json", json.dumps(example, indent=2, ensure_ascii=False))
    yield ""
    yield "and the same flow in the DSL:"
    yield ""
    yield from _fence("flow", print_dsl(example))


def _flow_document() -> Iterator[str]:
    yield "## The flow document"
    yield ""
    yield (
        f"{md(SCHEMA['description'])} In JSON these are the top-level keys; in the DSL, `flow`, "
        "`variables` and `nodes` are declarations of their own and the rest sit in the "
        "`flow ID { ... }` block, where `start` and `on_error` are exits (`start -> main`)."
    )
    yield ""
    yield from field_table(SCHEMA)


def _variables() -> Iterator[str]:
    variable = DEFS["variable"]
    example = check_flow_example()["variables"]
    yield "## Variables"
    yield ""
    yield (
        f"{md(variable['description'])} Each is declared under `variables` by its name; the DSL "
        "writes one as `var NAME: TYPE = DEFAULT`, other fields in a block after it."
    )
    yield ""
    yield from field_table(variable)
    yield ""
    yield "For example:"
    yield ""
    yield from _fence("json", _json_entry("variables", example))
    yield ""
    yield from _fence("flow", _dsl_after_header({"flow": "x", "variables": example, "nodes": {}}))


def _steps() -> Iterator[str]:
    yield "## Steps"
    yield ""
    yield (
        f"{md(DEFS['node']['description'])} In JSON each step is an object under `nodes`, keyed by "
        'its id, with `"type"`; in the DSL it is a block `TYPE ID { ... }`. The types are: '
        + ", ".join(f"[`{name}`](#{slug(name)})" for name in NODE_TYPE_NAMES)
        + "."
    )
    yield ""
    yield "### Fields every step has"
    yield ""
    yield md(DEFS["nodeCommon"]["description"])
    yield ""
    yield from field_table(DEFS["nodeCommon"])
    for name in NODE_TYPE_NAMES:
        yield ""
        yield from _node_type(name)


def _node_type(name: str) -> Iterator[str]:
    schema = DEFS[name]
    node_id, node = check_node_example(name)
    common = common_fields(name)
    exits = exits_of(name)
    exit_fields = {field for field, sub, _ in exits if not sub}
    yield f"### `{name}`"
    yield ""
    yield f"**{md(schema['title'])}.** {md(schema['description'])}"
    yield ""
    yield from field_table(schema, frozenset({"type", *common, *exit_fields}))
    yield ""
    if exits:
        yield "Exits, the steps the call goes to next (`name -> step` in the DSL):"
        yield ""
        yield "| Exit | When |"
        yield "|---|---|"
        for field, sub, meaning in exits:
            shown = (
                f"`{sub}` of each {_item_title(name, field)} in `{field}`" if sub else f"`{field}`"
            )
            yield f"| {shown} | {cell(md(meaning))} |"
    else:
        yield "No exits: the call ends here."
    yield ""
    commons = ", ".join(f"`{c}`" for c in common)
    yield f"Also {commons}: the [fields every step has](#fields-every-step-has)."
    yield ""
    yield "Example, in `nodes` of a JSON flow:"
    yield ""
    yield from _fence("json", _json_entry(node_id, node))
    yield ""
    yield "The same in the DSL:"
    yield ""
    yield from _fence("flow", _dsl_after_header({"flow": "x", "nodes": {node_id: node}}))


def _item_title(type_name: str, field: str) -> str:
    ref = DEFS[type_name]["properties"][field]["items"]["$ref"]
    return short_title(DEFS[def_name(ref)])


def _parts() -> Iterator[str]:
    yield "## Parts of steps"
    yield ""
    yield "Objects that steps are made of, in JSON and (as blocks or `{ ... }` in lists) in the DSL."
    for name in (n for n in DEFS if is_shape(n)):
        yield ""
        yield f"### {DEFS[name]['title']}"
        yield ""
        yield md(DEFS[name]["description"])
        yield ""
        yield from field_table(DEFS[name])


def _values() -> Iterator[str]:
    yield "## Values"
    yield ""
    yield "Kinds of values with rules of their own, as the field tables name them."
    for name in (n for n in DEFS if is_value(n)):
        title = short_title(DEFS[name])
        yield ""
        yield f"### {title[0].upper()}{title[1:]}"
        yield ""
        yield md(_rule(DEFS[name]["title"]) + DEFS[name]["description"])


def _rule(title: str) -> str:
    """The rule a definition's title gives in brackets ('at most 64 letters...'), as a
    sentence; examples there ('like en-US') are left to the description."""
    found = re.search(r"\(([^)]*)\)", title)
    if found is None or found.group(1).startswith("like "):
        return ""
    rule = found.group(1)
    return f"{rule[0].upper()}{rule[1:]}. "


def render_reference() -> str:
    """The whole page, as Markdown; AssertionError or BrokenExample if an example is wrong."""
    sections = (
        _two_forms,
        _flow_document,
        _variables,
        _steps,
        _parts,
        _values,
        expressions_section,
    )
    lines = [
        "<!-- Generated from sce/schema/flow.schema.json by `make docs` "
        "(python -m sce.schema.reference docs/reference.md): edit the schema, not this page. -->",
        "",
        "# Flow reference",
        "",
        "Every field of a flow, in its two forms: the JSON document and the DSL. This page is "
        "generated from the flow's JSON Schema (`sce/schema/flow.schema.json`), the single truth "
        "for the shape, and every example on it is loaded, linted and compiled when it is. New "
        "to flows? Start with the [tutorial](tutorial.md).",
        "",
    ]
    body: list[str] = []
    for section in sections:
        body.append("")
        body.extend(section())
    anchors = [slug(line.lstrip("#").strip()) for line in body if line.startswith("#")]
    twice = {a for a in anchors if anchors.count(a) > 1}
    if twice:
        raise AssertionError(f"two headings would have the same anchor: {sorted(twice)}")
    for line in body:
        if line.startswith("## "):
            heading = line[3:]
            lines.append(f"- [{heading}](#{slug(heading)})")
    steps = " · ".join(f"[`{name}`](#{slug(name)})" for name in NODE_TYPE_NAMES)
    lines.insert(lines.index("- [Steps](#steps)") + 1, f"  - {steps}")
    lines.extend(body)
    return "\n".join(lines).rstrip("\n") + "\n"


def main(argv: list[str] | None = None) -> int:
    """`python -m sce.schema.reference [OUT]`: write the page to OUT (stdout without one)."""
    args = sys.argv[1:] if argv is None else argv
    if len(args) > 1 or (args and args[0].startswith("-")):
        print("usage: python -m sce.schema.reference [docs/reference.md]", file=sys.stderr)
        return 2
    text = render_reference()
    if args:
        write_atomic(args[0], text)
    else:
        sys.stdout.write(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
