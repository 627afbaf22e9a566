"""`compile_flow(flow) -> CompiledFlow`: a checked model becomes the runtime's state machine.

Passes, in order: analyse (parse and type every expression, resolve every exit; any error stops
here with all diagnostics), then build one `State` per node, then hash the canonical form.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, cast

from sce import expr
from sce.compiler import ir
from sce.compiler.analysis import Analysis, Parsed, analyse
from sce.errors import CompileError
from sce.model import Branch, Flow, Menu, Node, Subflow
from sce.model.convert import JSON_KEYS

#: Node fields the runtime never needs: they are for people and the designer.
_PEOPLE_FIELDS = ("type", "title", "description", "noqa", "ui")


def compile_flow(flow: Flow, analysis: Analysis | None = None) -> ir.CompiledFlow:
    """Compile a flow; raise CompileError with every error diagnostic if it has any."""
    a = analysis or analyse(flow)
    if a.errors:
        raise CompileError(f"flow '{flow.flow}' has {len(a.errors)} error(s)", a.errors)
    states = {
        nid: _state(nid, node, a.parsed_by_node.get(nid, [])) for nid, node in flow.nodes.items()
    }
    subflows = sorted({n.flow for n in flow.nodes.values() if isinstance(n, Subflow)})
    variables = {
        name: {"type": v.type, "default": v.default, "input": v.input, "output": v.output}
        for name, v in flow.variables.items()
    }
    compiled = ir.CompiledFlow(
        flow=flow.flow,
        version="",
        title=flow.title,
        languages=tuple(flow.languages),
        start=flow.start or "",
        on_error=flow.on_error,
        variables=cast("Mapping[str, Mapping[str, object]]", ir.freeze(variables)),
        states=ir.FrozenDict(states),
        subflows=tuple(subflows),
    )
    return ir.with_version(compiled, ir.compute_version(compiled))


def _state(
    nid: str, node: Node, parsed_texts: list[tuple[tuple[str | int, ...], Parsed]]
) -> ir.State:
    data = {JSON_KEYS.get(k, k): ir.freeze(v) for k, v in vars(node).items()}
    for path, parsed in parsed_texts:
        _replace(data, path, parsed)
    on: dict[str, str] = {}
    if isinstance(node, Menu):
        for choice in node.choices:
            on[f"key:{choice.key}"] = choice.next
        choices = cast("tuple[ir.FrozenDict, ...]", data["choices"])  # frozen Choice objects
        data["choices"] = tuple(
            ir.FrozenDict({k: v for k, v in c.items() if k != "next"}) for c in choices
        )
    if isinstance(node, Branch):
        for i, case in enumerate(node.cases):
            on[f"case:{i}"] = case.next
        cases = cast("tuple[ir.FrozenDict, ...]", data["cases"])  # frozen Case objects
        data["cases"] = tuple(ir.FrozenDict(when=c["when"]) for c in cases)
    for name in node.exits:
        target = getattr(node, name)
        data.pop(name, None)
        if target is not None:
            on[ir.EXIT_EVENTS[name]] = target
    for name in _PEOPLE_FIELDS:
        data.pop(name, None)
    return ir.State.build(nid, node.type, data, on)


def _replace(data: dict[str, object], path: tuple[str | int, ...], parsed: Parsed) -> None:
    """Put the parsed form of the text at `path` in place of its source.

    The state is still being built, so writing into its frozen parts bypasses FrozenDict.
    """
    target: Any = data
    for key in path[:-1]:
        target = target[key]
    last = path[-1]
    source = target[last]
    wrapped = (
        ir.Template(source, parsed)
        if isinstance(parsed, expr.Template)
        else ir.Expression(source, parsed)
    )
    dict.__setitem__(target, last, wrapped)
