"""SCE702 prompt-without-audio-or-text."""

from __future__ import annotations

from collections.abc import Iterator

from sce.diagnostics import Diagnostic, Severity
from sce.lint.context import LintContext
from sce.lint.rule import rule

CODE = "SCE702"


@rule(CODE, "prompt-without-audio-or-text", Severity.ERROR)
def check(ctx: LintContext) -> Iterator[Diagnostic]:
    """A catalog prompt has neither text nor audio in one of the flow's languages.

    **What it does:** for every language in the flow's `languages`, reports each prompt with an
    `audio` id that has no text in that language while the prompt catalog has no take for it in
    that language (nor in its more general language: `zh` serves `zh-CN`), nor a plain recording
    (`zh-CN/goodbye.wav`, from before the catalog, which the runtime plays). Where the flow has no
    catalog folder beside it, the text alone is checked, as the runtime then speaks the text.
    One finding per prompt and language. (A prompt without `audio` and without a text is
    SCE401's.)

    **Why is this bad?** A caller in that language hears silence at that step: there is no
    recording to play and no text for text-to-speech to say. The `audio` id makes the missing
    translation easy to miss, as the prompt looks recorded.

    **Example:**

        flow bank { languages = [en-US, zh-CN], start -> bye }
        hangup bye { prompt { audio = goodbye, text { en-US = "Goodbye." } } }

    with no Mandarin take of `goodbye` in the catalog.

    **Use instead:**

        hangup bye { prompt { audio = goodbye, text { en-US = "Goodbye.", zh-CN = "再见。" } } }

    or record the Mandarin take (studio, `sce prompts import`) or synthesise it from the text
    (`sce prompts synth`).
    """
    prompts = ctx.audio_prompts
    if not prompts:
        return
    catalog = ctx.catalog
    languages = ctx.languages
    for nid, name, prompt in prompts:
        audio = str(prompt.audio)
        given = {lang.lower() for lang, text in prompt.text.items() if text.strip()}
        what = "prompt" if name == "prompt" else f"{name} prompt"
        for lang in languages:
            if lang.lower() in given:
                continue
            if catalog is not None and catalog.best(audio, lang) is not None:
                continue
            if ctx.plain_recording(audio, lang):
                continue  # `<lang>/<id>.wav` from before the catalog: the runtime plays it
            if catalog is None:
                why = (
                    "the prompt catalog cannot be read (SCE700)"
                    if ctx.prompt_folder
                    else ("no prompt catalog is there to play a recording from")
                )
                words = (
                    f"{what} '{audio}' has no {lang} text, and {why}: callers in {lang} hear "
                    f"nothing; add the {lang} text"
                )
            else:
                words = (
                    f"{what} '{audio}' has no {lang} text, and the prompt catalog has no {lang} "
                    f"take of it: callers in {lang} hear nothing; add the {lang} text, or "
                    "record the take (studio, `sce prompts import`)"
                )
            yield ctx.report(CODE, words, ctx.ptr(nid, name), nid)
