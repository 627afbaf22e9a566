"""The README's examples, run: what a newcomer copies from it must work as shown.

Blocks are found by their fence's language, whatever the README says around them, so the README
can change freely and every new block is checked too:

- ```python: run from the project's folder (so `flows/` is the bundled flows); an expression
  with a trailing comment that is a Python value (`call.path  # ['main', ...]`) must give it;
- ```toml: `[tool.sce]` settings, read by the real loaders of the linter (`sce/lint/config.py`),
  of the runtime (`runtime/config.py`) and of the prompts (`sce/prompts/settings.py`), so an
  unknown setting or a wrong value fails;
- DSL, in a bare or ```flow fence (a block that starts with `flow`, `var` or a node type): a
  whole document (with its `flow` declaration) must load with no diagnostic, a part of one must
  parse;
- ```yaml: a call script must load, and pass against the bundled flows; HTTP stubs must load;
  anything else must be YAML;
- ```json: a flow must load with no diagnostic; anything else must be JSON.
"""

from __future__ import annotations

import ast
import io
import json
import re
import tokenize
from pathlib import Path

import pytest
import yaml

from runtime.config import load_config
from runtime.scripts import load_script, load_stubs, run_script
from runtime.simulator import Simulator
from sce.dsl import parse_dsl
from sce.lint import load_settings
from sce.loader import load_data, load_text
from sce.model import NODE_TYPES
from sce.prompts.settings import load_prompt_settings

ROOT = Path(__file__).resolve().parent.parent
README = ROOT / "README.md"
FLOWS = ROOT / "flows"
_FENCE = re.compile(r"^```(\w*)[^\n]*\n(.*?)^```\s*$", re.S | re.M)
_DSL_START = re.compile(rf"^(?:flow|var|{'|'.join(NODE_TYPES)})\s+\S", re.M)


def readme_blocks(*langs: str) -> list[pytest.ParameterSet]:
    """The README's fenced blocks of these languages, each with its line for the test's id."""
    text = README.read_text(encoding="utf-8")
    found = []
    for m in _FENCE.finditer(text):
        if m.group(1) in langs:
            line = text.count("\n", 0, m.start()) + 1
            found.append(pytest.param(m.group(2), id=f"README.md:{line}"))
    return found


def dsl_blocks() -> list[pytest.ParameterSet]:
    return [
        p
        for p in readme_blocks("", "flow")
        if _DSL_START.match(_without_comments(str(p.values[0])).lstrip())
    ]


def _without_comments(text: str) -> str:
    return "\n".join(line for line in text.splitlines() if not line.lstrip().startswith("#"))


def test_the_readme_has_examples_of_each_kind() -> None:
    assert readme_blocks("python") and readme_blocks("toml") and readme_blocks("yaml")
    assert dsl_blocks()


# -- python ------------------------------------------------------------------------------------


def _comments(source: str) -> dict[int, str]:
    tokens = tokenize.generate_tokens(io.StringIO(source).readline)
    return {t.start[0]: t.string[1:].strip() for t in tokens if t.type == tokenize.COMMENT}


@pytest.mark.parametrize("source", readme_blocks("python"))
def test_a_python_example_runs_and_gives_what_its_comments_say(
    source: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(ROOT)
    comments = _comments(source)
    namespace: dict[str, object] = {}
    for statement in ast.parse(source).body:
        if not isinstance(statement, ast.Expr):
            exec(compile(ast.Module([statement], []), "README.md", "exec"), namespace)
            continue
        value = eval(compile(ast.Expression(statement.value), "README.md", "eval"), namespace)
        comment = comments.get(statement.end_lineno or statement.lineno)
        try:
            expected = ast.literal_eval(comment) if comment else None
        except (ValueError, SyntaxError):  # a comment in words, not a value
            continue
        if comment:
            shown = ast.get_source_segment(source, statement)
            assert value == expected, f"{shown} gives {value!r}, the README says {expected!r}"


# -- toml --------------------------------------------------------------------------------------


@pytest.mark.parametrize("text", readme_blocks("toml"))
def test_a_settings_example_is_read_by_the_real_loaders(text: str, tmp_path: Path) -> None:
    import tomllib

    data = tomllib.loads(text)
    assert "sce" in data.get("tool", {}), "a settings example is a [tool.sce...] table"
    pyproject = tmp_path / "pyproject.toml"
    pyproject.write_text(text, encoding="utf-8")
    settings = load_settings(config=pyproject)  # ConfigError: an unknown or wrong setting
    assert settings.unknown_codes() == []
    load_config(start=tmp_path, environ={})  # likewise for [tool.sce.runtime]
    load_prompt_settings(tmp_path)  # and for [tool.sce.prompts]


# -- DSL ---------------------------------------------------------------------------------------


@pytest.mark.parametrize("text", dsl_blocks())
def test_a_dsl_example_parses_and_a_whole_one_loads(text: str) -> None:
    parsed = parse_dsl(text)
    assert parsed.diagnostics == []
    if re.search(r"^flow\s", text, re.M):
        loaded = load_text(text, "README.md", fmt="flow")
        shown = [f"{d.code} line {d.line}: {d.message}" for d in loaded.diagnostics]
        assert shown == []


# -- yaml and json -----------------------------------------------------------------------------


@pytest.mark.parametrize("text", readme_blocks("yaml"))
def test_a_yaml_example_loads_and_a_call_script_passes(text: str, tmp_path: Path) -> None:
    data = yaml.safe_load(text)
    if isinstance(data, dict) and ("steps" in data or "calls" in data):
        path = tmp_path / "readme.calls.yaml"
        path.write_text(text, encoding="utf-8")
        results = run_script(load_script(path), Simulator.from_paths([FLOWS]))
        assert [str(r.failure) for r in results if r.failure] == []
    elif isinstance(data, dict) and all(re.match(r"[A-Z]+ \S+", str(k)) for k in data):
        path = tmp_path / "stubs.yaml"
        path.write_text(text, encoding="utf-8")
        assert load_stubs(path)


def test_a_json_example_is_json_and_a_flow_loads() -> None:
    """A loop, not one test per block: the README may well have no JSON block at all."""
    for block in readme_blocks("json"):
        data = json.loads(str(block.values[0]))
        if isinstance(data, dict) and "nodes" in data:
            assert load_data(data).diagnostics == [], block.id
