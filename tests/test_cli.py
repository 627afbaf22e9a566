"""The `sce` command line, through click's runner and through the installed console script."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from sce.cli import common
from sce.compiler import CompiledFlow
from sce.lint import RULES
from tests.cli import run, write

# Only the rules of the loader and the analysis: the tests do not move when rules are added.
PYPROJECT = """\
[tool.sce]
select = ["SCE001", "SCE002", "SCE003", "SCE101", "SCE102", "SCE201"]
"""

CLEAN = """\
# A small flow for the CLI tests
flow small {
  title = "小流程"
  languages = [en-US, zh-CN]
  start -> main
}
# the main menu
menu main {
  prompt { text { en-US = "Press 1 or 0.", zh-CN = "请按1或0。" } }  # the greeting
  choices = [
    { key = "1", next -> bye },
    { key = "0", next -> agent },
  ]
  timeout = 5
  exhausted -> agent
}
transfer agent { queue = "support", failure -> bye }
hangup bye { prompt { text { en-US = "Goodbye.", zh-CN = "再见。" } } }
"""

# Key 1 goes to a node that does not exist (SCE102, line 4).
BROKEN_EXIT = """\
flow ghosts { start -> main }
menu main {
  prompt { text { en-US = "Press 1." } }
  choices = [ { key = "1", next -> ghost } ]
  timeout = 5
  exhausted -> bye
}
hangup bye {}
"""

JSON_FLOW = """\
{
  "flow": "j",
  "start": "bye",
  "nodes": {"bye": {"type": "hangup", "prompt": {"text": {"en-US": "Bye"}}}}
}
"""


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    (tmp_path / "pyproject.toml").write_text(PYPROJECT, encoding="utf-8")
    flows = tmp_path / "flows"
    flows.mkdir()
    (flows / "clean.flow").write_text(CLEAN, encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    return tmp_path


# -- lint -------------------------------------------------------------------------------------


def test_lint_clean_exits_0(project: Path) -> None:
    result = run("lint", "flows")
    assert result.exit_code == 0, result.output
    assert result.stdout == "All checks passed!\n"


def test_lint_defaults_to_the_current_folder(project: Path) -> None:
    write(project / "flows" / "ghosts.flow", BROKEN_EXIT)
    result = run("lint")
    assert result.exit_code == 1
    assert "ghosts.flow:4:" in result.stdout


def test_lint_findings_exit_1(project: Path) -> None:
    write(project / "flows" / "ghosts.flow", BROKEN_EXIT)
    result = run("lint", "flows")
    assert result.exit_code == 1
    lines = result.stdout.splitlines()
    assert lines[0].startswith(f"{Path('flows/ghosts.flow')}:4:")
    assert " SCE102 " in lines[0] and "ghost" in lines[0]
    assert lines[-1] == "Found 1 problem (1 error, 0 warnings) in 2 files."
    assert run("lint", "flows", "--exit-zero").exit_code == 0


def test_lint_select_and_ignore(project: Path) -> None:
    write(project / "flows" / "ghosts.flow", BROKEN_EXIT)
    assert run("lint", "flows", "--ignore", "SCE102").exit_code == 0
    assert run("lint", "flows", "--select", "SCE001,unknown-target").exit_code == 1
    assert run("lint", "flows", "--select", "SCE001, SCE101").exit_code == 0


def test_lint_unknown_codes_are_usage_errors(project: Path) -> None:
    result = run("lint", "flows", "--select", "SCE999")
    assert result.exit_code == 2
    assert "unknown rule code or name in --select: SCE999" in result.stderr
    result = run("lint", "flows", "--ignore", "SCE101,no-such-rule")
    assert result.exit_code == 2
    assert "no-such-rule" in result.stderr
    write(project / "pyproject.toml", '[tool.sce]\nignore = ["SCE777"]\n')
    result = run("lint", "flows")
    assert result.exit_code == 2
    assert "SCE777" in result.stderr and "pyproject.toml" in result.stderr


def test_lint_bad_settings_exit_2(project: Path) -> None:
    write(project / "pyproject.toml", "[tool.sce]\nmax-menu-choises = 5\n")
    result = run("lint", "flows")
    assert result.exit_code == 2
    assert "unknown setting 'max-menu-choises'" in result.stderr
    write(project / "pyproject.toml", "[tool.sce\n")
    result = run("lint", "flows")
    assert result.exit_code == 2
    assert result.stderr.startswith("sce: error: ")


@pytest.mark.parametrize(
    ("toml", "message"),
    [
        (
            '[tool.sce]\nspeech-rate = { en = "fast" }\n',
            "'speech-rate' for 'en' must be a positive",
        ),
        ("[tool.sce]\nspeech-rate = { en = -1 }\n", "'speech-rate' for 'en' must be a positive"),
        ('[tool.sce]\nper-file-ignores = { "x" = 5 }\n', "'per-file-ignores' for \"x\" must be"),
        ('[tool.sce]\nper-file-ignores = { "x" = [5] }\n', "'per-file-ignores' for \"x\" must be"),
        ("[tool]\nsce = 5\n", "[tool.sce] must be a table of settings"),
        ("tool = 5\n", "'tool' must be a table"),
    ],
)
def test_lint_settings_of_the_wrong_shape_exit_2(project: Path, toml: str, message: str) -> None:
    write(project / "pyproject.toml", toml)
    result = run("lint", "flows")
    assert result.exit_code == 2
    assert result.stderr.startswith(f"sce: error: {project / 'pyproject.toml'}: ")
    assert message in result.stderr
    assert result.stdout == ""


def test_lint_config_option(project: Path) -> None:
    write(project / "flows" / "ghosts.flow", BROKEN_EXIT)
    other = write(project / "conf" / "sce.toml", '[tool.sce]\nselect = ["SCE001"]\n')
    assert run("lint", "flows", "--config", other).exit_code == 0
    result = run("lint", "flows", "--config", project / "missing.toml")
    assert result.exit_code == 2
    assert "missing.toml" in result.stderr


def test_lint_missing_path_exits_2(project: Path) -> None:
    result = run("lint", "nowhere.flow")
    assert result.exit_code == 2
    assert result.stderr == "sce: error: nowhere.flow: no such file or folder\n"
    assert result.stdout == ""
    # With a file that exists too: that file is still reported, and the exit is 2.
    result = run("lint", "flows", "nowhere.flow")
    assert result.exit_code == 2
    assert "All checks passed!" in result.stdout


def test_lint_garbage_json_is_a_syntax_error(project: Path) -> None:
    write(project / "flows" / "junk.json", b'{"flow": "x",\n  "start": \x00\xff\xfe}')
    result = run("lint", "flows")
    assert result.exit_code == 1
    first = result.stdout.splitlines()[0]
    assert first.startswith(f"{Path('flows/junk.json')}:2:")
    assert " SCE001 " in first
    write(project / "flows" / "junk.json", b"\x89PNG\r\n\x1a\n\x00\x00")
    result = run("lint", "flows/junk.json", "--format", "json")
    assert result.exit_code == 1
    (finding,) = json.loads(result.stdout)
    assert finding["code"] == "SCE001" and finding["line"] == 1 and finding["column"] >= 1


def test_lint_syntax_error_shows_the_line(project: Path) -> None:
    write(project / "flows" / "colon.flow", 'flow f { start -> a }\nhangup a { reason: "x" }\n')
    result = run("lint", "flows/colon.flow")
    assert result.exit_code == 1
    lines = result.stdout.splitlines()
    assert lines[1] == '2 | hangup a { reason: "x" }'
    assert lines[2].index("^") == lines[1].index(":")


def test_lint_formats(project: Path) -> None:
    write(project / "flows" / "ghosts.flow", BROKEN_EXIT)
    data = json.loads(run("lint", "flows", "--format", "json").stdout)
    assert [d["code"] for d in data] == ["SCE102"]
    assert data[0]["name"] == "unknown-target" and data[0]["node"] == "main"

    sarif = json.loads(run("lint", "flows", "--format", "sarif").stdout)
    assert sarif["version"] == "2.1.0"
    result = sarif["runs"][0]["results"][0]
    assert result["ruleId"] == "SCE102"
    location = result["locations"][0]["physicalLocation"]
    assert location["artifactLocation"] == {"uri": "flows/ghosts.flow", "uriBaseId": "%SRCROOT%"}

    github = run("lint", "flows", "--format", "github")
    assert github.exit_code == 1
    assert github.stdout.startswith("::error file=flows/ghosts.flow,line=4,")
    assert "title=SCE102 unknown-target::" in github.stdout


def test_lint_output_file(project: Path) -> None:
    write(project / "flows" / "ghosts.flow", BROKEN_EXIT)
    out = project / "report.sarif"
    result = run("lint", "flows", "--format", "sarif", "--output", out)
    assert result.exit_code == 1
    assert result.stdout == ""
    assert json.loads(out.read_text(encoding="utf-8"))["runs"][0]["results"]
    assert [p.name for p in project.iterdir() if p.name.startswith(".report")] == []
    # A folder that does not exist: a message about the path given, exit 2, no traceback.
    result = run("lint", "flows", "--output", Path("no/such/r.txt"))
    assert result.exit_code == 2
    no_such = Path("no/such")
    assert (
        result.stderr == f"sce: error: {no_such / 'r.txt'}: the folder '{no_such}' does not exist\n"
    )
    assert not (project / "no").exists()


def test_lint_statistics(project: Path) -> None:
    write(project / "flows" / "ghosts.flow", BROKEN_EXIT)
    write(project / "flows" / "ghosts2.flow", BROKEN_EXIT.replace("ghosts", "ghosts2"))
    result = run("lint", "flows", "--statistics")
    assert result.exit_code == 1
    assert result.stdout == "2  SCE102  unknown-target\n"
    data = json.loads(run("lint", "flows", "--statistics", "--format", "json").stdout)
    assert data == [{"code": "SCE102", "name": "unknown-target", "count": 2}]
    assert run("lint", "flows", "--statistics", "--format", "sarif").exit_code == 2


def test_lint_empty_folder_warns(project: Path) -> None:
    (project / "empty").mkdir()
    result = run("lint", "empty")
    assert result.exit_code == 0
    assert "no flow files" in result.stderr


def test_lint_a_folder_named_like_a_flow_file(project: Path) -> None:
    # A folder is walked whatever its name; with no flow files in it, a warning says so.
    write(project / "dir.json" / "notes.txt", "{}")
    result = run("lint", "dir.json")
    assert result.exit_code == 0
    assert result.stderr == "sce: warning: no flow files (.json, .flow) found\n"
    write(project / "dir.json" / "ghosts.flow", BROKEN_EXIT)
    result = run("lint", "dir.json")
    assert result.exit_code == 1
    assert f"{Path('dir.json/ghosts.flow')}:4:" in result.stdout
    assert result.stderr == ""


def test_empty_paths_are_usage_errors(project: Path) -> None:
    # `Path("")` is the current folder: an empty argument (an unset shell variable) is a mistake.
    write(project / "flows" / "ghosts.flow", BROKEN_EXIT)
    for args in (
        ["lint", ""],
        ["lint", "flows", ""],
        ["fmt", ""],
        ["convert", ""],
        ["compile", ""],
        ["graph", ""],
        ["convert", "flows/clean.flow", "-o", ""],
        ["lint", "flows", "--config", ""],
    ):
        result = run(*args)
        assert result.exit_code == 2, args
        assert "an empty path names no file or folder" in result.stderr, args
        assert result.stdout == "", args


def test_lint_progress_bar(project: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    for i in range(3):
        write(project / "many" / f"f{i}.flow", CLEAN.replace("flow small", f"flow f{i}"))
    write(project / "many" / "ghosts.flow", BROKEN_EXIT)
    monkeypatch.setattr(common, "wants_progress", lambda total, least: True)
    result = run("lint", "many")
    assert result.exit_code == 1
    assert result.stdout.count(" SCE102 ") == 1
    assert result.stdout.endswith("in 4 files.\n")


# -- fmt --------------------------------------------------------------------------------------


def test_fmt_check_then_fmt_then_check(project: Path) -> None:
    flow = project / "flows" / "clean.flow"
    before = flow.read_bytes()
    result = run("fmt", "--check", "flows")
    assert result.exit_code == 1
    assert result.stdout == f"Would reformat: {Path('flows/clean.flow')}\n"
    assert flow.read_bytes() == before

    assert run("fmt", "flows").exit_code == 0
    once = flow.read_bytes()
    assert once != before
    text = once.decode("utf-8")
    for comment in ("# A small flow for the CLI tests", "# the main menu", "# the greeting"):
        assert comment in text
    assert "请按1或0。" in text

    assert run("fmt", "--check", "flows").exit_code == 0
    assert run("fmt", "flows").exit_code == 0
    assert flow.read_bytes() == once  # idempotent


def test_fmt_json_is_canonical_and_idempotent(project: Path) -> None:
    flow = write(
        project / "flows" / "j.json",
        '{"flow":"j","start":"bye","nodes":{"bye":'
        '{"type":"hangup","prompt":{"text":{"zh-CN":"再见"}}}}}',
    )
    assert run("fmt", flow).exit_code == 0
    once = flow.read_bytes()
    assert once.startswith(b'{\n  "flow": "j",') and "再见".encode() in once
    assert run("fmt", flow).exit_code == 0
    assert flow.read_bytes() == once
    assert run("fmt", "--check", flow).exit_code == 0


def test_fmt_diff_writes_nothing(project: Path) -> None:
    flow = project / "flows" / "clean.flow"
    before = flow.read_bytes()
    result = run("fmt", "--diff", flow)
    assert result.exit_code == 1
    assert result.stdout.startswith(f"--- {flow}\n+++ {flow}\n@@ ")
    assert '-  prompt { text { en-US = "Press 1 or 0."' in result.stdout
    assert flow.read_bytes() == before


def test_fmt_leaves_broken_files_alone(project: Path) -> None:
    text = 'flow f { start -> a }\nhangup a { reason: "x" }\n'
    broken = write(project / "flows" / "broken.flow", text)
    result = run("fmt", broken)
    assert result.exit_code == 1
    assert f"{broken}:2:18: SCE001 " in result.stderr
    assert broken.read_text(encoding="utf-8") == text
    assert run("fmt", "--check", broken).exit_code == 1
    assert run("fmt", project / "flows" / "none.flow").exit_code == 2


def test_fmt_writes_through_a_symbolic_link(project: Path) -> None:
    real = project / "flows" / "clean.flow"
    link = project / "link.flow"
    link.symlink_to(real)
    assert run("fmt", link).exit_code == 0
    assert link.is_symlink() and link.readlink() == real
    assert run("fmt", "--check", real).exit_code == 0  # the target was formatted
    assert sorted(p.name for p in project.iterdir()) == ["flows", "link.flow", "pyproject.toml"]


def test_named_pipes_are_never_read(project: Path) -> None:
    # Reading a pipe waits for a writer forever: the console script, with a time limit.
    os.mkfifo(project / "flows" / "pipe.flow")

    def call(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [_sce_script(), *args],
            capture_output=True,
            text=True,
            cwd=project,
            timeout=30,
            encoding="utf-8",
        )

    # In a folder: skipped.
    result = call("fmt", "--check", "flows")
    assert result.returncode == 1, result.stderr
    assert result.stdout == f"Would reformat: {Path('flows/clean.flow')}\n"
    assert call("lint", "flows").returncode == 0
    # Named explicitly: an error.
    pipe = str(Path("flows/pipe.flow"))
    refused = f"sce: error: {pipe}: a named pipe, not a flow file (only regular files are read)\n"
    for command in ("fmt", "lint", "convert", "compile", "graph"):
        result = call(command, pipe)
        assert result.returncode == 2, command
        assert result.stderr == refused, command
        assert "Traceback" not in result.stderr


# Problems found in the order: the duplicate key (line 8) before the schema's (line 3).
OUT_OF_ORDER = """\
{
  "flow": "x",
  "start": 5,
  "nodes": {
    "a": {
      "type": "hangup",
      "reason": "one",
      "reason": "two"
    }
  }
}
"""


def test_load_errors_are_printed_in_file_order(project: Path) -> None:
    bad = write(project / "bad.json", OUT_OF_ORDER)
    for command in ("convert", "compile", "graph", "fmt"):
        result = run(command, bad)
        assert result.exit_code == 1, command
        lines = [line for line in result.stderr.splitlines() if " SCE00" in line]
        assert [line.split()[0] for line in lines] == [f"{bad}:3:3:", f"{bad}:8:7:"], command


# -- convert ----------------------------------------------------------------------------------


def test_convert_json_to_dsl_and_back_is_byte_exact(project: Path) -> None:
    source = write(project / "j.json", JSON_FLOW)
    assert run("fmt", source).exit_code == 0  # canonical JSON
    canonical = source.read_bytes()
    dsl = run("convert", source, "--to", "flow")
    assert dsl.exit_code == 0
    assert dsl.stdout.startswith("flow j {")
    write(project / "j.flow", dsl.stdout)
    back = run("convert", project / "j.flow")  # the other format by default
    assert back.exit_code == 0
    assert back.stdout.encode("utf-8") == canonical


def test_convert_to_a_file(project: Path) -> None:
    out = project / "out" / "clean.json"
    out.parent.mkdir()
    result = run("convert", project / "flows" / "clean.flow", "-o", out)
    assert result.exit_code == 0 and result.stdout == ""
    data = json.loads(out.read_text(encoding="utf-8"))
    assert data["title"] == "小流程"
    assert run("lint", out).exit_code == 0


def test_convert_replace_changes_a_flows_form_in_place(project: Path) -> None:
    dsl = project / "flows" / "clean.flow"
    result = run("convert", "--replace", dsl)
    assert result.exit_code == 0 and result.stdout == f"{dsl} -> {dsl.with_suffix('.json')}\n"
    assert not dsl.exists() and json.loads(dsl.with_suffix(".json").read_text())["flow"] == "small"
    assert run("lint", project / "flows").exit_code == 0  # one file: no SCE004
    assert run("convert", "--replace", dsl.with_suffix(".json"), "--to", "json").exit_code == 2
    assert run("convert", "--replace", dsl.with_suffix(".json"), "-o", dsl).exit_code == 2
    assert run("convert", "--replace", dsl.with_suffix(".json")).exit_code == 0
    assert dsl.is_file() and not dsl.with_suffix(".json").exists()


def test_a_flow_kept_in_two_files_is_an_error_until_one_is_deleted(project: Path) -> None:
    (project / "pyproject.toml").write_text("[tool.sce]\n", encoding="utf-8")  # every rule
    dsl = project / "flows" / "clean.flow"
    run("convert", dsl, "-o", dsl.with_suffix(".json"))
    result = run("lint", project / "flows", "--select", "SCE004")
    assert result.exit_code == 1
    assert f"{dsl}:1:1: SCE004 {dsl.with_suffix('.json')} holds this flow too" in result.stdout
    assert f"{dsl.with_suffix('.json')}:1:1: SCE004 {dsl} holds this flow too" in result.stdout
    refused = run("call", dsl, input="")
    assert refused.exit_code == 1 and "SCE004" in refused.stderr
    dsl.with_suffix(".json").unlink()
    assert run("lint", project / "flows", "--select", "SCE004").exit_code == 0


def test_convert_errors(project: Path) -> None:
    bad = write(
        project / "bad.json", '{"flow": "x", "start": "a", "nodes": {"a": {"type": "hangup",}}}'
    )
    result = run("convert", bad, "--to", "flow")
    assert result.exit_code == 1
    assert f"{bad}:1:" in result.stderr and "SCE001" in result.stderr
    assert result.stdout == ""
    missing = run("convert", project / "none.json")
    assert missing.exit_code == 2
    assert "none.json" in missing.stderr


def test_lint_and_convert_tell_a_twilio_studio_export_for_what_it_is(project: Path) -> None:
    from tests.test_loader import STUDIO_EXPORT

    studio = write(project / "studio.json", json.dumps(STUDIO_EXPORT, indent=2))
    said = f"{studio}:1:1: SCE002 this is a Twilio Studio flow definition"
    linted = run("lint", studio)
    assert linted.exit_code == 1 and linted.stdout.startswith(said)
    converted = run("convert", studio, "--to", "flow")
    assert converted.exit_code == 1 and converted.stderr.startswith(said)
    assert "sce import twilio-studio" in converted.stderr


# -- compile ----------------------------------------------------------------------------------


def test_compile_prints_a_loadable_state_machine(project: Path) -> None:
    result = run("compile", project / "flows" / "clean.flow")
    assert result.exit_code == 0
    compiled = CompiledFlow.from_json(result.stdout)
    assert compiled.flow == "small" and compiled.start == "main"
    assert set(compiled.states) == {"main", "agent", "bye"}
    out = project / "small.ir.json"
    assert run("compile", project / "flows" / "clean.flow", "-o", out).exit_code == 0
    assert CompiledFlow.from_json(out.read_text(encoding="utf-8")).version == compiled.version


def test_compile_errors(project: Path) -> None:
    ghosts = write(project / "ghosts.flow", BROKEN_EXIT)
    result = run("compile", ghosts)
    assert result.exit_code == 1
    assert result.stdout == ""
    assert f"{ghosts}:4:" in result.stderr and "SCE102" in result.stderr
    broken = write(project / "broken.flow", "flow f {")
    result = run("compile", broken)
    assert result.exit_code == 1
    assert "SCE001" in result.stderr
    assert run("compile", project / "none.flow").exit_code == 2


# -- graph ------------------------------------------------------------------------------------


def test_graph_formats(project: Path) -> None:
    flow = project / "flows" / "clean.flow"
    dot = run("graph", flow)
    assert dot.exit_code == 0
    assert dot.stdout.startswith('digraph "small" {')
    assert '"main" -> "bye" [label="key 1"];' in dot.stdout
    mermaid = run("graph", flow, "--format", "mermaid")
    assert mermaid.exit_code == 0
    assert "flowchart TD" in mermaid.stdout and '|"key 0"|' in mermaid.stdout
    assert run("graph", flow, "--format", "png").exit_code == 2


# -- rules ------------------------------------------------------------------------------------


def test_rules_table_and_json(project: Path) -> None:
    result = run("rules")
    assert result.exit_code == 0
    lines = result.stdout.splitlines()
    assert lines[0].split() == ["CODE", "NAME", "SEVERITY", "SUMMARY"]
    codes = [line.split()[0] for line in lines[1:]]
    assert codes == sorted(RULES)
    data = json.loads(run("rules", "--format", "json").stdout)
    assert [r["code"] for r in data] == sorted(RULES)
    assert set(data[0]) == {"code", "name", "severity", "summary"}


def test_rules_one(project: Path) -> None:
    result = run("rules", "SCE102")
    assert result.exit_code == 0
    assert result.stdout.startswith("SCE102 unknown-target (error)\n")
    assert RULES["SCE102"].doc in result.stdout
    by_name = json.loads(run("rules", "unknown-target", "--format", "json").stdout)
    assert by_name["code"] == "SCE102" and by_name["doc"] == RULES["SCE102"].doc
    assert run("rules", "sce102").exit_code == 0
    unknown = run("rules", "SCE999")
    assert unknown.exit_code == 2 and "SCE999" in unknown.stderr


def test_usage_errors_exit_2(project: Path) -> None:
    assert run("lint", "--format", "xml").exit_code == 2
    assert run("no-such-command").exit_code == 2
    assert run("convert").exit_code == 2


# -- the installed console script -------------------------------------------------------------


def _sce_script() -> str:
    found = str(Path(sys.executable).parent / "sce")
    assert os.access(found, os.X_OK), "the sce console script is missing: run `make setup`"
    return found


def test_console_script_exit_codes(project: Path) -> None:
    sce = _sce_script()
    write(project / "flows" / "ghosts.flow", BROKEN_EXIT)

    def call(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sce, *args], capture_output=True, text=True, cwd=project, timeout=60, encoding="utf-8"
        )

    found = call("lint", "flows", "--format", "json")
    assert found.returncode == 1, found.stderr
    assert [d["code"] for d in json.loads(found.stdout)] == ["SCE102"]
    clean = call("lint", "flows/clean.flow")
    assert clean.returncode == 0 and clean.stdout == "All checks passed!\n"
    missing = call("lint", "missing.flow")
    assert missing.returncode == 2
    assert "missing.flow" in missing.stderr and "Traceback" not in missing.stderr
    version = call("--version")
    assert version.returncode == 0 and version.stdout.startswith("sce, version ")
