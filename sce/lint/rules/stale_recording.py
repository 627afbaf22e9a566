"""SCE703 stale-recording."""

from __future__ import annotations

from collections.abc import Iterator

from sce.diagnostics import Diagnostic, Severity
from sce.lint.context import LintContext
from sce.lint.rule import rule
from sce.prompts.catalog import same_text
from sce.schema.messages import show

CODE = "SCE703"

#: How much of each text a finding shows.
_SHOWN = 40
#: Words shown before the first that differs, when the texts begin alike.
_CONTEXT = 3


def shortened(old: str, new: str) -> tuple[str, str]:
    """Both texts, quoted and shortened to where they differ: long texts that begin alike
    start a few words before the first word that differs (after `…`)."""
    a, b = old.split(), new.split()
    same = 0
    while same < min(len(a), len(b)) and a[same] == b[same]:
        same += 1
    start = max(0, same - _CONTEXT)
    lead = "…" if start else ""
    return (
        show(lead + " ".join(a[start:]), _SHOWN),
        show(lead + " ".join(b[start:]), _SHOWN),
    )


@rule(CODE, "stale-recording", Severity.WARNING)
def check(ctx: LintContext) -> Iterator[Diagnostic]:
    """What callers hear of a catalog prompt was made from another text than the flow's.

    **What it does:** for each prompt with an `audio` id and each of the flow's languages it
    has a text in, compares that text with the text the catalog's take for it (the one callers
    in that language hear) was recorded, uploaded or synthesised from, and reports the prompt
    when they differ (spacing aside). A flow with no catalog folder beside it is not checked.

    **Why is this bad?** The flow's text was changed after the recording was made: callers
    still hear the old words, which may name an option that no longer exists or a key that now
    does something else. Nothing else shows it, as the text looks right in the flow.

    **Example:** the flow says `"For your balance, press 1. For an agent, press 0."`, but the
    recording of `balance_menu` still says `"For your balance, press 1. For cards, press 2."`.

    **Use instead:** record the prompt again from the new text (the studio, `sce prompts
    import`); a synthesised take is made again by `sce prompts synth`. `sce prompts status`
    lists every stale prompt.
    """
    catalog = ctx.catalog
    if catalog is None:
        return
    languages = ctx.languages
    for nid, name, prompt in ctx.audio_prompts:
        audio = str(prompt.audio)
        if audio not in catalog.prompts:
            continue  # SCE701's
        for lang in languages:
            code = next((c for c in prompt.text if c.lower() == lang.lower()), None)
            text = prompt.text[code] if code is not None else ""
            if code is None or not text.strip():
                continue  # SCE702's, when nothing plays
            take = catalog.best(audio, lang)
            if take is None or same_text(take.text, text):
                continue
            if take.source == "synthesised":
                fix = "run `sce prompts synth` to make it again"
            else:
                fix = "record it again from the new text (studio, `sce prompts import`)"
            was, now = shortened(take.text, text)
            yield ctx.report(
                CODE,
                f"callers in {lang} hear take {take.take} of '{audio}' ({take.source}), made "
                f"from {was}, but the flow now says {now}: {fix}",
                ctx.ptr(nid, name, "text", code),
                nid,
            )
