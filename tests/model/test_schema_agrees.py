"""The JSON Schema and the model's dataclasses describe the same documents.

For every dataclass of the model: the schema's properties are its JSON keys, `required` is the
fields without defaults (plus `type` for nodes), and every schema default is the dataclass default.
Random valid model objects pass the schema and survive a trip through JSON data.
"""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Iterator
from typing import Any

import pytest
from hypothesis import given, settings

from sce.model import NODE_TYPES, Flow, flow_from_data, flow_to_data
from sce.model.flow import Variable
from sce.model.nodes import Case, Choice, Holiday, Prompt, TimeRange
from sce.schema import SCHEMA, validate
from tests.strategies import flows

DEFS = SCHEMA["$defs"]

#: Each model class and the schema object describing it.
CLASSES: dict[type, dict[str, Any]] = {
    **{cls: DEFS[name] for name, cls in NODE_TYPES.items()},
    Prompt: DEFS["prompt"],
    Choice: DEFS["choice"],
    Case: DEFS["case"],
    TimeRange: DEFS["timeRange"],
    Holiday: DEFS["holiday"],
    Variable: DEFS["variable"],
    Flow: SCHEMA,
}
#: Keys the schema has beyond the dataclass fields.
EXTRA_KEYS = {**{cls: {"type"} for cls in NODE_TYPES.values()}, Flow: {"$schema"}}


def resolve(schema: dict[str, Any]) -> dict[str, Any]:
    """A property schema with its `$ref` (if any) merged in under its own keywords."""
    ref = schema.get("$ref")
    if ref is None:
        return schema
    target: Any = SCHEMA
    for part in ref.removeprefix("#/").split("/"):
        target = target[part]
    return {**resolve(target), **{k: v for k, v in schema.items() if k != "$ref"}}


def json_key(f: dataclasses.Field[Any]) -> str:
    return f.metadata.get("json", f.name)


def has_default(f: dataclasses.Field[Any]) -> bool:
    return f.default is not dataclasses.MISSING or f.default_factory is not dataclasses.MISSING


def default_of(f: dataclasses.Field[Any]) -> object:
    if f.default_factory is not dataclasses.MISSING:
        return f.default_factory()
    return f.default


def same_json(a: object, b: object) -> bool:
    """Equal as JSON values: true is not 1."""
    return json.dumps(a, sort_keys=True) == json.dumps(b, sort_keys=True)


ids = [cls.__name__ for cls in CLASSES]


@pytest.mark.parametrize(("cls", "schema"), CLASSES.items(), ids=ids)
def test_properties_are_the_fields(cls: type, schema: dict[str, Any]) -> None:
    keys = {json_key(f) for f in dataclasses.fields(cls)} | EXTRA_KEYS.get(cls, set())
    assert set(schema["properties"]) == keys
    assert schema["additionalProperties"] is False


@pytest.mark.parametrize(("cls", "schema"), CLASSES.items(), ids=ids)
def test_required_are_the_fields_without_defaults(cls: type, schema: dict[str, Any]) -> None:
    required = {json_key(f) for f in dataclasses.fields(cls) if not has_default(f)}
    if cls in NODE_TYPES.values():
        required.add("type")
    assert set(schema.get("required", [])) == required
    assert len(schema.get("required", [])) == len(required)


@pytest.mark.parametrize(("cls", "schema"), CLASSES.items(), ids=ids)
def test_defaults_are_the_dataclass_defaults(cls: type, schema: dict[str, Any]) -> None:
    for f in dataclasses.fields(cls):
        if not has_default(f):
            continue
        prop = resolve(schema["properties"][json_key(f)])
        expected = default_of(f)
        if expected is None:  # absent means "none": the schema gives no default
            assert "default" not in prop, f.name
        else:
            assert same_json(prop.get("default"), expected), f.name


@pytest.mark.parametrize("name", sorted(NODE_TYPES))
def test_node_types_have_their_type_and_exits(name: str) -> None:
    schema = DEFS[name]
    assert schema["properties"]["type"]["const"] == name
    for exit_name in NODE_TYPES[name].exits:
        assert schema["properties"][exit_name]["$ref"] == "#/$defs/nodeId"


def test_node_dispatch_covers_every_type() -> None:
    node = DEFS["node"]
    assert node["required"] == ["type"]
    assert node["properties"]["type"]["enum"] == list(NODE_TYPES)
    dispatch = {
        rule["if"]["properties"]["type"]["const"]: rule["then"]["$ref"] for rule in node["allOf"]
    }
    assert dispatch == {name: f"#/$defs/{name}" for name in NODE_TYPES}
    assert SCHEMA["properties"]["nodes"]["additionalProperties"] == {"$ref": "#/$defs/node"}


def test_shared_definitions() -> None:
    for name in ("prompt", "choice", "case", "timeRange", "holiday", "variable", "nodeId",
                 "variableName", "languageCode", "dtmfKey", "seconds", "template", "expression",
                 "nodeCommon"):  # fmt: skip
        assert name in DEFS, name
    assert DEFS["nodeId"]["pattern"] == "^[A-Za-z_][A-Za-z0-9_-]{0,63}$"
    assert DEFS["variableName"]["pattern"] == "^[A-Za-z_][A-Za-z0-9_]{0,63}$"
    assert DEFS["dtmfKey"]["pattern"] == "^[0-9*#]$"
    assert (DEFS["seconds"]["minimum"], DEFS["seconds"]["maximum"]) == (0, 3600)


@pytest.mark.parametrize(
    ("code", "valid"),
    [
        ("en-US", True),
        ("zh-CN", True),
        ("yue-Hant-HK", True),
        ("es-419", True),
        ("fr", True),
        ("en_US", False),
        ("english", False),
        ("", False),
        ("en-US\n", False),
    ],
)
def test_language_codes(code: str, valid: bool) -> None:
    assert (validate({"flow": "f", "languages": [code]}) == []) is valid


def object_schemas(schema: object, where: str = "#") -> Iterator[tuple[str, dict[str, Any]]]:
    """Every subschema of the schema, with where it sits."""
    if isinstance(schema, dict):
        yield where, schema
        for key, value in schema.items():
            if key in ("properties", "$defs"):
                for name, sub in value.items():
                    yield from object_schemas(sub, f"{where}/{key}/{name}")
            elif key != "default":
                yield from object_schemas(value, f"{where}/{key}")
    elif isinstance(schema, list):
        for i, item in enumerate(schema):
            yield from object_schemas(item, f"{where}/{i}")


def in_condition(where: str) -> bool:
    """Inside an if/then rule (node dispatch, variable defaults): not a form of its own."""
    return "/if" in where or "/then" in where


def test_every_property_has_a_title_and_a_description() -> None:
    for where, schema in object_schemas(SCHEMA):
        if in_condition(where):
            continue
        for name, prop in schema.get("properties", {}).items():
            prop = resolve(prop)
            assert prop.get("title") and prop.get("description"), f"{where}/properties/{name}"
    for name, definition in DEFS.items():
        assert definition.get("title") and definition.get("description"), name


def test_every_record_object_refuses_unknown_keys() -> None:
    """An object with named properties lists all of them: a typo is an error."""
    for where, schema in object_schemas(SCHEMA):
        if "properties" in schema and not in_condition(where):
            if where == "#/$defs/node":
                continue  # the dispatcher: the type's own schema refuses unknown keys
            assert schema.get("additionalProperties") is False, where


@settings(max_examples=120, deadline=None)
@given(flows())
def test_random_valid_flows_pass_the_schema_and_round_trip(flow: Flow) -> None:
    data = flow_to_data(flow)
    assert validate(data) == []
    assert json.loads(json.dumps(data, ensure_ascii=False)) == data
    assert flow_from_data(data) == flow
