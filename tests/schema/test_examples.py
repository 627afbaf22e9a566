"""Every example the flow schema gives is run: its `examples` keywords, and the examples written in
backticks in its descriptions (the designer shows those descriptions beside each field).

An example in an `examples` keyword is loaded, linted and compiled (`sce.schema.examples`). An
example in a description is a value of its field (after `key:`, one value of a map field): it
must be valid for the field's schema, be read by the expression language as what the field holds
(an expression, or a text with `{...}` parts), name a real check where the field holds check
codes, and, for a field of a step or of the flow, compile when put into the schema's example
of that step or flow. So `priority = "10 if caller_tier == 'gold' else 1"` (SCE201: Python's
conditional, not ours) can no longer be what the schema teaches.
"""

from __future__ import annotations

import copy
import json
import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest

from sce import expr
from sce.build import build
from sce.compiler.fields import BUILTINS
from sce.diagnostics import Severity
from sce.lint import RULES
from sce.loader import load_data
from sce.schema import SCHEMA, Validator
from sce.schema.document import NODE_TYPE_NAMES, resolve
from sce.schema.examples import (
    BrokenExample,
    check_flow,
    check_flow_example,
    check_node_example,
    example_flow,
    flow_example,
    node_example,
)

KINDS = {
    "#/$defs/expression": "expression",
    "#/$defs/template": "template",
    "#/$defs/languageOrExpression": "template",
    "#/$defs/lintCode": "check code",
}
_NOT_SCHEMAS = {"examples", "default", "const", "enum"}
_EXAMPLE = re.compile(r"(?:([\w.-]+): )?`([^`]+)`")


@dataclass(frozen=True)
class Described:
    """One example written in a description: where, the value, and its key in a map field."""

    pointer: str
    text: str
    key: str | None

    def __str__(self) -> str:
        return f"{self.pointer}: {self.key + ': ' if self.key else ''}{self.text}"


def schemas(node: object = SCHEMA, pointer: str = "") -> Iterator[tuple[str, dict[str, Any]]]:
    """Every subschema with its pointer; instances (examples, defaults) are not walked."""
    if isinstance(node, dict):
        yield pointer, node
        for key, value in node.items():
            if key not in _NOT_SCHEMAS:
                yield from schemas(value, f"{pointer}/{key}")
    elif isinstance(node, list):
        for i, value in enumerate(node):
            yield from schemas(value, f"{pointer}/{i}")


def described_examples() -> list[Described]:
    found = []
    for pointer, schema in schemas():
        if isinstance(schema.get("description"), str):
            for key, text in _EXAMPLE.findall(schema["description"]):
                found.append(Described(pointer, text, key or None))
    return found


def value_schema(schema: dict[str, Any]) -> tuple[dict[str, Any], str]:
    """The schema of one value a field's example gives, and 'list', 'map' or '' for the field."""
    resolved = {**_target(schema), **schema}
    if resolved.get("type") == "array":
        return resolved["items"], "list"
    if isinstance(resolved.get("additionalProperties"), dict):
        return resolved["additionalProperties"], "map"
    return schema, ""


def _target(schema: dict[str, Any]) -> dict[str, Any]:
    target = resolve(schema["$ref"]) if "$ref" in schema else {}
    return target if isinstance(target, dict) else {}


def kind_of(pointer: str, schema: dict[str, Any]) -> str | None:
    """What the expression language must make of a value: 'expression', 'template', 'check
    code', or None for a plain value."""
    return KINDS.get(schema.get("$ref", "")) or KINDS.get("#" + pointer)


def problems_of(value: object, schema: dict[str, Any], kind: str | None) -> list[str]:
    """What is wrong with one value for its field's schema and its kind."""
    validator = Validator({"$defs": SCHEMA["$defs"], **schema})
    found = [e.message for e in validator.iter_errors(value)]
    if found or not isinstance(value, str) or kind is None:
        return found
    if kind == "check code":
        return [] if value in {r.code for r in RULES.values()} else [f"no check has code {value}"]
    try:
        if kind == "expression":
            node = expr.parse_expression(value)
            types = {n: BUILTINS.get(n, "any") for n in expr.names(node)}
            return [str(p) for p in expr.check(node, types)[1]]
        template = expr.parse_template(value)
        return [str(p) for p in template.check({n: "any" for n in template.variables()})]
    except expr.ExprError as e:
        return [str(e)]


def placed(pointer: str, value: object, shape: str, key: str | None) -> tuple[object, str] | None:
    """The example of the step or flow a field belongs to, with this example as the field's
    value, and the pointer of the field in it; None for fields of other objects."""
    parts = pointer.split("/")[1:]
    if len(parts) == 4 and parts[:1] == ["$defs"] and parts[1] in NODE_TYPE_NAMES:
        node_id, node = node_example(parts[1])
        data: dict[str, Any] = example_flow(node_id, _with(node, parts[3], value, shape, key))
        return data, f"/nodes/{node_id}/{parts[3]}"
    if len(parts) == 2 and parts[0] == "properties":
        return _with(flow_example(), parts[1], value, shape, key), f"/{parts[1]}"
    return None


def _with(data: dict[str, Any], field: str, value: object, shape: str, key: str | None) -> Any:
    out = copy.deepcopy(data)
    out[field] = [value] if shape == "list" else {key: value} if shape == "map" else value
    return out


def _typed(text: str, schema: dict[str, Any]) -> object:
    """The value an example's text stands for: a number for a number field, else the text."""
    kind = {**_target(schema), **schema}.get("type")
    return json.loads(text) if kind in ("number", "integer") else text


def _field(pointer: str) -> dict[str, Any]:
    node: Any = SCHEMA
    for part in pointer.split("/")[1:]:
        node = node[int(part)] if isinstance(node, list) else node[part]
    return node


# -- the examples in descriptions ---------------------------------------------------------------


@pytest.mark.parametrize("example", described_examples(), ids=str)
def test_each_example_in_a_description_is_a_working_value_of_its_field(example: Described) -> None:
    field = _field(example.pointer)
    schema, shape = value_schema(field)
    if shape == "map":
        assert example.key, f"{example}: write an example of a map's value as key: `value`"
        names = {"$defs": SCHEMA["$defs"], **field.get("propertyNames", {})}
        assert not list(Validator(names).iter_errors(example.key)), f"{example}: bad key"
    value = _typed(example.text, schema)
    problems = problems_of(value, schema, kind_of(example.pointer, schema))
    assert problems == [], f"the schema's example {example} is refused: {problems}"
    found = placed(example.pointer, value, shape, example.key)
    if found is not None:
        data, where = found
        result = build(load_data(data))
        refused = [
            f"{d.code} {d.message}"
            for d in result.diagnostics
            if d.severity is Severity.ERROR and (d.pointer + "/").startswith(where + "/")
        ]
        assert refused == [], f"the schema's example {example} does not compile: {refused}"


def test_the_examples_in_descriptions_are_found() -> None:
    """The test above sees every field's examples (a regression here means the pattern broke)."""
    seen = {str(e) for e in described_examples()}
    assert "/$defs/transfer/properties/priority: if(caller_tier == 'gold', 10, 1)" in seen
    assert "/$defs/set/properties/assign: attempts: attempts + 1" in seen
    assert "/$defs/collect/properties/pattern: [0-9]{8}" in seen
    assert len(seen) > 40


def test_pythons_conditional_in_a_priority_is_refused_like_any_wrong_example() -> None:
    """What the priority's description said before: the checks above would refuse it."""
    pointer = "/$defs/transfer/properties/priority"
    wrong = "10 if caller_tier == 'gold' else 1"
    schema, _ = value_schema(_field(pointer))
    assert problems_of(wrong, schema, kind_of(pointer, schema)) == [
        "missing an operator before 'if'"
    ]
    found = placed(pointer, wrong, "", None)
    assert found is not None
    with pytest.raises(BrokenExample, match="SCE201"):
        check_flow(found[0], "the old priority example", allow_warnings=True)


def test_a_priority_that_gives_text_is_refused_where_it_is_put() -> None:
    found = placed("/$defs/transfer/properties/priority", "'high'", "", None)
    assert found is not None
    with pytest.raises(BrokenExample, match="a priority must be a number"):
        check_flow(found[0], "a text priority", allow_warnings=True)


def test_braces_in_descriptions_are_in_backticks_so_they_are_checked() -> None:
    """A `{value}` written outside backticks would be shown to analysts and never run."""
    loose = [
        f"{pointer}: {schema['description']}"
        for pointer, schema in schemas()
        if isinstance(schema.get("description"), str)
        and re.search(r"[{}]", re.sub(r"`[^`]*`", "", schema["description"]))
    ]
    assert loose == []


def test_every_expression_or_text_field_shows_how_one_is_written() -> None:
    missing = [
        pointer
        for pointer, schema in schemas()
        if isinstance(schema.get("description"), str)
        and kind_of(pointer, value_schema(schema)[0]) in ("expression", "template")
        and not _EXAMPLE.search(schema["description"])
    ]
    assert missing == []


# -- the examples keywords ----------------------------------------------------------------------


def keyword_examples() -> list[tuple[str, object]]:
    return [(p, value) for p, s in schemas() for value in s.get("examples", [])]


def test_there_is_an_example_of_the_flow_and_of_every_node_type() -> None:
    where = {p for p, _ in keyword_examples()}
    assert where >= {"", *(f"/$defs/{name}" for name in NODE_TYPE_NAMES)}


@pytest.mark.parametrize(("pointer", "value"), keyword_examples(), ids=lambda v: str(v)[:40])
def test_each_examples_keyword_holds_working_values(pointer: str, value: object) -> None:
    name = pointer.removeprefix("/$defs/")
    if pointer == "":
        check_flow(value, "the example flow of the schema")
    elif name in NODE_TYPE_NAMES:
        assert isinstance(value, dict)
        check_flow(example_flow("example_step", value), pointer, allow_warnings=True)
    else:
        schema = _field(pointer)
        assert problems_of(value, schema, kind_of(pointer, schema)) == []


def test_the_example_flow_is_clean_and_in_canonical_form() -> None:
    example = check_flow_example()
    assert example["flow"] == "hotline"
    assert example == json.loads(json.dumps(SCHEMA["examples"][0]))


@pytest.mark.parametrize("type_name", NODE_TYPE_NAMES)
def test_each_node_example_compiles_alone_under_an_id_made_from_its_title(type_name: str) -> None:
    node_id, node = check_node_example(type_name)
    assert node["type"] == type_name
    assert re.fullmatch(r"[a-z][a-z0-9_]*", node_id)
    data = example_flow(node_id, node)
    assert data["start"] == node_id
    loaded = load_data(data)
    assert loaded.flow is not None
    for _, target in loaded.flow.nodes[node_id].targets():
        assert data["nodes"][target] == {"type": "hangup"}


def test_a_step_put_alone_has_its_variables_and_languages_declared() -> None:
    data = example_flow("read", {"type": "play", "prompt": {"text": {"zh-CN": "余额{balance}"}}})
    assert data["languages"] == ["zh-CN"]
    assert data["variables"] == {"balance": {"type": "any"}}


def test_an_example_of_the_wrong_shape_is_refused_with_where() -> None:
    with pytest.raises(BrokenExample, match=r"SCE002 /nodes/x/loop"):
        example_flow("x", {"type": "play", "prompt": {}, "loop": 0})
