"""The checks a flow must pass to compile, and the facts every later stage reuses.

`analyse(flow)` parses every expression and template once, types them against the declared
variables, resolves every exit to a node, and builds the flow's graph (networkx). The compiler
refuses a flow with any error found here; the lint rules report the same findings under their
codes and add their own from the same facts, so nothing is parsed or checked twice.
"""

from __future__ import annotations

import difflib
import zoneinfo
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date

import networkx as nx

from sce import expr
from sce.compiler.fields import BUILTINS, Text, texts, writes
from sce.diagnostics import Diagnostic, Severity, escape_pointer
from sce.errors import PatternError
from sce.expr.ast import Literal, calls
from sce.expr.typecheck import check_text
from sce.expr.types import normalise_type
from sce.model import Branch, Collect, Flow, Menu, Node, Schedule, Set, Transfer
from sce.patterns import compile_pattern

#: Codes found here; each is also a lint rule (see sce/lint/rules).
MISSING_START = "SCE101"
UNKNOWN_TARGET = "SCE102"
INVALID_EXPRESSION = "SCE201"
TYPE_ERROR = "SCE202"
UNDEFINED_VARIABLE = "SCE203"
INVALID_PATTERN = "SCE205"
DUPLICATE_KEY = "SCE303"
NO_DESTINATION = "SCE504"
INVALID_SCHEDULE = "SCE507"

#: A text as parsed: an expression's tree or a template.
Parsed = expr.Node | expr.Template


@dataclass
class Analysis:
    flow: Flow
    graph: nx.DiGraph
    #: Pointer → parsed expression (AST node) or template.
    parsed: dict[str, Parsed] = field(default_factory=dict)
    #: Node id → its expressions and templates (sources), as `fields.texts` lists them.
    texts: dict[str, list[Text]] = field(default_factory=dict)
    #: Node id → (path below the node, parsed) of its expressions and templates.
    parsed_by_node: dict[str, list[tuple[tuple[str | int, ...], Parsed]]] = field(
        default_factory=dict
    )
    #: Variable → pointers that read it / assign it.
    reads: dict[str, list[str]] = field(default_factory=dict)
    assigned: dict[str, list[str]] = field(default_factory=dict)
    diagnostics: list[Diagnostic] = field(default_factory=list)

    @property
    def errors(self) -> list[Diagnostic]:
        return [d for d in self.diagnostics if d.severity is Severity.ERROR]


def variable_types(flow: Flow) -> dict[str, str]:
    types = dict(BUILTINS)
    types.update({name: v.type for name, v in flow.variables.items()})
    return types


def analyse(flow: Flow) -> Analysis:
    graph = nx.DiGraph()
    graph.add_nodes_from(flow.nodes)
    a = Analysis(flow, graph)
    types = variable_types(flow)
    report = a.diagnostics.append

    if not flow.start:
        report(Diagnostic(MISSING_START, "the flow has no start node", pointer="/start"))
    elif flow.start not in flow.nodes:
        report(
            Diagnostic(
                MISSING_START,
                f"the start node '{flow.start}' does not exist"
                + _did_you_mean(flow.start, flow.nodes),
                pointer="/start",
            )
        )
    if flow.on_error and flow.on_error not in flow.nodes:
        report(
            Diagnostic(
                UNKNOWN_TARGET,
                f"on_error names '{flow.on_error}', which does not "
                "exist" + _did_you_mean(flow.on_error, flow.nodes),
                pointer="/on_error",
            )
        )

    for nid, node in flow.nodes.items():
        base = "/nodes/" + escape_pointer(nid)
        for label, target in _exit_pointers(node):
            ptr, name = label
            if target in flow.nodes:
                if graph.has_edge(nid, target):
                    graph[nid][target]["labels"].append(name)
                else:
                    graph.add_edge(nid, target, labels=[name])
            else:
                report(
                    Diagnostic(
                        UNKNOWN_TARGET,
                        f"'{name}' goes to '{target}', which does not "
                        "exist" + _did_you_mean(target, flow.nodes),
                        pointer=base + ptr,
                        node=nid,
                    )
                )
        a.texts[nid] = node_texts = list(texts(node))
        for text in node_texts:
            kind = _check_text(a, types, nid, base + text.pointer, text)
            if kind is not None:
                _check_result(a, nid, base + text.pointer, node, text, kind)
        for var, ptr in writes(node):
            a.assigned.setdefault(var, []).append(base + ptr)
            if var not in flow.variables:
                report(
                    Diagnostic(
                        UNDEFINED_VARIABLE,
                        f"'{var}' is assigned but not declared; "
                        f"declare it under variables" + _did_you_mean(var, types),
                        pointer=base + ptr,
                        node=nid,
                    )
                )
        _check_node(a, nid, base, node)
    return a


def _exit_pointers(node: Node) -> list[tuple[tuple[str, str], str]]:
    """((pointer below node, exit label), target) of every exit."""
    out: list[tuple[tuple[str, str], str]] = []
    if isinstance(node, Menu):
        for i, choice in enumerate(node.choices):
            out.append(((f"/choices/{i}/next", f"key {choice.key}"), choice.next))
    if isinstance(node, Branch):
        for i, case in enumerate(node.cases):
            out.append(((f"/cases/{i}/next", f"case {i + 1}"), case.next))
    for name in node.exits:
        target = getattr(node, name)
        if isinstance(target, str):
            out.append(((f"/{name}", name), target))
    return out


def _check_text(a: Analysis, types: dict[str, str], nid: str, ptr: str, text: Text) -> str | None:
    """Parse and type-check one text; the type an expression gives, when it checks."""
    source = text.source
    checked = check_text("expression" if text.kind == "expression" else "template", source, types)
    if checked.parsed is None:
        e = checked.errors[0]
        a.diagnostics.append(
            Diagnostic(
                INVALID_EXPRESSION,
                f"{e} (at column {e.column} of {_quote(source)})",
                pointer=ptr,
                node=nid,
            )
        )
        return None
    a.parsed[ptr] = checked.parsed
    a.parsed_by_node.setdefault(nid, []).append((text.path, checked.parsed))
    for node in checked.expressions():
        for name in expr.names(node):
            a.reads.setdefault(name, []).append(ptr)
        for call in calls(node):  # a pattern written in the flow is checked as a collect's is
            pattern = call.args[1] if call.name == "matches" and len(call.args) == 2 else None
            if isinstance(pattern, Literal) and isinstance(pattern.value, str):
                try:
                    compile_pattern(pattern.value)
                except PatternError as e:
                    message = f"matches() in {_quote(source)}: {e.message}"
                    a.diagnostics.append(
                        Diagnostic(INVALID_PATTERN, message, pointer=ptr, node=nid)
                    )
    for problem in checked.errors:
        a.diagnostics.append(
            Diagnostic(
                problem_code(problem), f"{problem} in {_quote(source)}", pointer=ptr, node=nid
            )
        )
    return checked.type if text.kind == "expression" else None


def problem_code(problem: expr.ExprError) -> str:
    """The lint code of a problem the checker found in a text that parses: an unknown variable
    is SCE203, a value of the wrong kind SCE202, anything else (an unknown function) SCE201."""
    code = {
        expr.ExprNameError: UNDEFINED_VARIABLE,
        expr.ExprTypeError: TYPE_ERROR,
    }.get(type(problem), INVALID_EXPRESSION)
    if code == UNDEFINED_VARIABLE and "function" in problem.message:
        return INVALID_EXPRESSION
    return code


#: What a value of each type is called in a message.
_TYPE_WORDS = {
    "number": "a number",
    "string": "text",
    "bool": "true or false",
    "list": "a list",
    "object": "an object",
    "null": "null",
}


def _check_result(a: Analysis, nid: str, ptr: str, node: Node, text: Text, kind: str) -> None:
    """An expression's type against where its value goes: a declared variable, a priority."""
    if kind in ("any", "null"):
        return
    if isinstance(node, Set) and text.path[0] == "assign":
        var = str(text.path[1])
        declared = a.flow.variables.get(var)
        wanted = normalise_type(declared.type) if declared else "any"
        if wanted != "any" and wanted != kind:
            message = (
                f"'{var}' is declared as {_TYPE_WORDS.get(wanted, wanted)}, but this gives "
                f"{_TYPE_WORDS.get(kind, kind)} in {_quote(text.source)}"
            )
            a.diagnostics.append(Diagnostic(TYPE_ERROR, message, pointer=ptr, node=nid))
    elif isinstance(node, Transfer) and text.path == ("priority",) and kind != "number":
        message = (
            f"a priority must be a number, but this gives {_TYPE_WORDS.get(kind, kind)} in "
            f"{_quote(text.source)}"
        )
        a.diagnostics.append(Diagnostic(TYPE_ERROR, message, pointer=ptr, node=nid))


def _check_node(a: Analysis, nid: str, base: str, node: Node) -> None:
    report = a.diagnostics.append
    if isinstance(node, Menu):
        seen: dict[str, int] = {}
        for i, c in enumerate(node.choices):
            if c.key in seen:
                report(
                    Diagnostic(
                        DUPLICATE_KEY,
                        f"key {c.key} is used twice in this menu "
                        f"(choices {seen[c.key] + 1} and {i + 1})",
                        pointer=f"{base}/choices/{i}/key",
                        node=nid,
                    )
                )
            seen.setdefault(c.key, i)
        if node.repeat_key is not None and node.repeat_key in seen:
            report(
                Diagnostic(
                    DUPLICATE_KEY,
                    f"the repeat key {node.repeat_key} is also a choice",
                    pointer=f"{base}/repeat_key",
                    node=nid,
                )
            )
    elif isinstance(node, Collect):
        declared = a.flow.variables.get(node.variable)
        if declared is not None and normalise_type(declared.type) not in ("string", "any"):
            message = (
                f"collect stores the caller's digits as text (they may start with 0): declare "
                f"'{node.variable}' as string, and use number({node.variable}) where a number "
                "is needed"
            )
            report(Diagnostic(TYPE_ERROR, message, pointer=f"{base}/variable", node=nid))
        if node.pattern is not None:
            try:
                compile_pattern(node.pattern)
            except PatternError as e:
                report(Diagnostic(INVALID_PATTERN, e.message, pointer=f"{base}/pattern", node=nid))
        if node.min_digits > node.max_digits:
            report(
                Diagnostic(
                    INVALID_PATTERN,
                    f"min_digits ({node.min_digits}) is more than max_digits ({node.max_digits})",
                    pointer=f"{base}/min_digits",
                    node=nid,
                )
            )
    elif isinstance(node, Transfer):
        if (node.queue is None) == (node.number is None):
            which = "both a queue and a number" if node.queue else "neither a queue nor a number"
            report(
                Diagnostic(
                    NO_DESTINATION,
                    f"a transfer needs a queue or a number; it has {which}",
                    pointer=base,
                    node=nid,
                )
            )
    elif isinstance(node, Schedule):
        _check_schedule(a, nid, base, node)


def _check_schedule(a: Analysis, nid: str, base: str, node: Schedule) -> None:
    report = a.diagnostics.append
    try:
        zoneinfo.ZoneInfo(node.timezone)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        report(
            Diagnostic(
                INVALID_SCHEDULE,
                f"unknown time zone '{node.timezone}' (use an IANA "
                "name such as Europe/London or Asia/Shanghai)",
                pointer=f"{base}/timezone",
                node=nid,
            )
        )
    for day, ranges in node.hours.items():
        for i, r in enumerate(ranges):
            if r.start == r.end:  # an end before the start runs past midnight
                report(
                    Diagnostic(
                        INVALID_SCHEDULE,
                        f"{day}: opening and closing time are both {r.start} (a range that "
                        "ends before it starts runs past midnight, such as 22:00-02:00)",
                        pointer=f"{base}/hours/{day}/{i}",
                        node=nid,
                    )
                )
    for i, h in enumerate(node.holidays):
        try:
            date.fromisoformat(h.date)
        except ValueError:
            report(
                Diagnostic(
                    INVALID_SCHEDULE,
                    f"'{h.date}' is not a date of the calendar",
                    pointer=f"{base}/holidays/{i}/date",
                    node=nid,
                )
            )


def _did_you_mean(name: str, known: Iterable[str]) -> str:
    close = difflib.get_close_matches(name, list(known), n=1)
    return f" (did you mean '{close[0]}'?)" if close else ""


def _quote(source: str) -> str:
    short = source if len(source) <= 60 else source[:57] + "..."
    return repr(short) if "'" not in short else '"' + short + '"'
