"""tests/broken/ fires every lint rule: the catalogue of mistakes, run as a user would."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from sce.lint import RULES, lint_paths, load_settings
from sce.lint.config import settings_from

BROKEN = Path(__file__).parent / "broken"
ROOT = Path(__file__).resolve().parent.parent


#: Rules that fire only where `http-allow` is empty (the project's pyproject.toml lists hosts).
WITHOUT_HTTP_ALLOW = {"SCE514"}


def test_every_rule_fires_on_the_broken_example() -> None:
    """Linted with the project's settings, as `sce lint` in the checkout does, and with an
    empty http-allow, as a server with none checks its deploys."""
    fired = {d.code for d in lint_paths([BROKEN], load_settings(ROOT)).diagnostics}
    assert sorted(set(RULES) - fired - WITHOUT_HTTP_ALLOW) == []
    no_hosts = settings_from({"runtime": {"http-allow": []}})
    bare = {d.code for d in lint_paths([BROKEN], no_hosts).diagnostics}
    assert bare >= WITHOUT_HTTP_ALLOW


def test_sce_lint_on_the_broken_example_exits_1_listing_each_rule() -> None:
    sce = Path(sys.executable).with_name("sce")
    out = subprocess.run(
        [str(sce), "lint", str(BROKEN)], capture_output=True, text=True, timeout=60
    )
    assert out.returncode == 1, out.stderr
    for code in set(RULES) - WITHOUT_HTTP_ALLOW:
        assert f": {code} " in out.stdout, code


def test_a_schema_error_hides_nothing_else_of_its_file() -> None:
    result = lint_paths([BROKEN / "schema_error.json"])
    assert [(d.line, d.code) for d in result.diagnostics] == [
        (7, "SCE203"),
        (12, "SCE002"),
        (14, "SCE003"),
    ]
