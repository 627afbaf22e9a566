"""The example flows in flows/: the six reference scenarios, in JSON and DSL, lint-clean."""

from __future__ import annotations

from pathlib import Path

import pytest

from sce.build import build
from sce.canonical import render
from sce.lint import lint_paths, load_settings
from sce.loader import load_path

ROOT = Path(__file__).resolve().parent.parent
FLOWS = ROOT / "flows"
DSL = sorted(FLOWS.glob("*.flow"))
SCENARIOS = {"balance", "agent_queue", "retries", "complaint", "after_hours", "hotline"}


def test_the_six_scenarios_are_there_in_both_forms() -> None:
    assert {p.stem for p in DSL} == SCENARIOS
    assert {p.stem for p in FLOWS.glob("*.json")} == SCENARIOS


@pytest.mark.parametrize("dsl", DSL, ids=lambda p: p.stem)
def test_the_dsl_twin_says_what_the_json_says(dsl: Path) -> None:
    from_dsl = load_path(dsl)
    from_json = load_path(dsl.with_suffix(".json"))
    assert from_dsl.flow is not None and from_json.flow is not None
    assert from_dsl.flow == from_json.flow, f"{dsl.name} drifted from its JSON twin"


@pytest.mark.parametrize("path", DSL + [p.with_suffix(".json") for p in DSL], ids=str)
def test_every_example_is_in_canonical_form(path: Path) -> None:
    loaded = load_path(path)
    assert render(loaded, loaded.format) == path.read_text(encoding="utf-8"), (
        f"run: sce fmt {path.relative_to(ROOT)}"
    )


def test_the_examples_lint_clean_with_the_project_settings() -> None:
    result = lint_paths([FLOWS], load_settings(ROOT))
    assert len(result.files) == 12
    assert [f"{d.path}:{d.line}: {d.code} {d.message}" for d in result.diagnostics] == []


@pytest.mark.parametrize("dsl", DSL, ids=lambda p: p.stem)
def test_every_example_compiles(dsl: Path) -> None:
    result = build(load_path(dsl), load_settings(ROOT))
    assert result.compiled is not None
    assert result.compiled.flow == dsl.stem
