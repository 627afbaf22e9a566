"""SCE206 double-braces: `{{name}}` in a text, which says the braces instead of the value."""

from __future__ import annotations

import re
from collections.abc import Iterator

from sce.diagnostics import Diagnostic, Severity
from sce.lint.context import LintContext
from sce.lint.rule import rule

#: `{{ name }}` or `{{flow.variables.name}}`: Liquid's way, which Twilio Studio users know.
_LIQUID = re.compile(r"\{\{\s*([A-Za-z_][\w.]*)\s*\}\}")


@rule("SCE206", "double-braces", Severity.WARNING)
def check(ctx: LintContext) -> Iterator[Diagnostic]:
    """A text holds `{{name}}`, which the caller hears as the word in braces, not its value.

    **What it does:** finds `{{name}}` in prompts, messages, URLs and other texts. In our
    texts `{name}` inserts a value and `{{` / `}}` write a literal brace, so `{{balance}}` is
    read out as "{balance}".

    **Why is this bad?** Authors coming from Twilio Studio write Liquid's `{{flow.variables.x}}`
    out of habit; the flow passes every check and the caller hears the template.

    **Example:** `en-US = "Your balance is {{balance}}."`

    **Use instead:** `en-US = "Your balance is {balance}."`
    """
    for nid, node_texts in ctx.facts.texts.items():
        for text in node_texts:
            if text.kind != "template" or "{{" not in text.source:
                continue
            for m in _LIQUID.finditer(text.source):
                name = m.group(1).removeprefix("flow.variables.").removeprefix("flow.data.")
                yield ctx.report(
                    "SCE206",
                    f"'{m.group()}' is read out as the text '{{{m.group(1)}}}'; to say the "
                    f"value, write {{{name}}}",
                    ctx.ptr(nid, *text.path),
                    nid,
                )
