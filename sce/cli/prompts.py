"""`sce prompts`: the prompt catalog of the flows, from the shell.

    sce prompts status [FLOW...] [--format json]     what each flow's prompts have, per language
    sce prompts synth [FLOW...] [--force]            text-to-speech for every prompt with no take
    sce prompts import DIR|ZIP [--language LANG]     uploads of voice talent become takes
    sce prompts export [-o DIR] [--language LANG]    a zip per language for voice talent

The catalog is the `[tool.sce.prompts]` folder of the nearest pyproject.toml (`prompts/` beside
it; `--folder` names another), changed only through `sce.prompts.catalog.PromptLibrary`, as the
studio changes it. FLOW defaults to the `flows/` folder beside that pyproject.toml.

`synth` and `import` first copy the flows' texts into the catalog (`sync_texts`: new prompts and
languages appear, a changed text makes the takes of the old one stale); `status` only reads.

Exit status, as `sce lint`: 0 nothing to report, 1 findings (a prompt with no take in one of its
flow's languages, a synthesis that failed, a refused file, a flow that does not load), 2 a usage,
settings or file error (a catalog that cannot be read among them).
"""

from __future__ import annotations

import contextlib
import csv
import difflib
import hashlib
import io
import os
import stat
import sys
import tempfile
import zipfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field, replace
from pathlib import Path, PurePosixPath
from typing import TYPE_CHECKING

import click

from sce.cli.common import (
    CliError,
    NonEmptyPath,
    SceGroup,
    emit,
    output_option,
    print_diagnostics,
    progress_bar,
)
from sce.cli.common import to_json as json_text
from sce.errors import AudioRefused, PromptError, SynthesisFailed
from sce.files import kind_of
from sce.lint import load_settings
from sce.prompts.catalog import (
    Catalog,
    PromptLibrary,
    TextChange,
    check_id,
    check_language,
    is_prompt_id,
    iso_now,
    plain_file,
    same_text,
)
from sce.prompts.settings import PromptSettings, load_prompt_settings
from sce.prompts.usage import FlowUsages, Usage, UsageScan, scan_flows
from sce.pyproject import find_pyproject
from sce.report import ExitCode

if TYPE_CHECKING:
    from sce.prompts.catalog import LanguageEntry, Take

#: Who a synthesised take is by.
SYNTH_BY = "sce prompts synth"
#: What one zip may unpack to, in all (its members are bounded by `max-megabytes` each).
ZIP_TOTAL_BYTES = 1024 * 1024 * 1024
#: Members one zip may have.
ZIP_MEMBERS = 10_000
#: States of a used prompt in one language, worst first (`status`).
STATES = ("missing", "stale", "synthesised", "recorded", "approved")


@dataclass
class _Place:
    """Where `sce prompts` works: the prompt settings and the default flows folder."""

    settings: PromptSettings
    flows: Path

    def library(self) -> PromptLibrary:
        return PromptLibrary(self.settings.folder, self.settings)


@click.group(cls=SceGroup)
@click.option(
    "--folder",
    type=NonEmptyPath(file_okay=False, path_type=Path),
    help="The catalog's folder (default: `folder` of [tool.sce.prompts], prompts/ beside "
    "pyproject.toml).",
)
@click.pass_context
def prompts(ctx: click.Context, folder: Path | None) -> None:
    """The prompt catalog: what each prompt says and sounds like, per language."""
    settings = load_prompt_settings(Path.cwd())
    settings = replace(settings, folder=_shown(folder or settings.folder))
    pyproject = find_pyproject(Path.cwd())
    ctx.obj = _Place(settings, _shown((pyproject.parent if pyproject else Path.cwd()) / "flows"))


def _shown(path: Path) -> Path:
    """The path relative to the working directory when it lies below it, as paths are shown."""
    if not path.is_absolute():
        return path
    try:
        return path.relative_to(Path.cwd())
    except ValueError:
        return path


def _place() -> _Place:
    place = click.get_current_context().find_object(_Place)
    assert place is not None  # the group made it
    return place


def _scan(place: _Place, paths: tuple[Path, ...]) -> UsageScan:
    """The flows of `paths` (default: the flows folder), their load problems on stderr."""
    if not paths:
        if not place.flows.is_dir():
            raise CliError(
                f"no flows folder at {place.flows}: name the flow files or folders to look at"
            )
        paths = (place.flows,)
    scan = scan_flows(paths, load_settings(Path.cwd()))  # its `exclude`, as `sce lint` has
    for error in scan.errors:
        click.echo(f"sce: error: {error}", err=True)
    broken = [d for f in scan.broken for d in f.diagnostics]
    if broken:
        print_diagnostics(broken)
    if scan.errors and not scan.flows:
        sys.exit(ExitCode.ERROR)
    return scan


def _fail_on_scan(scan: UsageScan) -> ExitCode | None:
    """The exit code the scan alone calls for (2 for bad paths, 1 for broken flows), or None."""
    if scan.errors:
        return ExitCode.ERROR
    if scan.broken:
        return ExitCode.FINDINGS
    return None


def _short(text: str, limit: int = 50) -> str:
    one = " ".join(text.split())
    return one if len(one) <= limit else one[: limit - 1] + "…"


# -- status -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class _State:
    """What callers in one language hear of one prompt of one flow."""

    usage: Usage
    language: str
    state: str
    take: Take | None
    why: str = ""

    def to_json(self) -> dict[str, object]:
        return {
            "prompt": self.usage.prompt,
            "state": self.state,
            "take": self.take.take if self.take else None,
            "source": self.take.source if self.take else None,
            "text": self.usage.text(self.language),
            "heard": self.take.text if self.take else None,
            "node": self.usage.node,
            "pointer": self.usage.pointer,
            "line": self.usage.line,
            "why": self.why or None,
        }


def _state(catalog: Catalog, folder: Path, usage: Usage, language: str) -> _State:
    text = usage.text(language)
    if not is_prompt_id(usage.prompt):
        return _State(usage, language, "missing", None, "not a prompt id")
    take = catalog.best(usage.prompt, language)
    if take is None:
        plain = plain_file(folder, usage.prompt, language)
        if plain is not None:
            why = f"{plain}, a plain file: `sce prompts import` puts it in the catalog"
            return _State(usage, language, "recorded", None, why)
        why = "no take" + ("" if text.strip() else ", and no text: callers hear nothing")
        return _State(usage, language, "missing", None, why)
    if text.strip() and not same_text(take.text, text):
        return _State(usage, language, "stale", take, f"made from {_short(take.text)!r}")
    if take.source == "synthesised":
        return _State(usage, language, "synthesised", take)
    entry = _entry_of(catalog, usage.prompt, language, take)
    if entry is not None and entry.status == "approved":
        return _State(usage, language, "approved", take)
    return _State(usage, language, "recorded", take)


def _entry_of(catalog: Catalog, pid: str, language: str, take: Take) -> LanguageEntry | None:
    """The language entry `take` belongs to (the language's own, or its prefix's)."""
    prompt = catalog.get(pid)
    if prompt is None:
        return None
    return next((e for e in prompt.languages.values() if e.chosen == take), None)


def _flow_states(catalog: Catalog, folder: Path, flow: FlowUsages) -> dict[str, list[_State]]:
    """Each language of the flow: the state of each prompt id it uses (once per id)."""
    out: dict[str, list[_State]] = {}
    for language in flow.languages:
        seen: dict[str, _State] = {}
        for usage in flow.usages:
            state = _state(catalog, folder, usage, language)
            kept = seen.get(usage.prompt)
            if kept is None or STATES.index(state.state) < STATES.index(kept.state):
                seen[usage.prompt] = state
        out[language] = list(seen.values())
    return out


@prompts.command("status")
@click.argument("paths", nargs=-1, metavar="[FLOW]...", type=NonEmptyPath(path_type=Path))
@click.option(
    "--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True
)
@output_option("Write the report to this file instead of stdout.")
def status(paths: tuple[Path, ...], fmt: str, output: Path | None) -> None:
    """What each flow's prompts have in each of its languages.

    Per flow and language: how many of its catalog prompts are missing (no take; callers hear
    the text by text-to-speech of the phone platform, or nothing where there is no text), stale
    (the take was made from another text), synthesised only, recorded (or uploaded; draft, or a
    plain `<lang>/<id>.wav` from before the catalog) or approved. Only reads: `synth` and
    `import` copy the flows' texts into the catalog.

    Exit status: 0 every prompt has a take in every language of its flow, 1 some have not (or a
    flow does not load), 2 a usage, settings or file error.
    """
    place = _place()
    scan = _scan(place, paths)
    catalog = place.library().catalog()
    folder = place.settings.folder
    report = [(f, _flow_states(catalog, folder, f)) for f in scan.flows if f.flow is not None]
    totals = dict.fromkeys(STATES, 0)
    for _, languages in report:
        for states in languages.values():
            for s in states:
                totals[s.state] += 1
    if fmt == "json":
        data = {
            "catalog": str(place.library().path),
            "flows": [
                {
                    "path": f.path,
                    "flow": f.flow.flow if f.flow else None,
                    "languages": {
                        lang: {
                            "counts": _counts(states),
                            "prompts": [s.to_json() for s in states],
                        }
                        for lang, states in languages.items()
                    },
                }
                for f, languages in report
            ],
            "totals": totals,
            "broken": [f.path for f in scan.broken],
        }
        emit(json_text(data), output)
    else:
        emit(_status_text(report, totals, place), output)
    code = _fail_on_scan(scan)
    if code is not None:
        sys.exit(code)
    sys.exit(ExitCode.FINDINGS if totals["missing"] else ExitCode.CLEAN)


def _counts(states: list[_State]) -> dict[str, int]:
    counts = dict.fromkeys(STATES, 0)
    for s in states:
        counts[s.state] += 1
    return {"prompts": len(states), **counts}


def _status_text(
    report: list[tuple[FlowUsages, dict[str, list[_State]]]],
    totals: dict[str, int],
    place: _Place,
) -> str:
    lines: list[str] = []
    used = [(f, langs) for f, langs in report if f.usages]
    for f, languages in used:
        assert f.flow is not None
        lines.append(f"{f.path} ({f.flow.flow})")
        rows = [["LANGUAGE", "PROMPTS", *(s.upper() for s in STATES)]]
        for lang, states in languages.items():
            counts = _counts(states)
            rows.append([lang, *(str(counts[k]) for k in ("prompts", *STATES))])
        widths = [max(len(r[i]) for r in rows) for i in range(len(rows[0]))]
        for row in rows:
            numbers = [c.rjust(w) for c, w in zip(row[1:], widths[1:], strict=True)]
            cells = [row[0].ljust(widths[0]), *numbers]
            lines.append("  " + "  ".join(cells).rstrip())
        for lang, states in languages.items():
            for s in states:
                if s.state in ("missing", "stale") or s.why:
                    detail = f" ({s.why})" if s.why else ""
                    lines.append(f"  {s.state}: {lang} {s.usage.prompt}{detail} at {s.usage.where}")
        lines.append("")
    count = sum(totals.values())
    if not used:
        lines.append("no catalog prompts (`audio`) in these flows")
    else:
        parts = ", ".join(f"{totals[s]} {s}" for s in STATES if totals[s])
        lines.append(
            f"{count} prompt{'s' if count != 1 else ''} in {len(used)} "
            f"flow{'s' if len(used) != 1 else ''} ({parts}); catalog {place.library().path}"
        )
        if totals["missing"]:
            lines.append(
                "make the missing ones with `sce prompts synth`, or record them (studio, "
                "`sce prompts import`)"
            )
    return "\n".join(lines) + "\n"


# -- sync (synth and import) ------------------------------------------------------------------


def _sync(library: PromptLibrary, usages: list[Usage]) -> dict[tuple[str, str], TextChange]:
    """Copy the flows' texts into the catalog; say what changed; the conflicts by prompt and
    language."""
    changes = library.sync_texts(usages)
    conflicts = {}
    for change in changes:
        if change.kind == "added":
            click.echo(f"new      {change.prompt} {change.language}: {_short(change.new or '')!r}")
        elif change.kind == "changed":
            click.echo(
                f"changed  {change.prompt} {change.language}: {_short(change.old or '')!r} -> "
                f"{_short(change.new or '')!r} (its takes are stale now)"
            )
        else:
            conflicts[(change.prompt, change.language)] = change
            click.echo(
                f"sce: warning: {change.prompt} {change.language}: the flows give it different "
                f"texts ({', '.join(change.where)}); the catalog's is kept",
                err=True,
            )
    for usage in usages:
        if not is_prompt_id(usage.prompt):
            click.echo(
                f"sce: warning: {usage.where}: '{usage.prompt}' is not a prompt id, so it "
                "cannot be in the catalog",
                err=True,
            )
    return conflicts


# -- synth ------------------------------------------------------------------------------------


@dataclass
class _Job:
    prompt: str
    language: str
    text: str
    why: str
    #: What callers hear now (a synthesised take), if anything.
    current: Take | None


@prompts.command("synth")
@click.argument("paths", nargs=-1, metavar="[FLOW]...", type=NonEmptyPath(path_type=Path))
@click.option(
    "--force",
    is_flag=True,
    help="Synthesise again, without the cache, where a synthesised take is current (never "
    "over a recording); a take the engine says as before is not added again.",
)
def synth(paths: tuple[Path, ...], force: bool) -> None:
    """Synthesise every prompt of the flows that has no take, or whose synthesised take is
    stale, in each language of its flow.

    The engines are `tts` of [tool.sce.prompts] (gTTS online, espeak-ng offline). A synthesised
    take is chosen only where no take or another synthesised one was: a recording is never
    replaced, and a stale recording is only listed, to be recorded again.

    Exit status: 0 all synthesised, 1 some failed (each is named, with why), 2 a usage,
    settings or file error.
    """
    from sce.prompts.tts import default_cache, synthesise

    place = _place()
    scan = _scan(place, paths)
    library = place.library()
    usages = scan.usages
    conflicts = _sync(library, usages)
    catalog = library.catalog()
    jobs: list[_Job] = []
    failed: list[tuple[str, str, str]] = []
    stale_recordings: list[tuple[str, str, Take]] = []
    seen: set[tuple[str, str]] = set()
    for usage in usages:
        if not is_prompt_id(usage.prompt):
            continue
        for language in usage.languages:
            lang = check_language(language)
            if (usage.prompt, lang) in seen:
                continue
            seen.add((usage.prompt, lang))
            if (usage.prompt, lang) in conflicts:
                change = conflicts[(usage.prompt, lang)]
                where = ", ".join(change.where)
                failed.append((usage.prompt, lang, f"the flows give it different texts: {where}"))
                continue
            entry = catalog.entry(usage.prompt, lang)
            text = entry.text if entry is not None else usage.text(language)
            take = catalog.best(usage.prompt, lang)
            if take is None:
                why = "no take"
            elif take.source != "synthesised":
                if not same_text(take.text, text) and text.strip():
                    stale_recordings.append((usage.prompt, lang, take))
                continue
            elif not same_text(take.text, text):
                why = "stale"
            elif force:
                why = "--force"
            else:
                continue
            if not text.strip():
                failed.append(
                    (usage.prompt, lang, f"no {lang} text to speak: add it to the flow ({why})")
                )
                continue
            jobs.append(_Job(usage.prompt, lang, text, why, take))

    made = cached = same = 0
    cache = None if force else default_cache()  # --force: the engine again, not what it said before
    with progress_bar("Synthesising", len(jobs)) as step:
        for job in jobs:
            try:
                spoken = synthesise(job.text, job.language, place.settings, cache)
                digest = hashlib.sha256(spoken.audio.pcm).hexdigest()
                if job.current is not None and job.current.sha256 == digest and job.why != "stale":
                    same += 1  # the engine says it as before: no take that is a copy
                    step(f"{job.prompt} {job.language}")
                    continue
                take = library.add_take(
                    job.prompt,
                    job.language,
                    spoken.audio,
                    source="synthesised",
                    by=SYNTH_BY,
                    text=job.text,
                    engine=spoken.engine,
                    voice=spoken.voice,
                )
            except (SynthesisFailed, AudioRefused, PromptError) as e:
                failed.append((job.prompt, job.language, e.message))
            else:
                made += 1
                cached += spoken.cached
                click.echo(
                    f"synthesised {job.prompt} {job.language} take {take.take} "
                    f"({spoken.engine} {spoken.voice}, {take.duration_ms / 1000:.1f} s"
                    f"{', cached' if spoken.cached else ''}; {job.why})"
                )
            step(f"{job.prompt} {job.language}")

    for pid, lang, take in stale_recordings:
        click.echo(
            f"sce: warning: {pid} {lang}: take {take.take} ({take.source}) was made from "
            f"{_short(take.text)!r}; record it again (synth never replaces a recording)",
            err=True,
        )
    for pid, lang, why in failed:
        click.echo(f"sce: error: {pid} {lang}: {why}", err=True)
    summary = f"synthesised {made} take{'s' if made != 1 else ''}"
    if cached:
        summary += f" ({cached} from the cache)"
    if same:
        summary += f", {same} unchanged (the engine said them as before)"
    if failed:
        summary += f", {len(failed)} failed"
    if stale_recordings:
        summary += f", {len(stale_recordings)} stale recording(s) to record again"
    if not jobs and not failed:
        summary = "nothing to synthesise: every prompt has a current take"
        if stale_recordings:
            summary += f" but {len(stale_recordings)} stale recording(s) to record again"
    click.echo(summary)
    code = _fail_on_scan(scan)
    if code is not None:
        sys.exit(code)
    sys.exit(ExitCode.FINDINGS if failed else ExitCode.CLEAN)


# -- import -----------------------------------------------------------------------------------


@dataclass
class _Upload:
    """One file to import: its name as given (relative, with `/`), size and bytes on demand."""

    name: str
    size: int
    read: Callable[[], bytes]
    #: Why it cannot be imported, found before reading it.
    refused: str | None = None
    prompt: str = ""
    language: str = ""


@dataclass
class _Outcome:
    imported: list[tuple[_Upload, Take]] = field(default_factory=list)
    refused: list[tuple[str, str]] = field(default_factory=list)


def _ignored(name: str) -> bool:
    """Files no one means to import: hidden files and a Mac's zip metadata."""
    parts = PurePosixPath(name).parts
    return any(p.startswith(".") for p in parts) or (bool(parts) and parts[0] == "__MACOSX")


def _folder_uploads(folder: Path, limit: int) -> Iterator[_Upload]:
    for root, dirs, names in os.walk(folder):
        dirs[:] = sorted(d for d in dirs if not d.startswith("."))
        for name in sorted(names):
            path = Path(root) / name
            rel = path.relative_to(folder).as_posix()
            if _ignored(rel):
                continue
            kind = kind_of(path)
            if kind is not None:
                yield _Upload(rel, 0, bytes, refused=f"{kind}, not an audio file")
                continue
            size = path.stat().st_size
            yield _Upload(rel, size, path.read_bytes, refused=_too_large(size, limit))


def _too_large(size: int, limit: int) -> str | None:
    if size > limit:
        return (
            f"the file is {size / 1024 / 1024:.1f} MB, more than the "
            f"{limit / 1024 / 1024:.0f} MB a prompt may be"
        )
    return None


def _unsafe_member(info: zipfile.ZipInfo) -> str | None:
    """Why a zip member's name or kind is refused, or None."""
    name = info.filename
    if "\x00" in name or "\\" in name:
        return "its name holds a backslash or NUL"
    if name.startswith("/") or (len(name) > 1 and name[1] == ":"):
        return "its name is an absolute path"
    if any(part == ".." for part in name.split("/")):
        return "its name leads out of the zip's folder ('..')"
    mode = info.external_attr >> 16
    if mode and stat.S_ISLNK(mode):
        return "it is a symbolic link"
    return None


def _zip_uploads(archive: zipfile.ZipFile, limit: int) -> Iterator[_Upload]:
    members = [i for i in archive.infolist() if not i.is_dir()]
    if len(members) > ZIP_MEMBERS:
        raise CliError(f"the zip holds {len(members)} files, more than {ZIP_MEMBERS}")
    total = sum(i.file_size for i in members if _unsafe_member(i) is None)
    if total > ZIP_TOTAL_BYTES:
        raise CliError(
            f"the zip would unpack to {total / 1024 / 1024:.0f} MB, more than "
            f"{ZIP_TOTAL_BYTES / 1024 / 1024:.0f} MB: import it in parts"
        )
    unpacked = [0]  # what the members read so far unpacked to, whatever their headers said
    for info in members:
        name = info.filename
        unsafe = _unsafe_member(info)
        if unsafe is not None:
            yield _Upload(name, info.file_size, bytes, refused=unsafe)
            continue
        if _ignored(name):
            continue

        def read(info: zipfile.ZipInfo = info) -> bytes:
            # Read with a cap: a member's declared size may lie (a zip bomb).
            if unpacked[0] > ZIP_TOTAL_BYTES:
                raise AudioRefused("the zip unpacked to more than it said: the rest is not read")
            with archive.open(info) as member:
                data = member.read(limit + 1)
            unpacked[0] += len(data)
            if len(data) > limit:
                raise AudioRefused(_too_large(len(data), limit) or "too large")
            return data

        yield _Upload(name, info.file_size, read, refused=_too_large(info.file_size, limit))


def _name_upload(upload: _Upload, language: str | None) -> None:
    """Fill in the prompt id and language a file's name gives, or why it gives none."""
    path = PurePosixPath(upload.name)
    if not path.suffix:
        upload.refused = upload.refused or "no file type (name it <id>.wav, .mp3, ...)"
        return
    parts = [*path.parent.parts, path.name[: -len(path.suffix)]]
    parts = [p for p in parts if p not in ("", ".")]
    try:
        if language is not None:
            upload.language = check_language(language)
            upload.prompt = check_id("/".join(parts))
        else:
            if len(parts) < 2:
                upload.refused = upload.refused or (
                    "no language in its name: name it <language>/<id>.<ext> (such as "
                    "en-US/welcome.wav), or give --language"
                )
                return
            upload.language = check_language(parts[0])
            upload.prompt = check_id("/".join(parts[1:]))
    except PromptError as e:
        upload.refused = upload.refused or e.message


@prompts.command("import")
@click.argument("source", type=NonEmptyPath(exists=True, path_type=Path), metavar="DIR|ZIP")
@click.option("--language", help="The language of every file (then files are named <id>.<ext>).")
@click.option("--by", help="Who recorded them (default: your login name).")
@click.option(
    "--allow-new",
    is_flag=True,
    help="Also take prompt ids that no flow uses and the catalog does not have.",
)
def import_command(source: Path, language: str | None, by: str | None, allow_new: bool) -> None:
    """Import audio files as uploaded takes: `<language>/<id>.<ext>` in a folder or zip (such
    as `zh-CN/menu/main.mp3`), or `<id>.<ext>` with --language.

    Each file is converted to telephone audio (8 kHz; trimmed and loudness-normalised) and
    becomes the chosen take of its prompt, status draft. A file that cannot be (not audio,
    silent, clipped, too long or large, a name that is no prompt id, an id nobody uses without
    --allow-new) is refused with why, and changes nothing. The flows' texts are copied into
    the catalog first, so each take records the script it was read from.

    Exit status: 0 all imported, 1 some refused, 2 a usage, settings or file error.
    """
    from sce.cli.users import os_user

    place = _place()
    library = place.library()
    who = by or os_user()
    if language is not None:
        try:
            language = check_language(language)
        except PromptError as e:
            raise click.UsageError(f"--language: {e.message}") from None
    if place.flows.is_dir():
        scan = scan_flows([place.flows], load_settings(Path.cwd()))
        _sync(library, scan.usages)
        used = {u.prompt for u in scan.usages}
    else:
        used = set()
    limit = place.settings.audio.max_bytes
    with contextlib.ExitStack() as stack:
        if source.is_dir():
            uploads = list(_folder_uploads(source, limit))
        elif zipfile.is_zipfile(source):
            try:
                archive = stack.enter_context(zipfile.ZipFile(source))
                uploads = list(_zip_uploads(archive, limit))
            except (zipfile.BadZipFile, zipfile.LargeZipFile) as e:
                raise CliError(f"{source}: not a zip file that can be read ({e})") from None
        else:
            raise CliError(f"{source}: neither a folder nor a zip file")
        outcome = _import_all(library, uploads, language, who, used, allow_new)

    for upload, take in outcome.imported:
        click.echo(
            f"imported {upload.name} -> {upload.prompt} {upload.language} take {take.take} "
            f"({take.duration_ms / 1000:.1f} s)"
        )
    for name, why in outcome.refused:
        click.echo(f"refused  {name}: {why}")
    imported, refused = len(outcome.imported), len(outcome.refused)
    click.echo(
        f"{imported} file{'s' if imported != 1 else ''} imported, {refused} refused"
        + ("" if imported + refused else f": no files in {source}")
    )
    sys.exit(ExitCode.FINDINGS if refused else ExitCode.CLEAN)


def _import_all(
    library: PromptLibrary,
    uploads: list[_Upload],
    language: str | None,
    who: str,
    used: set[str],
    allow_new: bool,
) -> _Outcome:
    from sce.prompts.audio import convert

    outcome = _Outcome()
    for upload in uploads:
        _name_upload(upload, language)
    catalog = library.catalog()
    known = sorted(set(catalog.prompts) | used)
    by_target: dict[tuple[str, str], list[_Upload]] = {}
    for upload in uploads:
        if upload.refused is None:
            by_target.setdefault((upload.prompt, upload.language), []).append(upload)
    for (pid, lang), group in by_target.items():
        if len(group) > 1:
            names = ", ".join(u.name for u in group)
            for upload in group:
                upload.refused = f"{len(group)} files for {pid} in {lang} ({names}): import one"
        elif not allow_new and pid not in known:
            close = difflib.get_close_matches(pid, known, n=1, cutoff=0.7)
            hint = f" (did you mean '{close[0]}'?)" if close else ""
            group[0].refused = (
                f"no flow uses the prompt '{pid}' and the catalog does not have it{hint}: "
                "name the file after a prompt id, or give --allow-new"
            )
    with progress_bar("Importing", len(uploads)) as step:
        for upload in uploads:
            step(upload.name)
            if upload.refused is not None:
                outcome.refused.append((upload.name, upload.refused))
                continue
            try:
                audio = convert(upload.read(), upload.name, library.settings.audio)
                take = library.add_take(
                    upload.prompt,
                    upload.language,
                    audio,
                    source="uploaded",
                    by=who,
                    text=None,
                    original=PurePosixPath(upload.name).name,
                )
            except (AudioRefused, PromptError) as e:
                outcome.refused.append((upload.name, e.message))
            except OSError as e:
                outcome.refused.append((upload.name, f"cannot read it: {e.strerror or e}"))
            except (zipfile.BadZipFile, EOFError, RuntimeError, ValueError) as e:
                outcome.refused.append((upload.name, f"cannot unpack it from the zip: {e}"))
            else:
                outcome.imported.append((upload, take))
    return outcome


# -- export -----------------------------------------------------------------------------------


@prompts.command("export")
@click.option(
    "-o",
    "--output",
    "folder",
    type=NonEmptyPath(file_okay=False, path_type=Path),
    default=Path("."),
    help="The folder to write the zips into (created if need be).",
    show_default=True,
)
@click.option(
    "--language",
    "languages",
    multiple=True,
    help="Only this language (again for more); default: every language of the catalog.",
)
def export(folder: Path, languages: tuple[str, ...]) -> None:
    """Write a zip per language for voice talent: `prompts-<language>.zip` with the audio
    callers hear now (`<id>.wav`) and the script (`script.csv`, for a spreadsheet, and
    `script.txt`): each prompt's id, text, status, whether its take is stale, and its note.

    Exit status: 0 written, 1 some audio file is missing from the catalog's folder, 2 a usage,
    settings or file error.
    """
    library = _place().library()
    catalog = library.catalog()
    wanted: list[str] = []
    for language in languages:
        try:
            wanted.append(check_language(language))
        except PromptError as e:
            raise click.UsageError(f"--language: {e.message}") from None
    present = catalog.languages()
    for language in wanted:
        if language not in present:
            shown = ", ".join(present) or "none"
            raise click.UsageError(f"the catalog has no prompts in {language} (it has: {shown})")
    if not present:
        raise CliError(f"the catalog {library.path} has no prompts to export")
    folder.mkdir(parents=True, exist_ok=True)
    missing: list[str] = []
    for language in wanted or present:
        target = folder / f"prompts-{language}.zip"
        count, with_audio, lost = _export_language(library, catalog, language, target)
        missing.extend(lost)
        click.echo(f"wrote {target} ({count} prompts, {with_audio} with audio)")
    for name in missing:
        click.echo(
            f"sce: error: {name}: the audio file is missing from the catalog's folder", err=True
        )
    sys.exit(ExitCode.FINDINGS if missing else ExitCode.CLEAN)


def _export_language(
    library: PromptLibrary, catalog: Catalog, language: str, target: Path
) -> tuple[int, int, list[str]]:
    """Write one language's zip atomically; (prompts, prompts with audio, missing files)."""
    rows: list[tuple[str, LanguageEntry, str | None]] = []
    for pid in sorted(catalog.prompts):
        prompt = catalog.prompts[pid]
        entry = prompt.languages.get(language)
        if entry is not None:
            rows.append((pid, entry, prompt.note))
    missing: list[str] = []
    with_audio = 0
    fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent)
    try:
        with os.fdopen(fd, "wb") as raw, zipfile.ZipFile(raw, "w", zipfile.ZIP_DEFLATED) as zf:
            for pid, entry, _ in rows:
                chosen = entry.chosen
                if chosen is None:
                    continue
                path = library.file_of(chosen)
                try:
                    data = path.read_bytes()
                except FileNotFoundError:
                    missing.append(str(path))
                    continue
                zf.writestr(f"{pid}.wav", data)
                with_audio += 1
            zf.writestr("script.csv", _script_csv(rows).encode("utf-8-sig"))
            zf.writestr("script.txt", _script_txt(rows, language).encode("utf-8"))
        os.chmod(tmp, 0o644)
        os.replace(tmp, target)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return len(rows), with_audio, missing


def _script_csv(rows: list[tuple[str, LanguageEntry, str | None]]) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(["id", "text", "status", "stale", "note"])
    for pid, entry, note in rows:
        writer.writerow([pid, entry.text, entry.status, "yes" if entry.stale else "no", note or ""])
    return out.getvalue()


def _script_txt(rows: list[tuple[str, LanguageEntry, str | None]], language: str) -> str:
    lines = [f"Prompts in {language}: {len(rows)} (exported {iso_now()})", ""]
    for pid, entry, note in rows:
        flags = entry.status + (", stale" if entry.stale else "")
        lines.append(f"{pid} [{flags}]")
        lines.append(f"    {entry.text}" if entry.text else "    (no text yet)")
        if note:
            lines.append(f"    Note: {note}")
        lines.append("")
    return "\n".join(lines)
