"""The prompt catalog: `prompts/catalog.json`, its model, its checked loading and its changes.

The catalog says, for each prompt id and language, the current script (`text`), every take made
of it (recorded, uploaded or synthesised; the text it was made from, its two audio files) and
which take callers hear (`take`). The runtime only reads it (`Catalog.best`); `PromptLibrary` is
the one way to change it, for the CLI now and the HTTP API and the recording studio later, so
that its rules hold whoever writes:

- A take's files (`<lang>/<id>@<n>.wav`, 8 kHz 16-bit PCM, and `.ulaw.wav`, G.711 mu-law) are
  written once and never overwritten, and take numbers never repeat (not even after a take was
  removed): a call in progress keeps hearing the take it was given while someone re-records.
  Choosing another take never deletes a file; only `remove_take` of an unchosen take does.
- A synthesised take never replaces a recording: it is chosen only where nothing, or another
  synthesised take, was.
- Every change is a read-modify-write of the whole catalog under a thread lock and `flock` (the
  studio's gunicorn workers and the CLI may write at once), written atomically: a crash leaves
  the catalog as it was before or after the change, never half of it.
- Ids and languages are checked before any file is touched, so nothing can be written outside
  the catalog's folder (`../x`, absolute paths, backslashes, NUL are not ids).

The file is written the way the project writes JSON (`sce.jsontext.to_json`: indented, UTF-8 as
is so Chinese scripts stay readable), ids and languages sorted and the fields of each entry in a
fixed order, so that two writers produce the same file and a diff shows only what changed.
"""

from __future__ import annotations

import difflib
import fcntl
import hashlib
import json
import os
import re
import tempfile
import threading
from collections.abc import Callable, Iterable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from functools import cache, cached_property
from importlib import resources
from pathlib import Path
from typing import TYPE_CHECKING, Any, cast

from sce import jsontext
from sce.diagnostics import Diagnostic, pointer
from sce.errors import CatalogBroken, PromptError, PromptNotFound
from sce.files import kind_of, write_atomic
from sce.prompts.settings import PromptSettings
from sce.schema import Validator
from sce.schema.document import ecma_regex
from sce.schema.messages import SchemaIssue, issues_of, show, sort_key
from sce.schema.quick import Unsupported, compile_test, never
from sce.source import Source

if TYPE_CHECKING:
    from sce.prompts.audio import Converted
    from sce.prompts.usage import Usage

CATALOG_FILE = "catalog.json"
#: The lock file beside the catalog that every writer takes (`flock`) for its change.
LOCK_FILE = ".catalog.lock"
#: The code of every problem of a catalog that cannot be read (a lint code: `sce rules SCE700`).
CODE = "SCE700"
MAX_ID = 128
#: A catalog larger than this is refused unread (a flow file's bound too).
MAX_BYTES = 64 * 1024 * 1024
SOURCES = ("recorded", "uploaded", "synthesised")
STATUSES = ("missing", "draft", "approved")
#: Sources that are a person's voice: never replaced by text-to-speech.
HUMAN_SOURCES = frozenset({"recorded", "uploaded"})

_SHOWN_PROBLEMS = 10
#: The most ids `Catalog.similar` compares one by one.
THOROUGH_IDS = 2000


@cache
def catalog_schema() -> dict[str, Any]:
    """`sce/schema/catalog.schema.json`, the shape of a catalog."""
    text = resources.files("sce.schema").joinpath("catalog.schema.json").read_text("utf-8")
    return cast("dict[str, Any]", json.loads(text))


def _defined_pattern(name: str) -> re.Pattern[str]:
    return ecma_regex(catalog_schema()["$defs"][name]["pattern"])


# -- ids and languages ------------------------------------------------------------------------


def check_id(prompt_id: object) -> str:
    """`prompt_id` if it is a prompt id, else PromptError saying what one is.

    Checked before any file is touched: an id is part of its takes' file names, so only letters,
    digits, `_` and `-` with `/` between folder names can be one (nothing that leaves the
    folder: `..`, absolute paths, backslashes, NUL)."""
    if (
        isinstance(prompt_id, str)
        and len(prompt_id) <= MAX_ID
        and _defined_pattern("promptId").search(prompt_id)
    ):
        return prompt_id
    return _refuse_id(prompt_id)


def is_prompt_id(value: object) -> bool:
    try:
        check_id(value)
    except PromptError:
        return False
    return True


def _refuse_id(prompt_id: object) -> str:
    what = show(prompt_id) if isinstance(prompt_id, str) else repr(prompt_id)
    if isinstance(prompt_id, str) and len(prompt_id) > MAX_ID:
        raise PromptError(f"the prompt id {what} is longer than {MAX_ID} characters")
    raise PromptError(
        f"{what} is not a prompt id: use letters, digits, '_' and '-', with '/' between "
        "folder names (such as welcome or menu/main)"
    )


def check_language(language: object) -> str:
    """The language tag in its usual case (`en-us` -> `en-US`, `zh-hant-tw` -> `zh-Hant-TW`),
    or PromptError when it is no BCP 47 tag like the flows' `languages`."""
    if isinstance(language, str) and _defined_pattern("languageCode").search(language):
        return canonical_language(language)
    what = show(language) if isinstance(language, str) else repr(language)
    raise PromptError(
        f"{what} is not a language code: use a BCP 47 tag such as en-US, zh-CN or yue-Hant-HK"
    )


def canonical_language(language: str) -> str:
    """BCP 47's case conventions: the language lower case, a script title case, a region upper
    case; so `en-us` and `en-US` are one language, and one folder of takes."""
    parts = language.split("-")
    out = [parts[0].lower()]
    for part in parts[1:]:
        if len(part) == 4 and part.isalpha():
            out.append(part.title())
        elif len(part) == 2 and part.isalpha() or len(part) == 3 and part.isdigit():
            out.append(part.upper())
        else:
            out.append(part.lower())
    return "-".join(out)


def fallbacks(language: str) -> list[str]:
    """The language, then each shorter prefix (`yue-Hant-HK`, `yue-Hant`, `yue`): where a
    caller's language has no take, one of its more general language serves."""
    parts = canonical_language(language).split("-")
    return ["-".join(parts[:n]) for n in range(len(parts), 0, -1)]


def take_files(prompt_id: str, language: str, number: int) -> tuple[str, str]:
    """The PCM and mu-law file names of a take, relative to the catalog's folder."""
    base = f"{language}/{prompt_id}@{number}"
    return f"{base}.wav", f"{base}.ulaw.wav"


#: The suffixes of a plain recording (`<lang>/<id>.wav`), which the runtime plays for a prompt
#: the catalog has no take of (runtime/server/recordings.py: projects from before the catalog).
PLAIN_SUFFIXES = (".wav", ".mp3")


def plain_file(folder: Path, prompt_id: str, language: str) -> str | None:
    """The plain recording of the prompt for the language or its prefix (`<lang>/<id>.wav`
    under `folder`, relative, with `/`), or None; for ids and languages only (never a path
    that leaves the folder)."""
    if not is_prompt_id(prompt_id):
        return None
    try:
        languages = fallbacks(check_language(language))
    except PromptError:
        return None
    for lang in languages:
        for suffix in PLAIN_SUFFIXES:
            relative = f"{lang}/{prompt_id}{suffix}"
            if (folder / relative).is_file():
                return relative
    return None


def iso_now() -> str:
    """Now in UTC, to the second, with `Z` (as the catalog's times are written)."""
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def same_text(a: str, b: str) -> bool:
    """Whether a take made from `a` says `b`: the same words, whatever the spacing (a line
    reflowed in a flow file does not make a recording stale)."""
    return a.split() == b.split()


# -- the model --------------------------------------------------------------------------------


@dataclass(frozen=True)
class Take:
    """One recording, upload or synthesis of a prompt in one language; never changed."""

    take: int
    source: str
    text: str
    file: str
    mulaw: str
    duration_ms: int
    sha256: str
    by: str
    at: str
    engine: str | None = None
    voice: str | None = None
    original: str | None = None

    def to_data(self) -> dict[str, object]:
        out: dict[str, object] = {"take": self.take, "source": self.source}
        if self.engine is not None:
            out["engine"] = self.engine
        if self.voice is not None:
            out["voice"] = self.voice
        out |= {
            "text": self.text,
            "file": self.file,
            "mulaw": self.mulaw,
            "duration_ms": self.duration_ms,
            "sha256": self.sha256,
            "by": self.by,
            "at": self.at,
        }
        if self.original is not None:
            out["original"] = self.original
        return out

    @classmethod
    def from_data(cls, data: Mapping[str, Any]) -> Take:
        return cls(
            take=data["take"],
            source=data["source"],
            text=data["text"],
            file=data["file"],
            mulaw=data["mulaw"],
            duration_ms=data["duration_ms"],
            sha256=data["sha256"],
            by=data["by"],
            at=data["at"],
            engine=data.get("engine"),
            voice=data.get("voice"),
            original=data.get("original"),
        )


@dataclass(frozen=True)
class LanguageEntry:
    """A prompt in one language: the current script, its takes and the one callers hear."""

    text: str = ""
    status: str = "missing"
    take: int | None = None
    takes: tuple[Take, ...] = ()
    #: The highest take number ever given, when that take was removed (numbers never repeat).
    last_take: int | None = None
    approved_by: str | None = None
    approved_at: str | None = None

    @property
    def chosen(self) -> Take | None:
        """The take callers hear, or None."""
        if self.take is None:
            return None
        return next((t for t in self.takes if t.take == self.take), None)

    @property
    def stale(self) -> bool:
        """Whether the chosen take was made from another text than the current one."""
        chosen = self.chosen
        return chosen is not None and not same_text(chosen.text, self.text)

    @property
    def source(self) -> str | None:
        """How the chosen take was made (`recorded`, `uploaded`, `synthesised`), or None."""
        chosen = self.chosen
        return chosen.source if chosen is not None else None

    def get_take(self, number: int) -> Take | None:
        return next((t for t in self.takes if t.take == number), None)

    @property
    def next_take(self) -> int:
        """The number the next take gets: above every number given so far."""
        return max([self.last_take or 0, *(t.take for t in self.takes)]) + 1

    def to_data(self) -> dict[str, object]:
        out: dict[str, object] = {"text": self.text, "status": self.status}
        if self.approved_by is not None:
            out["approved_by"] = self.approved_by
        if self.approved_at is not None:
            out["approved_at"] = self.approved_at
        out["take"] = self.take
        if self.last_take is not None and self.last_take > max(
            (t.take for t in self.takes), default=0
        ):
            out["last_take"] = self.last_take
        out["takes"] = [t.to_data() for t in sorted(self.takes, key=lambda t: t.take)]
        return out

    @classmethod
    def from_data(cls, data: Mapping[str, Any]) -> LanguageEntry:
        return cls(
            text=data["text"],
            status=data["status"],
            take=data["take"],
            takes=tuple(Take.from_data(t) for t in data["takes"]),
            last_take=data.get("last_take"),
            approved_by=data.get("approved_by"),
            approved_at=data.get("approved_at"),
        )


@dataclass(frozen=True)
class PromptEntry:
    """A prompt: a note for the voice talent and the prompt in each of its languages."""

    id: str
    languages: Mapping[str, LanguageEntry] = field(default_factory=dict)
    note: str | None = None

    def language(self, language: str) -> LanguageEntry | None:
        """The entry for exactly this language (any case), or None."""
        return self.languages.get(canonical_language(language))

    def best(self, language: str) -> Take | None:
        """The chosen take for the language, else for its prefix (`zh` for `zh-CN`), else None."""
        for lang in fallbacks(language):
            entry = self.languages.get(lang)
            if entry is not None and entry.chosen is not None:
                return entry.chosen
        return None

    def to_data(self) -> dict[str, object]:
        out: dict[str, object] = {}
        if self.note is not None:
            out["note"] = self.note
        out["languages"] = {lang: self.languages[lang].to_data() for lang in sorted(self.languages)}
        return out


@dataclass(frozen=True)
class Catalog:
    """Every prompt by id (see the module's docstring)."""

    prompts: Mapping[str, PromptEntry] = field(default_factory=dict)

    def get(self, prompt_id: str) -> PromptEntry | None:
        return self.prompts.get(prompt_id)

    def best(self, prompt_id: str, language: str) -> Take | None:
        """What a caller in `language` hears for the prompt: the chosen take for the language,
        else for its prefix (`zh` for `zh-CN`), else None (the runtime speaks the text)."""
        entry = self.prompts.get(prompt_id)
        if entry is None or not _defined_pattern("languageCode").search(language):
            return None
        return entry.best(language)

    def entry(self, prompt_id: str, language: str) -> LanguageEntry | None:
        found = self.prompts.get(prompt_id)
        return found.language(language) if found is not None else None

    def languages(self) -> list[str]:
        """Every language some prompt has, sorted."""
        return sorted({lang for p in self.prompts.values() for lang in p.languages})

    def similar(self, prompt_id: str, thorough: bool = False) -> str | None:
        """The catalog's id closest to one it does not have (other case, or one letter added,
        left out, changed or swapped; `thorough`: also as difflib finds them, in a catalog of
        at most `THOROUGH_IDS` ids), or None: what "did you mean" says.

        From an index of the ids built once, so that a 50k-node flow full of unknown ids costs
        a few lookups each, not a comparison with every id of a large catalog.
        """
        if prompt_id in self.prompts:
            return prompt_id
        lowered, near = self._near
        if prompt_id.lower() in lowered:
            return lowered[prompt_id.lower()]
        found = set(near.get(prompt_id, ()))
        for variant in _deletions(prompt_id):
            found.update(near.get(variant, ()))
            if variant in self.prompts:
                found.add(variant)
        if not found:
            if thorough and len(self.prompts) <= THOROUGH_IDS:
                close = difflib.get_close_matches(prompt_id, list(self.prompts), n=1, cutoff=0.7)
                return close[0] if close else None
            return None
        return max(sorted(found), key=lambda i: difflib.SequenceMatcher(None, prompt_id, i).ratio())

    @cached_property
    def _near(self) -> tuple[dict[str, str], dict[str, list[str]]]:
        lowered: dict[str, str] = {}
        near: dict[str, list[str]] = {}
        for pid in self.prompts:
            lowered.setdefault(pid.lower(), pid)
            for variant in _deletions(pid):
                near.setdefault(variant, []).append(pid)
        return lowered, near

    def to_data(self) -> dict[str, object]:
        return {"prompts": {pid: self.prompts[pid].to_data() for pid in sorted(self.prompts)}}

    def to_json(self) -> str:
        """The catalog as `catalog.json` holds it."""
        return jsontext.to_json(self.to_data())

    @classmethod
    def from_data(cls, data: Mapping[str, Any]) -> Catalog:
        """The catalog of data that `check_data` found no problem in."""
        prompts = {}
        for pid, raw in data["prompts"].items():
            languages = {
                lang: LanguageEntry.from_data(entry) for lang, entry in raw["languages"].items()
            }
            prompts[pid] = PromptEntry(pid, languages, raw.get("note"))
        return cls(prompts)


def _deletions(word: str) -> set[str]:
    """`word` with one character left out, each way."""
    return {word[:i] + word[i + 1 :] for i in range(len(word))}


# -- reading ----------------------------------------------------------------------------------


def catalog_path(folder: str | Path) -> Path:
    return Path(folder) / CATALOG_FILE


def load_catalog(folder: str | Path) -> Catalog:
    """The catalog in `folder` (an empty one when it has no catalog.json); CatalogBroken when
    the file cannot be read as one, with a diagnostic for each problem (path, line, column,
    JSON pointer)."""
    path = catalog_path(folder)
    kind = kind_of(path)
    if kind is not None:
        raise _broken(str(path), "", [(f"{kind}, not a catalog file", "", None)])
    try:
        if path.is_dir():
            raise _broken(str(path), "", [("a folder, not a catalog file", "", None)])
        size = path.stat().st_size
        if size > MAX_BYTES:
            message = f"the catalog is too large ({size} bytes; at most {MAX_BYTES})"
            raise _broken(str(path), "", [(message, "", None)])
        raw = path.read_bytes()
    except FileNotFoundError:
        return Catalog()
    except OSError as e:
        raise _broken(str(path), "", [(f"cannot read it: {e.strerror or e}", "", None)]) from None
    return parse_catalog(raw, str(path))


def parse_catalog(raw: bytes | str, path: str = CATALOG_FILE) -> Catalog:
    """The catalog in a file's bytes or text, checked as `load_catalog` checks it."""
    if isinstance(raw, bytes):
        try:
            text = raw.decode("utf-8-sig")
        except UnicodeDecodeError as e:
            good = raw[: e.start].decode("utf-8", "replace")
            message = f"the file is not UTF-8 text (byte 0x{raw[e.start]:02x})"
            raise _broken(path, good, [(message, "", len(good))]) from None
    else:
        text = raw
    try:
        data, duplicates = jsontext.parse(text)
    except jsontext.JsonSyntaxError as e:
        raise _broken(path, text, [(e.message, "", e.offset)]) from None
    problems: list[tuple[str, str, int | None]] = [
        (f"duplicate key '{d.pointer.rsplit('/', 1)[-1]}'", d.pointer, d.offset) for d in duplicates
    ]
    problems += [(i.message, i.pointer, None) for i in check_data(data)]
    if problems:
        raise _broken(path, text, problems)
    return Catalog.from_data(cast("dict[str, Any]", data))


def check_data(data: object) -> list[SchemaIssue]:
    """Every problem of catalog data: what its schema says, then what no schema can (the
    chosen take is among the takes, numbers are unique, the files are where they belong)."""
    issues: set[SchemaIssue] = set()
    if not _accepts()(data):
        errors = _validator().iter_errors(data)
        issues = {issue for error in errors for issue in issues_of(error, "")}
    if not issues:
        issues.update(_inconsistencies(cast("dict[str, Any]", data)))
    return sorted(issues, key=sort_key)


@cache
def _validator() -> Any:
    return Validator(catalog_schema())


@cache
def _accepts() -> Callable[[object], bool]:
    """The project's quick yes/no test of the catalog schema (`sce.schema.quick`): jsonschema
    runs only to say why a catalog is refused, as for flows."""
    definitions = catalog_schema()["$defs"]

    def inline(node: object) -> object:
        if isinstance(node, list):
            return [inline(item) for item in node]
        if not isinstance(node, dict):
            return node
        if "$ref" in node:
            target = definitions[node["$ref"].removeprefix("#/$defs/")]
            return inline({**target, **{k: v for k, v in node.items() if k != "$ref"}})
        return {key: inline(value) for key, value in node.items() if key != "$defs"}

    try:
        return compile_test(inline(catalog_schema()))
    except Unsupported:
        return never


def _inconsistencies(data: dict[str, Any]) -> Iterator[SchemaIssue]:
    lowered: dict[str, str] = {}
    for pid, prompt in data["prompts"].items():
        if pid.lower() in lowered:
            yield SchemaIssue(
                pointer("prompts", pid),
                f"'{pid}' and '{lowered[pid.lower()]}' differ only in case: their files would "
                "be one on some systems; rename one",
            )
        lowered.setdefault(pid.lower(), pid)
        seen_languages: set[str] = set()
        for lang, entry in prompt["languages"].items():
            at = pointer("prompts", pid, "languages", lang)
            canonical = canonical_language(lang)
            if canonical in seen_languages:
                yield SchemaIssue(at, f"the language {lang} is listed twice, in different case")
            elif canonical != lang:
                yield SchemaIssue(at, f"write the language {lang} as {canonical}")
            seen_languages.add(canonical)
            yield from _entry_problems(pid, lang, entry, at)


def _entry_problems(pid: str, lang: str, entry: dict[str, Any], at: str) -> Iterator[SchemaIssue]:
    numbers: set[int] = set()
    for i, take in enumerate(entry["takes"]):
        n = take["take"]
        if n in numbers:
            yield SchemaIssue(f"{at}/takes/{i}/take", f"take {n} appears twice")
        numbers.add(n)
        pcm, mulaw = take_files(pid, lang, n)
        for key, expected in (("file", pcm), ("mulaw", mulaw)):
            if take[key] != expected:
                yield SchemaIssue(
                    f"{at}/takes/{i}/{key}",
                    f"{show(take[key])} is not where take {n} belongs: it is {show(expected)}",
                )
    chosen = entry["take"]
    if chosen is not None and chosen not in numbers:
        yield SchemaIssue(f"{at}/take", f"the chosen take {chosen} is not among the takes")
    if chosen is None and entry["status"] != "missing":
        yield SchemaIssue(f"{at}/status", "no take is chosen, so the status is 'missing'")
    if chosen is not None and entry["status"] == "missing":
        yield SchemaIssue(f"{at}/status", f"take {chosen} is chosen, so the status is not missing")
    last = entry.get("last_take")
    if last is not None and numbers and last < max(numbers):
        yield SchemaIssue(f"{at}/last_take", f"take {max(numbers)} is above last_take {last}")


def _broken(path: str, text: str, problems: Iterable[tuple[str, str, int | None]]) -> CatalogBroken:
    """CatalogBroken with a located diagnostic per (message, pointer, offset or None)."""
    source = Source(path, text, index=lambda: jsontext.JsonPositions(text).offsets)
    diagnostics = []
    for message, ptr, offset in problems:
        diagnostic = Diagnostic(CODE, message, pointer=ptr)
        if offset is not None:
            line, column = source.line_col(offset)
            diagnostics.append(diagnostic.at(path=path, line=line, column=column))
        elif text:
            diagnostics.append(source.locate(diagnostic))
        else:
            diagnostics.append(diagnostic.at(path=path, line=1, column=1))
    lines = [
        f"{d.path}:{d.line}:{d.column}: {d.message}" + (f" (at {d.pointer})" if d.pointer else "")
        for d in diagnostics[:_SHOWN_PROBLEMS]
    ]
    if len(diagnostics) > _SHOWN_PROBLEMS:
        lines.append(f"... and {len(diagnostics) - _SHOWN_PROBLEMS} more")
    message = (
        "the prompt catalog cannot be read; fix it, or restore it from version control:\n  "
        + "\n  ".join(lines)
    )
    return CatalogBroken(message, diagnostics)


# -- changing ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class TextChange:
    """What `sync_texts` did (or could not do) for one prompt and language."""

    prompt: str
    language: str
    #: `added` (a new prompt or language), `changed` (a new text: its takes are stale now), or
    #: `conflict` (the flows give it different texts; the catalog's is kept).
    kind: str
    old: str | None
    new: str | None
    #: Where the flows use it (`path#pointer`), for a conflict.
    where: tuple[str, ...] = ()


_THREAD_LOCKS: dict[str, threading.Lock] = {}
_THREAD_LOCKS_GUARD = threading.Lock()


def _thread_lock(folder: Path) -> threading.Lock:
    key = os.path.realpath(folder)
    with _THREAD_LOCKS_GUARD:
        return _THREAD_LOCKS.setdefault(key, threading.Lock())


class PromptLibrary:
    """The catalog in a folder and its audio, and every change made to them.

    Reads are of the file as it is now (cached while it is unchanged); every change re-reads
    the catalog under the locks, so that several threads and processes writing at once lose
    nothing.
    """

    def __init__(self, folder: str | Path, settings: PromptSettings | None = None) -> None:
        self.folder = Path(folder)
        self.settings = settings or PromptSettings(folder=self.folder)
        self.path = catalog_path(self.folder)
        self._cache: tuple[tuple[int, int, int], Catalog | CatalogBroken] | None = None

    # -- reading ----------------------------------------------------------------------------

    def catalog(self) -> Catalog:
        """The catalog as the file holds it now (empty when there is none)."""
        try:
            st = self.path.stat()
        except FileNotFoundError:
            return Catalog()
        except OSError:
            return load_catalog(self.folder)  # says why
        key = (st.st_mtime_ns, st.st_size, st.st_ino)
        cached = self._cache
        if cached is not None and cached[0] == key:
            if isinstance(cached[1], CatalogBroken):
                raise cached[1]
            return cached[1]
        try:
            catalog = load_catalog(self.folder)
        except CatalogBroken as broken:
            # Kept too: a broken file is read again only once it changes, not on every call
            # that asks for a prompt (the runtime asks on every turn).
            self._cache = (key, broken)
            raise
        self._cache = (key, catalog)
        return catalog

    def get(self, prompt_id: str) -> PromptEntry:
        """The prompt, or PromptNotFound."""
        found = self.catalog().get(check_id(prompt_id))
        if found is None:
            raise PromptNotFound(f"the catalog has no prompt '{prompt_id}'")
        return found

    def best(self, prompt_id: str, language: str) -> Take | None:
        """The take a caller in `language` hears (see `Catalog.best`)."""
        return self.catalog().best(prompt_id, language)

    def file_of(self, take: Take, mulaw: bool = False) -> Path:
        """Where a take's PCM (or mu-law) file is."""
        return self.folder / (take.mulaw if mulaw else take.file)

    # -- changing ---------------------------------------------------------------------------

    def add_take(
        self,
        prompt_id: str,
        language: str,
        audio: Converted,
        *,
        source: str,
        by: str,
        text: str | None,
        original: str | None = None,
        engine: str | None = None,
        voice: str | None = None,
        choose: bool = True,
    ) -> Take:
        """Add a take of the prompt in the language: its two files, then the catalog.

        `text` is what the take says (None: the entry's current text). With `choose`, a
        recording or upload becomes the take callers hear (status draft); a synthesised take
        does only where no take or a synthesised one is chosen, never over a recording. A new
        prompt or language is created, with `text` as its script.
        """
        pid = check_id(prompt_id)
        lang = check_language(language)
        if source not in SOURCES:
            raise PromptError(f"'{source}' is not a take source ({', '.join(SOURCES)})")
        who = _who(by)
        name = _original_name(original)
        with self._locked() as catalog:
            prompt, entry = _entry_for_change(catalog, pid, lang)
            script = entry.text if text is None else text
            number = entry.next_take
            while any((self.folder / f).exists() for f in take_files(pid, lang, number)):
                number += 1  # files left by a crash before their catalog was written
            pcm_name, mulaw_name = take_files(pid, lang, number)
            take = Take(
                take=number,
                source=source,
                text=script,
                file=pcm_name,
                mulaw=mulaw_name,
                duration_ms=int(audio.duration_ms),
                sha256=hashlib.sha256(audio.pcm).hexdigest(),
                by=who,
                at=iso_now(),
                engine=engine,
                voice=voice,
                original=name,
            )
            current = entry.chosen
            takes_it = choose and (
                source in HUMAN_SOURCES or current is None or current.source == "synthesised"
            )
            changed = replace(
                entry,
                text=entry.text if entry.text or text is None else text,
                takes=(*entry.takes, take),
                last_take=max(entry.last_take or 0, number),
            )
            if takes_it:
                changed = _chosen(changed, number)
            written: list[Path] = []
            try:
                for rel, data in ((pcm_name, audio.pcm), (mulaw_name, audio.mulaw)):
                    target = self.folder / rel
                    _write_new(target, data)
                    written.append(target)
                self._save(_with(catalog, prompt, lang, changed))
            except BaseException:
                for path in written:
                    path.unlink(missing_ok=True)
                raise
            return take

    def choose(self, prompt_id: str, language: str, take: int) -> LanguageEntry:
        """Make `take` the one callers hear; status back to draft when it is another take."""
        pid, lang = check_id(prompt_id), check_language(language)
        with self._locked() as catalog:
            prompt, entry = _existing(catalog, pid, lang)
            if entry.get_take(take) is None:
                raise PromptNotFound(f"'{pid}' has no take {take} in {lang}")
            if entry.take == take:
                return entry
            changed = _chosen(entry, take)
            self._save(_with(catalog, prompt, lang, changed))
            return changed

    def approve(
        self, prompt_id: str, language: str, by: str, take: int | None = None
    ) -> LanguageEntry:
        """Mark a take approved: `take` (which becomes the one callers hear, in the same change:
        the take someone listened to, whatever was recorded meanwhile), else the chosen one.
        Refused, with nothing changed, when there is no such take, or when it was made from
        another text than the current one (re-record it, or choose a take of this text)."""
        pid, lang = check_id(prompt_id), check_language(language)
        who = _who(by)
        with self._locked() as catalog:
            prompt, entry = _existing(catalog, pid, lang)
            if take is not None:
                if entry.get_take(take) is None:
                    raise PromptNotFound(f"'{pid}' has no take {take} in {lang}")
                entry = _chosen(entry, take)
            chosen = entry.chosen
            if chosen is None:
                raise PromptError(f"'{pid}' has no chosen take in {lang} to approve")
            if entry.stale:
                raise PromptError(
                    f"take {chosen.take} of '{pid}' in {lang} says {show(chosen.text)}, but the "
                    f"text is now {show(entry.text)}: record it again, or choose a take of "
                    "the current text, before approving"
                )
            changed = replace(entry, status="approved", approved_by=who, approved_at=iso_now())
            self._save(_with(catalog, prompt, lang, changed))
            return changed

    def set_text(self, prompt_id: str, language: str, text: str) -> LanguageEntry:
        """Change the script of the prompt in the language (created if new); takes of another
        text become stale."""
        pid, lang = check_id(prompt_id), check_language(language)
        if not isinstance(text, str):
            raise PromptError("a prompt's text must be text")
        with self._locked() as catalog:
            prompt, entry = _entry_for_change(catalog, pid, lang)
            if entry.text == text and lang in prompt.languages:
                return entry
            changed = replace(entry, text=text)
            self._save(_with(catalog, prompt, lang, changed))
            return changed

    def set_note(self, prompt_id: str, note: str | None) -> PromptEntry:
        """The line for the voice talent (tone, context); None or "" removes it."""
        pid = check_id(prompt_id)
        with self._locked() as catalog:
            prompt = catalog.prompts.get(pid)
            if prompt is None:
                raise PromptNotFound(f"the catalog has no prompt '{pid}'")
            changed = replace(prompt, note=note or None)
            self._save(replace(catalog, prompts={**catalog.prompts, pid: changed}))
            return changed

    def remove_take(self, prompt_id: str, language: str, take: int) -> None:
        """Remove a take that is not chosen, and its files. Its number is never given again."""
        pid, lang = check_id(prompt_id), check_language(language)
        with self._locked() as catalog:
            prompt, entry = _existing(catalog, pid, lang)
            found = entry.get_take(take)
            if found is None:
                raise PromptNotFound(f"'{pid}' has no take {take} in {lang}")
            if entry.take == take:
                raise PromptError(
                    f"take {take} of '{pid}' in {lang} is the one callers hear: choose another "
                    "take before removing it"
                )
            changed = replace(
                entry,
                takes=tuple(t for t in entry.takes if t.take != take),
                last_take=max(entry.last_take or 0, entry.next_take - 1),
            )
            self._save(_with(catalog, prompt, lang, changed))
            for rel in (found.file, found.mulaw):
                (self.folder / rel).unlink(missing_ok=True)

    def sync_texts(self, usages: Iterable[Usage]) -> list[TextChange]:
        """Copy the texts the flows give their prompts into the catalog, for each language the
        flows declare: a new prompt or language appears (status missing), a changed text
        replaces the script (the takes of the old one are stale now). Where flows give one
        prompt different texts in a language, the catalog's is kept and a conflict returned.
        Ids that cannot be in a catalog (not ids, URLs) are left out: the caller reports them.
        """
        wanted: dict[tuple[str, str], dict[str, list[str]]] = {}
        for usage in usages:
            if not is_prompt_id(usage.prompt):
                continue
            for language in usage.languages:
                try:
                    lang = check_language(language)
                except PromptError:
                    continue
                texts = wanted.setdefault((usage.prompt, lang), {})
                texts.setdefault(usage.text(language), []).append(usage.where)
        if not wanted:
            return []
        changes: list[TextChange] = []
        with self._locked() as catalog:
            prompts = dict(catalog.prompts)
            lowered = {pid.lower(): pid for pid in prompts}
            for (pid, lang), texts in sorted(wanted.items()):
                other = lowered.get(pid.lower())
                if other is not None and other != pid:
                    continue  # refused by `_entry_for_change` for changes; reported by status
                prompt = prompts.get(pid) or PromptEntry(pid)
                entry = prompt.languages.get(lang)
                given = [t for t in texts if t.strip()] or list(texts)
                if len(given) > 1:
                    places = tuple(w for t in given for w in texts[t])
                    old = entry.text if entry is not None else None
                    changes.append(TextChange(pid, lang, "conflict", old, None, places))
                    if entry is not None:
                        continue
                    given = [""]
                text = given[0]
                if entry is None:
                    changes.append(TextChange(pid, lang, "added", None, text))
                    entry = LanguageEntry(text=text)
                elif entry.text != text:
                    changes.append(TextChange(pid, lang, "changed", entry.text, text))
                    entry = replace(entry, text=text)
                else:
                    continue
                prompts[pid] = replace(prompt, languages={**prompt.languages, lang: entry})
                lowered.setdefault(pid.lower(), pid)
            if changes:
                self._save(Catalog(prompts))
        return changes

    # -- the lock and the file --------------------------------------------------------------

    @contextmanager
    def _locked(self) -> Iterator[Catalog]:
        """The catalog as it is now, read under the thread lock and `flock`, held while the
        block changes it."""
        self.folder.mkdir(parents=True, exist_ok=True)
        with _thread_lock(self.folder):
            fd = os.open(self.folder / LOCK_FILE, os.O_RDWR | os.O_CREAT, 0o644)
            try:
                fcntl.flock(fd, fcntl.LOCK_EX)
                self._cache = None
                yield load_catalog(self.folder)
            finally:
                os.close(fd)  # releases the flock

    def _save(self, catalog: Catalog) -> None:
        text = catalog.to_json()
        # Never a file the next read would refuse (the runtime would then speak every prompt).
        parse_catalog(text, str(self.path))
        new = not self.path.exists()
        write_atomic(self.path, text)
        if new:  # write_atomic keeps an existing file's mode; a new one is readable by all,
            os.chmod(self.path, 0o644)  # as the takes are: the runtime may run as another user
        self._cache = None


def _who(by: object) -> str:
    if not isinstance(by, str) or not by.strip():
        raise PromptError("say who made the change (a name)")
    return by.strip()


def _original_name(original: str | None) -> str | None:
    """The base name of the file a take was converted from, for the record only."""
    if original is None:
        return None
    name = original.replace("\\", "/").rsplit("/", 1)[-1].replace("\x00", "")
    return name[:255] or None


def _entry_for_change(catalog: Catalog, pid: str, lang: str) -> tuple[PromptEntry, LanguageEntry]:
    """The prompt (new if need be) and its entry for `lang` (new if need be)."""
    prompt = catalog.prompts.get(pid)
    if prompt is None:
        other = next((p for p in catalog.prompts if p.lower() == pid.lower()), None)
        if other is not None:
            raise PromptError(
                f"the catalog has '{other}', which differs from '{pid}' only in case: their "
                "files would be one on some systems; use that id"
            )
        prompt = PromptEntry(pid)
    return prompt, prompt.languages.get(lang) or LanguageEntry()


def _existing(catalog: Catalog, pid: str, lang: str) -> tuple[PromptEntry, LanguageEntry]:
    prompt = catalog.prompts.get(pid)
    if prompt is None:
        raise PromptNotFound(f"the catalog has no prompt '{pid}'")
    entry = prompt.languages.get(lang)
    if entry is None:
        raise PromptNotFound(f"'{pid}' has nothing in {lang}")
    return prompt, entry


def _chosen(entry: LanguageEntry, number: int) -> LanguageEntry:
    """The entry with take `number` chosen: status draft, as nobody approved that take yet."""
    return replace(entry, take=number, status="draft", approved_by=None, approved_at=None)


def _with(catalog: Catalog, prompt: PromptEntry, lang: str, entry: LanguageEntry) -> Catalog:
    changed = replace(prompt, languages={**prompt.languages, lang: entry})
    return replace(catalog, prompts={**catalog.prompts, prompt.id: changed})


def _write_new(path: Path, data: bytes) -> None:
    """Write a take's file through a temporary file renamed into place, never over a file that
    exists (take files are immutable: a call in progress may be playing it)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    if path.exists():
        raise PromptError(f"{path} exists already: a take's file is never written again")
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(data)
            f.flush()
            os.fsync(f.fileno())
        os.chmod(tmp, 0o644)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
