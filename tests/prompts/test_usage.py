"""Which prompt ids the flows use, with their texts and where; and the bundled flows' own
catalog (prompts/ at the root), which covers every one of them."""

from __future__ import annotations

import hashlib
from pathlib import Path

from sce.build import build
from sce.lint import lint_loaded, lint_paths, load_settings
from sce.loader import load_path, load_text
from sce.prompts.catalog import load_catalog, same_text
from sce.prompts.settings import load_prompt_settings
from sce.prompts.usage import by_prompt, scan_flows, usages_of
from tests.cli import write

ROOT = Path(__file__).resolve().parents[2]

FLOW = """\
flow main { languages = [en-US, zh-CN, en-us], start -> main }
menu main {
  prompt { audio = "menu/main", text { en-US = "Press 1.", zh-CN = "请按1。" } }
  choices = [ { key = "1", next -> queue } ]
  no_match { audio = sorry, text { en-US = "Sorry." } }
  no_input { text { en-US = "Are you there?" } }
  exhausted -> queue
}
transfer queue {
  queue = "main"
  hold_music = "music"
  wait_announcement { audio = "https://cdn.example/wait.wav", text { en-US = "Please wait." } }
  failure -> bye
}
hangup bye { prompt { audio = bye, text { en-US = "Goodbye.", zh-CN = "再见。" } } }
"""


def test_the_prompts_a_flow_names_with_texts_and_where() -> None:
    loaded = load_text(FLOW, "main.flow", "flow")
    assert loaded.flow is not None, loaded.diagnostics
    usages = usages_of(loaded.flow, "main.flow", loaded.source)
    # A URL plays as it is and hold music has no script: neither is a catalog prompt.
    assert [(u.prompt, u.node, u.field, u.pointer, u.line) for u in usages] == [
        ("menu/main", "main", "prompt", "/nodes/main/prompt", 3),
        ("sorry", "main", "no_match", "/nodes/main/no_match", 5),
        ("bye", "bye", "prompt", "/nodes/bye/prompt", 15),
    ]
    sorry = usages[1]
    assert sorry.languages == ("en-US", "zh-CN")  # en-us again is SCE403's, not a language
    assert (sorry.text("en-US"), sorry.text("EN-us"), sorry.text("zh-CN")) == (
        "Sorry.",
        "Sorry.",
        "",
    )
    assert sorry.where == "main.flow:5"
    assert list(by_prompt(usages)) == ["bye", "menu/main", "sorry"]
    assert usages[0].to_json()["texts"] == {"en-US": "Press 1.", "zh-CN": "请按1。"}


def test_a_scan_of_folders_reports_flows_that_do_not_load_and_paths_that_are_none(
    tmp_path: Path,
) -> None:
    write(tmp_path / "flows" / "main.flow", FLOW)
    write(tmp_path / "flows" / "broken.flow", "flow broken {")
    scan = scan_flows([tmp_path / "flows", tmp_path / "nowhere"])
    assert [Path(f.path).name for f in scan.flows] == ["broken.flow", "main.flow"]
    assert [Path(f.path).name for f in scan.broken] == ["broken.flow"]
    assert scan.broken[0].diagnostics[0].code == "SCE001"
    assert len(scan.usages) == 3
    assert len(scan.errors) == 1 and "no such file or folder" in scan.errors[0]


# -- the bundled flows and their catalog ------------------------------------------------------


def test_the_bundled_flows_use_these_prompts() -> None:
    scan = scan_flows([ROOT / "flows"])
    assert not scan.broken
    assert sorted(scan.by_prompt()) == [
        "balance_menu",
        "closed",
        "goodbye",
        "hotline_welcome",
        "queue_main",
        "welcome",
    ]


def test_the_bundled_catalog_has_a_current_take_of_each_in_each_language() -> None:
    settings = load_prompt_settings(ROOT)
    assert settings.folder == ROOT / "prompts"
    catalog = load_catalog(settings.folder)
    for usage in scan_flows([ROOT / "flows"]).usages:
        for language in usage.languages:
            take = catalog.best(usage.prompt, language)
            assert take is not None, (usage.prompt, language)
            assert same_text(take.text, usage.text(language)), (usage.prompt, language)
            assert take.source == "synthesised" and take.engine == "espeak-ng"
            pcm = (settings.folder / take.file).read_bytes()
            assert hashlib.sha256(pcm).hexdigest() == take.sha256
            assert (settings.folder / take.mulaw).is_file()
    assert "欢迎致电示例银行。" in (settings.folder / "catalog.json").read_text(encoding="utf-8")


def test_the_bundled_flows_lint_clean_with_the_bundled_catalog() -> None:
    result = lint_paths([ROOT / "flows"], load_settings(ROOT))
    assert [d for d in result.diagnostics if d.code.startswith("SCE7")] == []
    assert result.diagnostics == []


def test_one_flow_linted_alone_reports_its_unreadable_catalog_on_the_catalog(
    tmp_path: Path,
) -> None:
    """What `sce compile` and a deploy lint: the catalog's problem comes with the flow's
    findings, on catalog.json, and stops the build (it is an error)."""
    write(tmp_path / "pyproject.toml", "")
    write(tmp_path / "prompts" / "catalog.json", '{"prompts": {"bye": 1}}')
    flow = write(tmp_path / "flows" / "main.flow", FLOW)
    found = lint_loaded(load_path(flow))
    [problem] = [d for d in found if d.code == "SCE700"]
    assert (problem.code, problem.path, problem.pointer) == (
        "SCE700",
        str(tmp_path / "prompts" / "catalog.json"),
        "/prompts/bye",
    )
    [silent] = [d for d in found if d.code == "SCE702"]
    assert "the prompt catalog cannot be read (SCE700)" in silent.message
    assert build(load_path(flow)).compiled is None
