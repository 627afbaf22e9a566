"""docs/tutorial.md, done the way a newcomer does it: every block of it, in order, in an empty
folder, so the tutorial cannot rot.

A ```flow, ```yaml or ```json block whose first line is a comment naming a path (`# flows/x.flow`)
is a file to save there. A ```console block is commands (`$ sce ...`) with the output they print;
lines of the output that start with `> ` are what the reader types. An output line `...` stands
for any lines, and `...` inside a line for any text (a version hash, today's date). A block of
any other kind fails the test: it would be a block nothing checks.
"""

from __future__ import annotations

import re
import shlex
from pathlib import Path

import pytest

from runtime.scripts import load_script, run_script
from runtime.simulator import Simulator
from sce.lint import Settings, lint_paths
from sce.loader import load_path
from tests.cli import run, write

ROOT = Path(__file__).resolve().parent.parent
TUTORIAL = ROOT / "docs" / "tutorial.md"
_BLOCK = re.compile(r"^```(\w*)\n(.*?)^```$", re.S | re.M)


def tutorial_blocks() -> list[tuple[str, str]]:
    return _BLOCK.findall(TUTORIAL.read_text(encoding="utf-8"))


def path_of(text: str) -> str | None:
    """The path a file block names in its first line: `# flows/shop.flow: what it is`."""
    found = re.match(r"# ([\w./-]+\.(?:flow|json|yaml))\b", text)
    return found.group(1) if found else None


def commands(text: str) -> list[tuple[str, list[str]]]:
    """(command, expected output lines) of a console block."""
    found: list[tuple[str, list[str]]] = []
    for line in text.splitlines():
        if line.startswith("$ "):
            found.append((line[2:], []))
        else:
            assert found, f"a console block must start with '$ ': {line!r}"
            found[-1][1].append(line)
    return found


def matches(expected: list[str], actual: str) -> bool:
    """Whether output is as shown, with `...` for any lines (alone) or any text (in a line)."""
    pattern = "".join(
        r"(?:.*\n)*?" if line == "..." else re.escape(line).replace(r"\.\.\.", ".*") + "\n"
        for line in expected
    )
    return re.fullmatch(pattern, actual) is not None


def test_the_tutorial_runs_as_written(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    blocks = tutorial_blocks()
    assert [lang for lang, _ in blocks].count("console") >= 3
    for lang, text in blocks:
        if lang in ("flow", "yaml", "json") and path_of(text):
            write(tmp_path / str(path_of(text)), text)
            continue
        assert lang == "console", f"the tutorial has a ```{lang} block that nothing runs:\n{text}"
        for command, expected in commands(text):
            args = shlex.split(command)
            assert args[0] == "sce", f"only sce commands are run: {command}"
            typed = [line[2:] for line in expected if line.startswith("> ")]
            result = run(*args[1:], input="\n".join(typed) + "\n" if typed else None)
            output = result.stdout + result.stderr
            assert result.exit_code == 0, f"$ {command}\n{output}"
            assert matches(expected, output), (
                f"$ {command} printed what the tutorial does not show:\n{output}"
            )


def test_the_tutorial_builds_a_menu_a_queue_transfer_and_a_passing_script(
    tmp_path: Path,
) -> None:
    """What the tutorial promises, checked without the command line: the flow it writes lints
    clean with the real linter, has a menu and a transfer to an agent queue, and its call
    script passes in the real simulator."""
    files = {path_of(t): t for lang, t in tutorial_blocks() if lang != "console" and path_of(t)}
    assert set(files) == {"flows/shop.flow", "flows/shop.calls.yaml"}
    for path, text in files.items():
        write(tmp_path / str(path), text)
    flows = tmp_path / "flows"
    assert lint_paths([flows], Settings()).diagnostics == []
    loaded = load_path(flows / "shop.flow")
    assert loaded.flow is not None
    types = {node.type for node in loaded.flow.nodes.values()}
    assert {"menu", "transfer"} <= types
    assert any(getattr(node, "queue", None) for node in loaded.flow.nodes.values())
    script = load_script(flows / "shop.calls.yaml")
    results = run_script(script, Simulator.from_paths([flows]))
    assert len(results) == 4
    assert [r.failure for r in results] == [None] * 4


def test_the_script_catches_the_change_the_tutorial_says_it_catches(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """'send `exhausted` to `goodbye`' and `sce call --script` exits 1, naming the line."""
    monkeypatch.chdir(tmp_path)
    for lang, text in tutorial_blocks():
        if lang != "console" and path_of(text):
            write(tmp_path / str(path_of(text)), text)
    flow = tmp_path / "flows" / "shop.flow"
    changed = flow.read_text(encoding="utf-8").replace(
        "exhausted -> mechanic", "exhausted -> goodbye"
    )
    assert changed != flow.read_text(encoding="utf-8")
    flow.write_text(changed, encoding="utf-8")
    result = run("call", "--script", "flows/")
    assert result.exit_code == 1
    assert "FAIL flows/shop.calls.yaml:" in result.stdout + result.stderr
