"""SCE403 duplicate-language: the flow lists the same language twice."""

from __future__ import annotations

from collections.abc import Iterator

from sce.diagnostics import Diagnostic, Severity
from sce.lint.context import LintContext
from sce.lint.rule import rule

CODE = "SCE403"


@rule(CODE, "duplicate-language", Severity.ERROR)
def check(ctx: LintContext) -> Iterator[Diagnostic]:
    """The flow's `languages` list the same language twice, perhaps in different case.

    **What it does:** reports each entry of the flow's `languages` that equals an earlier one
    when upper and lower case are not told apart (`en-US` and `en-us`), at the later entry.

    **Why is this bad?** Language tags do not depend on case: `en-us` is the same language as
    `en-US`. Listed twice, the flow seems to need a second set of texts for it (every prompt is
    then reported as missing an `en-us` text), and a caller who picks the language may get either
    spelling, with texts under one and not the other.

    **Example:**

        flow bank { languages = [en-US, zh-CN, en-us], start -> main }

    **Use instead:**

        flow bank { languages = [en-US, zh-CN], start -> main }
    """
    first: dict[str, str] = {}
    for i, lang in enumerate(ctx.flow.languages):
        earlier = first.get(lang.lower())
        if earlier is None:
            first[lang.lower()] = lang
            continue
        same = "again" if earlier == lang else f"again as {lang}"
        yield ctx.report(
            CODE,
            f"the flow lists the language {earlier} {same}: language codes do not depend on "
            f"case, so both are the same language; remove this entry",
            f"/languages/{i}",
        )
