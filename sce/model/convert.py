"""Between the model's dataclasses and plain JSON data.

The data handed to `flow_from_data` has passed the JSON Schema, so the shapes are trusted here;
the work is to build the dataclasses fast (a 50k-node flow must load in well under a second) and
to write them back in canonical form: keys in field order, defaults left out, whole floats as ints.
"""

from __future__ import annotations

import dataclasses
import types
import typing
from collections.abc import Callable
from functools import cache
from typing import Any, TypeVar

from sce.model.flow import Flow, Variable
from sce.model.nodes import NODE_TYPES, Node

#: Each takes a value of the shape its field's type hint says (the schema checked it), so `Any`.
Decoder = Callable[[Any], object]
Encoder = Callable[[Any], object]

_T = TypeVar("_T")

_MISSING = dataclasses.MISSING


def _identity(value: object) -> object:
    return value


def _number(value: object) -> object:
    if isinstance(value, float) and value.is_integer() and abs(value) < 2**53:
        return int(value)
    return value


def _whole(value: object) -> object:
    """An integer field given as 2.0 (JSON Schema's integers include it) becomes 2."""
    return int(value) if isinstance(value, float) else value


def _copy_json(value: object) -> object:
    if isinstance(value, dict):
        return {k: _copy_json(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_copy_json(v) for v in value]
    return _number(value)


def _codec(hint: object) -> tuple[Decoder, Encoder]:
    """Decoder and encoder for one type hint of the model."""
    origin = typing.get_origin(hint)
    if origin in (types.UnionType, typing.Union):
        inner = [a for a in typing.get_args(hint) if a is not type(None)]
        dec, enc = _codec(inner[0]) if len(inner) == 1 else (_identity, _copy_json)
        return (lambda v: None if v is None else dec(v)), (lambda v: None if v is None else enc(v))
    if origin is list:
        dec, enc = _codec(typing.get_args(hint)[0])
        if dec is _identity and enc is _identity:
            return list, list
        return (lambda v: [dec(x) for x in v]), (lambda v: [enc(x) for x in v])
    if origin is dict:
        dec, enc = _codec(typing.get_args(hint)[1])
        if dec is _identity and enc is _identity:
            return dict, dict
        return (
            lambda v: {k: dec(x) for k, x in v.items()},
            lambda v: {k: enc(x) for k, x in v.items()},
        )
    if isinstance(hint, type) and dataclasses.is_dataclass(hint):
        return (lambda v: _decode(hint, v)), _encode
    if hint is float:
        return _identity, _number
    if hint is int:
        return _whole, _identity
    if hint is object:
        return _copy_json, _copy_json
    return _identity, _identity


@dataclasses.dataclass(frozen=True, slots=True)
class _Field:
    key: str
    attr: str
    decode: Decoder
    encode: Encoder
    default: object
    factory: Callable[[], object] | None


@cache
def _fields(cls: type) -> tuple[_Field, ...]:
    hints = typing.get_type_hints(cls)
    out = []
    for f in dataclasses.fields(cls):
        dec, enc = _codec(hints[f.name])
        factory = None if f.default_factory is _MISSING else f.default_factory
        out.append(_Field(f.metadata.get("json", f.name), f.name, dec, enc, f.default, factory))
    return tuple(out)


def _decode(cls: type[_T], data: object) -> _T:
    assert isinstance(data, dict)
    kwargs = {}
    for f in _fields(cls):  # type: ignore[arg-type]  # mypy#11470: a class is Hashable
        if f.key in data:
            kwargs[f.attr] = f.decode(data[f.key])
    return cls(**kwargs)


def _is_default(f: _Field, value: object) -> bool:
    if f.factory is not None:
        return value == f.factory()
    if f.default is _MISSING or value != f.default:
        return False
    return isinstance(value, bool) == isinstance(f.default, bool)


def _encode(obj: object) -> dict[str, object]:
    out: dict[str, object] = {}
    for f in _fields(type(obj)):  # type: ignore[arg-type]  # mypy#11470: a class is Hashable
        value = getattr(obj, f.attr)
        if not _is_default(f, value):
            out[f.key] = f.encode(value)
    return out


#: Attribute names whose JSON key differs (a Python keyword).
JSON_KEYS = {"return_": "return"}


def node_from_data(data: dict[str, object]) -> Node:
    cls = NODE_TYPES[str(data["type"])]
    return _decode(cls, data)


def node_to_data(node: Node) -> dict[str, object]:
    """The node's canonical JSON data (defaults left out)."""
    return {"type": node.type, **_encode(node)}


def flow_from_data(data: dict[str, object]) -> Flow:
    """Build the model from JSON data that has passed the schema."""
    nodes = data.get("nodes") or {}
    variables = data.get("variables") or {}
    assert isinstance(nodes, dict) and isinstance(variables, dict)
    rest = {k: v for k, v in data.items() if k not in ("nodes", "variables", "$schema")}
    flow = _decode(Flow, rest)
    flow.variables = {name: _decode(Variable, v) for name, v in variables.items()}
    flow.nodes = {nid: node_from_data(n) for nid, n in nodes.items()}
    return flow


def flow_to_data(flow: Flow) -> dict[str, object]:
    """The canonical JSON data of a flow: field order, defaults omitted, nodes in their order."""
    out: dict[str, object] = {}
    for f in _fields(Flow):
        value = getattr(flow, f.attr)
        if f.attr == "nodes":
            out["nodes"] = {nid: node_to_data(n) for nid, n in value.items()}
        elif f.attr == "variables":
            if value:
                # The type is always written: `var account: string` reads better than `var account`.
                out["variables"] = {n: {"type": v.type, **_encode(v)} for n, v in value.items()}
        elif f.attr == "languages" or not _is_default(f, value):
            out[f.key] = f.encode(value)
    return out
