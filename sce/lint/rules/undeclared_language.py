"""SCE402 undeclared-language."""

from __future__ import annotations

from collections.abc import Iterator

from sce.compiler.fields import prompt_fields
from sce.diagnostics import Diagnostic, Severity
from sce.lint.context import LintContext
from sce.lint.rule import rule
from sce.model import Language, Sms

CODE = "SCE402"


@rule(CODE, "undeclared-language", Severity.ERROR)
def check(ctx: LintContext) -> Iterator[Diagnostic]:
    """A text, SMS message or language switch uses a language the flow does not declare.

    **What it does:** reports prompt text and SMS messages in a language missing from the flow's
    `languages`, and a `language` node that switches to such a language (when it names the
    language itself, not an `{expression}`).

    **Why is this bad?** No caller of the flow can ever hear a text in an undeclared language, so
    it is dead weight, usually a typo (`zh-cn`, `en-GB` for `en-US`) that leaves the real
    language without its text. A switch to an undeclared language leaves the caller with prompts
    that have no text to speak.

    **Example:**

        flow bank { languages = [en-US], start -> bye }
        hangup bye { prompt { text { en-US = "Goodbye.", fr-FR = "Au revoir." } } }

    **Use instead:**

        flow bank { languages = [en-US, fr-FR], start -> bye }
        hangup bye { prompt { text { en-US = "Goodbye.", fr-FR = "Au revoir." } } }
    """
    declared = ctx.flow.languages
    known = set(declared)
    folded = {lang.lower(): lang for lang in declared}
    listed = ", ".join(declared)

    def advice(lang: str, fix: str) -> str:
        close = folded.get(lang.lower())
        return (
            f"did you mean {close}?"
            if close is not None
            else f"add {lang} to the flow's languages ({listed}) {fix}"
        )

    for nid, node in ctx.flow.nodes.items():
        for name, prompt in prompt_fields(node):
            for lang in prompt.text:
                if lang not in known:
                    yield ctx.report(
                        CODE,
                        f"text in {lang}, which the flow does not declare; "
                        + advice(lang, "or remove this text"),
                        ctx.ptr(nid, name, "text", lang),
                        nid,
                    )
        if isinstance(node, Sms):
            for lang in node.message:
                if lang not in known:
                    yield ctx.report(
                        CODE,
                        f"sms message in {lang}, which the flow does not "
                        "declare; " + advice(lang, "or remove this message"),
                        ctx.ptr(nid, "message", lang),
                        nid,
                    )
        elif isinstance(node, Language):
            lang = node.language
            if "{" not in lang and lang not in known:
                yield ctx.report(
                    CODE,
                    f"language node '{nid}' switches to {lang}, which the "
                    "flow does not declare; " + advice(lang, "with its texts"),
                    ctx.ptr(nid, "language"),
                    nid,
                )
