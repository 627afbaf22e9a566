"""What the history of a flow holds, and what the flow repository (`sce.revisions`) answers:
a revision (one recorded state, with or without its document), a flow as it is now, and the
line of the flow list. Each turns into the JSON the API sends (`to_data`).
"""

from __future__ import annotations

from dataclasses import dataclass, field, fields

from sce.diagnostics import Diagnostic
from sce.loader import LoadedFlow
from sce.report import diagnostic_to_json


@dataclass(frozen=True)
class RevisionInfo:
    """One recorded state of a flow, without its content (for history listings)."""

    flow: str
    revision: int
    author: str
    time: str
    message: str
    #: The ETag the working file had in this state; None once deleted.
    etag: str | None
    deleted: bool = False

    def to_data(self) -> dict[str, object]:
        return {f.name: getattr(self, f.name) for f in fields(RevisionInfo)}


@dataclass(frozen=True)
class Revision(RevisionInfo):
    """A recorded state with its document (None if the file on disk held no JSON object or
    DSL that parsed; `text` then keeps what it held, and `format` how to read it again)."""

    document: dict[str, object] | None = None
    text: str | None = None
    format: str | None = None

    @property
    def info(self) -> RevisionInfo:
        return RevisionInfo(**{f.name: getattr(self, f.name) for f in fields(RevisionInfo)})

    def to_data(self) -> dict[str, object]:
        data = {**super().to_data(), "document": self.document}
        return data if self.text is None else {**data, "text": self.text, "format": self.format}


@dataclass
class StoredFlow:
    """A flow as it is now: its document, the ETag to save it back with, and its last revision."""

    id: str
    document: dict[str, object] | None
    etag: str
    revision: int
    author: str
    time: str
    message: str
    #: The form of the working file: ("json",) or ("flow",); both when a twin is in the way
    #: (an error, SCE004, among the diagnostics).
    formats: tuple[str, ...]
    #: Why the flow is not sound (drafts may be saved with errors).
    diagnostics: list[Diagnostic] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.diagnostics

    def to_data(self) -> dict[str, object]:
        """As JSON data. The document is shared, not copied: `dataclasses.asdict` would copy it
        recursively, and fail on a document nested a few hundred levels deep."""
        data = {f.name: getattr(self, f.name) for f in fields(StoredFlow)}
        data["formats"] = list(self.formats)
        data["diagnostics"] = [diagnostic_to_json(d) for d in self.diagnostics]
        return data


@dataclass(frozen=True)
class FlowSummary:
    """One line of the flow list. A file that does not load is listed with `ok` false."""

    id: str
    title: str | None
    revision: int
    etag: str
    updated: str
    author: str
    formats: tuple[str, ...]
    ok: bool
    #: The first problem, located (`path:line:col: message`), when not ok.
    error: str | None = None
    #: The languages the flow speaks, the default first; none when it does not load.
    languages: tuple[str, ...] = ()
    #: The working file as loaded for this line (for what a caller adds to it, such as lint
    #: findings); not part of the line's data.
    loaded: LoadedFlow | None = field(default=None, compare=False, repr=False)

    def to_data(self) -> dict[str, object]:
        data = {f.name: getattr(self, f.name) for f in fields(FlowSummary) if f.name != "loaded"}
        return {**data, "formats": list(self.formats), "languages": list(self.languages)}
