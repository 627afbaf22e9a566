"""Which prompt ids the flows use, with their texts per language, and where.

A flow names a catalog prompt in a prompt's `audio` (`prompt`, `no_input`, `no_match`,
`wait_announcement`); the prompt's `text` is the script for the voice talent and what
text-to-speech says. This is what `sce prompts` syncs into the catalog and reports on, and what
the lint rules about prompts look at (through `audio_prompts`, indexed once per flow).

An `audio` that is an http(s) URL plays that file, and a transfer's `hold_music` is music with no
script: neither is a catalog prompt, so neither is a usage.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from sce.compiler.fields import prompt_fields
from sce.diagnostics import Diagnostic, escape_pointer
from sce.loader import load_path
from sce.model import Flow, Prompt
from sce.source import Source

if TYPE_CHECKING:
    from sce.lint.config import Settings


def is_catalog_audio(audio: str | None) -> bool:
    """Whether a prompt's `audio` names a catalog prompt (not nothing, not a URL)."""
    return bool(audio) and not str(audio).lower().startswith(("http://", "https://"))


def audio_prompts(flow: Flow) -> list[tuple[str, str, Prompt]]:
    """(node id, field, prompt) of every prompt of the flow that names a catalog prompt, in
    flow order."""
    return [
        (nid, name, prompt)
        for nid, node in flow.nodes.items()
        for name, prompt in prompt_fields(node)
        if is_catalog_audio(prompt.audio)
    ]


def declared_languages(flow: Flow) -> list[str]:
    """The flow's languages, each once (a language listed again in other case is SCE403's)."""
    firsts: dict[str, str] = {}
    for lang in flow.languages:
        firsts.setdefault(lang.lower(), lang)
    return list(firsts.values())


def text_in(texts: Mapping[str, str], language: str) -> str:
    """The text for `language` (in any case), or ""."""
    exact = texts.get(language)
    if exact is not None:
        return exact
    lowered = language.lower()
    return next((t for lang, t in texts.items() if lang.lower() == lowered), "")


@dataclass(frozen=True)
class Usage:
    """One prompt of one flow that names a catalog prompt."""

    prompt: str
    flow: str
    node: str
    #: The node's field that holds the prompt (`prompt`, `no_match`, ...).
    field: str
    #: JSON pointer of that prompt in the flow (`/nodes/welcome/prompt`).
    pointer: str
    #: The flow's languages (each once).
    languages: tuple[str, ...]
    texts: Mapping[str, str]
    path: str | None = None
    line: int | None = None

    def text(self, language: str) -> str:
        """The flow's text for the prompt in `language`, or ""."""
        return text_in(self.texts, language)

    @property
    def where(self) -> str:
        """`path:line` (or `flow#pointer`) of the prompt, for messages."""
        if self.path and self.line:
            return f"{self.path}:{self.line}"
        return f"{self.path or self.flow}#{self.pointer}"

    def to_json(self) -> dict[str, object]:
        return {
            "prompt": self.prompt,
            "flow": self.flow,
            "path": self.path,
            "line": self.line,
            "node": self.node,
            "pointer": self.pointer,
            "texts": dict(self.texts),
        }


def usages_of(flow: Flow, path: str | None = None, source: Source | None = None) -> list[Usage]:
    """The flow's catalog prompts, in flow order; with `source`, each with its line there."""
    languages = tuple(declared_languages(flow))
    out = []
    for nid, name, prompt in audio_prompts(flow):
        ptr = f"/nodes/{escape_pointer(nid)}/{name}/audio"
        line = None
        if source is not None:
            offset = source.offset_of(ptr)
            line = source.line_col(offset)[0] if offset is not None else None
        out.append(
            Usage(
                prompt=str(prompt.audio),
                flow=flow.flow,
                node=nid,
                field=name,
                pointer=f"/nodes/{escape_pointer(nid)}/{name}",
                languages=languages,
                texts=dict(prompt.text),
                path=path,
                line=line,
            )
        )
    return out


@dataclass
class FlowUsages:
    """One flow file: its flow when it loads (else the diagnostics why not) and its usages."""

    path: str
    flow: Flow | None
    usages: list[Usage] = field(default_factory=list)
    diagnostics: list[Diagnostic] = field(default_factory=list)

    @property
    def languages(self) -> list[str]:
        return declared_languages(self.flow) if self.flow is not None else []


@dataclass
class UsageScan:
    """The flows of some files and folders, and what kept some from being read."""

    flows: list[FlowUsages] = field(default_factory=list)
    #: Paths that are no flow file or folder (exit 2 for the CLI).
    errors: list[str] = field(default_factory=list)

    @property
    def usages(self) -> list[Usage]:
        return [u for f in self.flows for u in f.usages]

    @property
    def broken(self) -> list[FlowUsages]:
        """Flow files that do not load: their prompts are not known."""
        return [f for f in self.flows if f.flow is None]

    def by_prompt(self) -> dict[str, list[Usage]]:
        return by_prompt(self.usages)


def by_prompt(usages: Iterable[Usage]) -> dict[str, list[Usage]]:
    """The usages of each prompt id, ids sorted, usages in the order given."""
    out: dict[str, list[Usage]] = {}
    for usage in usages:
        out.setdefault(usage.prompt, []).append(usage)
    return dict(sorted(out.items()))


def scan_flows(paths: Iterable[str | Path], settings: Settings | None = None) -> UsageScan:
    """The catalog prompts of the flow files under `paths` (files and folders, as `sce lint`
    collects them, with the lint settings' `exclude`)."""
    from sce.lint.config import Settings
    from sce.lint.runner import collect_files

    files, errors = collect_files(paths, settings or Settings())
    scan = UsageScan(errors=errors)
    for path in files:
        loaded = load_path(path)
        flow = loaded.flow
        found = FlowUsages(str(path), flow, diagnostics=list(loaded.diagnostics))
        if flow is not None:
            found.usages = usages_of(flow, str(path), loaded.source)
        scan.flows.append(found)
    return scan


def iter_languages(usages: Iterable[Usage]) -> Iterator[tuple[Usage, str]]:
    """(usage, language) for each language each usage's flow declares."""
    for usage in usages:
        for language in usage.languages:
            yield usage, language
