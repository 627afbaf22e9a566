"""The prompt catalog: its file (key order, Chinese as is, located problems), its takes (chosen,
approved, stale, immutable, never reused) and its writers (threads and processes at once), on
real files with real audio through the real converter."""

from __future__ import annotations

import hashlib
import json
import multiprocessing
import os
from concurrent.futures import ThreadPoolExecutor
from functools import cache
from pathlib import Path

import pytest

from sce.errors import CatalogBroken, PromptError, PromptNotFound
from sce.loader import load_text
from sce.prompts.audio import Converted, convert
from sce.prompts.catalog import (
    Catalog,
    PromptLibrary,
    canonical_language,
    check_id,
    load_catalog,
    parse_catalog,
)
from sce.prompts.usage import usages_of
from tests.prompts.sounds import speech


@cache
def said(text: str, voice: str = "en-us") -> Converted:
    """`text` spoken by espeak-ng, converted as an upload is."""
    return convert(speech(text, voice), "take.wav")


def files_of(folder: Path) -> dict[str, str]:
    """Every file below `folder` with the hash of its bytes (a folder's own state)."""
    if not folder.exists():
        return {}
    return {
        p.relative_to(folder).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(folder.rglob("*"))
        if p.is_file()
    }


@pytest.fixture
def library(tmp_path: Path) -> PromptLibrary:
    return PromptLibrary(tmp_path / "prompts")


# -- the file ---------------------------------------------------------------------------------


def test_the_file_round_trips_with_its_key_order_and_chinese_as_is(library: PromptLibrary) -> None:
    library.add_take("welcome", "zh-CN", said("ni hao"), source="recorded", by="li", text="欢迎")
    library.add_take(
        "welcome",
        "en-US",
        said("Welcome."),
        source="uploaded",
        by="ana",
        text="Welcome.",
        original="C:\\takes\\w.webm",
    )
    library.set_note("welcome", "Warm, unhurried.")
    text = library.path.read_text(encoding="utf-8")
    assert "欢迎" in text and "\\u" not in text
    assert load_catalog(library.folder).to_json() == text
    data = json.loads(text)
    assert list(data) == ["prompts"]
    assert list(data["prompts"]["welcome"]) == ["note", "languages"]
    assert list(data["prompts"]["welcome"]["languages"]) == ["en-US", "zh-CN"]
    entry = data["prompts"]["welcome"]["languages"]["en-US"]
    assert list(entry) == ["text", "status", "take", "takes"]
    take = entry["takes"][0]
    assert list(take) == [
        "take", "source", "text", "file", "mulaw", "duration_ms", "sha256", "by", "at", "original"
    ]  # fmt: skip
    assert take["original"] == "w.webm"  # the base name only, whatever the uploader's system
    assert take["at"].endswith("Z") and len(take["at"]) == len("2026-12-07T02:00:00Z")
    pcm = (library.folder / take["file"]).read_bytes()
    assert take["sha256"] == hashlib.sha256(pcm).hexdigest()
    assert pcm[:4] == b"RIFF" and (library.folder / take["mulaw"]).read_bytes()[:4] == b"RIFF"


def test_a_folder_without_a_catalog_is_an_empty_catalog(tmp_path: Path) -> None:
    assert load_catalog(tmp_path) == Catalog()
    assert load_catalog(tmp_path / "nowhere") == Catalog()


def test_bad_json_is_located_with_line_and_column(tmp_path: Path) -> None:
    (tmp_path / "catalog.json").write_text('{\n  "prompts": {\n    "x": 5,\n  }\n}\n')
    with pytest.raises(CatalogBroken) as caught:
        load_catalog(tmp_path)
    [d] = caught.value.diagnostics
    assert (d.code, d.line, d.column) == ("SCE700", 4, 3)
    assert f"{tmp_path / 'catalog.json'}:4:3: " in caught.value.message


def test_schema_problems_carry_the_json_pointer_and_its_place(tmp_path: Path) -> None:
    text = """{
  "prompts": {
    "welcome": {
      "languages": {
        "en-US": {
          "text": "Welcome.",
          "status": "done",
          "take": "two",
          "takes": []
        }
      }
    },
    "../evil": {"languages": {}}
  }
}
"""
    with pytest.raises(CatalogBroken) as caught:
        parse_catalog(text, "catalog.json")
    found = {(d.pointer, d.line, d.column) for d in caught.value.diagnostics}
    assert found == {
        ("/prompts/welcome/languages/en-US/status", 7, 11),
        ("/prompts/welcome/languages/en-US/take", 8, 11),
        ("/prompts/..~1evil", 13, 5),
    }
    messages = " | ".join(d.message for d in caught.value.diagnostics)
    assert "'done' is not one of missing, draft, approved" in messages
    assert "is not a valid prompt id" in messages
    assert "catalog.json:8:11: " in caught.value.message


def test_what_no_schema_says_is_checked_too(tmp_path: Path) -> None:
    take = {
        "take": 1, "source": "recorded", "text": "Hi.", "file": "/etc/passwd",
        "mulaw": "en-US/hi@1.ulaw.wav", "duration_ms": 500, "sha256": "0" * 64, "by": "ana",
        "at": "2026-12-07T02:00:00Z",
    }  # fmt: skip
    data = {
        "prompts": {
            "hi": {
                "languages": {
                    "en-US": {"text": "Hi.", "status": "draft", "take": 2, "takes": [take, take]}
                }
            }
        }
    }
    with pytest.raises(CatalogBroken) as caught:
        parse_catalog(json.dumps(data, indent=2))
    pointers = sorted(d.pointer for d in caught.value.diagnostics)
    base = "/prompts/hi/languages/en-US"
    assert pointers == [
        f"{base}/take",
        f"{base}/takes/0/file",
        f"{base}/takes/1/file",
        f"{base}/takes/1/take",
    ]


def test_a_language_written_in_another_case_is_refused_with_its_spelling(tmp_path: Path) -> None:
    """`en-us` would load but never be found for an `en-US` caller, and the next write would add
    `en-US` beside it: such a catalog is refused at once, saying how to write it."""
    data = {"prompts": {"hi": {"languages": {"en-us": {"text": "Hi.", "status": "missing",
                                                       "take": None, "takes": []}}}}}  # fmt: skip
    with pytest.raises(CatalogBroken) as caught:
        parse_catalog(json.dumps(data))
    assert "write the language en-us as en-US" in str(caught.value.diagnostics[0].message)


def test_a_broken_catalog_is_read_again_only_once_it_changes(tmp_path: Path) -> None:
    """The runtime asks the library on every turn of every call: a broken file is not parsed
    again each time (the same refusal comes back), but a mended one is read at once."""
    (tmp_path / "catalog.json").write_text("{ not json", encoding="utf-8")
    library = PromptLibrary(tmp_path)
    with pytest.raises(CatalogBroken) as first:
        library.catalog()
    with pytest.raises(CatalogBroken) as second:
        library.catalog()
    assert second.value is first.value
    (tmp_path / "catalog.json").write_text('{"prompts": {}}', encoding="utf-8")
    assert library.catalog().prompts == {}


# -- takes ------------------------------------------------------------------------------------


def test_choose_approve_and_stale(library: PromptLibrary) -> None:
    audio = said("Welcome to Acme Bank.")
    one = library.add_take(
        "welcome", "en-US", audio, source="recorded", by="ana", text="Welcome to Acme Bank."
    )
    two = library.add_take("welcome", "en-US", audio, source="uploaded", by="bo", text=None)
    assert (one.take, two.take, two.text) == (1, 2, "Welcome to Acme Bank.")
    entry = library.get("welcome").languages["en-US"]
    assert (entry.take, entry.status, entry.source, entry.stale) == (2, "draft", "uploaded", False)
    approved = library.approve("welcome", "en-US", by="cy")
    assert (approved.status, approved.approved_by) == ("approved", "cy")
    back = library.choose("welcome", "en-US", 1)
    assert (back.take, back.status, back.approved_by) == (1, "draft", None)
    changed = library.set_text("welcome", "en-US", "Welcome to Acme Bank, the friendly bank.")
    assert changed.stale and changed.chosen == one
    with pytest.raises(PromptError, match="record it again"):
        library.approve("welcome", "en-US", by="cy")
    with pytest.raises(PromptNotFound):
        library.choose("welcome", "en-US", 7)
    with pytest.raises(PromptNotFound):
        library.get("nothing")
    reflowed = library.set_text("welcome", "en-US", "  Welcome to Acme\nBank. ")
    assert not reflowed.stale  # spacing is no new text


def test_best_falls_back_to_the_more_general_language(library: PromptLibrary) -> None:
    general = library.add_take(
        "menu/main", "zh", said("ni hao", "cmn"), source="recorded", by="li", text="你好"
    )
    assert library.best("menu/main", "zh-CN") == general
    assert library.best("menu/main", "zh-cn") == general
    assert library.best("menu/main", "en-US") is None
    assert library.best("nothing", "zh-CN") is None
    own = library.add_take(
        "menu/main", "zh-CN", said("ni hao", "cmn"), source="recorded", by="li", text="你好"
    )
    assert library.best("menu/main", "zh-CN") == own
    assert library.best("menu/main", "zh-TW") == general
    assert (library.folder / "zh-CN" / "menu" / "main@1.wav").is_file()
    assert canonical_language("yue-hant-hk") == "yue-Hant-HK"


def test_a_synthesised_take_never_replaces_a_recording(library: PromptLibrary) -> None:
    audio = said("Goodbye.")
    first = library.add_take(
        "bye",
        "en-US",
        audio,
        source="synthesised",
        by="sce",
        text="Goodbye.",
        engine="espeak-ng",
        voice="en-us",
    )
    again = library.add_take("bye", "en-US", audio, source="synthesised", by="sce", text="Goodbye.")
    assert library.get("bye").languages["en-US"].take == again.take != first.take
    recorded = library.add_take("bye", "en-US", audio, source="recorded", by="ana", text=None)
    late = library.add_take("bye", "en-US", audio, source="synthesised", by="sce", text="Goodbye.")
    entry = library.get("bye").languages["en-US"]
    assert entry.take == recorded.take and late in entry.takes
    unchosen = library.add_take(
        "bye", "en-US", audio, source="uploaded", by="ana", text=None, choose=False
    )
    assert library.get("bye").languages["en-US"].take == recorded.take
    assert unchosen.take == 5


BAD_IDS = [
    "../../x",
    "/etc/passwd",
    "a\\b",
    "a\x00b",
    "",
    "a//b",
    "a/",
    "./a",
    "x" * 129,
    "welcome.wav",
    "a b",
]
BAD_LANGUAGES = ["en_US", "../en", "english", "", "en-US/../../x", "en-US\x00"]


def test_bad_ids_and_languages_are_refused_before_any_file_is_touched(tmp_path: Path) -> None:
    library = PromptLibrary(tmp_path / "prompts")
    audio = said("Hi.")
    for pid in BAD_IDS:
        with pytest.raises(PromptError, match="prompt id"):
            library.add_take(pid, "en-US", audio, source="uploaded", by="ana", text="Hi.")
    assert not (tmp_path / "prompts").exists()  # not even the folder
    library.add_take("hi", "en-US", audio, source="uploaded", by="ana", text="Hi.")
    before = files_of(tmp_path)
    for language in BAD_LANGUAGES:
        with pytest.raises(PromptError, match="language code"):
            library.add_take("hi", language, audio, source="uploaded", by="ana", text="Hi.")
    for pid in BAD_IDS:
        with pytest.raises(PromptError):
            library.set_text(pid, "en-US", "x")
        with pytest.raises(PromptError):
            library.choose(pid, "en-US", 1)
        with pytest.raises(PromptError):
            library.remove_take(pid, "en-US", 1)
    with pytest.raises(PromptError, match="source"):
        library.add_take("hi", "en-US", audio, source="stolen", by="ana", text="Hi.")
    with pytest.raises(PromptError, match="who"):
        library.add_take("hi", "en-US", audio, source="uploaded", by=" ", text="Hi.")
    with pytest.raises(PromptError, match="only in case"):
        library.add_take("HI", "en-US", audio, source="uploaded", by="ana", text="Hi.")
    assert files_of(tmp_path) == before
    assert check_id("menu/main-2_b") == "menu/main-2_b"


def test_take_files_are_immutable_and_numbers_never_repeat(library: PromptLibrary) -> None:
    one = library.add_take("hi", "en-US", said("Hi."), source="recorded", by="ana", text="Hi.")
    first = files_of(library.folder)
    two = library.add_take("hi", "en-US", said("Hello."), source="recorded", by="ana", text="Hi.")
    library.approve("hi", "en-US", "cy")
    library.choose("hi", "en-US", 1)
    library.set_text("hi", "en-US", "Hello.")
    now = files_of(library.folder)
    for name in (one.file, one.mulaw):
        assert now[name] == first[name]  # take 1's files, untouched through it all
    assert {two.file, two.mulaw} <= set(now)  # and take 2's kept, though it is not chosen
    with pytest.raises(PromptError, match="callers hear"):
        library.remove_take("hi", "en-US", 1)
    library.remove_take("hi", "en-US", 2)
    assert not (library.folder / two.file).exists() and not (library.folder / two.mulaw).exists()
    three = library.add_take("hi", "en-US", said("Hello."), source="recorded", by="ana", text=None)
    assert three.take == 3  # never 2 again: a call may still be playing take 2's file
    assert (
        json.loads(library.path.read_text())["prompts"]["hi"]["languages"]["en-US"]["takes"][-1][
            "take"
        ]
        == 3
    )
    (library.folder / "en-US" / "hi@4.wav").write_bytes(b"left by a crash")
    assert (
        library.add_take("hi", "en-US", said("Hi."), source="recorded", by="ana", text=None).take
        == 5
    )


def test_threads_adding_takes_at_once_lose_nothing(library: PromptLibrary) -> None:
    audio = said("Hi.")

    def add(i: int) -> int:
        return library.add_take(
            f"p{i % 3}", "en-US", audio, source="uploaded", by="ana", text="Hi."
        ).take

    with ThreadPoolExecutor(8) as pool:
        numbers = list(pool.map(add, range(24)))
    catalog = load_catalog(library.folder)
    for pid in ("p0", "p1", "p2"):
        takes = [t.take for t in catalog.prompts[pid].languages["en-US"].takes]
        assert sorted(takes) == list(range(1, 9))
    assert len(numbers) == 24


def _add_takes(
    folder: str, audio: Converted, start: multiprocessing.synchronize.Barrier, count: int
) -> None:
    library = PromptLibrary(folder)
    start.wait()
    for _ in range(count):
        library.add_take(
            "welcome", "en-US", audio, source="uploaded", by=f"p{os.getpid()}", text="Hi."
        )
        library.set_text("other", "zh-CN", f"{os.getpid()}")


def test_processes_adding_takes_at_once_lose_nothing_and_never_reuse_a_number(
    tmp_path: Path,
) -> None:
    context = multiprocessing.get_context("fork")
    folder = tmp_path / "prompts"
    audio = said("Hi.")
    start = context.Barrier(3)
    workers = [
        context.Process(target=_add_takes, args=(str(folder), audio, start, 6)) for _ in range(3)
    ]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join(60)
        assert worker.exitcode == 0
    entry = load_catalog(folder).prompts["welcome"].languages["en-US"]
    assert sorted(t.take for t in entry.takes) == list(range(1, 19))
    assert len({t.by for t in entry.takes}) == 3
    for take in entry.takes:
        assert hashlib.sha256((folder / take.file).read_bytes()).hexdigest() == take.sha256
    assert not list(folder.rglob("*.tmp"))


# -- texts from the flows ---------------------------------------------------------------------

FLOW = """\
flow main { languages = [en-US, zh-CN], start -> hello }
play hello { prompt { audio = welcome, text { en-US = "Welcome.", zh-CN = "欢迎。" } }, next -> bye }
hangup bye { prompt { audio = bye, text { en-US = "Goodbye." } } }
"""


def _usages(text: str, name: str = "main.flow") -> list:
    loaded = load_text(text, name, "flow")
    assert loaded.flow is not None, loaded.diagnostics
    return usages_of(loaded.flow, name, loaded.source)


def test_sync_texts_adds_changes_and_reports_conflicts(library: PromptLibrary) -> None:
    changes = library.sync_texts(_usages(FLOW))
    assert {(c.prompt, c.language, c.kind, c.new) for c in changes} == {
        ("welcome", "en-US", "added", "Welcome."),
        ("welcome", "zh-CN", "added", "欢迎。"),
        ("bye", "en-US", "added", "Goodbye."),
        ("bye", "zh-CN", "added", ""),
    }
    entry = library.get("bye").languages["zh-CN"]
    assert (entry.status, entry.take, entry.text) == ("missing", None, "")
    assert library.sync_texts(_usages(FLOW)) == []  # nothing new
    library.add_take("welcome", "en-US", said("Welcome."), source="recorded", by="ana", text=None)
    changed = library.sync_texts(_usages(FLOW.replace('"Welcome."', '"Welcome back."')))
    assert [(c.kind, c.old, c.new) for c in changed] == [("changed", "Welcome.", "Welcome back.")]
    assert library.get("welcome").languages["en-US"].stale
    other = FLOW.replace("flow main", "flow other").replace('"Welcome."', '"Hello."')
    [conflict] = library.sync_texts([*_usages(FLOW), *_usages(other, "other.flow")])
    assert (conflict.prompt, conflict.language, conflict.kind) == ("welcome", "en-US", "conflict")
    assert conflict.where == ("main.flow:2", "other.flow:2")
    assert library.get("welcome").languages["en-US"].text == "Welcome back."  # kept
