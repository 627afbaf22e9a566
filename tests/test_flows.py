"""The example flows in flows/: the six reference scenarios, one file each, in the form its
author chose (both forms are shown), canonical and lint-clean."""

from __future__ import annotations

from pathlib import Path

import pytest

from sce.build import build
from sce.canonical import render
from sce.lint import lint_paths, load_settings
from sce.loader import load_path

ROOT = Path(__file__).resolve().parent.parent
FLOWS = ROOT / "flows"
FILES = sorted([*FLOWS.glob("*.flow"), *FLOWS.glob("*.json")])
SCENARIOS = {"balance", "agent_queue", "retries", "complaint", "after_hours", "hotline"}


def test_the_six_scenarios_are_there_one_file_each_in_both_forms() -> None:
    assert sorted(p.stem for p in FILES) == sorted(SCENARIOS)
    assert {p.suffix for p in FILES} == {".flow", ".json"}


@pytest.mark.parametrize("path", FILES, ids=lambda p: p.name)
def test_every_example_is_in_canonical_form(path: Path) -> None:
    loaded = load_path(path)
    assert render(loaded, loaded.format) == path.read_text(encoding="utf-8"), (
        f"run: sce fmt {path.relative_to(ROOT)}"
    )


def test_the_examples_lint_clean_with_the_project_settings() -> None:
    result = lint_paths([FLOWS], load_settings(ROOT))
    assert len(result.files) == len(SCENARIOS)
    assert [f"{d.path}:{d.line}: {d.code} {d.message}" for d in result.diagnostics] == []


@pytest.mark.parametrize("path", FILES, ids=lambda p: p.name)
def test_every_example_compiles(path: Path) -> None:
    result = build(load_path(path), load_settings(ROOT))
    assert result.compiled is not None
    assert result.compiled.flow == path.stem
