"""The JSON Schema of a flow document, and a fast validator whose messages a flow author can read.

`flow.schema.json` beside this module is the single truth for the shape of a flow: the designer
builds its property forms from it and `validate` checks documents against it. Validation is done
in parts for speed: the document without its nodes, then each node against the schema of its own
type only, and jsonschema itself only where a quick yes/no test compiled from the same schema says
no. On a 10k-node flow that is ~0.05 s here, where the whole schema with its dispatch over every
node type takes ~4 s.
"""

from __future__ import annotations

import difflib
import json
import re
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from functools import cache
from importlib import resources
from typing import Any

from jsonschema import Draft202012Validator, ValidationError, protocols, validators

__all__ = [
    "NODE_TYPE_NAMES",
    "SCHEMA",
    "SCHEMA_ID",
    "SchemaIssue",
    "Validator",
    "validate",
    "validator_for",
]

SCHEMA: dict[str, Any] = json.loads(
    resources.files(__name__).joinpath("flow.schema.json").read_text(encoding="utf-8")
)
SCHEMA_ID: str = SCHEMA["$id"]
#: The node types, in the order the schema (and the designer's palette) lists them.
NODE_TYPE_NAMES: tuple[str, ...] = tuple(SCHEMA["$defs"]["node"]["properties"]["type"]["enum"])


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


def validate(data: object) -> list[SchemaIssue]:
    """Every issue of a flow document (parsed JSON), sorted by pointer; [] when it is valid."""
    issues: set[SchemaIssue] = set()
    _skeleton().check(data, "", issues)
    nodes = data.get("nodes") if isinstance(data, dict) else None
    if isinstance(nodes, dict):
        checks = _node_checks()
        for node_id, node in nodes.items():
            if not isinstance(node, dict):
                continue  # the skeleton has reported it
            type_name = node.get("type")
            check = checks.get(type_name) if isinstance(type_name, str) else None
            if check is None:
                issues.add(_type_issue(node_id, node))
            elif not check.accepts(node):
                check.check(node, "/nodes/" + _escape(node_id), issues)
    return sorted(issues, key=_sort_key)


def validator_for(type_name: str) -> protocols.Validator:
    """The validator of one node type's schema (`$defs/<type>`); KeyError for an unknown type."""
    return _node_checks()[type_name].validator


# ---------------------------------------------------------------- validators


@cache
def _regex(pattern: str) -> re.Pattern[str]:
    """A schema pattern compiled with its JSON Schema (ECMA-262) meaning.

    The one difference that matters here: in Python `$` also matches before a final newline, so
    `^[0-9*#]$` would accept "1\\n". An unescaped `$` outside a character class becomes `\\Z`.
    """
    out: list[str] = []
    in_class = False
    i = 0
    while i < len(pattern):
        char = pattern[i]
        if char == "\\":
            out.append(pattern[i : i + 2])
            i += 2
            continue
        if in_class:
            in_class = char != "]"
        elif char == "[":
            in_class = True
        elif char == "$":
            char = r"\Z"
        out.append(char)
        i += 1
    return re.compile("".join(out))


def _pattern(
    validator: object, pattern: str, instance: object, schema: object
) -> Iterator[ValidationError]:
    if isinstance(instance, str) and not _regex(pattern).search(instance):
        yield ValidationError(f"{_show(instance)} does not match the pattern {pattern}")


#: Draft 2020-12 with ECMA-262 `$` in patterns (what the designer's browser does too).
Validator = validators.extend(Draft202012Validator, {"pattern": _pattern})


@dataclass(frozen=True)
class _Check:
    """A subschema with its references inlined: a fast yes/no test and jsonschema for the why.

    jsonschema costs about 75 µs for a typical node, mostly in bookkeeping; `accepts` costs a few
    µs and gives the same answer (`tests/model/test_schema.py` checks it), so jsonschema runs only
    on what `accepts` refuses, to find the issues.
    """

    validator: protocols.Validator
    accepts: Callable[[object], bool]

    @classmethod
    def of(cls, schema: dict[str, Any]) -> _Check:
        inlined = _inline(schema)
        try:
            accepts = _compile(inlined)
        except _Unsupported:
            accepts = _never
        return cls(Validator(inlined), accepts)

    def check(self, instance: object, prefix: str, issues: set[SchemaIssue]) -> None:
        if self.accepts(instance):
            return
        for error in self.validator.iter_errors(instance):
            issues.update(_issues(error, prefix))


@cache
def _skeleton() -> _Check:
    """The flow schema with every node value taken as any object (nodes are checked one by one)."""
    nodes = dict(SCHEMA["properties"]["nodes"], additionalProperties={"type": "object"})
    return _Check.of(dict(SCHEMA, properties=dict(SCHEMA["properties"], nodes=nodes)))


@cache
def _node_checks() -> dict[str, _Check]:
    return {name: _Check.of(SCHEMA["$defs"][name]) for name in NODE_TYPE_NAMES}


_ANNOTATIONS = frozenset({"title", "description", "default", "examples", "$comment"})


def _inline(schema: object) -> object:
    """A copy of a subschema with every local `$ref` replaced by what it points to.

    The flow schema has no recursive references, so this ends. A `$ref` with sibling keywords
    means both apply: the siblings are merged in when they are annotations, new keywords or
    tighter bounds, and kept apart under `allOf` when they would override another assertion.
    """
    if isinstance(schema, list):
        return [_inline(item) for item in schema]
    if not isinstance(schema, dict):
        return schema
    out = {key: _inline(value) for key, value in schema.items() if key != "$ref"}
    ref = schema.get("$ref")
    if not isinstance(ref, str):
        return out
    target = _inline(_resolve(ref))
    if not isinstance(target, dict):
        return {**out, "allOf": [target]}
    merged = {**target, **out}
    for key in (out.keys() & target.keys()) - _ANNOTATIONS:
        if key in _LOWER_BOUNDS or key in _UPPER_BOUNDS:
            # Both bounds apply, so the tighter one is the whole rule: "at most 30", not also
            # "at most 3600" (http `timeout` is `seconds` with a maximum of 30).
            pick = max if key in _LOWER_BOUNDS else min
            merged[key] = pick(out[key], target[key])
        elif out[key] != target[key]:
            return {**out, "allOf": [target]}
    return merged


_LOWER_BOUNDS = frozenset({"minimum", "minLength", "minItems"})
_UPPER_BOUNDS = frozenset({"maximum", "maxLength", "maxItems"})


def _resolve(ref: str) -> object:
    """The target of a reference inside the flow schema (`#/$defs/prompt`)."""
    if not ref.startswith("#/"):
        raise ValueError(f"only local references are supported here: {ref}")
    node: object = SCHEMA
    for part in ref[2:].split("/"):
        part = part.replace("~1", "/").replace("~0", "~")
        node = node[int(part)] if isinstance(node, list) else node[part]  # type: ignore[index]
    return node


# ---------------------------------------------------------------- the fast yes/no test


class _Unsupported(Exception):
    """A keyword `_compile` does not know: the subschema is left to jsonschema alone."""


def _never(instance: object) -> bool:
    return False


def _always(instance: object) -> bool:
    return True


_IGNORED = _ANNOTATIONS | {"$schema", "$id", "$defs"}

_TYPE_TESTS: dict[str, Callable[[object], bool]] = {
    "string": lambda v: isinstance(v, str),
    "number": lambda v: isinstance(v, int | float) and not isinstance(v, bool),
    "integer": lambda v: (
        (isinstance(v, int) and not isinstance(v, bool))
        or (isinstance(v, float) and v.is_integer())
    ),
    "boolean": lambda v: isinstance(v, bool),
    "object": lambda v: isinstance(v, dict),
    "array": lambda v: isinstance(v, list),
    "null": lambda v: v is None,
}


def _all(tests: list[Callable[[object], bool]]) -> Callable[[object], bool]:
    if not tests:
        return _always
    if len(tests) == 1:
        return tests[0]

    def test(value: object) -> bool:
        for one in tests:  # noqa: SIM110 - a loop is faster than all() over a generator here
            if not one(value):
                return False
        return True

    return test


def _compile(schema: object) -> Callable[[object], bool]:
    """A function telling whether an instance is valid, for the keywords the flow schema uses.

    It must agree with jsonschema exactly; anything it does not know raises `_Unsupported`.
    """
    if schema is True:
        return _always
    if schema is False:
        return _never
    if not isinstance(schema, dict):
        raise _Unsupported(repr(schema))
    unknown = set(schema) - _IGNORED - _KEYWORDS
    if unknown:
        raise _Unsupported(", ".join(sorted(unknown)))
    tests = [_type_test(schema["type"])] if "type" in schema else []
    for keyword in ("enum", "const"):
        if keyword in schema:
            tests.append(_enum_test(schema[keyword] if keyword == "enum" else [schema[keyword]]))
    tests.extend(_string_tests(schema))
    tests.extend(_number_tests(schema))
    tests.extend(_array_tests(schema))
    if _OBJECT_KEYWORDS & set(schema):
        tests.append(_object_test(schema))
    tests.extend(_compile(sub) for sub in schema.get("allOf", ()))
    if "if" in schema:
        tests.append(_if_test(schema))
    return _all(tests)


_OBJECT_KEYWORDS = frozenset({"properties", "additionalProperties", "required", "propertyNames"})
_KEYWORDS = _OBJECT_KEYWORDS | {
    "type",
    "enum",
    "const",
    "pattern",
    "minLength",
    "maxLength",
    "minimum",
    "maximum",
    "minItems",
    "maxItems",
    "uniqueItems",
    "items",
    "allOf",
    "if",
    "then",
    "else",
}


def _type_test(types: object) -> Callable[[object], bool]:
    names = [types] if isinstance(types, str) else types
    if not isinstance(names, list) or not all(n in _TYPE_TESTS for n in names):
        raise _Unsupported(f"type {types!r}")
    tests = [_TYPE_TESTS[n] for n in names]
    if len(tests) == 1:
        return tests[0]
    return lambda v: any(t(v) for t in tests)


def _enum_test(options: object) -> Callable[[object], bool]:
    # Only text options: JSON equality (1 == 1.0, true != 1) is left to jsonschema.
    if not isinstance(options, list) or not all(isinstance(o, str) for o in options):
        raise _Unsupported("enum of non-strings")
    allowed = frozenset(options)
    return lambda v: isinstance(v, str) and v in allowed


def _string_tests(schema: dict[str, Any]) -> Iterator[Callable[[object], bool]]:
    if "pattern" in schema:
        search = _regex(schema["pattern"]).search
        yield lambda v: not isinstance(v, str) or search(v) is not None
    if "minLength" in schema:
        least = schema["minLength"]
        yield lambda v: not isinstance(v, str) or len(v) >= least
    if "maxLength" in schema:
        most = schema["maxLength"]
        yield lambda v: not isinstance(v, str) or len(v) <= most


def _is_number(value: object) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def _number_tests(schema: dict[str, Any]) -> Iterator[Callable[[object], bool]]:
    if "minimum" in schema:
        least = schema["minimum"]
        yield lambda v: not _is_number(v) or v >= least  # type: ignore[operator]
    if "maximum" in schema:
        most = schema["maximum"]
        yield lambda v: not _is_number(v) or v <= most  # type: ignore[operator]


def _array_tests(schema: dict[str, Any]) -> Iterator[Callable[[object], bool]]:
    if "minItems" in schema:
        least = schema["minItems"]
        yield lambda v: not isinstance(v, list) or len(v) >= least
    if "maxItems" in schema:
        most = schema["maxItems"]
        yield lambda v: not isinstance(v, list) or len(v) <= most
    if schema.get("uniqueItems") is True:
        # Text items only: for anything else the answer "no" sends the list to jsonschema.
        yield (
            lambda v: (
                not isinstance(v, list)
                or (all(isinstance(x, str) for x in v) and len(set(v)) == len(v))
            )
        )
    if "items" in schema:
        each = _compile(schema["items"])
        yield lambda v: not isinstance(v, list) or all(each(x) for x in v)


def _object_test(schema: dict[str, Any]) -> Callable[[object], bool]:
    properties = {k: _compile(s) for k, s in schema.get("properties", {}).items()}
    extra = schema.get("additionalProperties", True)
    other = None if extra is True else _compile(extra)
    names = _compile(schema["propertyNames"]) if "propertyNames" in schema else None
    required = tuple(schema.get("required", ()))

    def test(value: object) -> bool:
        if not isinstance(value, dict):
            return True
        for key in required:
            if key not in value:
                return False
        for key, item in value.items():
            one = properties.get(key, other)
            if one is not None and not one(item):
                return False
            if names is not None and not names(key):
                return False
        return True

    return test


def _if_test(schema: dict[str, Any]) -> Callable[[object], bool]:
    condition = _compile(schema["if"])
    then = _compile(schema.get("then", True))
    otherwise = _compile(schema.get("else", True))
    return lambda v: then(v) if condition(v) else otherwise(v)


# ---------------------------------------------------------------- messages


def _escape(key: str) -> str:
    return key.replace("~", "~0").replace("/", "~1")


def _pointer(prefix: str, path: Iterable[object]) -> str:
    return prefix + "".join("/" + _escape(str(part)) for part in path)


def _sort_key(issue: SchemaIssue) -> tuple[tuple[tuple[int, int, str], ...], str]:
    """Pointer order, with array indexes in numeric order (/choices/2 before /choices/10)."""
    parts = issue.pointer.split("/")[1:]
    return tuple((0, int(p), "") if p.isdigit() else (1, 0, p) for p in parts), issue.message


_CONTROL = {
    code: json.dumps(chr(code))[1:-1] for code in [*range(32), 127]
}  # "\n" for a newline, as JSON writes it


def _show(value: object, limit: int = 60) -> str:
    """A value as a flow author wrote it: strings in quotes, anything else as short JSON."""
    if isinstance(value, str):
        text = value if len(value) <= limit else value[: limit - 1] + "…"
        return "'" + text.translate(_CONTROL) + "'"
    text = json.dumps(value, ensure_ascii=False, separators=(", ", ": "), default=str)
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _plain(value: object) -> str:
    return value if isinstance(value, str) else _show(value)


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
        return _show(value) if "integer" in expected else "a number"
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


def _type_issue(node_id: str, node: dict[str, object]) -> SchemaIssue:
    pointer = "/nodes/" + _escape(node_id) + "/type"
    kinds = ", ".join(NODE_TYPE_NAMES)
    if "type" not in node:
        return SchemaIssue(pointer, f"missing required field 'type' (one of {kinds})")
    value = node["type"]
    hint = _did_you_mean(value, NODE_TYPE_NAMES)
    return SchemaIssue(pointer, f"unknown node type {_show(value)}{hint}; the types are {kinds}")


def _issues(error: ValidationError, prefix: str) -> Iterator[SchemaIssue]:
    """The issues of one jsonschema error, with messages for a flow author."""
    pointer = _pointer(prefix, error.absolute_path)
    if "propertyNames" in error.relative_schema_path:
        pointer = _pointer(pointer, [error.instance])  # the error is about a key
    kind = error.validator
    value = error.validator_value
    instance = error.instance
    schema = error.schema if isinstance(error.schema, dict) else {}

    if kind != "type" and "type" in schema and not _type_test(schema["type"])(instance):
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
        return f"{_show(instance)} is not one of {options}{_did_you_mean(instance, value)}"
    if kind == "const":
        return f"expected {_show(value)}, got {_show(instance)}"
    if kind == "pattern":
        title = _PATTERN_TITLES.get(value) or schema.get("title")
        if title:
            return f"{_show(instance)} is not a valid {_lower_first(title)}"
        return f"{_show(instance)} does not match the pattern {value}"
    if kind == "minimum":
        return f"{_show(instance)} is below the minimum of {_show(value)}"
    if kind == "maximum":
        return f"{_show(instance)} is above the maximum of {_show(value)}"
    if kind == "exclusiveMinimum":
        return f"{_show(instance)} must be more than {_show(value)}"
    if kind == "exclusiveMaximum":
        return f"{_show(instance)} must be less than {_show(value)}"
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
        return f"{_show(duplicate)} appears more than once (items must be unique)"
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
