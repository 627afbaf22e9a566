"""Read a flow from a file or text, JSON or DSL, into the model, with every problem located.

This is the one way in for the CLI, the HTTP API and the designer: bytes → text (UTF-8) → data
(JSON or DSL) → schema → model. Problems come back as diagnostics with path, line, column and
JSON pointer, never as tracebacks.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import cast

from sce import jsontext
from sce.bulk import paused_gc
from sce.diagnostics import Diagnostic, escape_pointer, node_of
from sce.dsl import Comments, parse_dsl
from sce.dsl.comments import noqa_codes
from sce.dsl.comments import scan as scan_comments
from sce.model import Flow, flow_from_data
from sce.partial import Partial, partial_model
from sce.schema import validate
from sce.source import Source

MAX_BYTES = 64 * 1024 * 1024
JSON_SUFFIXES = (".json",)
DSL_SUFFIXES = (".flow",)
FLOW_SUFFIXES = JSON_SUFFIXES + DSL_SUFFIXES
#: Nesting allowed inside free-form values (`ui`, variable defaults).
MAX_FREE_DEPTH = 64


@dataclass
class LoadedFlow:
    """A flow as read from one source: the model if it is sound, else the diagnostics why not."""

    source: Source
    format: str
    data: dict[str, object] | None = None
    flow: Flow | None = None
    comments: Comments = field(default_factory=Comments)
    diagnostics: list[Diagnostic] = field(default_factory=list)
    #: The DSL's noqa comments: line → codes (an empty set means every code).
    noqa_lines: dict[int, frozenset[str]] = field(default_factory=dict)
    #: When schema errors keep `flow` None but lie inside single nodes or variables: the model
    #: of the sound parts, for the linter only (`sce.partial`); never compiled, deployed or saved.
    partial: Partial | None = None

    @property
    def path(self) -> str | None:
        return self.source.path

    @property
    def ok(self) -> bool:
        return self.flow is not None

    @property
    def lint_model(self) -> Flow | None:
        """What the lint rules check: the flow, or else the partial model of its sound parts."""
        if self.flow is not None:
            return self.flow
        return self.partial.flow if self.partial is not None else None


def format_of(path: str | Path) -> str | None:
    suffix = Path(path).suffix.lower()
    if suffix in JSON_SUFFIXES:
        return "json"
    if suffix in DSL_SUFFIXES:
        return "flow"
    return None


def load_path(path: str | Path, fmt: str | None = None) -> LoadedFlow:
    """Load a flow file; I/O problems are diagnostics too (code SCE001)."""
    name = str(path)
    fmt = fmt or format_of(path) or "json"
    try:
        size = Path(path).stat().st_size
        if size > MAX_BYTES:
            return _failed(
                name, "", fmt, f"the file is too large ({size} bytes; at most {MAX_BYTES} bytes)"
            )
        raw = Path(path).read_bytes()
    except OSError as e:
        return _failed(name, "", fmt, f"cannot read the file: {e.strerror or e}")
    loaded = load_bytes(raw, name, fmt)
    twin = twin_of(path)
    if twin is not None:
        loaded.diagnostics.append(twin_diagnostic(name, twin))
    return loaded


def twin_of(path: str | Path) -> Path | None:
    """The other file of a flow kept in both forms (`x.json` beside `x.flow`), if there is one.

    A flow lives in one file, in the form its author chose: with two, an edit of one leaves the
    other stale, and which of them a tool reads would decide what callers hear. So a twin is an
    error (SCE004) for every tool that reads the flow from its file.
    """
    p = Path(path)
    fmt = format_of(p)
    if fmt is None:
        return None
    twin = p.with_name(p.stem + (DSL_SUFFIXES[0] if fmt == "json" else JSON_SUFFIXES[0]))
    return twin if twin.is_file() else None


def twin_diagnostic(path: str | None, twin: Path) -> Diagnostic:
    """SCE004 about the file at `path`, whose flow `twin` holds too."""
    return Diagnostic(
        "SCE004",
        f"{twin} holds this flow too: a flow lives in one file, so keep the one you edit and "
        "delete the other (`sce convert --replace FILE` changes a flow's form in place)",
        path=path,
        line=1,
        column=1,
    )


def load_bytes(raw: bytes, path: str | None = None, fmt: str = "json") -> LoadedFlow:
    if len(raw) > MAX_BYTES:
        return _failed(path, "", fmt, f"the flow is too large ({len(raw)} bytes)")
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as e:
        good = raw[: e.start].decode("utf-8", "replace")
        line, col = Source(path, good).line_col(len(good))
        message = f"the file is not UTF-8 text (byte 0x{raw[e.start]:02x})"
        return _failed(path, good, fmt, message, line, col)
    return load_text(text, path, fmt)


def load_text(text: str, path: str | None = None, fmt: str = "json") -> LoadedFlow:
    """Load a flow from text in the given format (`json` or `flow`)."""
    with paused_gc():
        if fmt == "flow":
            return _load_dsl(text, path)
        return _load_json(text, path)


def load_data(data: object, path: str | None = None) -> LoadedFlow:
    """Load a flow from JSON data already in memory (a request body, a generated flow)."""
    loaded = LoadedFlow(Source(path, ""), "json")
    if jsontext.has_surrogate(data):
        message = "a text holds half of a UTF-16 surrogate pair, which is not a character"
        return _failed(path, "", "json", message)
    with paused_gc():
        return _finish(loaded, data)


def _failed(
    path: str | None, text: str, fmt: str, message: str, line: int = 1, column: int = 1
) -> LoadedFlow:
    """A flow that could not be read at all: one SCE001 diagnostic."""
    diagnostic = Diagnostic("SCE001", message, path=path, line=line, column=column)
    return LoadedFlow(Source(path, text), fmt, diagnostics=[diagnostic])


def _load_json(text: str, path: str | None) -> LoadedFlow:
    source = Source(path, text, index=lambda: jsontext.JsonPositions(text).offsets)
    loaded = LoadedFlow(source, "json")
    try:
        data, dups = jsontext.parse(text)
    except jsontext.JsonSyntaxError as e:
        line, col = source.line_col(e.offset)
        loaded.diagnostics.append(Diagnostic("SCE001", e.message, path=path, line=line, column=col))
        return loaded
    for dup in dups:
        line, col = source.line_col(dup.offset)
        key = dup.pointer.rsplit("/", 1)[-1]
        loaded.diagnostics.append(
            Diagnostic(
                "SCE003",
                f"duplicate key '{key}': a flow file may not repeat a key",
                pointer=dup.pointer,
                node=node_of(dup.pointer),
                path=path,
                line=line,
                column=col,
            )
        )
    return _finish(loaded, data)


def _load_dsl(text: str, path: str | None) -> LoadedFlow:
    parsed = parse_dsl(text)
    offsets = parsed.offsets
    source = Source(path, text, index=lambda: offsets)
    loaded = LoadedFlow(source, "flow", comments=parsed.comments)
    loaded.diagnostics.extend(
        source.locate(d.at(node=node_of(d.pointer))) for d in parsed.diagnostics
    )
    if parsed.data is None:
        return loaded
    for offset, comment in scan_comments(text):
        codes = noqa_codes(comment)
        if codes is not None:
            loaded.noqa_lines[source.line_col(offset)[0]] = codes
    return _finish(loaded, parsed.data)


def _finish(loaded: LoadedFlow, data: object) -> LoadedFlow:
    loaded.data = data if isinstance(data, dict) else None
    for code, ptr, message in _shape_problems(data):
        diagnostic = Diagnostic(code, message, pointer=ptr, node=node_of(ptr))
        loaded.diagnostics.append(loaded.source.locate(diagnostic))
    if not loaded.diagnostics:
        assert loaded.data is not None  # _shape_problems refused anything but an object
        loaded.flow = flow_from_data(loaded.data)
    else:
        # Only a flow with problems pays for this: the rest of it can still be linted.
        loaded.partial = partial_model(loaded.data, loaded.diagnostics)
    return loaded


#: What a Twilio Studio export gets instead of a schema error for each of its fields.
TWILIO_STUDIO = (
    "this is a Twilio Studio flow definition ('states', 'initial_state'), not an sce flow: sce "
    "reads its own flow format, an object with 'flow', 'start' and 'nodes' (see "
    "sce/schema/flow.schema.json). Import it: sce import twilio-studio FILE (or the designer's "
    "'Import from Twilio Studio'), which writes the flow and a report of every widget"
)


def _shape_problems(data: object) -> list[tuple[str, str, str]]:
    """(code, pointer, message) of what keeps data from being a flow."""
    if not isinstance(data, dict):
        return [("SCE002", "", "a flow file must hold an object with 'flow', 'start' and 'nodes'")]
    if "states" in data and "initial_state" in data and "nodes" not in data:
        return [("SCE002", "", TWILIO_STUDIO)]
    found = [("SCE002", issue.pointer, issue.message) for issue in validate(data)]
    if not found:
        found = [
            ("SCE002", ptr, f"nested more than {MAX_FREE_DEPTH} levels deep")
            for ptr in _too_deep(data)
        ]
    return found


def _too_deep(data: dict[str, object]) -> list[str]:
    """Pointers of free-form values (`ui`, variable defaults) nested beyond MAX_FREE_DEPTH.

    The schema cannot bound depth; the DSL can hold only so much nesting, and a flow must
    convert between the two forms.
    """
    # Called once the schema has passed: variables and nodes are objects of objects.
    variables = cast("dict[str, dict[str, object]]", data.get("variables") or {})
    nodes = cast("dict[str, dict[str, object]]", data.get("nodes") or {})
    free: list[tuple[str, object]] = [("/ui", data.get("ui"))]
    for name, var in variables.items():
        free.append((f"/variables/{escape_pointer(name)}/default", var.get("default")))
    for nid, node in nodes.items():
        free.append((f"/nodes/{escape_pointer(nid)}/ui", node.get("ui")))
    return [ptr for ptr, value in free if _depth(value) > MAX_FREE_DEPTH]


def _depth(value: object) -> int:
    deepest = 0
    stack = [(value, 0)]
    while stack:
        v, d = stack.pop()
        if isinstance(v, dict | list):
            d += 1
            deepest = max(deepest, d)
            stack.extend((x, d) for x in (v.values() if isinstance(v, dict) else v))
    return deepest
