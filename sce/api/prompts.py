"""The prompt library over HTTP, for the recording studio and the designer's prompt fields:
every prompt the flows use or the catalog holds, with its status per language; one prompt with
its takes; a new take recorded or uploaded (converted to telephone audio first, refused with its
reason and nothing written); a take synthesised; the take callers hear chosen, or approved.

The catalog's library is `current_app.extensions[LIBRARY_KEY]` (a `sce.prompts.catalog.
PromptLibrary`); the texts come from the flows of the repository, which are the script: a take
is made from the text its flows say now, and one made from another text is stale. Audio is
heard at `/prompts/<file>`, where the runtime serves it (`audio_url`).

    GET  /api/prompts                             every prompt, with its status per language
    GET  /api/prompts/<id>                        one prompt with its takes
    POST /api/prompt-audio/<language>/<id>        a new take (an upload, or synthesised)
    PUT  /api/prompt-audio/<language>/<id>        the take callers hear chosen (and approved)

The language comes first in the audio's paths: prompt ids hold `/`, so a path that ended with
the language could be read as another prompt's id.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import cast
from urllib.parse import quote

from flask import Blueprint, current_app, g, request

from sce.access.roles import Permission
from sce.api.auth import allow, audit, author
from sce.api.errors import ApiError, answer_errors
from sce.api.requests import json_body
from sce.errors import AudioRefused, CatalogBroken, PromptError, PromptNotFound, SynthesisFailed
from sce.prompts.catalog import (
    Catalog,
    LanguageEntry,
    PromptLibrary,
    Take,
    canonical_language,
    check_id,
    check_language,
)
from sce.prompts.usage import Usage, by_prompt, usages_of
from sce.revisions import FlowRepository

prompts = Blueprint("prompts", __name__)
answer_errors(
    prompts,
    {
        PromptNotFound: 404,
        AudioRefused: 422,
        SynthesisFailed: 422,
        CatalogBroken: 503,
        PromptError: 400,
    },
)

LIBRARY_KEY = "sce.prompts"
#: The sources a person's take can have (a synthesised one is made by the server).
PERSON_SOURCES = ("recorded", "uploaded")


def library() -> PromptLibrary:
    return current_app.extensions[LIBRARY_KEY]


def _repository() -> FlowRepository:
    return current_app.extensions["sce.flows"]


def _usages() -> list[Usage]:
    """Every catalog prompt the flows of the repository use (flows that do not load say
    nothing); read once per request, however many times a view asks."""
    if "sce_prompt_usages" not in g:
        out: list[Usage] = []
        for summary in _repository().list():
            loaded = summary.loaded
            if loaded is not None and loaded.flow is not None:
                out.extend(usages_of(loaded.flow))
        g.sce_prompt_usages = out
    return cast("list[Usage]", g.sce_prompt_usages)


def audio_url(file: str) -> str:
    """Where the runtime serves a take's file."""
    return "/prompts/" + quote(file)


def _texts(usages: Iterable[Usage]) -> dict[str, str]:
    """The text the flows give a prompt per language (the first flow that has one)."""
    out: dict[str, str] = {}
    for usage in usages:
        for language in usage.languages:
            text = usage.text(language)
            if text:
                out.setdefault(canonical_language(language), text)
    return out


def _languages(usages: Iterable[Usage], catalog_languages: Iterable[str]) -> list[str]:
    found = {canonical_language(lang) for u in usages for lang in u.languages}
    return sorted(found | set(catalog_languages))


def _take(take: Take, entry: LanguageEntry, text: str) -> dict[str, object]:
    return {
        **take.to_data(),
        "audio_url": audio_url(take.file),
        "chosen": take.take == entry.take,
        "stale": " ".join(take.text.split()) != " ".join(text.split()),
    }


def _language(entry: LanguageEntry | None, text: str, *, takes: bool) -> dict[str, object]:
    """A prompt in one language as the studio shows it: the script the flows say now, the status,
    and the take callers hear."""
    entry = entry or LanguageEntry()
    script = text or entry.text
    chosen = entry.chosen
    out: dict[str, object] = {
        "text": script,
        "status": entry.status if chosen else "missing",
        "source": chosen.source if chosen else None,
        "stale": chosen is not None and " ".join(chosen.text.split()) != " ".join(script.split()),
        "take": entry.take,
        "duration_ms": chosen.duration_ms if chosen else None,
        "audio_url": audio_url(chosen.file) if chosen else None,
        "takes_count": len(entry.takes),
        "approved_by": entry.approved_by,
        "approved_at": entry.approved_at,
    }
    if takes:
        out["takes"] = [_take(t, entry, script) for t in sorted(entry.takes, key=lambda t: -t.take)]
    return out


def _prompt(
    prompt_id: str, catalog: Catalog, usages: list[Usage], *, takes: bool
) -> dict[str, object]:
    found = catalog.get(prompt_id)
    catalog_languages = list(found.languages) if found else []
    texts = _texts(usages)
    return {
        "id": prompt_id,
        "note": found.note if found else None,
        "in_catalog": found is not None,
        "used_by": [{"flow": u.flow, "node": u.node, "pointer": u.pointer} for u in usages],
        "languages": {
            lang: _language(
                found.language(lang) if found else None, texts.get(lang, ""), takes=takes
            )
            for lang in _languages(usages, catalog_languages)
        },
    }


@prompts.get("/api/prompts")
@allow(Permission.PROMPTS)
def list_prompts() -> dict[str, object]:
    """Every prompt the flows use or the catalog holds, ids sorted, each with its languages."""
    catalog = library().catalog()
    used = by_prompt(_usages())
    ids = sorted(set(used) | set(catalog.prompts))
    listed = [_prompt(pid, catalog, used.get(pid, []), takes=False) for pid in ids]
    languages = sorted({lang for p in listed for lang in p["languages"]})  # type: ignore[attr-defined]
    return {"languages": languages, "prompts": listed}


@prompts.get("/api/prompts/<path:prompt_id>")
@allow(Permission.PROMPTS)
def get_prompt(prompt_id: str) -> dict[str, object]:
    """One prompt with every take per language, newest first."""
    pid = check_id(prompt_id)
    catalog = library().catalog()
    usages = by_prompt(_usages()).get(pid, [])
    if catalog.get(pid) is None and not usages:
        raise PromptNotFound(f"no flow uses a prompt '{pid}' and the catalog has none")
    return _prompt(pid, catalog, usages, takes=True)


def _sync(prompt_id: str) -> None:
    """The prompt's texts as its flows say them now, written to the catalog before a change: a
    take is made from the script as it is. Only once the change is sure to be made: a refused
    upload changes nothing."""
    usages = by_prompt(_usages()).get(prompt_id, [])
    if usages:
        library().sync_texts(usages)


@prompts.post("/api/prompt-audio/<language>/<path:prompt_id>")
@allow(Permission.RECORD)
def add_take(language: str, prompt_id: str) -> tuple[dict[str, object], int]:
    """A new take of the prompt in the language: recorded in the studio or uploaded
    (multipart/form-data with `file` in any common audio format and `source`, recorded or
    uploaded), which becomes the take callers hear; or synthesised from the text
    (`{"synthesise": true}`), heard only where no recording is chosen."""
    if request.mimetype == "application/json":
        body = json_body()
        if body != {"synthesise": True}:
            raise ApiError(400, 'send {"synthesise": true}, or the audio as multipart/form-data')
        return _synthesised(language, prompt_id)
    return _uploaded(language, prompt_id)


def _uploaded(language: str, prompt_id: str) -> tuple[dict[str, object], int]:
    from sce.prompts.audio import convert  # ffmpeg only where audio comes in

    lib = library()
    request.max_content_length = lib.settings.audio.max_bytes + 64 * 1024
    upload = request.files.get("file")
    if upload is None:
        raise ApiError(400, "send the audio as the form field 'file' (multipart/form-data)")
    source = request.form.get("source", "uploaded")
    if source not in PERSON_SOURCES:
        raise ApiError(400, f"'source' must be one of {', '.join(PERSON_SOURCES)}")
    pid, lang = check_id(prompt_id), check_language(language)
    name = upload.filename or "upload"
    data = upload.stream.read(lib.settings.audio.max_bytes + 1)
    try:
        audio = convert(data, name, lib.settings.audio)
    except AudioRefused as refused:
        audit("prompt.take", "refused", target=f"{pid} {lang}", detail=refused.message)
        raise
    _sync(pid)
    take = lib.add_take(pid, lang, audio, source=source, by=author(), text=None, original=name)
    audit("prompt.take", target=f"{pid} {lang}", detail=f"take {take.take} ({source})")
    return _answer(pid, lang, take), 201


def _synthesised(language: str, prompt_id: str) -> tuple[dict[str, object], int]:
    from sce.prompts.tts import default_cache, synthesise

    lib = library()
    pid, lang = check_id(prompt_id), check_language(language)
    usages = by_prompt(_usages()).get(pid, [])
    entry = lib.catalog().entry(pid, lang)
    text = _texts(usages).get(canonical_language(lang)) or (entry.text if entry else "")
    if not text.strip():
        raise ApiError(422, f"the prompt '{pid}' has no text in {lang} to synthesise")
    made = synthesise(text, lang, lib.settings, default_cache())
    _sync(pid)
    take = lib.add_take(
        pid,
        lang,
        made.audio,
        source="synthesised",
        by=author(),
        text=text,
        engine=made.engine,
        voice=made.voice,
    )
    audit("prompt.synth", target=f"{pid} {lang}", detail=f"take {take.take} ({made.engine})")
    return _answer(pid, lang, take), 201


@prompts.put("/api/prompt-audio/<language>/<path:prompt_id>")
@allow(Permission.RECORD)
def change_audio(language: str, prompt_id: str) -> dict[str, object]:
    """`{"take": N}` makes take N the one callers hear (a draft again); `{"take": N,
    "approved": true}` approves take N, the one the approver heard, and makes it the one callers
    hear, in one change (refused, with nothing changed, while it is stale)."""
    body = json_body()
    if set(body) - {"take", "approved"} or "take" not in body:
        raise ApiError(400, "send 'take' (a take's number), and 'approved': true to approve it")
    number = body["take"]
    if isinstance(number, bool) or not isinstance(number, int) or number < 1:
        raise ApiError(400, "'take' must be a take's number (1 or more)")
    approved = body.get("approved", False)
    if approved not in (True, False):
        raise ApiError(400, "'approved' must be true or false")
    lib = library()
    pid, lang = check_id(prompt_id), check_language(language)
    _sync(pid)  # stale is judged against what the flows say now, as the studio shows it
    if approved:
        lib.approve(pid, lang, author(), take=number)
        audit("prompt.approve", target=f"{pid} {lang}", detail=f"take {number}")
    else:
        lib.choose(pid, lang, number)
        audit("prompt.choose", target=f"{pid} {lang}", detail=f"take {number}")
    return _prompt(pid, lib.catalog(), by_prompt(_usages()).get(pid, []), takes=True)


def _answer(pid: str, lang: str, take: Take) -> dict[str, object]:
    catalog = library().catalog()
    entry = catalog.entry(pid, lang) or LanguageEntry()
    return {
        "take": _take(take, entry, entry.text),
        "prompt": _prompt(pid, catalog, by_prompt(_usages()).get(pid, []), takes=True),
    }
