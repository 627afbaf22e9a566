"""The compiled flow: an immutable state machine that the runtime executes.

Each `State` holds its resolved parameters (expressions and templates already parsed) and a table
`event → next state`. A `CompiledFlow`'s `version` is the sha256 of its canonical JSON, so the same
flow compiles to the same version on any machine, and it travels as JSON to another runtime node,
which loads it without the flow's source (`from_data` checks the version). In that JSON an
expression is its own source text, parsed again on load: the hash covers exactly what will run.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import NoReturn, cast

from sce import expr
from sce.errors import SceError
from sce.model.convert import JSON_KEYS

FORMAT = "sce-ir/1"

#: Events of the transition tables. `key:<k>` for menu keys and `case:<i>` for branch cases too.
DONE = "done"
EXIT_EVENTS = {
    "next": DONE,
    "error": "error",
    "exhausted": "exhausted",
    "default": "default",
    "open": "open",
    "closed": "closed",
    "holiday": "holiday",
    "leave": "leave",
    "failure": "failure",
    "no_audio": "no_audio",
}


class IRError(SceError):
    """A compiled flow's JSON is not one this version of sce wrote."""


@dataclass(frozen=True, slots=True)
class Expression:
    source: str
    ast: expr.ast.Node

    def to_data(self) -> dict[str, object]:
        return {"$expr": self.source}


@dataclass(frozen=True, slots=True)
class Template:
    source: str
    template: expr.Template

    def to_data(self) -> dict[str, object]:
        return {"$template": self.source}


class FrozenDict(dict):
    """A dict that refuses every change.

    Compiled flows are shared by every call and thread of a runtime, so nothing may change
    them. A dict subclass (rather than a read-only proxy) is what `json` encodes natively, so
    serialising and hashing a compiled flow needs no second, plain copy of it.
    """

    __slots__ = ()

    def _refuse(self, *args: object, **kwargs: object) -> NoReturn:
        raise TypeError("a compiled flow cannot be changed")

    __setitem__ = __delitem__ = clear = pop = popitem = setdefault = update = _refuse
    __ior__ = _refuse

    def __reduce__(self) -> tuple[type, tuple[dict[str, object]]]:
        return FrozenDict, (dict(self),)


@dataclass(frozen=True, slots=True)
class State:
    id: str
    type: str
    params: Mapping[str, object]
    on: Mapping[str, str]

    @classmethod
    def build(cls, sid: str, type_: str, data: dict[str, object], on: dict[str, str]) -> State:
        """A state from params whose values are already frozen (see `freeze`)."""
        return cls(sid, type_, FrozenDict(data), FrozenDict(on))

    def to_data(self) -> dict[str, object]:
        params = json.loads(json.dumps(self.params, default=_text))
        return {"type": self.type, "params": params, "on": dict(self.on)}


@dataclass(frozen=True, slots=True)
class CompiledFlow:
    flow: str
    version: str
    title: str | None
    languages: tuple[str, ...]
    start: str
    on_error: str | None
    variables: Mapping[str, Mapping[str, object]]
    states: Mapping[str, State]
    subflows: tuple[str, ...]

    @property
    def default_language(self) -> str:
        """The first of the flow's languages: what a call starts in ("" if it names none)."""
        return self.languages[0] if self.languages else ""

    def to_data(self) -> dict[str, object]:
        return json.loads(self.to_json())

    def to_json(self, indent: int | None = 1) -> str:
        body = _body(self)
        body["version"] = self.version
        return json.dumps(body, ensure_ascii=False, indent=indent, default=_text)

    @classmethod
    def from_data(cls, data: object) -> CompiledFlow:
        if not isinstance(data, dict) or data.get("format") != FORMAT:
            raise IRError(f"not a compiled flow of format {FORMAT}")
        try:
            states = {
                sid: State.build(sid, s["type"], _frozen_params(s["params"]), dict(s["on"]))
                for sid, s in data["states"].items()
            }
            flow = cls(
                flow=data["flow"],
                version="",
                title=data.get("title"),
                languages=tuple(data["languages"]),
                start=data["start"],
                on_error=data.get("on_error"),
                variables=cast(
                    "Mapping[str, Mapping[str, object]]", freeze(data.get("variables", {}))
                ),
                states=FrozenDict(states),
                subflows=tuple(data.get("subflows", ())),
            )
        except (KeyError, TypeError, ValueError, AttributeError, expr.ExprError) as e:
            raise IRError(f"the compiled flow is damaged: {e}") from None
        version = compute_version(flow)
        if data.get("version") != version:
            raise IRError("the compiled flow's version does not match its content")
        return with_version(flow, version)

    @classmethod
    def from_json(cls, text: str) -> CompiledFlow:
        try:
            data = json.loads(text)
        except ValueError as e:
            raise IRError(f"the compiled flow is not JSON: {e}") from None
        return cls.from_data(data)


def _body(flow: CompiledFlow) -> dict[str, object]:
    """The flow as JSON-ready data; expressions stay objects for `json.dumps(default=...)`."""
    return {
        "format": FORMAT,
        "flow": flow.flow,
        "title": flow.title,
        "languages": list(flow.languages),
        "start": flow.start,
        "on_error": flow.on_error,
        "variables": flow.variables,
        "subflows": list(flow.subflows),
        "states": {
            sid: {"type": s.type, "params": s.params, "on": s.on} for sid, s in flow.states.items()
        },
    }


def _text(value: object) -> object:
    """Expressions and templates are written as their source: the parse is a function of it,
    so the version (a hash of this text) covers exactly what the runtime will run."""
    if isinstance(value, Expression | Template):
        return value.to_data()
    raise TypeError(f"cannot serialise {type(value).__name__}")


def compute_version(flow: CompiledFlow) -> str:
    """sha256 of the canonical JSON: sorted keys, no spaces, UTF-8, expressions as source."""
    canonical = json.dumps(
        _body(flow), sort_keys=True, separators=(",", ":"), ensure_ascii=False, default=_text
    )
    return hashlib.sha256(canonical.encode("utf-8", "surrogatepass")).hexdigest()


def with_version(flow: CompiledFlow, version: str) -> CompiledFlow:
    """The flow with its version set (a frozen dataclass: set once, as it is built)."""
    object.__setattr__(flow, "version", version)
    return flow


_SCALARS = frozenset({str, int, bool, type(None)})


def freeze(value: object) -> object:
    """A deeply immutable copy: dicts and model objects become FrozenDicts (every field, with
    its JSON key), lists tuples, whole floats ints. One pass from the model to the IR."""
    kind = type(value)
    if kind in _SCALARS:
        return value
    if kind is dict:
        return FrozenDict({k: freeze(v) for k, v in cast("dict[str, object]", value).items()})
    if kind is list or kind is tuple:
        return tuple(freeze(v) for v in cast("Iterable[object]", value))
    if kind is float:
        number = cast(float, value)
        return int(number) if number.is_integer() and abs(number) < 2**53 else number
    if kind is Expression or kind is Template:
        return value
    if hasattr(kind, "__dataclass_fields__"):
        return FrozenDict({JSON_KEYS.get(k, k): freeze(v) for k, v in vars(value).items()})
    return value


def _frozen_params(value: object) -> dict[str, object]:
    """A state's params from JSON, parsed and frozen: a JSON object, as a compiled flow writes
    them, becomes a FrozenDict (anything else is damage that `State.build` refuses)."""
    return cast("dict[str, object]", freeze(_load_params(value)))


def _load_params(value: object) -> object:
    if isinstance(value, dict):
        if "$expr" in value:
            return Expression(value["$expr"], expr.parse_expression(value["$expr"]))
        if "$template" in value:
            return Template(value["$template"], expr.parse_template(value["$template"]))
        return {k: _load_params(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_load_params(v) for v in value]
    return value
