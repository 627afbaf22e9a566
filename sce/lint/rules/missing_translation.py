"""SCE401 missing-translation."""

from __future__ import annotations

from collections.abc import Iterator

from sce.compiler.fields import prompt_fields
from sce.diagnostics import Diagnostic
from sce.lint.context import LintContext
from sce.lint.rule import rule
from sce.model import Sms

CODE = "SCE401"


@rule(CODE, "missing-translation")
def check(ctx: LintContext) -> Iterator[Diagnostic]:
    """A prompt or an SMS has no text in one of the flow's languages.

    **What it does:** for every language in the flow's `languages`, reports each prompt (`prompt`,
    `no_input`, `no_match`, `wait_announcement`) that has neither text in that language nor a
    recording (`audio`), and each `sms` whose `message` has no text in that language (a text
    message has no recording to fall back on). One finding per prompt and missing language.

    **Why is this bad?** A caller who chose Mandarin hears nothing, or suddenly English, at that
    step; an SMS arrives in a language they did not choose. Translations are easy to forget when a
    prompt is added late.

    **Example:**

        flow bank { languages = [en-US, zh-CN], start -> bye }
        hangup bye { prompt { text { en-US = "Goodbye." } } }

    **Use instead:**

        hangup bye { prompt { text { en-US = "Goodbye.", zh-CN = "再见。" } } }
    """
    # A language listed again in other case (SCE403 duplicate-language) is asked for once.
    firsts: dict[str, str] = {}
    for lang in ctx.flow.languages:
        firsts.setdefault(lang.lower(), lang)
    languages = list(firsts.values())
    for nid, node in ctx.flow.nodes.items():
        for name, prompt in prompt_fields(node):
            if prompt.audio:
                continue
            what = "prompt" if name == "prompt" else f"{name} prompt"
            for lang in languages:
                if not prompt.text.get(lang, "").strip():
                    yield ctx.report(
                        CODE,
                        f"{what} has no {lang} text and no recorded audio; add the {lang} text",
                        ctx.ptr(nid, name),
                        nid,
                    )
        if isinstance(node, Sms):
            for lang in languages:
                if not node.message.get(lang, "").strip():
                    yield ctx.report(
                        CODE,
                        f"sms message has no {lang} text; add the {lang} "
                        "text so callers in that language get the message",
                        ctx.ptr(nid, "message"),
                        nid,
                    )
