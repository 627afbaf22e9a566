"""SCE108 subflow-parameters: a subflow node's inputs and outputs do not match the flow it calls."""

from __future__ import annotations

import difflib
from collections.abc import Iterator

from sce.diagnostics import Diagnostic, Severity
from sce.lint.context import LintContext
from sce.lint.rule import rule
from sce.model import Flow, Subflow

CODE = "SCE108"


@rule(CODE, "subflow-parameters", Severity.WARNING)
def check(ctx: LintContext) -> Iterator[Diagnostic]:
    """A subflow node passes or receives variables the flow it calls does not offer.

    **What it does:** when the flow a `subflow` node calls is among the flows linted together,
    reports each of the node's `inputs` that names no variable declared `input` in that flow,
    each of its `outputs` that receives a variable the flow does not declare `output`, and each
    `input` variable of that flow without a default value that the node does not pass. A flow
    that is not among them is not checked (see SCE107 unknown-subflow).

    **Why is this bad?** A value handed to a variable the subflow does not take as input is lost
    (usually a typo or a renamed parameter), so the subflow works with its default or with
    nothing; an output the subflow does not hand back leaves this flow's variable unchanged; an
    input without a default that is not passed leaves the subflow reading a variable that has no
    value.

    **Example:** the flow `identify` declares `var account: string { input = true }` and
    `var verified: bool = false { output = true }`:

        subflow who { flow = "identify", inputs { acount = "caller" },
                      outputs { ok = "verifed" }, next -> menu, error -> agent }

    **Use instead:**

        subflow who { flow = "identify", inputs { account = "caller" },
                      outputs { ok = "verified" }, next -> menu, error -> agent }
    """
    for nid, node in ctx.nodes_of(Subflow):
        child = ctx.project.get(node.flow)
        if child is None:
            continue
        yield from _check_node(ctx, nid, node, child)


def _check_node(ctx: LintContext, nid: str, node: Subflow, child: Flow) -> Iterator[Diagnostic]:
    declared = child.variables
    takes = [name for name, var in declared.items() if var.input]
    gives = [name for name, var in declared.items() if var.output]
    for name in node.inputs:
        var = declared.get(name)
        if var is not None and var.input:
            continue
        what = "does not declare it as an input" if var is not None else "has no such variable"
        yield ctx.report(
            CODE,
            f"subflow '{nid}' passes '{name}' to the flow '{child.flow}', which {what}, so the "
            f"value is lost; {_choose('pass', name, takes, 'input', child.flow)}",
            ctx.ptr(nid, "inputs", name),
            nid,
        )
    for mine, theirs in node.outputs.items():
        var = declared.get(theirs)
        if var is not None and var.output:
            continue
        what = "does not declare it as an output" if var is not None else "has no such variable"
        yield ctx.report(
            CODE,
            f"subflow '{nid}' copies '{theirs}' of the flow '{child.flow}' into '{mine}', but "
            f"'{child.flow}' {what}, so '{mine}' is never set; "
            f"{_choose('receive', theirs, gives, 'output', child.flow)}",
            ctx.ptr(nid, "outputs", mine),
            nid,
        )
    missing = [name for name in takes if name not in node.inputs and declared[name].default is None]
    if missing:
        listed = ", ".join(f"'{m}'" for m in missing)
        yield ctx.report(
            CODE,
            f"subflow '{nid}' does not pass {listed}, which the flow '{child.flow}' needs as "
            f"input and has no default for; add {'them' if len(missing) > 1 else 'it'} to the "
            "node's inputs",
            ctx.ptr(nid, "inputs") if node.inputs else ctx.ptr(nid),
            nid,
        )


def _choose(verb: str, name: str, names: list[str], kind: str, flow: str) -> str:
    if not names:
        return f"'{flow}' declares no {kind} variables; remove this line"
    close = difflib.get_close_matches(name, names, n=1, cutoff=0.8)
    if close:
        return f"did you mean '{close[0]}'?"
    listed = ", ".join(f"'{n}'" for n in names)
    return f"{verb} one of its {kind} variables instead: {listed}"
