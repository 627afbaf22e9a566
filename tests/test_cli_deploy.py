"""`sce deploy`: flows checked here, and the good ones handed to a runtime through the folder
it watches."""

from __future__ import annotations

import json
import re
import threading
from pathlib import Path

import pytest

from runtime.registry import DeployResult, Registry
from runtime.store.memory import MemoryDeployBackend
from runtime.watch import FlowWatcher
from sce.compiler import CompiledFlow
from tests.cli import run, write

# Only the rules of the loader and the analysis: the tests do not move when rules are added.
PYPROJECT = """\
[tool.sce]
select = ["SCE001", "SCE002", "SCE003", "SCE101", "SCE102", "SCE201"]
"""


def hello(text: str) -> str:
    return f"""\
flow hello {{
  start -> main
}}
menu main {{
  prompt {{ text {{ en-US = "{text} Press 1 or 0." }} }}
  choices = [
    {{ key = "1", next -> main }},
    {{ key = "0", next -> bye }},
  ]
  timeout = 5
  exhausted -> bye
}}
hangup bye {{ prompt {{ text {{ en-US = "Goodbye." }} }} }}
"""


BYE_JSON = """\
{
  "flow": "bye",
  "start": "bye",
  "nodes": {"bye": {"type": "hangup", "prompt": {"text": {"en-US": "Bye"}}}}
}
"""

# Key 1 goes to a node that does not exist: SCE102 on line 4.
GHOSTS = """\
flow hello { start -> main }
menu main {
  prompt { text { en-US = "Press 1." } }
  choices = [ { key = "1", next -> ghost } ]
  timeout = 5
  exhausted -> bye
}
hangup bye {}
"""


def version_of(flow: Path) -> str:
    """The version `sce compile` gives the flow: what a runtime will run."""
    result = run("compile", flow)
    assert result.exit_code == 0, result.stderr
    return CompiledFlow.from_json(result.stdout).version


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A project with drafts to deploy and `live`, the folder a runtime watches."""
    write(tmp_path / "pyproject.toml", PYPROJECT)
    (tmp_path / "live").mkdir()
    monkeypatch.chdir(tmp_path)
    return tmp_path


def test_good_flows_land_in_the_folder_with_their_versions(project: Path) -> None:
    hello_flow = write(project / "drafts" / "hello.flow", hello("Welcome."))
    bye_flow = write(project / "drafts" / "bye.json", BYE_JSON)
    result = run("deploy", hello_flow, bye_flow, "--to", "live")
    assert result.exit_code == 0, result.stderr
    assert result.stdout.splitlines() == [
        f"deployed hello {version_of(hello_flow)[:12]} -> {Path('live', 'hello.flow')}",
        f"deployed bye {version_of(bye_flow)[:12]} -> {Path('live', 'bye.json')}",
    ]
    assert (project / "live" / "hello.flow").read_bytes() == hello_flow.read_bytes()
    assert (project / "live" / "bye.json").read_bytes() == bye_flow.read_bytes()
    assert sorted(p.name for p in (project / "live").iterdir()) == ["bye.json", "hello.flow"]


def test_a_refused_flow_prints_its_errors_writes_nothing_and_exits_1(project: Path) -> None:
    live = write(project / "live" / "hello.flow", hello("Version one."))
    before = live.read_bytes()
    broken = write(project / "drafts" / "hello.flow", GHOSTS)
    good = write(project / "drafts" / "bye.json", BYE_JSON)
    result = run("deploy", broken, good, "--to", "live")
    assert result.exit_code == 1
    assert re.search(r"drafts[/\\]hello\.flow:4:\d+: SCE102 .*ghost", result.stderr)
    assert result.stdout.splitlines() == [
        f"refused {broken}: 1 error, nothing written",
        f"deployed bye {version_of(good)[:12]} -> {Path('live', 'bye.json')}",
    ]
    assert live.read_bytes() == before  # the live version stays
    assert sorted(p.name for p in (project / "live").iterdir()) == ["bye.json", "hello.flow"]


def test_a_flow_that_does_not_parse_shows_the_line_with_a_caret(project: Path) -> None:
    broken = write(project / "drafts" / "hello.flow", "flow hello {\n  start -> \n}\n")
    result = run("deploy", broken, "--to", "live")
    assert result.exit_code == 1
    assert re.search(r"drafts[/\\]hello\.flow:3:1: SCE001 ", result.stderr)
    assert "^" in result.stderr
    assert list((project / "live").iterdir()) == []


def test_a_missing_folder_is_a_usage_error(project: Path) -> None:
    flow = write(project / "drafts" / "hello.flow", hello("Welcome."))
    result = run("deploy", flow, "--to", "nowhere")
    assert result.exit_code == 2
    assert "sce: error: nowhere: no such folder" in result.stderr
    assert not (project / "nowhere").exists()
    result = run("deploy", flow, "--to", flow)
    assert result.exit_code == 2
    assert "not a folder" in result.stderr
    assert "Missing option '--to'" in run("deploy", flow).stderr


def test_every_flow_is_checked_to_exist_before_any_is_written(project: Path) -> None:
    good = write(project / "drafts" / "hello.flow", hello("Welcome."))
    result = run("deploy", good, "drafts/missing.flow", "--to", "live")
    assert result.exit_code == 2
    assert "missing.flow: no such file" in result.stderr
    assert list((project / "live").iterdir()) == []
    result = run("deploy", good, "drafts", "--to", "live")
    assert result.exit_code == 2 and "a folder, not a flow file" in result.stderr


def test_two_flows_with_one_file_name_are_a_usage_error(project: Path) -> None:
    one = write(project / "a" / "hello.flow", hello("One."))
    two = write(project / "b" / "hello.flow", hello("Two."))
    result = run("deploy", one, two, "--to", "live")
    assert result.exit_code == 2
    assert "would both be written to" in result.stderr
    assert list((project / "live").iterdir()) == []


def test_output_writes_the_results_as_json(project: Path) -> None:
    good = write(project / "drafts" / "hello.flow", hello("Welcome."))
    broken = write(project / "drafts" / "ghosts.flow", GHOSTS)
    result = run("deploy", good, broken, "--to", "live", "--who", "ana", "-o", "deploy.json")
    assert result.exit_code == 1
    deployed, refused = json.loads((project / "deploy.json").read_text(encoding="utf-8"))
    assert deployed["file"] == str(good) and deployed["result"] == "deployed"
    assert deployed["version"] == version_of(good) and deployed["who"] == "ana"
    assert deployed["source"] == str(Path("live", "hello.flow")) and deployed["errors"] == []
    assert refused["result"] == "refused" and refused["version"] is None
    assert len(refused["errors"]) == 1 and " SCE102 " in refused["errors"][0]


def test_a_runtime_watching_the_folder_takes_the_new_version(project: Path) -> None:
    write(project / "live" / "hello.flow", hello("Version one."))
    registry = Registry(MemoryDeployBackend())
    seen: list[DeployResult] = []
    changed = threading.Condition()

    def on_result(result: DeployResult) -> None:
        with changed:
            seen.append(result)
            changed.notify_all()

    watcher = FlowWatcher(registry, project / "live", debounce=0.2, on_result=on_result)
    watcher.start()
    try:
        first = registry.current("hello").version
        refused = run("deploy", write(project / "drafts" / "hello.flow", GHOSTS), "--to", "live")
        assert refused.exit_code == 1
        draft = write(project / "drafts" / "hello.flow", hello("Version two."))
        assert run("deploy", draft, "--to", "live").exit_code == 0
        with changed:
            changed.wait_for(lambda: seen, timeout=10)
        assert [r.result for r in seen] == ["deployed"]  # the refused draft never reached it
        assert registry.current("hello").version == version_of(draft) != first
    finally:
        watcher.stop()
