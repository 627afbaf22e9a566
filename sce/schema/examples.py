"""The flow schema's examples, each one loaded, linted and compiled as a real flow.

The schema's `examples` keywords hold a whole flow (the document's own example) and one step of
each node type. The reference (`docs/reference.md`, see `sce.schema.reference`) shows them in
JSON and in the DSL, and a newcomer copies them, so an example that does not load or compile
would teach a mistake. Here each one is run through the same loader, linter and compiler as a
deploy: the reference is not generated while one is broken, and `tests/schema/test_examples.py`
runs them (and the examples written in the schema's descriptions) with the rest of the suite.

A step cannot be compiled alone, so `example_flow` puts it in a flow of its own: it is the start,
each of its exits leads to a hangup, and the variables and languages it uses are declared.
"""

from __future__ import annotations

import copy
import re
from typing import Any

from sce import expr
from sce.build import build
from sce.compiler.fields import BUILTINS, prompt_fields, texts, writes
from sce.diagnostics import Diagnostic, Severity
from sce.loader import LoadedFlow, load_data
from sce.model import Language, Node, Sms, flow_to_data
from sce.schema.document import NODE_TYPE_NAMES, SCHEMA

#: The id of the flow an example step is put in.
EXAMPLE_FLOW_ID = "example"


class BrokenExample(Exception):
    """An example of the schema that does not load, lint or compile, with what is wrong."""


def flow_example() -> dict[str, Any]:
    """The example of a whole flow document (the schema's top-level `examples`)."""
    found = SCHEMA.get("examples") or []
    if not found:
        raise BrokenExample("the schema has no example of a flow (a top-level 'examples')")
    return copy.deepcopy(found[0])


def node_example(type_name: str) -> tuple[str, dict[str, Any]]:
    """The example step of a node type and the id it is shown under: its title in snake_case.

    An example in the schema is a node object, which has no id (the id is its key in `nodes`);
    the title gives it a readable one, the way an analyst names the box on the canvas.
    """
    found = SCHEMA["$defs"][type_name].get("examples") or []
    if not found:
        raise BrokenExample(f"the schema has no example of a {type_name} step ('examples')")
    node = copy.deepcopy(found[0])
    title = node.get("title")
    if not isinstance(title, str) or not _id_of(title):
        raise BrokenExample(
            f"the example of a {type_name} step needs a title: its id is made from the title"
        )
    return _id_of(title), node


def _id_of(title: str) -> str:
    return re.sub(r"[^a-z0-9]+", "_", title.lower()).strip("_")


def example_flow(node_id: str, node: dict[str, Any]) -> dict[str, Any]:
    """A flow in which the step `node` can be loaded and compiled alone (see the module's doc).

    BrokenExample when the step does not even have the shape of its type.
    """
    data: dict[str, Any] = {
        "flow": EXAMPLE_FLOW_ID,
        "start": node_id,
        "nodes": {node_id: copy.deepcopy(node)},
    }
    loaded = load_data(data)
    if loaded.flow is None:
        raise BrokenExample(_problems(f"the {node.get('type')} step '{node_id}'", loaded))
    model = loaded.flow.nodes[node_id]
    languages = _languages(model)
    if languages:
        data["languages"] = languages
    used = sorted(_variables(model) - set(BUILTINS))
    if used:
        data["variables"] = {name: {"type": "any"} for name in used}
    for _, target in model.targets():
        if target not in data["nodes"]:
            data["nodes"][target] = {"type": "hangup"}
    return data


def _languages(node: Node) -> list[str]:
    """The languages a step speaks, in the order they first appear."""
    found: list[str] = []
    for _, prompt in prompt_fields(node):
        found.extend(prompt.text)
    if isinstance(node, Sms):
        found.extend(node.message)
    if isinstance(node, Language) and "{" not in node.language:
        found.append(node.language)
    return list(dict.fromkeys(found))


def _variables(node: Node) -> set[str]:
    """The variables a step reads or assigns (texts that do not parse are left to the check)."""
    found = {name for name, _ in writes(node)}
    for text in texts(node):
        try:
            if text.kind == "expression":
                found |= expr.names(expr.parse_expression(text.source))
            else:
                found |= expr.parse_template(text.source).variables()
        except expr.ExprError:
            continue
    return found


def check_flow(data: object, what: str, *, allow_warnings: bool = False) -> LoadedFlow:
    """Load, lint and compile flow data as a deploy would; BrokenExample naming `what` and each
    problem. A whole flow must be clean; a step put in a flow of its own (`allow_warnings`) may
    have warnings that only its missing neighbours would answer (an unknown subflow)."""
    loaded = load_data(data)
    if loaded.flow is None:
        raise BrokenExample(_problems(what, loaded))
    result = build(loaded)
    bad = [d for d in result.diagnostics if d.severity is Severity.ERROR or not allow_warnings]
    if bad or result.compiled is None:
        raise BrokenExample(_problems(what, loaded, bad))
    return loaded


def check_flow_example() -> dict[str, Any]:
    """The example flow once it loads, lints and compiles cleanly and is written the way
    `sce fmt` writes it (so the page shows exactly the schema's example)."""
    what = "the example flow of the schema"
    example = flow_example()
    loaded = check_flow(example, what)
    assert loaded.flow is not None  # check_flow refuses anything else
    _canonical(what, example, flow_to_data(loaded.flow))
    return example


def _canonical(what: str, example: object, canonical: object) -> None:
    if canonical != example:
        raise BrokenExample(
            f"{what} is not written the way `sce fmt` writes it (a default given, or a value "
            f"of the wrong form); write it as: {canonical}"
        )


def check_node_example(type_name: str) -> tuple[str, dict[str, Any]]:
    """The example step of a type (id, node) once it loads and compiles in a flow of its own
    and is written the way `sce fmt` writes it, so the page shows exactly the schema's example."""
    node_id, node = node_example(type_name)
    what = f"the example of a {type_name} step in the schema"
    if node.get("type") != type_name:
        raise BrokenExample(f"{what} has type {node.get('type')!r}")
    loaded = check_flow(example_flow(node_id, node), what, allow_warnings=True)
    assert loaded.flow is not None  # check_flow refuses anything else
    nodes = flow_to_data(loaded.flow)["nodes"]
    assert isinstance(nodes, dict)
    _canonical(what, node, nodes[node_id])
    return node_id, node


def check_all() -> None:
    """Every example of the schema, checked; BrokenExample at the first broken one."""
    check_flow_example()
    for name in NODE_TYPE_NAMES:
        check_node_example(name)


def _problems(what: str, loaded: LoadedFlow, found: list[Diagnostic] | None = None) -> str:
    shown = loaded.diagnostics if found is None else found
    lines = [f"{d.code} {d.pointer or '/'}: {d.message}" for d in shown]
    return f"{what} does not load and compile cleanly:\n  " + "\n  ".join(lines)
