"""The output formats of diagnostics: text, JSON, GitHub annotations and SARIF (schema-checked)."""

from __future__ import annotations

import json
from pathlib import Path

import jsonschema
import pytest

from sce.diagnostics import Diagnostic, Severity
from sce.lint import RULES
from sce.report import (
    SARIF_SCHEMA,
    ExitCode,
    OutputFormat,
    diagnostic_from_json,
    diagnostic_to_json,
    github_command,
    render,
    render_statistics,
    to_sarif,
    tool_version,
)
from sce.source import Source

SCHEMA_FILE = Path(__file__).parent / "data" / "sarif-schema-2.1.0.json"

SYNTAX = Diagnostic(
    "SCE001",
    "use '=' (not ':') between a field and its value",
    path="flows/坏.flow",
    line=2,
    column=18,
)
SOURCES = {
    "flows/坏.flow": Source("flows/坏.flow", 'flow f { start -> a }\nhangup a { reason: "x" }\n')
}
FINDINGS = [
    SYNTAX,
    Diagnostic(
        "SCE102",
        "菜单 'main' 的按键 1 指向不存在的节点 'ghost'",
        pointer="/nodes/main/choices/0/next",
        node="main",
        path="flows/demo.flow",
        line=9,
        column=24,
    ),
    Diagnostic(
        "SCE204",
        "variable 'balance' is never read",
        pointer="/variables/balance",
        severity=Severity.WARNING,
        path="flows/demo.flow",
        line=7,
        column=1,
    ),
    Diagnostic(
        "SCE102",
        "second: 'a/b' -> 'c~d', 100% wrong",
        pointer="/nodes/a~1b/next",
        node="a/b",
        path="flows/demo.flow",
        line=12,
        column=3,
        end_line=12,
        end_column=9,
    ),
]


def test_enums() -> None:
    assert [f.value for f in OutputFormat] == ["text", "json", "sarif", "github"]
    assert (ExitCode.CLEAN, ExitCode.FINDINGS, ExitCode.ERROR) == (0, 1, 2)


# -- text -------------------------------------------------------------------------------------


def test_text_lines_snippet_and_summary() -> None:
    text = render(FINDINGS, OutputFormat.TEXT, sources=SOURCES, files_checked=3)
    lines = text.splitlines()
    assert lines[0] == "flows/坏.flow:2:18: SCE001 use '=' (not ':') between a field and its value"
    assert lines[1] == '2 | hangup a { reason: "x" }'
    assert lines[2] == "  |                  ^"
    assert lines[2].index("^") == lines[1].index(":")
    assert lines[3] == "flows/demo.flow:9:24: SCE102 菜单 'main' 的按键 1 指向不存在的节点 'ghost'"
    assert lines[-1] == "Found 4 problems (3 errors, 1 warning) in 3 files."
    assert text.endswith("\n")


def test_text_caret_counts_wide_characters() -> None:
    source = Source("x.flow", 'play 问候 { text = "你好" x }\n')
    d = Diagnostic("SCE001", "bad", path="x.flow", line=1, column=23)
    lines = render([d], "text", sources={"x.flow": source}).splitlines()
    # Four CJK characters before the column, each two terminal columns wide.
    assert lines[1] == '1 | play 问候 { text = "你好" x }'
    assert lines[2] == "  | " + " " * (22 + 4) + "^"


def test_text_without_sources_has_no_snippet() -> None:
    lines = render([SYNTAX], "text", files_checked=1).splitlines()
    assert lines == [
        "flows/坏.flow:2:18: SCE001 use '=' (not ':') between a field and its value",
        "Found 1 problem (1 error, 0 warnings) in 1 file.",
    ]


def test_text_clean_and_no_summary() -> None:
    assert render([], "text", files_checked=5) == "All checks passed!\n"
    assert render(FINDINGS[1:2], "text", summary=False).count("\n") == 1


def test_text_without_location() -> None:
    d = Diagnostic("SCE002", "a flow file must hold an object")
    assert render([d], "text").splitlines()[0] == "<flow>: SCE002 a flow file must hold an object"


def test_statistics() -> None:
    text = render_statistics(FINDINGS, "text")
    assert text.splitlines() == [
        "2  SCE102  unknown-target",
        "1  SCE001  syntax-error",
        "1  SCE204  unused-variable",
    ]
    data = json.loads(render_statistics(FINDINGS, "json"))
    assert data[0] == {"code": "SCE102", "name": "unknown-target", "count": 2}


# -- json -------------------------------------------------------------------------------------


def test_json_objects_have_stable_keys() -> None:
    data = json.loads(render(FINDINGS, OutputFormat.JSON))
    assert len(data) == len(FINDINGS)
    keys = [
        "code",
        "name",
        "severity",
        "message",
        "path",
        "line",
        "column",
        "end_line",
        "end_column",
        "pointer",
        "node",
    ]
    assert all(list(obj) == keys for obj in data)
    assert data[1] == {
        "code": "SCE102",
        "name": "unknown-target",
        "severity": "error",
        "message": "菜单 'main' 的按键 1 指向不存在的节点 'ghost'",
        "path": "flows/demo.flow",
        "line": 9,
        "column": 24,
        "end_line": None,
        "end_column": None,
        "pointer": "/nodes/main/choices/0/next",
        "node": "main",
    }
    assert data[2]["severity"] == "warning"
    assert "菜单" in render(FINDINGS, "json")  # not \u-escaped
    assert json.loads(render([], "json")) == []


def test_json_unknown_code_has_no_name() -> None:
    assert diagnostic_to_json(Diagnostic("XYZ1", "m"))["name"] is None


def test_json_objects_read_back_as_the_same_diagnostics() -> None:
    # What `sce deploy --server` does with the diagnostics the API answers.
    for d in FINDINGS:
        assert diagnostic_from_json(json.loads(json.dumps(diagnostic_to_json(d)))) == d
    odd = {"code": "SCE102", "message": "m", "line": "3", "severity": "fatal", "node": 7}
    assert diagnostic_from_json(odd) == Diagnostic("SCE102", "m")


# -- github -----------------------------------------------------------------------------------


def test_github_commands() -> None:
    lines = render(FINDINGS, OutputFormat.GITHUB).splitlines()
    assert len(lines) == len(FINDINGS)
    assert lines[1] == (
        "::error file=flows/demo.flow,line=9,col=24,title=SCE102 unknown-target::"
        "菜单 'main' 的按键 1 指向不存在的节点 'ghost'"
    )
    assert lines[2].startswith("::warning file=flows/demo.flow,line=7,col=1,title=SCE204 ")
    assert lines[3] == (
        "::error file=flows/demo.flow,line=12,col=3,endLine=12,endColumn=9,"
        "title=SCE102 unknown-target::second: 'a/b' -> 'c~d', 100%25 wrong"
    )


def test_github_escaping() -> None:
    d = Diagnostic(
        "SCE999", "50% off\r\nnext line: a, b", path="we:ird,name%.flow", line=1, column=2
    )
    assert github_command(d) == (
        "::error file=we%3Aird%2Cname%25.flow,line=1,col=2,title=SCE999::"
        "50%25 off%0D%0Anext line: a, b"
    )
    bare = github_command(Diagnostic("SCE002", "no place"))
    assert bare == "::error title=SCE002 schema-error::no place"
    assert render([], "github") == ""


# -- sarif ------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def sarif_validator() -> jsonschema.protocols.Validator:
    raw = SCHEMA_FILE.read_bytes()
    schema = json.loads(raw)
    cls = jsonschema.validators.validator_for(schema)  # the draft the schema declares
    assert schema["$schema"] == "http://json-schema.org/draft-04/schema#"
    assert cls is jsonschema.Draft4Validator
    cls.check_schema(schema)
    return cls(schema)


def _validate(validator: jsonschema.protocols.Validator, log: object) -> None:
    errors = sorted(validator.iter_errors(log), key=lambda e: list(e.path))
    assert not errors, [f"{list(e.path)}: {e.message}" for e in errors]


def test_sarif_is_valid_and_complete(sarif_validator, monkeypatch, tmp_path) -> None:
    monkeypatch.chdir(tmp_path)
    text = render(FINDINGS, OutputFormat.SARIF)
    log = json.loads(text)
    _validate(sarif_validator, log)
    assert "菜单" in text
    assert log["$schema"] == SARIF_SCHEMA
    assert log["version"] == "2.1.0"
    (run,) = log["runs"]
    driver = run["tool"]["driver"]
    assert driver["name"] == "sce"
    assert driver["version"] == tool_version() != ""
    ids = [r["id"] for r in driver["rules"]]
    assert ids == ["SCE001", "SCE102", "SCE204"]  # each rule that fired, once
    for rule in driver["rules"]:
        known = RULES[rule["id"]]
        assert rule["name"] == known.name
        assert rule["shortDescription"]["text"] == known.summary
        assert rule["fullDescription"]["text"] == known.doc
        assert rule["defaultConfiguration"]["level"] == known.severity.value
    results = run["results"]
    assert [r["ruleId"] for r in results] == [d.code for d in FINDINGS]
    for r in results:
        assert ids[r["ruleIndex"]] == r["ruleId"]
    assert [r["level"] for r in results] == ["error", "error", "warning", "error"]
    first = results[1]["locations"][0]
    assert first["physicalLocation"] == {
        "artifactLocation": {"uri": "flows/demo.flow", "uriBaseId": "%SRCROOT%"},
        "region": {"startLine": 9, "startColumn": 24},
    }
    assert first["logicalLocations"] == [
        {"name": "main", "fullyQualifiedName": "/nodes/main/choices/0/next", "kind": "element"}
    ]
    assert results[1]["message"]["text"] == FINDINGS[1].message
    # A non-ASCII path is percent-encoded, as a URI must be.
    assert results[0]["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] == (
        "flows/%E5%9D%8F.flow"
    )
    assert "logicalLocations" not in results[0]["locations"][0]
    assert results[2]["locations"][0]["logicalLocations"] == [
        {"fullyQualifiedName": "/variables/balance", "kind": "property"}
    ]
    region = results[3]["locations"][0]["physicalLocation"]["region"]
    assert region == {"startLine": 12, "startColumn": 3, "endLine": 12, "endColumn": 9}


def test_sarif_paths_are_relative_posix(sarif_validator, monkeypatch, tmp_path) -> None:
    monkeypatch.chdir(tmp_path)
    inside = Diagnostic(
        "SCE101", "no start", path=str(tmp_path / "sub" / "f.flow"), line=1, column=1
    )
    outside = Diagnostic("SCE101", "no start", path="/elsewhere/g.flow", line=1, column=1)
    log = to_sarif([inside, outside])
    _validate(sarif_validator, log)
    locs = [
        r["locations"][0]["physicalLocation"]["artifactLocation"] for r in log["runs"][0]["results"]
    ]
    assert locs[0] == {"uri": "sub/f.flow", "uriBaseId": "%SRCROOT%"}
    assert locs[1] == {"uri": "file:///elsewhere/g.flow"}


def test_sarif_empty_and_unlocated(sarif_validator) -> None:
    empty = json.loads(render([], "sarif"))
    _validate(sarif_validator, empty)
    assert empty["runs"][0]["results"] == []
    assert empty["runs"][0]["tool"]["driver"]["rules"] == []
    # A posted draft: no file, no line; and a code no rule describes.
    drafts = [
        Diagnostic("SCE102", "bad exit", pointer="/nodes/a/next", node="a"),
        Diagnostic("XYZ001", "from elsewhere"),
    ]
    log = to_sarif(drafts)
    _validate(sarif_validator, log)
    results = log["runs"][0]["results"]
    assert results[0]["locations"] == [
        {
            "logicalLocations": [
                {"name": "a", "fullyQualifiedName": "/nodes/a/next", "kind": "element"}
            ]
        }
    ]
    assert "locations" not in results[1]
    assert log["runs"][0]["tool"]["driver"]["rules"][1] == {"id": "XYZ001"}


def test_sarif_schema_rejects_a_broken_log(sarif_validator) -> None:
    log = to_sarif(FINDINGS)
    log["runs"][0]["results"][0]["level"] = "fatal"
    assert list(sarif_validator.iter_errors(log))


def test_text_snippet_hides_control_characters() -> None:
    source = Source("x.json", '{"a":\x00\x1b[31m x}')
    d = Diagnostic("SCE001", "expected a value", path="x.json", line=1, column=6)
    lines = render([d], "text", sources={"x.json": source}).splitlines()
    assert lines[1] == '1 | {"a":\ufffd\ufffd[31m x}'
    assert lines[2] == "  |      ^"
