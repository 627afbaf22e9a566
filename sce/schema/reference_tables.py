"""The schema's fields in words, for the tables of the flow reference (`sce.schema.reference`).

A field's type is said the way an analyst reads it ("whole number, 1 to 10", "list of [prompt]",
"map of [variable name] to [expression]"), with links to the page's sections on the definitions
it uses; exits are found from the schema too (a field that holds a node id), never from a list
kept by hand, so a new field or a new exit shows up on the page by itself.
"""

from __future__ import annotations

import json
import re
from typing import Any

from sce.schema.document import NODE_TYPE_NAMES, SCHEMA, resolve

DEFS: dict[str, Any] = SCHEMA["$defs"]
NODE_ID_REF = "#/$defs/nodeId"
COMMON_REF = "#/$defs/nodeCommon/properties/"
#: Definitions with a section of their own elsewhere on the page.
_OWN_SECTIONS = {"node": "steps", "variable": "variables", "nodeCommon": "fields-every-step-has"}


def slug(heading: str) -> str:
    """The anchor GitHub gives a heading: lower case, punctuation dropped, spaces as hyphens."""
    return re.sub(r"[^\w\- ]", "", heading.lower()).replace(" ", "-")


def short_title(schema: dict[str, Any]) -> str:
    """A definition's title without its parenthesis, as a type name: 'DTMF key', 'node id'."""
    title = re.sub(r"\s*\([^)]*\)", "", schema["title"])
    return title if title[1:2].isupper() else title[0].lower() + title[1:]


def def_name(ref: str) -> str:
    return ref.removeprefix("#/$defs/")


def is_shape(name: str) -> bool:
    """A definition of an object that steps are made of (a prompt, a menu choice...)."""
    return "properties" in DEFS[name] and name not in NODE_TYPE_NAMES and name not in _OWN_SECTIONS


def is_value(name: str) -> bool:
    """A definition of a single value with rules of its own (a node id, a time...)."""
    return "properties" not in DEFS[name] and name not in _OWN_SECTIONS


def anchor_of(name: str) -> str:
    if name in _OWN_SECTIONS:
        return _OWN_SECTIONS[name]
    if name in NODE_TYPE_NAMES:
        return slug(name)
    return slug(DEFS[name]["title"] if is_shape(name) else short_title(DEFS[name]))


def _link(name: str) -> str:
    return f"[{short_title(DEFS[name])}](#{anchor_of(name)})"


#: Inline patterns that repeat a definition's pattern (a finish key is a DTMF key or null).
_PATTERNS = {d["pattern"]: n for n, d in DEFS.items() if isinstance(d, dict) and "pattern" in d}
_BASIC = {
    "string": "plain text",
    "integer": "whole number",
    "number": "number",
    "boolean": "true or false",
    "null": "null",
}


def type_of(schema: dict[str, Any]) -> str:
    """A field's type in words, with links to the definitions it uses."""
    if "$ref" in schema:
        words = _link(def_name(schema["$ref"]))
    elif "enum" in schema:
        words = "one of " + ", ".join(f"`{json.dumps(v)}`" for v in schema["enum"])
    elif "pattern" in schema and schema["pattern"] in _PATTERNS:
        words = _link(_PATTERNS[schema["pattern"]])
        if "null" in schema.get("type", ()):
            words += " or null"
    else:
        kinds = schema.get("type")
        kinds = [kinds] if isinstance(kinds, str) else kinds or []
        words = " or ".join(_container(schema, k) for k in kinds) or "any value"
    return words + _bounds(schema)


def _container(schema: dict[str, Any], kind: str) -> str:
    if kind == "array":
        return "list of " + type_of(schema.get("items", {}))
    if kind != "object":
        return _BASIC[kind]
    values = schema.get("additionalProperties")
    if isinstance(values, dict):
        keys = schema.get("propertyNames", {})
        key = type_of(keys) if "$ref" in keys else "name"
        return f"map of {key} to {type_of(values)}"
    props = schema.get("properties")
    if props:
        inner = {type_of(p) for p in props.values()}
        names = ", ".join(f"`{k}`" for k in props)
        return f"object of {names}: each a {inner.pop()}" if len(inner) == 1 else "object"
    return "object"


def _bounds(schema: dict[str, Any]) -> str:
    low, high = schema.get("minimum"), schema.get("maximum")
    if "$ref" in schema:  # the definition says its own bounds; only tighter ones are news
        return f", at most {high}" if high is not None else ""
    if low is not None and high is not None:
        return f", {low} to {high}"
    if high is not None:
        return f", at most {high}"
    return f", at least {low}" if low is not None else ""


def cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


_CODE = re.compile(r"(`[^`]*`)")


def md(text: str) -> str:
    """Schema prose as Markdown: backticks stay code, and outside them `*`, `_` and `<` are
    only characters (a DTMF key's star, a name's underscore), never emphasis or HTML."""
    parts = _CODE.split(text)
    return "".join(p if p.startswith("`") else re.sub(r"([*_<\\])", r"\\\1", p) for p in parts)


def described(schema: dict[str, Any]) -> str:
    """A property's description, or that of the definition it refers to."""
    if "description" in schema:
        return str(schema["description"])
    target = resolve(schema["$ref"]) if "$ref" in schema else {}
    return str(target.get("description", "")) if isinstance(target, dict) else ""


def field_table(schema: dict[str, Any], skip: frozenset[str] = frozenset()) -> list[str]:
    """The table of an object's fields: name, type, required, default, meaning."""
    required = set(schema.get("required", ()))
    rows = ["| Field | Type | Required | Default | Meaning |", "|---|---|---|---|---|"]
    for name, prop in schema["properties"].items():
        if name in skip:
            continue
        default = (
            f"`{json.dumps(prop['default'], ensure_ascii=False)}`" if "default" in prop else ""
        )
        need = "yes" if name in required else ""
        cells = (f"`{name}`", type_of(prop), need, default, md(described(prop)))
        rows.append("| " + " | ".join(cell(c) for c in cells) + " |")
    return rows


def exits_of(type_name: str) -> list[tuple[str, str, str]]:
    """(field, item field or '', meaning) of each exit of a node type, from the schema: a field
    holding a node id, or a node id in each item of a list (a menu's choices)."""
    found = []
    for name, prop in DEFS[type_name]["properties"].items():
        if prop.get("$ref") == NODE_ID_REF:
            found.append((name, "", described(prop)))
        item_ref = prop.get("items", {}).get("$ref", "")
        if prop.get("type") == "array" and item_ref:
            item = resolve(item_ref)
            assert isinstance(item, dict)
            for sub, sub_prop in item.get("properties", {}).items():
                if sub_prop.get("$ref") == NODE_ID_REF:
                    found.append((name, sub, described(sub_prop)))
    return found


def common_fields(type_name: str) -> list[str]:
    """The fields a node type has from `nodeCommon` (title, description, noqa, ui)."""
    props = DEFS[type_name]["properties"]
    return [n for n, p in props.items() if p.get("$ref", "").startswith(COMMON_REF)]
