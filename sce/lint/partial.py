"""Linting the partial model of a flow with schema errors, and which of its findings to report.

`sce.partial` builds the model of a flow's sound parts when its schema errors lie inside single
nodes or variables. The rules run on that model as on any flow, so one run reports the unknown
targets, undefined variables and the rest beside the schema errors, as ruff reports everything
at once. What was set aside must not show up as findings of its own, though: a node only reached
through a broken exit is not unreachable, and a variable only read in a broken field is not
unused. So the rules see the exits read from the broken fields, and a finding is reported only
when what was set aside cannot be its cause:

- in a broken node, only findings about one of its sound fields that depend on nothing else of
  the node (`FIELD_CODES`: an unknown target, an expression, a language); none at all when its
  `noqa` is broken (what it silences is not known);
- when a broken node's type is unknown, no finding of the rules that follow paths through the
  flow (`PATH_CODES`): whether that node ends the call, waits for the caller or reaches an agent
  decides their answer, either way; and when a broken exit names no node at all (`next: 5`),
  none of those nor any unreachable node (SCE103): any node could be the one it meant;
- no "unused variable" for a variable whose name appears in a broken field (none at all when a
  broken field meant for texts holds none: it may have read any), and no unused noqa directive
  inside a broken node.

The flow is refused anyway (SCE002 is an error): what is left out comes back in the next run,
once the schema errors are fixed.
"""

from __future__ import annotations

from sce.compiler.analysis import Analysis, analyse
from sce.diagnostics import Diagnostic, escape_pointer, node_of, pointer_parts
from sce.lint.noqa import UNUSED_NOQA
from sce.lint.rule import RULES
from sce.partial import INERT_NODE_FIELDS, BrokenNode, Partial
from sce.source import Source

#: Findings about one field of a node that depend on nothing but that field, the flow's
#: languages, its declarations and the ids of its nodes (all of them sound or set in place).
FIELD_CODES = frozenset(
    {
        "SCE102",  # unknown target
        "SCE201",  # invalid expression
        "SCE202",  # expression type (a broken declaration is of type any)
        "SCE203",  # undefined variable (a broken declaration still declares)
        "SCE206",  # double braces
        "SCE303",  # duplicate DTMF key
        "SCE401",  # missing translation
        "SCE402",  # undeclared language
        "SCE507",  # invalid schedule
        "SCE603",  # prompt too long
        "SCE701",  # prompt not in the catalog
        "SCE702",  # prompt without audio or text
        "SCE703",  # stale recording
    }
)
#: Rules whose findings follow paths through the flow, and so depend on what every node on
#: them does.
PATH_CODES = frozenset({"SCE104", "SCE105", "SCE602", "SCE604", "SCE605"})


def analysis_of(partial: Partial) -> Analysis:
    """The analysis of the partial model, its graph with the exits read from broken fields."""
    analysis = analyse(partial.flow)
    graph = analysis.graph
    for node, target, label in partial.salvaged:
        if graph.has_edge(node, target):
            graph[node][target]["labels"].append(label)
        else:
            graph.add_edge(node, target, labels=[label])
    return analysis


def believed(partial: Partial, source: Source, found: list[Diagnostic]) -> list[Diagnostic]:
    """The findings on a partial model that what was set aside cannot have caused (see above).

    Run after noqa, so that a directive silencing such a finding does not count as unused.
    """
    unseen = partial.unknown_exits
    paths_unsure = unseen or partial.untyped
    words, unread = partial.words, partial.unknown_reads
    lines: set[int] | None = None
    out = []
    for d in found:
        rule = RULES.get(d.code)
        if rule is not None and rule.check is None and d.code != UNUSED_NOQA:
            out.append(d)  # found while loading (a schema error...): a fact about the file
            continue
        nid = d.node or node_of(d.pointer)
        broken = partial.broken.get(nid) if nid is not None else None
        if broken is not None and not _holds(broken, d):
            continue
        if (paths_unsure and d.code in PATH_CODES) or (unseen and d.code == "SCE103"):
            continue
        if d.code == "SCE204" and (unread or _variable_of(d) in words):
            continue
        if d.code == UNUSED_NOQA and d.line is not None:
            if lines is None:
                lines = _broken_lines(partial, source)
            if d.line in lines:
                continue
        out.append(d)
    return out


def _holds(broken: BrokenNode, d: Diagnostic) -> bool:
    """Whether a finding in a broken node holds whatever its broken fields turn out to be."""
    if broken.bad <= INERT_NODE_FIELDS:
        return True  # broken only where no rule looks
    if broken.kept is None or "noqa" in broken.bad or d.code not in FIELD_CODES:
        return False
    parts = pointer_parts(d.pointer)
    return len(parts) > 2 and parts[0] == "nodes" and parts[2] in broken.kept


def _variable_of(d: Diagnostic) -> str | None:
    """The variable a finding is about (`/variables/<name>`), if any."""
    parts = pointer_parts(d.pointer)
    return parts[1] if len(parts) >= 2 and parts[0] == "variables" else None


def _broken_lines(partial: Partial, source: Source) -> set[int]:
    """The lines of the broken nodes in the file: from each one's start to the next node's."""
    starts = []
    for nid in partial.flow.nodes:
        offset = source.offset_of("/nodes/" + escape_pointer(nid))
        if offset is not None:
            starts.append((offset, nid))
    starts.sort()
    lines: set[int] = set()
    if not starts:
        return lines  # data from memory: no lines to speak of
    ends = [offset for offset, _ in starts[1:]] + [len(source.text)]
    for (start, nid), end in zip(starts, ends, strict=True):
        broken = partial.broken.get(nid)
        if broken is not None and not broken.bad <= INERT_NODE_FIELDS:
            first, last = source.line_col(start)[0], source.line_col(max(start, end - 1))[0]
            lines.update(range(first, last + 1))
    return lines
