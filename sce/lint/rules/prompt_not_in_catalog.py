"""SCE701 prompt-not-in-catalog, and SCE700 unreadable-catalog (the catalog it reads)."""

from __future__ import annotations

from collections.abc import Iterator

from sce.diagnostics import Diagnostic, Severity
from sce.lint.context import LintContext
from sce.lint.rule import describe, rule
from sce.prompts.catalog import is_prompt_id

CODE = "SCE701"

describe(
    "SCE700",
    "unreadable-catalog",
    """
    The prompt catalog (`prompts/catalog.json`) is not valid JSON or not what its schema says.

    **What it does:** when a linted flow names a catalog prompt, the catalog of its project (the
    `[tool.sce.prompts]` folder of the nearest pyproject.toml, `prompts/` unless set) is read,
    once per run, and checked against `sce/schema/catalog.schema.json` and its own rules (the
    chosen take is among the takes, each take's files are where they belong). Each problem is
    reported on catalog.json, with its line, column and JSON pointer. The rules that need the
    catalog (SCE701, SCE703) skip its flows until it is fixed.

    **Why is this bad?** The runtime reads the same file to choose what callers hear; `sce
    prompts` and the studio refuse to change a catalog they cannot read.

    **Example:** a hand edit that leaves `"take": 3` where the prompt has takes 1 and 2.

    **Use instead:** `sce prompts` commands, or the studio, which keep the catalog consistent;
    or restore the file from version control.
""",
)


#: How many unknown ids of a flow get a thorough search for a close one (the rest, a quick one:
#: a flow of 50k nodes stays fast whatever its catalog).
_THOROUGH = 50


@rule(CODE, "prompt-not-in-catalog", Severity.WARNING)
def check(ctx: LintContext) -> Iterator[Diagnostic]:
    """A prompt's `audio` names a prompt id that the prompt catalog does not have.

    **What it does:** reports each prompt whose `audio` (a catalog prompt id, such as `welcome`
    or `menu/main`) is not in the project's prompt catalog (`prompts/catalog.json`, the
    `[tool.sce.prompts]` folder), with the closest id there is. A flow with no catalog folder
    beside it is not checked; nor are `audio` URLs (http, https), which play as they are, nor
    ids with a plain recording in the folder (`en-US/welcome.wav`, from before the catalog),
    which the runtime plays too.

    **Why is this bad?** The id is usually a typo, or a prompt nobody has recorded yet: callers
    hear the text spoken by text-to-speech (or nothing, where there is no text in their
    language) instead of the recording the flow's author meant.

    **Example:**

        play hello { prompt { audio = welcom, text { en-US = "Welcome." } }, next -> menu }

    **Use instead:** the id of the catalog's prompt (`audio = welcome`), or, for a new prompt,
    record it in the studio, import its audio (`sce prompts import`) or synthesise it from its
    text (`sce prompts synth`), which adds it to the catalog.
    """
    catalog = ctx.catalog
    if catalog is None:
        return
    misses = 0
    for nid, name, prompt in ctx.audio_prompts:
        audio = str(prompt.audio)
        if audio in catalog.prompts:
            continue
        if not is_prompt_id(audio):
            yield ctx.report(
                CODE,
                f"'{audio}' cannot be a catalog prompt id: use letters, digits, '_' and '-', "
                "with '/' between folder names (such as welcome or menu/main)",
                ctx.ptr(nid, name, "audio"),
                nid,
            )
            continue
        if any(ctx.plain_recording(audio, lang) for lang in ctx.languages):
            continue  # a plain recording from before the catalog, which the runtime plays
        misses += 1
        close = catalog.similar(audio, thorough=misses <= _THOROUGH)
        hint = f" (did you mean '{close}'?)" if close else ""
        yield ctx.report(
            CODE,
            f"the prompt catalog has no prompt '{audio}'{hint}; record it in the studio, "
            "import its audio (`sce prompts import`) or synthesise it from its text "
            "(`sce prompts synth`)",
            ctx.ptr(nid, name, "audio"),
            nid,
        )
