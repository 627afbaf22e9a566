"""The flows of a folder, as the designer and the CLI store them: every save is a revision.

A flow lives in one working file, `<id>.json` or `<id>.flow`, in the form its author chose: it
is the truth of the current content, and a save writes it in its form, changing only what
changed. (Both at once is an error, SCE004, reported with the flow until one is deleted: saves
then go to the JSON.) The history keeps every state the file was in, including edits made on
disk with an editor, so a reviewer can always see and diff what changed. History files
end in `.revision` and live in a dot-folder: the runtime's folder watcher deploys any *.json or
*.flow it sees, and the linter skips dot-folders, so history must never look like a flow.

Saves are optimistic: each carries the ETag of the version it was based on (HTTP If-Match), and
a save based on an older version is refused with the current one, instead of silently
overwriting someone else's work. A lock per repository, and `flock` on a file in the history
folder for processes sharing it, make check-and-write one step.

A folder this process may not write (a read-only mount, a file where `.history` should be) can
still be read: a read that cannot open the lock file takes the in-process lock alone, and a state
changed on disk that it cannot record is answered unrecorded (with the number it will get),
history showing what was recorded. Writes there fail with the OSError that says where.
"""

from __future__ import annotations

import builtins
import fcntl
import hashlib
import json
import os
import re
import threading
from collections.abc import Collection, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import cast

from sce import canonical
from sce.clock import iso_now
from sce.diagnostics import Diagnostic
from sce.errors import FlowExists, FlowNotFound, RevisionNotFound, StaleRevision
from sce.files import write_atomic
from sce.flowdoc import FLOW_ID, bad_document, flow_id_of, render
from sce.history import FlowSummary, Revision, RevisionInfo, StoredFlow
from sce.jsontext import indent_of, to_json
from sce.loader import LoadedFlow, load_bytes, load_path, load_text, twin_diagnostic
from sce.report import location

REVISION_SUFFIX = ".revision"
_REVISION_NAME = re.compile(r"([0-9]+)\.revision")
#: Who records the states found in the working files that no save through here wrote.
DISK = "disk"


@dataclass
class _Working:
    """The working file of a flow as read now."""

    etag: str
    loaded: LoadedFlow
    formats: tuple[str, ...]


def etag_of(raw: bytes) -> str:
    """A strong HTTP ETag (quotes included) for the bytes of a working file."""
    return etag_of_sha256(hashlib.sha256(raw).hexdigest())


def etag_of_sha256(digest: str) -> str:
    """The ETag of the bytes whose sha256 is `digest` (hex): how to tell whether a text hashed
    elsewhere (a deploy's digest) is a working file as it is now."""
    return '"' + digest[:32] + '"'


class FlowRepository:
    """A folder of flows and the history of each (see the module's docstring)."""

    def __init__(self, folder: str | Path, history: str | Path | None = None) -> None:
        self.folder = Path(folder)
        self.history = Path(history) if history is not None else self.folder / ".history"
        self._lock = threading.Lock()
        #: Whether the section holding the lock writes (else a state it cannot record is
        #: answered unrecorded); set by `_locked`.
        self._writing = False

    # -- reading ----------------------------------------------------------------------------

    # In the class body below, `list` names this method: annotations there say builtins.list.
    def list(self) -> list[FlowSummary]:
        """Every flow in the folder, by id; states changed on disk are recorded first."""
        with self._locked():
            files = self.folder.iterdir() if self.folder.is_dir() else ()
            ids = {p.stem for p in files if p.suffix[1:] in canonical.FORMATS}
            if self.history.is_dir():
                ids |= {p.name for p in self.history.iterdir() if p.is_dir()}
            out = []
            for flow_id in sorted(i for i in ids if FLOW_ID.match(i)):
                work, last = self._sync(flow_id)
                if work is not None and last is not None:
                    out.append(_summary(flow_id, work, last))
            return out

    def get(self, flow_id: str) -> StoredFlow:
        with self._locked():
            return self._current(flow_id)

    def revisions(self, flow_id: str) -> builtins.list[RevisionInfo]:
        """The history of a flow, newest first (a deleted flow keeps its history)."""
        with self._locked():
            return [self._read(flow_id, n).info for n in reversed(self._history(flow_id))]

    def revision(self, flow_id: str, number: int) -> Revision:
        with self._locked():
            return self._kept(flow_id, number)

    def saved_here(self, flow_id: str) -> bool:
        """Whether the flow's files are as a save through this repository left them (the
        designer's, the API's), not changed on disk since (an editor, a git pull). A runtime
        watching the folder deploys what changed on disk; a save here is a draft until it is
        deployed through the API."""
        if not FLOW_ID.fullmatch(flow_id):
            return False
        with self._locked():
            work = self._working(flow_id)
            numbers = self._numbers(flow_id)
            if work is None or not numbers:
                return False
            last = self._read(flow_id, numbers[-1])
            return last.author != DISK and not last.deleted and last.etag == work.etag

    def load(self, flow_id: str, revision: int | None = None) -> tuple[LoadedFlow, int]:
        """A revision of a flow (default: the current one), loaded, and its number: read under
        the lock, so that the number is that of the content. The current revision is loaded
        from its working file, so that diagnostics name that file with line and column, and a
        runtime restarted on the folder finds the text it deployed unchanged; an earlier one as
        the history keeps it, named `<id>@<revision>.json` (`.flow` for DSL that did not parse).
        """
        with self._locked():
            work, last = self._sync(flow_id)
            if work is not None and last is not None and revision in (None, last.revision):
                return work.loaded, last.revision
            if revision is None:
                raise FlowNotFound(f"there is no flow '{flow_id}'")
            kept = self._kept(flow_id, revision)
        name = f"{flow_id}@{kept.revision}"
        if kept.document is not None:
            return load_text(to_json(kept.document), f"{name}.json", "json"), kept.revision
        fmt = kept.format or "json"
        return load_text(kept.text or "", f"{name}.{fmt}", fmt), kept.revision

    # -- writing ----------------------------------------------------------------------------

    def create(
        self, document: object, *, author: str, message: str = "", fmt: str = "json"
    ) -> StoredFlow:
        """Store a new flow under the id in `document["flow"]`, in a file of form `fmt` (`json`
        or `flow`, the DSL); its history, if it was deleted before, goes on from where it
        stopped."""
        flow_id = flow_id_of(document)
        doc = cast("dict[str, object]", document)  # flow_id_of vetted it
        text = render(doc, fmt)
        with self._locked(write=True):
            if self._sync(flow_id)[0] is not None:
                raise FlowExists(f"a flow '{flow_id}' exists already; save it instead")
            self.folder.mkdir(parents=True, exist_ok=True)
            self._record(flow_id, author, message, etag_of(text.encode()), doc)
            write_atomic(self._path(flow_id, fmt), text)
            return self._current(flow_id)

    def save(
        self,
        flow_id: str,
        document: object,
        *,
        if_match: str | Collection[str],
        author: str,
        message: str = "",
    ) -> StoredFlow:
        """Store a new version of a flow that was read with ETag `if_match` (or with any of the
        ETags it holds, as HTTP's If-Match may list several).

        The working file is written in its form with the document as it came (see
        `sce.flowdoc.render`): what the client did not change stays as it was, comments of a
        DSL file included. A draft with errors may be saved. Saving what is already there
        records nothing.
        """
        named = flow_id_of(document)
        if named != flow_id:
            raise bad_document(f"the document is flow '{named}', not '{flow_id}'", "/flow")
        doc = cast("dict[str, object]", document)  # flow_id_of vetted it
        with self._locked(write=True):
            current, work = self._checked(flow_id, if_match)
            fmt, old = current.formats[0], work.loaded
            text = render(doc, fmt, comments=old.comments, indent=indent_of(old.source.text))
            etag = etag_of(text.encode())
            if etag == current.etag:
                return current
            self._record(flow_id, author, message, etag, doc)
            write_atomic(self._path(flow_id, fmt), text)
            return self._current(flow_id)

    def delete(
        self, flow_id: str, *, if_match: str | Collection[str], author: str, message: str = ""
    ) -> RevisionInfo:
        """Remove the working files; the history keeps the last content, marked deleted.
        `if_match` as for `save`."""
        with self._locked(write=True):
            current, _ = self._checked(flow_id, if_match)
            deleted = self._record(flow_id, author, message, None, current.document, deleted=True)
            for fmt in current.formats:
                self._path(flow_id, fmt).unlink(missing_ok=True)
            return deleted.info

    # -- inside the lock --------------------------------------------------------------------

    @contextmanager
    def _locked(self, *, write: bool = False) -> Iterator[None]:
        """This repository's lock, and an exclusive `flock` for processes sharing the folder.
        A read goes on without the flock when the lock file can be neither created nor opened
        (a read-only folder that has none: nobody has written through a repository there)."""
        with self._lock:
            fd = self._lock_file(write)
            self._writing = write
            try:
                if fd is not None:
                    fcntl.flock(fd, fcntl.LOCK_EX)
                yield
            finally:
                self._writing = False
                if fd is not None:
                    os.close(fd)  # releases the flock

    def _lock_file(self, write: bool) -> int | None:
        """The lock file, opened (created for a write); None for a read that cannot open it."""
        path = self.history / ".lock"
        try:
            self.history.mkdir(parents=True, exist_ok=True)
            return os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
        except OSError:
            if write:
                raise
        try:  # a read-only folder another user writes: its lock still keeps reads whole
            return os.open(path, os.O_RDONLY)
        except OSError:
            return None

    def _checked(
        self, flow_id: str, if_match: str | Collection[str]
    ) -> tuple[StoredFlow, _Working]:
        """The flow as it is now, and its working file as read for it, if it has one of the
        ETags the change was based on; StaleRevision otherwise."""
        current, work = self._now(flow_id)
        accepted = {if_match} if isinstance(if_match, str) else set(if_match)
        if current.etag not in accepted:
            raise StaleRevision(
                f"flow '{flow_id}' was changed since it was read (it is now revision "
                f"{current.revision} by {current.author}); reload it and apply your change again",
                current,
            )
        return current, work

    def _current(self, flow_id: str) -> StoredFlow:
        return self._now(flow_id)[0]

    def _now(self, flow_id: str) -> tuple[StoredFlow, _Working]:
        work, last = self._sync(flow_id)
        if work is None or last is None:
            raise FlowNotFound(f"there is no flow '{flow_id}'")
        stored = StoredFlow(
            id=flow_id,
            document=work.loaded.data,
            etag=work.etag,
            revision=last.revision,
            author=last.author,
            time=last.time,
            message=last.message,
            formats=work.formats,
            diagnostics=work.loaded.diagnostics,
        )
        return stored, work

    def _history(self, flow_id: str) -> builtins.list[int]:
        """The revision numbers of a flow, oldest first, once history is up to date (as far as
        it can be: none in a read-only folder that has not recorded the flow yet)."""
        if self._sync(flow_id)[1] is None:
            raise FlowNotFound(f"there is no flow '{flow_id}'")
        return self._numbers(flow_id)

    def _sync(self, flow_id: str) -> tuple[_Working | None, Revision | None]:
        """The working file and the last revision, after recording a state changed on disk
        (an edit or a removal) that history does not have yet."""
        if not FLOW_ID.match(flow_id):
            raise FlowNotFound(f"there is no flow '{flow_id}' (not a valid flow id)")
        work = self._working(flow_id)
        numbers = self._numbers(flow_id)
        last = self._read(flow_id, numbers[-1]) if numbers else None
        if work is None:
            if last is not None and not last.deleted:
                last = self._record(
                    flow_id, DISK, "deleted on disk", None, last.document, deleted=True
                )
        elif last is None or last.deleted or last.etag != work.etag:
            document = work.loaded.data
            text = (work.loaded.source.text, work.formats[0]) if document is None else None
            last = self._record(flow_id, DISK, "changed on disk", work.etag, document, raw=text)
        return work, last

    def _working(self, flow_id: str) -> _Working | None:
        formats = tuple(f for f in canonical.FORMATS if self._path(flow_id, f).is_file())
        if not formats:
            return None
        path = self._path(flow_id, formats[0])
        try:
            raw = path.read_bytes()
        except OSError:
            raw, loaded = b"", load_path(path)  # the same failure, as a diagnostic
        else:
            loaded = load_bytes(raw, str(path), formats[0])
        flow = loaded.data.get("flow") if loaded.data else None
        if loaded.ok and flow != flow_id:
            problem = Diagnostic(
                "SCE002", f"the file holds flow '{flow}', not '{flow_id}'", "/flow", path=str(path)
            )
            loaded.diagnostics.append(loaded.source.locate(problem))
        if len(formats) > 1:
            twin = self._path(flow_id, formats[1])
            loaded.diagnostics.append(twin_diagnostic(str(path), twin))
        return _Working(etag_of(raw), loaded, formats)

    def _record(
        self,
        flow_id: str,
        author: str,
        message: str,
        etag: str | None,
        document: dict[str, object] | None,
        *,
        deleted: bool = False,
        raw: tuple[str, str] | None = None,
    ) -> Revision:
        """Write the next revision of a flow (before its working file changes); `raw` is the
        text and format of a working file that holds no document. A read that cannot write it
        answers it unrecorded (see the module's docstring)."""
        numbers = self._numbers(flow_id)
        number = numbers[-1] + 1 if numbers else 1
        text, fmt = raw or (None, None)
        revision = Revision(
            flow_id, number, author, iso_now(), message, etag, deleted, document, text, fmt
        )
        path = self._revision_path(flow_id, number)
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            write_atomic(path, to_json(revision.to_data()))
        except OSError:
            if self._writing:
                raise
        return revision

    def _kept(self, flow_id: str, number: int) -> Revision:
        if number not in self._history(flow_id):
            raise RevisionNotFound(f"flow '{flow_id}' has no revision {number}")
        return self._read(flow_id, number)

    def _read(self, flow_id: str, number: int) -> Revision:
        data = json.loads(self._revision_path(flow_id, number).read_text(encoding="utf-8"))
        return Revision(**data)

    def _numbers(self, flow_id: str) -> builtins.list[int]:
        folder = self.history / flow_id
        if not folder.is_dir():
            return []
        found = (_REVISION_NAME.fullmatch(p.name) for p in folder.iterdir())
        return sorted(int(m.group(1)) for m in found if m)

    def _path(self, flow_id: str, fmt: str) -> Path:
        return self.folder / f"{flow_id}.{fmt}"

    def _revision_path(self, flow_id: str, number: int) -> Path:
        return self.history / flow_id / f"{number:06d}{REVISION_SUFFIX}"


def _summary(flow_id: str, work: _Working, last: Revision) -> FlowSummary:
    data = work.loaded.data or {}
    title = data.get("title")
    first = work.loaded.diagnostics[0] if work.loaded.diagnostics else None
    error = None if first is None else f"{location(first)}: {first.message}"
    flow = work.loaded.flow
    return FlowSummary(
        id=flow_id,
        title=title if isinstance(title, str) else None,
        revision=last.revision,
        etag=work.etag,
        updated=last.time,
        author=last.author,
        formats=work.formats,
        ok=first is None,
        error=error,
        languages=tuple(flow.languages) if flow is not None else (),
        loaded=work.loaded,
    )
