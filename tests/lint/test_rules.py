"""Every lint rule against its own cases in tests/rules/<CODE>.yaml (sqlfluff's way).

A case file:

    rule: SCE103
    cases:
      - name: a node nobody goes to
        flow: |            # DSL text; or `json: |` with a JSON flow
          flow f { start -> a }
          hangup a {}
          hangup orphan {}
        expect: ["/nodes/orphan"]     # pointers of this rule's findings, in any order
        settings: {max-menu-choices: 3}   # optional [tool.sce] settings
        project:           # optional: the other flows linted together with this one (DSL)
          - |
            flow identify { start -> done }
            hangup done { return = true }

A rule about files rather than one flow (SCE004) gives `files:` (name → text) instead of `flow:`:
they are written into a folder and linted as `sce lint FOLDER` does, and `expect` lists
`NAME#POINTER` of the findings.

Each rule needs at least one case where it fires and one where it does not.
"""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from sce.lint import RULES, lint_loaded
from sce.lint.config import settings_from
from sce.lint.runner import lint_paths
from sce.loader import load_text
from sce.report import diagnostic_line

CASES = Path(__file__).parent.parent / "rules"


def _cases() -> list[tuple[str, dict]]:
    out = []
    for f in sorted(CASES.glob("SCE*.yaml")):
        doc = yaml.safe_load(f.read_text(encoding="utf-8"))
        for case in doc["cases"]:
            out.append((doc["rule"], case))
    return out


def test_every_rule_has_failing_and_passing_cases() -> None:
    by_rule: dict[str, list[dict]] = {}
    for code, case in _cases():
        by_rule.setdefault(code, []).append(case)
    for code in RULES:
        cases = by_rule.get(code, [])
        assert any(c["expect"] for c in cases), f"{code} has no case where it fires"
        assert any(not c["expect"] for c in cases), f"{code} has no case where it passes"


@pytest.mark.parametrize(
    ("code", "case"), _cases(), ids=lambda v: v if isinstance(v, str) else v["name"]
)
def test_rule_case(code: str, case: dict, tmp_path: Path) -> None:
    if "files" in case:
        for name, text in case["files"].items():
            (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
            (tmp_path / name).write_text(text, encoding="utf-8")
        result = lint_paths([tmp_path], settings_from(case.get("settings", {})))
        got = sorted(
            f"{Path(str(d.path)).relative_to(tmp_path)}#{d.pointer}"
            for d in result.diagnostics
            if d.code == code
        )
        assert got == sorted(case["expect"]), [diagnostic_line(d) for d in result.diagnostics]
        return
    fmt, text = ("flow", case["flow"]) if "flow" in case else ("json", case["json"])
    loaded = load_text(text, f"case.{fmt}", fmt)
    settings = settings_from(case.get("settings", {}))
    project = None
    if "project" in case:
        others = [load_text(t, "other.flow", "flow").flow for t in case["project"]]
        project = {f.flow: f for f in [*others, loaded.flow] if f is not None}
    found = lint_loaded(loaded, settings, project)
    if code not in ("SCE001", "SCE002", "SCE003"):
        broken = [d for d in found if d.code in ("SCE001", "SCE002", "SCE003")]
        assert not broken, f"the case itself does not load: {broken}"
    got = sorted(d.pointer for d in found if d.code == code)
    assert got == sorted(case["expect"]), [
        f"{d.line}:{d.column} {d.code} {d.pointer} {d.message}" for d in found
    ]
