"""SCE603 prompt-too-long."""

from __future__ import annotations

import math
from collections.abc import Iterator

from sce.compiler.fields import prompt_fields
from sce.diagnostics import Diagnostic
from sce.expr import Template
from sce.lint.context import LintContext
from sce.lint.rule import rule

CODE = "SCE603"

#: What a `{expression}` in a prompt is counted as when estimating its length: a value such as
#: an amount or a date is said in about six characters' worth of speech.
PLACEHOLDER = "x" * 6


@rule(CODE, "prompt-too-long")
def check(ctx: LintContext) -> Iterator[Diagnostic]:
    """A prompt takes longer to say than callers will listen.

    **What it does:** estimates how long each prompt text takes to speak, from its number of
    characters and the speech rate of its language (`speech-rate` under `[tool.sce]`; about 15
    characters a second in English, 4.5 in Mandarin), counting each `{expression}` as about six
    characters, and reports a text longer than `max-prompt-seconds` (20 unless set).

    **Why is this bad?** Callers stop listening, press keys at random or ask for an agent during
    long prompts, and a long menu prompt hides its options. Long texts are also slow and costly to
    record again when one sentence changes.

    **Example:** a welcome that lists the opening hours, the web address, a privacy notice and
    every menu option in one prompt.

    **Use instead:** a short welcome, the menu options in the menu's own prompt, and the rest
    behind a choice ("for our opening hours press 4") or in an SMS.
    """
    settings = ctx.settings
    limit = settings.max_prompt_seconds
    parsed = ctx.facts.parsed
    for nid, node in ctx.flow.nodes.items():
        for name, prompt in prompt_fields(node):
            for lang, text in prompt.text.items():
                ptr = None
                if "{" in text:
                    ptr = ctx.ptr(nid, name, "text", lang)
                    template = parsed.get(ptr)
                    if isinstance(template, Template):
                        text = "".join(
                            p if isinstance(p, str) else PLACEHOLDER for p in template.parts
                        )
                seconds = settings.speech_seconds(text, lang)
                if seconds > limit:
                    yield ctx.report(
                        CODE,
                        f"about {math.ceil(seconds)} s of speech in {lang} "
                        f"(limit {limit:g} s); split it or shorten it",
                        ptr or ctx.ptr(nid, name, "text", lang),
                        nid,
                    )
