"""The model of a flow's sound parts, when schema errors keep the whole from being a flow.

A misspelt field in one node made the flow fail the schema, so no model was built and no rule
ran: the author saw that one SCE002 and none of the other mistakes, fixed it, and only then met
the next. Like ruff, which reports all it can in one run, the loader builds a *partial* model when
every schema error (SCE002) and duplicate key (SCE003) lies inside single nodes or variables (or
in the flow's title, description or `$schema`, which no rule reads):

- a broken node is rebuilt as a node of its own type from its sound fields (a required field it
  lacks gets an empty value), so that the paths through the flow stay as the author drew them;
  a node whose type is unknown, or that is not an object at all, becomes an `Unchecked` node;
- the node ids its broken fields name, under a field that is (or is spelt like) one of its
  exits, are kept as `salvaged` exits, so the nodes behind them are not taken for unreachable;
- a broken variable keeps its sound fields; when its type is what is broken, it is `any`, which
  every expression accepts.

The partial model is for the linter only (`sce.lint.partial` says which findings it keeps):
`LoadedFlow.flow` stays None for such a flow, so that it is never compiled, deployed or saved.
"""

from __future__ import annotations

import dataclasses
import difflib
import re
import typing
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import ClassVar

from sce.diagnostics import Diagnostic, pointer_parts
from sce.model import NODE_TYPES, Flow, Node, Variable, flow_from_data, node_from_data

#: The codes of the problems a partial model sets aside (anything else keeps it from being built).
SET_ASIDE = frozenset({"SCE002", "SCE003"})
#: Flow fields that no rule reads: a problem there costs nothing when the field is left out.
INERT_FLOW_FIELDS = frozenset({"title", "description", "$schema", "ui"})
#: Node fields that no rule reads: a node broken only there is checked like a sound one.
INERT_NODE_FIELDS = frozenset({"title", "description", "ui"})
#: Fields of a node that hold exits in lists (each item's `next`), with the label of an item.
_EXIT_LISTS = {"choices": "key", "cases": "case"}
#: Every exit of every node type: where an `Unchecked` node's exits may be.
_ALL_EXITS = tuple(sorted({name for cls in NODE_TYPES.values() for name in cls.exits}))
#: The JSON names of each node type's fields.
_FIELDS = {
    name: frozenset(f.metadata.get("json", f.name) for f in dataclasses.fields(cls))
    for name, cls in NODE_TYPES.items()
}
#: Fields of some node type that are not exits: such a field is never taken for a misspelt exit.
_NOT_EXITS = frozenset().union(*_FIELDS.values()) - set(_ALL_EXITS) - set(_EXIT_LISTS)
#: The field name that stands for a problem with a node or variable as a whole.
WHOLE = ""
#: A name in a text, as expressions write variables.
_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")


def _textual(cls: type[Node]) -> frozenset[str]:
    """The fields of a node type that may hold texts which read variables: all but numbers,
    yes/no values, exits, choices (keys and words), noqa and the fields no rule reads."""
    hints = typing.get_type_hints(cls)
    out = set()
    for f in dataclasses.fields(cls):
        kinds = set(typing.get_args(hints[f.name])) - {type(None)} or {hints[f.name]}
        if not kinds <= {int, float, bool}:
            out.add(f.metadata.get("json", f.name))
    return frozenset(out - set(cls.exits) - {"choices", "noqa"} - INERT_NODE_FIELDS)


#: The fields of each node type where texts that read variables go.
_TEXTUAL = {name: _textual(cls) for name, cls in NODE_TYPES.items()}


@dataclass(kw_only=True)
class Unchecked(Node):
    """A node whose type is unknown (or that is not even an object): it does nothing a rule
    could check, and no exit of its own; what its fields may name is in `Partial.salvaged`."""

    type: ClassVar[str] = "unchecked"


@dataclass(frozen=True)
class BrokenNode:
    """A node with schema errors, as the partial model holds it."""

    #: The fields built into the model as written (None: the node is `Unchecked`).
    kept: frozenset[str] | None
    #: The fields that had problems (`WHOLE` for the node as a whole).
    bad: frozenset[str]
    #: Every word in the fields left out: the variables those may read.
    words: frozenset[str]
    #: Whether a left-out exit names no node at all (`next: 5`): what lies behind is unknown.
    unknown_exit: bool = False
    #: Whether a left-out field that holds texts holds none (`body: 5`): what it reads is unknown.
    unknown_reads: bool = False


@dataclass(frozen=True)
class Partial:
    """A flow's sound parts, and what was set aside to build them."""

    flow: Flow
    broken: dict[str, BrokenNode]
    #: (node, target, exit label) of the exits read from broken fields, to targets that exist.
    salvaged: tuple[tuple[str, str, str], ...]

    @property
    def untyped(self) -> bool:
        """Whether a broken node is `Unchecked`: what it does on a call is anyone's guess."""
        return any(b.kept is None for b in self.broken.values())

    @property
    def unknown_exits(self) -> bool:
        """Whether a broken exit names nothing: some nodes may lie behind it, unseen."""
        return any(b.unknown_exit for b in self.broken.values())

    @property
    def unknown_reads(self) -> bool:
        """Whether a broken text is not text at all: any variable could be what it meant to read."""
        return any(b.unknown_reads for b in self.broken.values())

    @property
    def words(self) -> frozenset[str]:
        """Every word in the broken fields: the variables they may read."""
        return frozenset().union(*(b.words for b in self.broken.values()))


def partial_model(data: object, problems: Iterable[Diagnostic]) -> Partial | None:
    """The model of the sound parts of `data`, or None when a problem lies outside what can be
    set aside (the flow's id, start, languages, an unknown flow field, a syntax error...)."""
    if not isinstance(data, dict):
        return None
    nodes = data.get("nodes", {})
    variables = data.get("variables", {})
    if not isinstance(nodes, dict) or not isinstance(variables, dict):
        return None
    bad_nodes: dict[str, set[str]] = {}
    bad_vars: dict[str, set[str]] = {}
    bad_flow: set[str] = set()
    doubled: set[str] = set()  # nodes written twice: which one the data holds is a guess
    for problem in problems:
        if problem.code not in SET_ASIDE:
            return None
        parts = pointer_parts(problem.pointer)
        where = parts[2] if len(parts) > 2 else WHOLE
        if len(parts) >= 2 and parts[0] == "nodes" and parts[1] in nodes:
            bad_nodes.setdefault(parts[1], set()).add(where)
            if where == WHOLE and problem.code == "SCE003":
                doubled.add(parts[1])
        elif len(parts) >= 2 and parts[0] == "variables" and parts[1] in variables:
            bad_vars.setdefault(parts[1], set()).add(where)
        elif parts and parts[0] in INERT_FLOW_FIELDS:
            bad_flow.add(parts[0])
        else:
            return None
    sound = {k: v for k, v in data.items() if k not in bad_flow}
    sound["nodes"] = {nid: n for nid, n in nodes.items() if nid not in bad_nodes}
    sound["variables"] = {n: v for n, v in variables.items() if n not in bad_vars}
    try:
        flow = flow_from_data(sound)
    except (TypeError, ValueError, KeyError, AttributeError):
        return None  # a shape the schema check did not vouch for: no model, as before
    flow.variables = {
        name: _variable(raw, bad_vars[name]) if name in bad_vars else flow.variables[name]
        for name, raw in variables.items()
    }
    built: dict[str, Node] = {}
    broken: dict[str, BrokenNode] = {}
    salvaged: list[tuple[str, str, str]] = []
    for nid, fields in bad_nodes.items():
        raw = nodes[nid]
        node, kept = (Unchecked(), None) if nid in doubled else _rebuild(raw, fields)
        built[nid] = node
        left_out = _left_out(raw, kept)
        exits, unknown = _exits(node, left_out)
        words = frozenset(_words(left_out.values()))
        unread = _unknown_reads(node, left_out)
        broken[nid] = BrokenNode(kept, frozenset(fields), words, unknown, unread)
        salvaged.extend((nid, target, label) for target, label in exits if target in nodes)
    flow.nodes = {nid: built[nid] if nid in built else flow.nodes[nid] for nid in nodes}
    return Partial(flow, broken, tuple(salvaged))


def _rebuild(raw: object, bad: set[str]) -> tuple[Node, frozenset[str] | None]:
    """A node of the type `raw` says, from its sound fields, and the fields it was built from."""
    if not isinstance(raw, dict) or "type" in bad:
        return Unchecked(), None
    cls = NODE_TYPES.get(raw["type"]) if isinstance(raw.get("type"), str) else None
    if cls is None:
        return Unchecked(), None
    known = _FIELDS[cls.type]
    kept = {k: v for k, v in raw.items() if k in known and k not in bad}
    try:
        return node_from_data({**_empty_required(cls), **kept, "type": cls.type}), frozenset(kept)
    except (TypeError, ValueError, KeyError, AttributeError):
        return Unchecked(), None  # a shape the schema check did not vouch for


def _empty_required(cls: type[Node]) -> dict[str, object]:
    """An empty value for each field the type requires: an empty text or prompt. Findings
    about these fields are not kept (they are not among the fields kept)."""
    hints = typing.get_type_hints(cls)
    out: dict[str, object] = {}
    for f in dataclasses.fields(cls):
        if f.default is dataclasses.MISSING and f.default_factory is dataclasses.MISSING:
            hint = hints[f.name]
            if hint is not str and not dataclasses.is_dataclass(hint):
                raise TypeError(f"no empty value for {cls.type}.{f.name}")
            out[f.metadata.get("json", f.name)] = "" if hint is str else {}
    return out


def _variable(raw: object, bad: set[str]) -> Variable:
    """A broken variable from its sound fields; of type `any` when its type is what is broken."""
    if not isinstance(raw, dict) or WHOLE in bad:
        return Variable(type="any")
    known = {f.name for f in dataclasses.fields(Variable)}
    kept = {k: v for k, v in raw.items() if k in known and k not in bad}
    try:
        variable = flow_from_data({"flow": "f", "variables": {"v": kept}}).variables["v"]
    except (TypeError, ValueError, KeyError, AttributeError):
        return Variable(type="any")
    if "type" in bad:
        variable.type = "any"
    return variable


def _left_out(raw: object, kept: frozenset[str] | None) -> dict[str, object]:
    """The fields of a broken node that the model does not hold, by name."""
    if not isinstance(raw, dict):
        return {WHOLE: raw}
    return {k: v for k, v in raw.items() if k != "type" and (kept is None or k not in kept)}


def _exits(node: Node, left_out: dict[str, object]) -> tuple[list[tuple[str, str]], bool]:
    """(target, label) of what the left-out fields name where an exit of the node would be, and
    whether one of them names nothing at all (`next: 5`): then what lies behind it is unknown.

    For a node of known type, a field counts when it is one of the type's exits or its list of
    choices or cases, or is spelt like one (`nxt`, `exhuasted`, `choises`). Of an `Unchecked`
    node, every field counts: its exits could be anywhere.
    """
    unchecked = isinstance(node, Unchecked)
    names = [*(_ALL_EXITS if unchecked else node.exits)]
    names += [f for f in _EXIT_LISTS if unchecked or f in _FIELDS[node.type]]
    found: list[tuple[str, str]] = []
    unknown = unchecked and WHOLE in left_out  # not even an object: its exits could be any
    others = _NOT_EXITS if unchecked else _FIELDS[node.type] - set(names)
    for name, value in left_out.items():
        if name in names or name in others:
            close = [name] if name in names else []
        else:
            close = difflib.get_close_matches(name, names, n=1, cutoff=0.6)
        if not close:
            if unchecked:
                found.extend((text, name) for text in _strings([value]))
            continue
        if close[0] not in _EXIT_LISTS:
            texts = list(_strings([value]))
            unknown = unknown or not texts
            found.extend((text, close[0]) for text in texts)
            continue
        for i, item in enumerate(value if isinstance(value, list) else [value]):
            label = _item_label(close[0], i, item)
            target = item.get("next") if isinstance(item, dict) else None
            texts = [target] if isinstance(target, str) else list(_strings([item]))
            unknown = unknown or not texts
            found.extend((text, label) for text in texts)
    return found, unknown


def _unknown_reads(node: Node, left_out: dict[str, object]) -> bool:
    """Whether a left-out field where texts go holds no text at all (`body: 5`, a node that is
    not an object): which variables it was meant to read cannot be told."""
    if WHOLE in left_out:
        return True
    textual = _TEXTUAL.get(node.type) or frozenset().union(*_TEXTUAL.values())
    return any(name in textual and not any(_strings([v])) for name, v in left_out.items())


def _item_label(field: str, i: int, item: object) -> str:
    """The label the analysis gives such an exit: `key 1` for a choice, `case 2` for a case."""
    if _EXIT_LISTS[field] == "key":
        key = item.get("key") if isinstance(item, dict) else None
        return f"key {key if isinstance(key, str) else '?'}"
    return f"case {i + 1}"


def _strings(values: Iterable[object]) -> Iterator[str]:
    """Every string in some JSON values, keys left out (iteratively: values may nest deep)."""
    stack = list(values)
    while stack:
        value = stack.pop()
        if isinstance(value, str):
            yield value
        elif isinstance(value, dict):
            stack.extend(value.values())
        elif isinstance(value, list):
            stack.extend(value)


def _words(values: Iterable[object]) -> Iterator[str]:
    """The names in the texts of some JSON values: the variables they may read."""
    for text in _strings(values):
        yield from _NAME.findall(text)
