"""The JSON Schema of a flow document, and a fast validator whose messages a flow author can read.

`flow.schema.json` beside this module is the single truth for the shape of a flow: the designer
builds its property forms from it and `validate` checks documents against it. Validation is done
in parts for speed: the document without its nodes, then each node against the schema of its own
type only, and jsonschema itself only where a quick yes/no test compiled from the same schema says
no. On a 10k-node flow that is ~0.05 s here, where the whole schema with its dispatch over every
node type takes ~4 s.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from functools import cache
from typing import Any

from jsonschema import Draft202012Validator, ValidationError, protocols, validators

from sce.diagnostics import escape_pointer
from sce.schema.document import (
    ANNOTATIONS,
    NODE_TYPE_NAMES,
    SCHEMA,
    SCHEMA_ID,
    ecma_regex,
    resolve,
)
from sce.schema.messages import SchemaIssue, issues_of, show, sort_key, type_issue
from sce.schema.quick import Unsupported, compile_test, never

__all__ = [
    "NODE_TYPE_NAMES",
    "SCHEMA",
    "SCHEMA_ID",
    "SchemaIssue",
    "Validator",
    "validate",
    "validator_for",
]


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
                issues.add(type_issue(node_id, node))
            elif not check.accepts(node):
                check.check(node, "/nodes/" + escape_pointer(node_id), issues)
    return sorted(issues, key=sort_key)


def validator_for(type_name: str) -> protocols.Validator:
    """The validator of one node type's schema (`$defs/<type>`); KeyError for an unknown type."""
    return _node_checks()[type_name].validator


def _pattern(
    validator: object, pattern: str, instance: object, schema: object
) -> Iterator[ValidationError]:
    if isinstance(instance, str) and not ecma_regex(pattern).search(instance):
        yield ValidationError(f"{show(instance)} does not match the pattern {pattern}")


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
            accepts = compile_test(inlined)
        except Unsupported:
            accepts = never
        return cls(Validator(inlined), accepts)

    def check(self, instance: object, prefix: str, issues: set[SchemaIssue]) -> None:
        if self.accepts(instance):
            return
        for error in self.validator.iter_errors(instance):
            issues.update(issues_of(error, prefix))


@cache
def _skeleton() -> _Check:
    """The flow schema with every node value taken as any object (nodes are checked one by one)."""
    nodes = dict(SCHEMA["properties"]["nodes"], additionalProperties={"type": "object"})
    return _Check.of(dict(SCHEMA, properties=dict(SCHEMA["properties"], nodes=nodes)))


@cache
def _node_checks() -> dict[str, _Check]:
    return {name: _Check.of(SCHEMA["$defs"][name]) for name in NODE_TYPE_NAMES}


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
    target = _inline(resolve(ref))
    if not isinstance(target, dict):
        return {**out, "allOf": [target]}
    merged = {**target, **out}
    for key in (out.keys() & target.keys()) - ANNOTATIONS:
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
