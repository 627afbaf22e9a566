"""Diagnostics as text for people, JSON for programs, SARIF for code scanning, and GitHub annotations.

`sce lint --format ...` prints one of these; the HTTP API returns `diagnostic_to_json` for a posted
draft, so the browser and the command line see the same fields.
"""

from __future__ import annotations

import json
import os
import unicodedata
from collections import Counter
from collections.abc import Iterable, Mapping
from enum import IntEnum, StrEnum
from importlib import metadata
from pathlib import Path, PurePath
from urllib.parse import quote

from sce.diagnostics import Diagnostic, Severity, pointer
from sce.lint import RULES, Rule  # importing sce.lint registers every rule
from sce.source import Source

SARIF_SCHEMA = "https://json.schemastore.org/sarif-2.1.0.json"
SARIF_VERSION = "2.1.0"
TOOL_NAME = "sce"
#: Diagnostics that show the offending source line with a caret under the column.
SNIPPET_CODES = frozenset({"SCE001"})


class OutputFormat(StrEnum):
    TEXT = "text"
    JSON = "json"
    SARIF = "sarif"
    GITHUB = "github"


class ExitCode(IntEnum):
    CLEAN = 0
    FINDINGS = 1
    ERROR = 2


def render(
    diagnostics: Iterable[Diagnostic],
    fmt: OutputFormat | str,
    *,
    sources: Mapping[str, Source] | None = None,
    files_checked: int = 0,
    summary: bool = True,
) -> str:
    """The diagnostics in the given output format, ending with a newline (empty for none in github)."""
    diags = list(diagnostics)
    fmt = OutputFormat(fmt)
    if fmt is OutputFormat.JSON:
        return (
            json.dumps([diagnostic_to_json(d) for d in diags], indent=2, ensure_ascii=False) + "\n"
        )
    if fmt is OutputFormat.SARIF:
        return json.dumps(to_sarif(diags), indent=2, ensure_ascii=False) + "\n"
    if fmt is OutputFormat.GITHUB:
        return "".join(github_command(d) + "\n" for d in diags)
    return render_text(diags, sources=sources, files_checked=files_checked, summary=summary)


# -- text -------------------------------------------------------------------------------------


def render_text(
    diagnostics: list[Diagnostic],
    *,
    sources: Mapping[str, Source] | None = None,
    files_checked: int = 0,
    summary: bool = True,
) -> str:
    lines: list[str] = []
    for d in diagnostics:
        lines.append(diagnostic_line(d))
        if d.code in SNIPPET_CODES and sources and d.line:
            lines.extend(_snippet(sources.get(d.path or ""), d.line, d.column or 1))
    if summary:
        lines.append(summary_line(diagnostics, files_checked))
    return "".join(line + "\n" for line in lines)


def diagnostic_line(d: Diagnostic) -> str:
    """`path:line:col: CODE message`, the line `sce lint` prints for a diagnostic."""
    return f"{location(d)}: {d.code} {d.message}"


def location(d: Diagnostic) -> str:
    """`path:line:col` as editors and terminals link it (only the parts that are known)."""
    where = d.path or "<flow>"
    if d.line is not None:
        where += f":{d.line}"
        if d.column is not None:
            where += f":{d.column}"
    return where


def summary_line(diagnostics: list[Diagnostic], files_checked: int) -> str:
    if not diagnostics:
        return "All checks passed!"
    errors = sum(1 for d in diagnostics if d.severity is Severity.ERROR)
    warnings = len(diagnostics) - errors
    files = max(files_checked, len({d.path for d in diagnostics}))
    return (
        f"Found {_count(len(diagnostics), 'problem')} ({_count(errors, 'error')}, "
        f"{_count(warnings, 'warning')}) in {_count(files, 'file')}."
    )


def _count(n: int, noun: str) -> str:
    return f"{n} {noun}" if n == 1 else f"{n} {noun}s"


def _snippet(source: Source | None, line: int, column: int) -> list[str]:
    if source is None:
        return []
    text = "".join(_printable(ch) for ch in source.line_text(line).rstrip("\r"))
    if not text and column <= 1:
        return []
    gutter = " " * len(str(line))
    pad = "".join("\t" if ch == "\t" else " " * _width(ch) for ch in text[: column - 1])
    return [f"{line} | {text}", f"{gutter} | {pad}^"]


def _printable(ch: str) -> str:
    """Control characters (from a binary file) shown as U+FFFD, so the terminal stays sane."""
    if ch != "\t" and unicodedata.category(ch) in ("Cc", "Cf", "Cs"):
        return "\ufffd"
    return ch


def _width(ch: str) -> int:
    """Terminal columns a character takes: 2 for CJK and other wide ones, 0 for combining marks."""
    if unicodedata.combining(ch):
        return 0
    return 2 if unicodedata.east_asian_width(ch) in ("W", "F") else 1


def render_statistics(diagnostics: Iterable[Diagnostic], fmt: OutputFormat | str) -> str:
    """How many findings each code has, most frequent first (`sce lint --statistics`)."""
    counts = Counter(d.code for d in diagnostics)
    rows = sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))
    if OutputFormat(fmt) is OutputFormat.JSON:
        data = [{"code": code, "name": _rule_name(code), "count": n} for code, n in rows]
        return json.dumps(data, indent=2, ensure_ascii=False) + "\n"
    if not rows:
        return ""
    width = len(str(rows[0][1]))
    code_width = max(len(code) for code, _ in rows)
    return "".join(
        f"{n:>{width}}  {code:<{code_width}}  {_rule_name(code) or ''}".rstrip() + "\n"
        for code, n in rows
    )


# -- json -------------------------------------------------------------------------------------


def diagnostic_to_json(d: Diagnostic) -> dict[str, object]:
    """One diagnostic as the JSON object of `--format json` and of the HTTP API."""
    return {
        "code": d.code,
        "name": _rule_name(d.code),
        "severity": Severity(d.severity).value,
        "message": d.message,
        "path": d.path,
        "line": d.line,
        "column": d.column,
        "end_line": d.end_line,
        "end_column": d.end_column,
        "pointer": d.pointer,
        "node": d.node,
    }


def diagnostic_from_json(data: Mapping[str, object]) -> Diagnostic:
    """A diagnostic back from its JSON object (what `sce deploy --server` gets from the API).
    A field of the wrong type, as another server might send, is left empty, never trusted."""

    def text(key: str) -> str | None:
        value = data.get(key)
        return value if isinstance(value, str) else None

    def number(key: str) -> int | None:
        value = data.get(key)
        return value if isinstance(value, int) and not isinstance(value, bool) else None

    warning = data.get("severity") == Severity.WARNING.value
    return Diagnostic(
        code=text("code") or "",
        message=text("message") or "",
        pointer=text("pointer") or "",
        node=text("node"),
        severity=Severity.WARNING if warning else Severity.ERROR,
        path=text("path"),
        line=number("line"),
        column=number("column"),
        end_line=number("end_line"),
        end_column=number("end_column"),
    )


def _rule_name(code: str) -> str | None:
    rule = RULES.get(code)
    return rule.name if rule else None


# -- github -----------------------------------------------------------------------------------


def github_command(d: Diagnostic) -> str:
    """A GitHub Actions workflow command that annotates the file in a pull request."""
    kind = "error" if d.severity is Severity.ERROR else "warning"
    props: list[tuple[str, object]] = []
    if d.path:
        props.append(("file", PurePath(d.path).as_posix()))
    if d.line is not None:
        props.append(("line", d.line))
        if d.column is not None:
            props.append(("col", d.column))
        if d.end_line is not None:
            props.append(("endLine", d.end_line))
            if d.end_column is not None:
                props.append(("endColumn", d.end_column))
    name = _rule_name(d.code)
    props.append(("title", f"{d.code} {name}" if name else d.code))
    joined = ",".join(f"{key}={_escape_property(str(value))}" for key, value in props)
    return f"::{kind} {joined}::{_escape_data(d.message)}"


def _escape_data(text: str) -> str:
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def _escape_property(text: str) -> str:
    return _escape_data(text).replace(":", "%3A").replace(",", "%2C")


# -- sarif ------------------------------------------------------------------------------------


def tool_version() -> str:
    try:
        return metadata.version(TOOL_NAME)
    except metadata.PackageNotFoundError:
        return "0"


def information_uri() -> str | None:
    """The project's home page from the package metadata (`[project.urls]`), if it has one."""
    try:
        meta = metadata.metadata(TOOL_NAME)
    except metadata.PackageNotFoundError:
        return None
    for entry in meta.get_all("Project-URL") or []:
        label, _, url = entry.partition(",")
        if label.strip().lower() in ("homepage", "home", "documentation", "source", "repository"):
            return url.strip()
    homes = meta.get_all("Home-page") or []  # PackageMetadata has no get() before 3.12
    home = homes[0] if homes else None
    return home.strip() if home and home.strip().lower() != "unknown" else None


def to_sarif(diagnostics: list[Diagnostic], root: str | Path | None = None) -> dict[str, object]:
    """A SARIF 2.1.0 log with one run: the rules that fired and one result per diagnostic.

    File locations are relative to `root` (the current folder by default) under the uriBaseId
    `%SRCROOT%`, as GitHub code scanning expects; columns count Unicode code points.
    """
    base = Path(root) if root is not None else Path.cwd()
    codes = sorted({d.code for d in diagnostics})
    index = {code: i for i, code in enumerate(codes)}
    driver: dict[str, object] = {"name": TOOL_NAME}
    uri = information_uri()
    if uri:
        driver["informationUri"] = uri
    driver["version"] = tool_version()
    driver["rules"] = [_sarif_rule(code, RULES.get(code)) for code in codes]
    results = [_sarif_result(d, index[d.code], base) for d in diagnostics]
    return {
        "$schema": SARIF_SCHEMA,
        "version": SARIF_VERSION,
        "runs": [
            {
                "tool": {"driver": driver},
                "columnKind": "unicodeCodePoints",
                "results": results,
            }
        ],
    }


def _sarif_rule(code: str, rule: Rule | None) -> dict[str, object]:
    if rule is None:
        return {"id": code}
    out: dict[str, object] = {
        "id": rule.code,
        "name": rule.name,
        "shortDescription": {"text": rule.summary},
    }
    if rule.doc:
        out["fullDescription"] = {"text": rule.doc}
        out["help"] = {"text": rule.doc, "markdown": rule.doc}
    out["defaultConfiguration"] = {"level": _level(rule.severity)}
    return out


def _level(severity: Severity | str) -> str:
    return "error" if Severity(severity) is Severity.ERROR else "warning"


def _sarif_result(d: Diagnostic, rule_index: int, base: Path) -> dict[str, object]:
    location: dict[str, object] = {}
    if d.path:
        physical: dict[str, object] = {"artifactLocation": _artifact(d.path, base)}
        if d.line is not None:
            region: dict[str, object] = {"startLine": max(d.line, 1)}
            if d.column is not None:
                region["startColumn"] = max(d.column, 1)
            if d.end_line is not None:
                region["endLine"] = max(d.end_line, 1)
                if d.end_column is not None:
                    region["endColumn"] = max(d.end_column, 1)
            physical["region"] = region
        location["physicalLocation"] = physical
    logical = _logical(d)
    if logical:
        location["logicalLocations"] = [logical]
    result: dict[str, object] = {
        "ruleId": d.code,
        "ruleIndex": rule_index,
        "level": _level(d.severity),
        "message": {"text": d.message},
    }
    if location:
        result["locations"] = [location]
    return result


def _artifact(path: str, base: Path) -> dict[str, object]:
    p = Path(path)
    absolute = p if p.is_absolute() else Path.cwd() / p
    try:
        rel = Path(os.path.relpath(absolute, base))
    except ValueError:  # another drive on Windows
        rel = None
    if rel is None or rel.parts[:1] == ("..",):
        return {"uri": absolute.resolve().as_uri()}
    return {"uri": quote(rel.as_posix()), "uriBaseId": "%SRCROOT%"}


def _logical(d: Diagnostic) -> dict[str, object] | None:
    if d.node:
        return {
            "name": d.node,
            "fullyQualifiedName": d.pointer or pointer("nodes", d.node),
            "kind": "element",
        }
    if d.pointer:
        return {"fullyQualifiedName": d.pointer, "kind": "property"}
    return None
