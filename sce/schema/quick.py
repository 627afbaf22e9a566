"""A fast yes/no test compiled from the schema, so jsonschema runs only on what fails it.

jsonschema costs about 75 µs for a typical node, mostly in bookkeeping; these tests cost a few µs
and must give the same answer (`tests/model/test_schema.py` checks that they do).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

from sce.schema.document import ANNOTATIONS, ecma_regex


class Unsupported(Exception):
    """A keyword `compile_test` does not know: the subschema is left to jsonschema alone."""


def never(instance: object) -> bool:
    return False


def _always(instance: object) -> bool:
    return True


_IGNORED = ANNOTATIONS | {"$schema", "$id", "$defs"}

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


def compile_test(schema: object) -> Callable[[object], bool]:
    """A function telling whether an instance is valid, for the keywords the flow schema uses.

    It must agree with jsonschema exactly; anything it does not know raises `Unsupported`.
    """
    if schema is True:
        return _always
    if schema is False:
        return never
    if not isinstance(schema, dict):
        raise Unsupported(repr(schema))
    unknown = set(schema) - _IGNORED - _KEYWORDS
    if unknown:
        raise Unsupported(", ".join(sorted(unknown)))
    tests = [type_test(schema["type"])] if "type" in schema else []
    for keyword in ("enum", "const"):
        if keyword in schema:
            tests.append(_enum_test(schema[keyword] if keyword == "enum" else [schema[keyword]]))
    tests.extend(_string_tests(schema))
    tests.extend(_number_tests(schema))
    tests.extend(_array_tests(schema))
    if _OBJECT_KEYWORDS & set(schema):
        tests.append(_object_test(schema))
    tests.extend(compile_test(sub) for sub in schema.get("allOf", ()))
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


def type_test(types: object) -> Callable[[object], bool]:
    names = [types] if isinstance(types, str) else types
    if not isinstance(names, list) or not all(n in _TYPE_TESTS for n in names):
        raise Unsupported(f"type {types!r}")
    tests = [_TYPE_TESTS[n] for n in names]
    if len(tests) == 1:
        return tests[0]
    return lambda v: any(t(v) for t in tests)


def _enum_test(options: object) -> Callable[[object], bool]:
    # Only text options: JSON equality (1 == 1.0, true != 1) is left to jsonschema.
    if not isinstance(options, list) or not all(isinstance(o, str) for o in options):
        raise Unsupported("enum of non-strings")
    allowed = frozenset(options)
    return lambda v: isinstance(v, str) and v in allowed


def _string_tests(schema: dict[str, Any]) -> Iterator[Callable[[object], bool]]:
    if "pattern" in schema:
        search = ecma_regex(schema["pattern"]).search
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
        yield lambda v: not _is_number(v) or v >= least
    if "maximum" in schema:
        most = schema["maximum"]
        yield lambda v: not _is_number(v) or v <= most


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
        each = compile_test(schema["items"])
        yield lambda v: not isinstance(v, list) or all(each(x) for x in v)


def _object_test(schema: dict[str, Any]) -> Callable[[object], bool]:
    properties = {k: compile_test(s) for k, s in schema.get("properties", {}).items()}
    extra = schema.get("additionalProperties", True)
    other = None if extra is True else compile_test(extra)
    names = compile_test(schema["propertyNames"]) if "propertyNames" in schema else None
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
    condition = compile_test(schema["if"])
    then = compile_test(schema.get("then", True))
    otherwise = compile_test(schema.get("else", True))
    return lambda v: then(v) if condition(v) else otherwise(v)
