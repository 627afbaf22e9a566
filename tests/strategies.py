"""Hypothesis strategies for flows: random, valid model objects for round-trip tests.

`flows()` builds a `Flow` with 1-8 nodes of random types. The strategy of each field is derived
from the dataclass: its type hint gives the shape (bool, number, text, list, dict, nested
dataclass, optional), and a table by field name gives the domain (exits name existing node ids,
`variable` names a valid variable, keys are DTMF keys, ...). Texts mix Chinese, quotes,
backslashes, newlines and `{` braces; expressions are small but parseable-looking formulas.

Every value is valid for the JSON Schema; lint rules (unreachable nodes, min_digits > max_digits,
...) are not respected.
"""

from __future__ import annotations

import dataclasses
import types
import typing
from collections.abc import Callable
from dataclasses import dataclass

from hypothesis import strategies as st

from sce.model import NODE_TYPES, Flow, Node, Prompt, Variable
from sce.model.nodes import Case, Choice, TimeRange

S = st.SearchStrategy

LANGUAGES = ("en-US", "zh-CN", "yue-Hant-HK", "fr-FR", "es-419")
TIMEZONES = ("Europe/London", "Asia/Shanghai", "America/New_York", "UTC", "Asia/Hong_Kong")
DAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
DTMF_KEYS = tuple("0123456789*#")

#: Texts a flow author might write, with the characters that break naive printers and parsers.
SAMPLE_TEXTS = (
    "Welcome to Example Bank.",
    "您好，欢迎致电。请按1查询余额。",
    "歡迎致電，廣東話請按2。",
    'Say "yes" or "no".',
    "It's {hour} o'clock.",
    "C:\\prompts\\welcome.wav",
    "line one\nline two",
    "Your balance is {balance} 元.",
    "{",
    "}",
    "{{literal}}",
    "tab\tand \\n and \\{",
    "",
)
_TEXT_ALPHABET = st.sampled_from(
    list("abcXYZ019 .,!?-_") + list("你好欢迎請按余额") + ['"', "'", "\\", "\n", "{", "}", "é", "€"]
)


def texts(min_size: int = 0, max_size: int = 24) -> S[str]:
    """Free text: a sample from real flows, or random characters from a nasty alphabet."""
    samples = [t for t in SAMPLE_TEXTS if min_size <= len(t) <= max_size]
    return st.one_of(
        st.sampled_from(samples),
        st.text(_TEXT_ALPHABET, min_size=min_size, max_size=max_size),
    )


def identifiers(max_size: int = 12) -> S[str]:
    """Variable names: `^[A-Za-z_][A-Za-z0-9_]{0,63}$`."""
    return st.from_regex(rf"\A[A-Za-z_][A-Za-z0-9_]{{0,{max_size - 1}}}\Z")


def node_ids(max_size: int = 12) -> S[str]:
    """Node ids: `^[A-Za-z_][A-Za-z0-9_-]{0,63}$`."""
    return st.from_regex(rf"\A[A-Za-z_][A-Za-z0-9_-]{{0,{max_size - 1}}}\Z")


def flow_ids() -> S[str]:
    return st.one_of(
        st.sampled_from(["main", "billing", "identify-caller", "after_hours", "v2.support"]),
        st.from_regex(r"\A[A-Za-z_][A-Za-z0-9_.-]{0,15}\Z"),
    )


def seconds(maximum: int = 3600) -> S[float]:
    """Durations as people write them: whole seconds or tenths."""
    return st.one_of(
        st.integers(0, maximum),
        st.integers(0, maximum * 10).map(lambda n: n / 10),
    )


def _literals() -> S[str]:
    return st.one_of(
        st.integers(-1000, 1000).map(str),
        st.sampled_from(["true", "false", "null", "1.5", "'en-US'", '"张三"', "'it\\'s'", "''"]),
    )


def expressions(variables: S[str] | None = None) -> S[str]:
    """Small formulas over variables: `balance > 100`, `name == "张三" and vip`, `attempts + 1`."""
    names = variables if variables is not None else identifiers(8)
    atoms = st.one_of(names, _literals())
    compare = st.tuples(
        atoms, st.sampled_from(["==", "!=", "<", "<=", ">", ">=", "+", "-", "*"]), atoms
    ).map(" ".join)
    return st.one_of(
        atoms,
        compare,
        st.tuples(compare, st.sampled_from(["and", "or"]), compare).map(" ".join),
        compare.map(lambda e: f"not ({e})"),
    )


@dataclass(frozen=True)
class _Context:
    """What the fields of one flow may refer to."""

    node_ids: tuple[str, ...]
    languages: tuple[str, ...]
    variables: tuple[str, ...]

    def exit(self) -> S[str]:
        return st.sampled_from(self.node_ids)

    def variable(self) -> S[str]:
        if self.variables:
            return st.one_of(st.sampled_from(self.variables), identifiers())
        return identifiers()

    def language_map(self) -> S[dict[str, str]]:
        return st.dictionaries(st.sampled_from(self.languages), texts(), max_size=3)


def _time() -> S[str]:
    return st.one_of(
        st.tuples(st.integers(0, 23), st.integers(0, 59)).map(
            lambda hm: f"{hm[0]:02d}:{hm[1]:02d}"
        ),
        st.just("24:00"),
    )


def _date() -> S[str]:
    return st.dates().map(lambda d: d.isoformat())


def _json_pointer() -> S[str]:
    segment = st.one_of(identifiers(8), st.integers(0, 9).map(str), st.sampled_from(["a~1b", "名"]))
    return st.lists(segment, max_size=3).map(lambda parts: "".join("/" + p for p in parts))


#: Strategies for fields by name (or "Class.field"), given the flow's context.
FieldStrategy = Callable[[_Context], S[object]]
FIELDS: dict[str, FieldStrategy] = {
    # shared by nodes
    "title": lambda c: texts(max_size=16),
    "description": lambda c: texts(),
    "noqa": lambda c: st.lists(st.from_regex(r"\ASCE[0-9]{3}\Z"), max_size=2, unique=True),
    "ui": lambda c: st.fixed_dictionaries(
        {"x": st.integers(-500, 500), "y": st.integers(-500, 500)},
        optional={"color": st.sampled_from(["#ff0000", "blue"]), "note": texts()},
    ),
    # prompts and keys
    "Prompt.audio": lambda c: st.sampled_from(["welcome", "menu/main", "欢迎", "a b.wav"]),
    "Prompt.text": lambda c: c.language_map(),
    "Choice.key": lambda c: st.sampled_from(DTMF_KEYS),
    "repeat_key": lambda c: st.sampled_from(DTMF_KEYS),
    "leave_key": lambda c: st.sampled_from(DTMF_KEYS),
    "terminator": lambda c: st.one_of(st.none(), st.sampled_from(DTMF_KEYS)),
    "finish_key": lambda c: st.one_of(st.none(), st.sampled_from(DTMF_KEYS)),
    "Choice.label": lambda c: texts(max_size=12),
    "Choice.speech": lambda c: st.lists(texts(min_size=1, max_size=10), max_size=3, unique=True),
    # numbers
    "loop": lambda c: st.integers(1, 10),
    "retries": lambda c: st.integers(0, 10),
    "min_digits": lambda c: st.integers(1, 64),
    "max_digits": lambda c: st.integers(1, 64),
    "Http.timeout": lambda c: seconds(30),
    # variables and expressions
    "variable": lambda c: c.variable(),
    "when": lambda c: expressions(c.variable()),
    "priority": lambda c: expressions(c.variable()),
    "assign": lambda c: st.dictionaries(c.variable(), expressions(c.variable()), max_size=3),
    "inputs": lambda c: st.dictionaries(identifiers(), expressions(c.variable()), max_size=3),
    "outputs": lambda c: st.dictionaries(c.variable(), identifiers(), max_size=3),
    "pattern": lambda c: st.sampled_from(["[0-9]{8}", "\\d{4,6}", "1[0-9]*", "(0|1)+#?"]),
    # http
    "method": lambda c: st.sampled_from(["GET", "POST", "PUT", "PATCH", "DELETE"]),
    "url": lambda c: st.sampled_from(
        ["https://crm.example.com/accounts/{account}", "http://127.0.0.1:8080/x?q={q}&l=中文"]
    ),
    "headers": lambda c: st.dictionaries(
        st.sampled_from(["Authorization", "X-Trace-Id", "Accept"]), texts(), max_size=2
    ),
    "Http.body": lambda c: st.dictionaries(
        st.sampled_from(["account", "recording", "名字", "a b"]), texts(), max_size=3
    ),
    "save": lambda c: st.dictionaries(c.variable(), _json_pointer(), max_size=3),
    # schedule
    "timezone": lambda c: st.sampled_from(TIMEZONES),
    "Schedule.hours": lambda c: st.dictionaries(
        st.sampled_from(DAYS), st.lists(_instance(TimeRange, c), max_size=2), max_size=4
    ),
    "TimeRange.start": lambda c: _time(),
    "TimeRange.end": lambda c: _time(),
    "Holiday.date": lambda c: _date(),
    "Holiday.name": lambda c: texts(max_size=16),
    # language, transfer, sms, subflow, hangup
    "Language.language": lambda c: st.one_of(
        st.sampled_from(c.languages), st.just("{caller_language}")
    ),
    "queue": lambda c: st.sampled_from(["billing", "support", "客服", "vip-queue"]),
    "Transfer.number": lambda c: st.sampled_from(
        ["+442079460000", "{callback_number}", "+8610 1234 5678"]
    ),
    "skills": lambda c: st.lists(
        st.sampled_from(["mandarin", "cantonese", "english", "mortgages", "粤语"]),
        max_size=3,
        unique=True,
    ),
    "attach": lambda c: st.dictionaries(texts(min_size=1, max_size=10), texts(), max_size=3),
    "hold_music": lambda c: st.sampled_from(["hold/jazz", "hold/classic"]),
    "Sms.to": lambda c: st.sampled_from(["{caller}", "+15551234567", "{mobile}"]),
    "Sms.message": lambda c: c.language_map(),
    "Subflow.flow": lambda c: flow_ids(),
    "reason": lambda c: st.sampled_from(["resolved", "after_hours", "caller hung up", "错误"]),
}


def _field_strategy(
    cls: type, f: dataclasses.Field[object], hint: object, c: _Context
) -> S[object]:
    """A strategy for one field's value: by "Class.field", by field name, exit, or type hint."""
    for name in (f"{cls.__name__}.{f.name}", f.name):
        if name in FIELDS:
            return FIELDS[name](c)
    exits: tuple[str, ...] = getattr(cls, "exits", ())
    if f.name in exits or (cls in (Choice, Case) and f.name == "next"):
        return c.exit()
    return _from_hint(hint, f.name, c)


def _from_hint(hint: object, name: str, c: _Context) -> S[object]:
    origin = typing.get_origin(hint)
    if origin in (types.UnionType, typing.Union):
        inner = [a for a in typing.get_args(hint) if a is not type(None)]
        return st.one_of(*(_from_hint(a, name, c) for a in inner))
    if origin is list:
        return st.lists(_from_hint(typing.get_args(hint)[0], name, c), max_size=3)
    if dataclasses.is_dataclass(hint):
        return _instance(typing.cast(type, hint), c)
    if hint is bool:
        return st.booleans()
    if hint is float:
        return seconds()
    if hint is int:
        return st.integers(0, 10)
    if hint is str:
        return texts()
    raise TypeError(f"no strategy for field {name!r} of type {hint!r}: add it to FIELDS")


def _instance(cls: type, c: _Context) -> S[object]:
    """Instances of a model dataclass; a field with a default is sometimes left at it."""
    hints = typing.get_type_hints(cls)
    required: dict[str, S[object]] = {}
    optional: dict[str, S[object]] = {}
    for f in dataclasses.fields(cls):
        strategy = _field_strategy(cls, f, hints[f.name], c)
        has_default = f.default is not dataclasses.MISSING or (
            f.default_factory is not dataclasses.MISSING
        )
        (optional if has_default else required)[f.name] = strategy
    return st.fixed_dictionaries(required, optional=optional).map(lambda kw: cls(**kw))


_VARIABLE_DEFAULTS: dict[str, Callable[[], S[object]]] = {
    "string": lambda: texts(),
    "number": lambda: st.one_of(st.integers(-(10**6), 10**6), seconds()),
    "bool": lambda: st.booleans(),
    "list": lambda: st.lists(st.one_of(st.integers(0, 99), texts(max_size=6)), max_size=3),
    "object": lambda: st.dictionaries(
        identifiers(6), st.one_of(st.integers(), texts()), max_size=3
    ),
}


@st.composite
def variables(draw: st.DrawFn) -> Variable:
    """A declared variable whose default fits its type."""
    kind = draw(st.sampled_from(["string", "number", "bool", "list", "object", "any"]))
    if kind == "any":
        default_kinds = list(_VARIABLE_DEFAULTS.values())
        default = draw(st.one_of(st.none(), *(make() for make in default_kinds)))
    else:
        default = draw(st.one_of(st.none(), _VARIABLE_DEFAULTS[kind]()))
    return Variable(
        type=kind,
        default=default,
        description=draw(st.one_of(st.none(), texts())),
        input=draw(st.booleans()),
        output=draw(st.booleans()),
    )


def nodes(
    node_type: str,
    node_ids: tuple[str, ...] = ("main",),
    languages: tuple[str, ...] = ("en-US",),
    variables: tuple[str, ...] = (),
) -> S[Node]:
    """Nodes of one type whose exits point into `node_ids`."""
    context = _Context(node_ids, languages, variables)
    return typing.cast(S[Node], _instance(NODE_TYPES[node_type], context))


def prompts(languages: tuple[str, ...] = ("en-US",)) -> S[Prompt]:
    return typing.cast(S[Prompt], _instance(Prompt, _Context(("main",), languages, ())))


@st.composite
def flows(draw: st.DrawFn, min_nodes: int = 1, max_nodes: int = 8) -> Flow:
    """A flow of 1-8 nodes of random types, every exit naming one of its nodes."""
    ids = draw(st.lists(node_ids(), min_size=min_nodes, max_size=max_nodes, unique=True))
    languages = draw(st.lists(st.sampled_from(LANGUAGES), min_size=1, max_size=3, unique=True))
    declared = draw(st.dictionaries(identifiers(), variables(), max_size=4))
    context = _Context(tuple(ids), tuple(languages), tuple(declared))
    types_ = draw(
        st.lists(st.sampled_from(sorted(NODE_TYPES)), min_size=len(ids), max_size=len(ids))
    )
    node_map = {
        i: draw(_instance(NODE_TYPES[t], context)) for i, t in zip(ids, types_, strict=True)
    }
    maybe_exit = st.one_of(st.none(), context.exit())
    return Flow(
        flow=draw(flow_ids()),
        title=draw(st.one_of(st.none(), texts(max_size=16))),
        description=draw(st.one_of(st.none(), texts())),
        languages=languages,
        start=draw(st.one_of(st.just(ids[0]), maybe_exit)),
        on_error=draw(maybe_exit),
        variables=declared,
        nodes=typing.cast(dict[str, Node], node_map),
        noqa=draw(FIELDS["noqa"](context)),
        ui=draw(canvases()),
    )


def canvases() -> S[dict[str, object]]:
    """The designer's data of a flow: sticky notes (nested objects in a list) and a view."""
    note = st.fixed_dictionaries(
        {"id": identifiers(8), "x": st.integers(-500, 500), "y": st.integers(-500, 500)},
        optional={
            "text": texts(),
            "color": st.sampled_from(["yellow", "#aabbcc"]),
            "size": st.fixed_dictionaries({"w": st.integers(0, 400), "h": st.floats(0, 400)}),
            "tags": st.lists(texts(max_size=8), max_size=3),
        },
    )
    viewport = st.fixed_dictionaries(
        {"x": st.integers(-1000, 1000), "y": st.integers(-1000, 1000), "zoom": st.floats(0.1, 4)}
    )
    return st.one_of(
        st.just({}),
        st.fixed_dictionaries(
            {}, optional={"notes": st.lists(note, max_size=3), "viewport": viewport}
        ),
    )
