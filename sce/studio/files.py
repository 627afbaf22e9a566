"""One Studio export in, one checked flow out: what `sce import twilio-studio` and the API's
import both call (one way in)."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from pathlib import PurePath
from urllib.parse import urlsplit

from sce import canonical
from sce.diagnostics import Diagnostic, Severity
from sce.errors import StudioImportError
from sce.lint import Settings
from sce.lint.runner import lint_loaded
from sce.loader import LoadedFlow, load_data
from sce.studio.convert import Imported, convert

_NOT_ID = re.compile(r"[^A-Za-z0-9_.-]+")


@dataclass
class Result:
    imported: Imported
    loaded: LoadedFlow
    #: Lint findings of the imported flow (the errors among them refuse a deploy).
    diagnostics: list[Diagnostic]

    @property
    def flow_id(self) -> str:
        return self.imported.report.flow

    def text(self, fmt: str) -> str:
        """The flow as a file of format `json` or `flow`."""
        return canonical.render(self.loaded, fmt)

    @property
    def errors(self) -> list[Diagnostic]:
        return [d for d in self.diagnostics if d.severity is Severity.ERROR]


def flow_id_for(source: str) -> str:
    """A flow id from an export's file name: `03-joke-hotline.json` → `joke-hotline`."""
    stem = PurePath(source).stem
    found = _NOT_ID.sub("_", stem).lstrip("0123456789-_.")
    return found[:128] or "imported"


def import_text(
    text: str,
    *,
    source: str,
    flow_id: str | None = None,
    settings: Settings | None = None,
    path: str | None = None,
) -> Result:
    """The export `text` (from file or upload `source`) as our flow, linted with `settings` as
    the file `path` it will be written to (default: FLOW_ID.json). StudioImportError when the
    export is not JSON, is malformed, or has no call side."""
    try:
        data = json.loads(text)
    except ValueError as e:
        line, col = getattr(e, "lineno", 1), getattr(e, "colno", 1)
        raise StudioImportError(
            f"{source}:{line}:{col}: not JSON: {getattr(e, 'msg', e)}"
        ) from None
    fid = flow_id or flow_id_for(source)
    imported = convert(data, flow_id=fid, source=source)
    loaded = load_data(imported.document, path=path or f"{fid}.json")
    if loaded.flow is None:  # a flow we made that our own schema refuses: say what, keep nothing
        shown = "; ".join(f"{d.pointer or ''} {d.message}" for d in loaded.diagnostics[:5])
        raise StudioImportError(f"{source}: the imported flow is not valid here: {shown}")
    imported.report.hosts = sorted(_hosts(imported.document))
    settings = settings or Settings()
    diagnostics = lint_loaded(loaded, settings)
    loops = _loops(diagnostics)
    if loops:  # Studio's own loops, bounded by Studio's limits: said, then checked no more
        for node_id, message in loops.items():
            node = imported.document["nodes"][node_id]  # type: ignore[index]
            node["noqa"] = sorted({*node.get("noqa", []), LOOP})
            imported.report.note(
                str(node.get("title", node_id)),
                "attention",
                f"{message}. The Studio flow loops so too (Studio ends an execution after 1,000 "
                "steps; here the runtime's step limit ends the call): check it is bounded",
            )
        loaded = load_data(imported.document, path=loaded.path)
        assert loaded.flow is not None
        diagnostics = lint_loaded(loaded, settings)
    return Result(imported, loaded, diagnostics)


#: The busy-loop rule (SCE105), which Studio's re-asking loops trip.
LOOP = "SCE105"


def _loops(diagnostics: list[Diagnostic]) -> dict[str, str]:
    found: dict[str, str] = {}
    for d in diagnostics:
        if d.code == LOOP and d.pointer.startswith("/nodes/"):
            found.setdefault(
                d.pointer.split("/")[2].replace("~1", "/").replace("~0", "~"), d.message
            )
    return found


def _hosts(document: dict[str, object]) -> set[str]:
    nodes = document.get("nodes")
    found: set[str] = set()
    for node in nodes.values() if isinstance(nodes, dict) else []:
        if isinstance(node, dict) and node.get("type") == "http":
            host = urlsplit(str(node.get("url", ""))).hostname
            if host and "{" not in host:
                found.add(host)
    return found
