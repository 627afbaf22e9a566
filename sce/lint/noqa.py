"""Suppressing findings: `"noqa": [...]` on a JSON node or the flow, `# noqa: CODE` in the DSL.

A DSL `# noqa` covers its own line; on a node's first line it covers the whole node, as the JSON
list does. A directive that suppresses nothing is itself reported (SCE900), so stale ones go.
"""

from __future__ import annotations

from dataclasses import dataclass

from sce.diagnostics import Diagnostic, Severity, escape_pointer
from sce.lint.rule import RULES
from sce.loader import LoadedFlow

UNUSED_NOQA = "SCE900"
#: Why a flow does not load: never silenced. The directives of a flow with schema errors come
#: from its partial model (`sce.partial`), but the flow is refused whatever they say, so they
#: must not hide why.
UNSILENCED = frozenset({"SCE001", "SCE002", "SCE003"})


@dataclass
class _Directive:
    codes: frozenset[str]  # empty: every code
    pointer: str
    line: int | None
    node: str | None  # None: the directive is about its line (or the flow, if no line)
    used: set[str]
    whole_file: bool = False

    def covers(self, d: Diagnostic) -> bool:
        if self.codes and d.code not in self.codes:
            return False
        if self.whole_file:
            return True
        if self.node is not None and d.node == self.node:
            return True
        return self.line is not None and d.line == self.line


def _directives(loaded: LoadedFlow) -> list[_Directive]:
    out: list[_Directive] = []
    flow = loaded.lint_model
    if flow is None:
        return out
    if flow.noqa:
        out.append(_Directive(frozenset(flow.noqa), "/noqa", None, None, set(), whole_file=True))
    for nid, node in flow.nodes.items():
        if node.noqa:
            ptr = "/nodes/" + escape_pointer(nid)
            out.append(_Directive(frozenset(node.noqa), ptr + "/noqa", None, nid, set()))
    if loaded.noqa_lines:
        headers = {}
        for nid in flow.nodes:
            offset = loaded.source.offset_of("/nodes/" + escape_pointer(nid))
            if offset is not None:
                headers[loaded.source.line_col(offset)[0]] = nid
        for line, codes in loaded.noqa_lines.items():
            out.append(_Directive(_as_codes(codes), "", line, headers.get(line), set()))
    return out


def _as_codes(tokens: frozenset[str]) -> frozenset[str]:
    """Rule names (`menu-trap`) as their codes; codes, and unknown words, as they are."""
    names = {r.name: r.code for r in RULES.values()}
    return frozenset(names.get(t, t) for t in tokens)


def apply(
    loaded: LoadedFlow, diagnostics: list[Diagnostic], report_unused: bool
) -> list[Diagnostic]:
    """The diagnostics not suppressed, plus one SCE900 per unused directive or code."""
    directives = _directives(loaded)
    if not directives:
        return diagnostics
    kept = []
    for d in diagnostics:
        if d.code in UNSILENCED:
            kept.append(d)
            continue
        hit = [x for x in directives if x.covers(d)]
        for x in hit:
            x.used.add(d.code)
        if not hit:
            kept.append(d)
    if report_unused:
        kept.extend(_unused(loaded, directives))
    return kept


def _unused(loaded: LoadedFlow, directives: list[_Directive]) -> list[Diagnostic]:
    out = []
    for x in directives:
        if not x.codes:
            if not x.used:
                out.append(_diag(loaded, x, "unused blanket noqa: nothing to suppress here"))
            continue
        for code in sorted(x.codes - x.used):
            why = "unknown rule code" if code not in RULES else "nothing to suppress"
            out.append(_diag(loaded, x, f"unused noqa directive {code}: {why}"))
    return out


def _diag(loaded: LoadedFlow, x: _Directive, message: str) -> Diagnostic:
    d = Diagnostic(
        UNUSED_NOQA,
        message,
        pointer=x.pointer,
        node=x.node,
        severity=Severity.WARNING,
        line=x.line,
        column=1 if x.line else None,
    )
    return loaded.source.locate(d)
