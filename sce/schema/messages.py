"""Schema issues in words a flow author reads, from jsonschema's errors."""

from __future__ import annotations

import difflib
import json
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Any

from jsonschema import ValidationError

from sce.diagnostics import escape_pointer
from sce.schema.document import NODE_TYPE_NAMES, SCHEMA
from sce.schema.quick import type_test


@dataclass(frozen=True)
class SchemaIssue:
    """One place where a document does not fit the schema.

    `pointer` is an RFC 6901 JSON pointer into the document (`/nodes/main_menu/timeout`, or ""
    for the whole document); `message` is written for a flow author.
    """

    pointer: str
    message: str

    def __str__(self) -> str:
        return f"{self.pointer or '/'}: {self.message}"


def _pointer(prefix: str, path: Iterable[object]) -> str:
    return prefix + "".join("/" + escape_pointer(str(part)) for part in path)


def sort_key(issue: SchemaIssue) -> tuple[tuple[tuple[int, int, str], ...], str]:
    """Pointer order, with array indexes in numeric order (/choices/2 before /choices/10)."""
    parts = issue.pointer.split("/")[1:]
    return tuple(
        (0, int(p), "") if p.isascii() and p.isdigit() else (1, 0, p) for p in parts
    ), issue.message


_CONTROL = {
    code: json.dumps(chr(code))[1:-1] for code in [*range(32), 127]
}  # "\n" for a newline, as JSON writes it


def show(value: object, limit: int = 60) -> str:
    """A value as a flow author wrote it: strings in quotes, anything else as short JSON."""
    if isinstance(value, str):
        text = value if len(value) <= limit else value[: limit - 1] + "…"
        return "'" + text.translate(_CONTROL) + "'"
    text = json.dumps(value, ensure_ascii=False, separators=(", ", ": "), default=str)
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _plain(value: object) -> str:
    return value if isinstance(value, str) else show(value)


def _did_you_mean(word: object, candidates: Iterable[object]) -> str:
    if not isinstance(word, str):
        return ""
    names = [c for c in candidates if isinstance(c, str)]
    close = difflib.get_close_matches(word, names, n=1, cutoff=0.6)
    if not close:
        lowered = {n.lower(): n for n in names}
        close = [lowered[word.lower()]] if word.lower() in lowered else []
    return f" (did you mean '{close[0]}'?)" if close else ""


_EXPECTED = {
    "string": "text",
    "number": "a number",
    "integer": "a whole number",
    "boolean": "true or false",
    "object": "an object",
    "array": "a list",
    "null": "null",
}


def _got(value: object, expected: list[str]) -> str:
    if isinstance(value, bool) or value is None:
        return json.dumps(value)
    if isinstance(value, int | float):
        return show(value) if "integer" in expected else "a number"
    if isinstance(value, str):
        return "text"
    if isinstance(value, dict):
        return "an object"
    if isinstance(value, list):
        return "a list"
    return type(value).__name__


def _lower_first(title: str) -> str:
    """'Node id' -> 'node id', but 'DTMF key' stays."""
    if len(title) > 1 and title[0].isupper() and not title[1].isupper():
        return title[0].lower() + title[1:]
    return title


def _pattern_titles() -> dict[str, str]:
    """The title of each shared definition by its pattern, for patterns repeated inline."""
    return {
        d["pattern"]: d["title"]
        for d in SCHEMA["$defs"].values()
        if isinstance(d, dict) and "pattern" in d and "title" in d
    }


_PATTERN_TITLES = _pattern_titles()


def type_issue(node_id: str, node: dict[str, object]) -> SchemaIssue:
    pointer = "/nodes/" + escape_pointer(node_id) + "/type"
    kinds = ", ".join(NODE_TYPE_NAMES)
    if "type" not in node:
        return SchemaIssue(pointer, f"missing required field 'type' (one of {kinds})")
    value = node["type"]
    hint = _did_you_mean(value, NODE_TYPE_NAMES)
    return SchemaIssue(pointer, f"unknown node type {show(value)}{hint}; the types are {kinds}")


def issues_of(error: ValidationError, prefix: str) -> Iterator[SchemaIssue]:
    """The issues of one jsonschema error, with messages for a flow author."""
    pointer = _pointer(prefix, error.absolute_path)
    if "propertyNames" in error.relative_schema_path:
        pointer = _pointer(pointer, [error.instance])  # the error is about a key
    kind = error.validator
    value = error.validator_value
    instance = error.instance
    schema = error.schema if isinstance(error.schema, dict) else {}

    if kind != "type" and "type" in schema and not type_test(schema["type"])(instance):
        return  # the type error says it all: "expected text, got a number"
    if kind == "required":
        for name in value:
            if isinstance(instance, dict) and name not in instance:
                yield SchemaIssue(pointer, f"missing required field '{name}'")
        return
    if kind == "additionalProperties" and isinstance(instance, dict):
        known = schema.get("properties", {})
        for key in instance:
            if key not in known:
                hint = _did_you_mean(key, known)
                yield SchemaIssue(_pointer(pointer, [key]), f"unknown field '{key}'{hint}")
        return
    yield SchemaIssue(pointer, _message(error, kind, value, instance, schema))


def _message(
    error: ValidationError, kind: object, value: Any, instance: Any, schema: dict[str, Any]
) -> str:
    if kind == "type":
        expected = [value] if isinstance(value, str) else list(value)
        wanted = " or ".join(_EXPECTED.get(t, t) for t in expected)
        return f"expected {wanted}, got {_got(instance, expected)}"
    if kind == "enum":
        options = ", ".join(_plain(v) for v in value)
        return f"{show(instance)} is not one of {options}{_did_you_mean(instance, value)}"
    if kind == "const":
        return f"expected {show(value)}, got {show(instance)}"
    if kind == "pattern":
        title = _PATTERN_TITLES.get(value) or schema.get("title")
        if title:
            return f"{show(instance)} is not a valid {_lower_first(title)}"
        return f"{show(instance)} does not match the pattern {value}"
    if kind == "minimum":
        return f"{show(instance)} is below the minimum of {show(value)}"
    if kind == "maximum":
        return f"{show(instance)} is above the maximum of {show(value)}"
    if kind == "exclusiveMinimum":
        return f"{show(instance)} must be more than {show(value)}"
    if kind == "exclusiveMaximum":
        return f"{show(instance)} must be less than {show(value)}"
    if kind == "minLength":
        if value == 1:
            return "must not be empty"
        return f"must be at least {value} characters long"
    if kind == "maxLength":
        return f"must be at most {value} characters long"
    if kind == "minItems":
        return f"needs at least {value} item{'s' if value != 1 else ''}"
    if kind == "maxItems":
        return f"allows at most {value} item{'s' if value != 1 else ''}"
    if kind == "uniqueItems":
        duplicate = _first_duplicate(instance)
        return f"{show(duplicate)} appears more than once (items must be unique)"
    if kind == "minProperties":
        return f"needs at least {value} entr{'ies' if value != 1 else 'y'}"
    if kind in ("anyOf", "oneOf", "not", False, "False"):
        return "is not valid here"
    return f"fails the '{kind}' rule of the schema"


def _first_duplicate(items: object) -> object:
    seen: set[str] = set()
    for item in items if isinstance(items, list) else []:
        # 1 and true are different JSON values; json.dumps keeps them apart.
        key = json.dumps(item, sort_keys=True, default=str)
        if key in seen:
            return item
        seen.add(key)
    return None
