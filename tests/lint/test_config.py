"""[tool.sce] settings: rule selection, per-file ignores, thresholds, and bad settings."""

from __future__ import annotations

from pathlib import Path

import pytest

from sce.errors import ConfigError
from sce.lint import lint_paths, load_settings
from sce.lint.config import Settings, settings_from

NO_TIMEOUT = """\
flow f { languages = [en-US], start -> m }
menu m {
  prompt { text { en-US = "Press 0." } }
  choices = [{ key = "0", next -> agent }]
  exhausted -> agent
}
transfer agent { queue = q, failure -> bye }
hangup bye {}
"""


def project(tmp_path: Path, toml: str) -> Path:
    (tmp_path / "pyproject.toml").write_text(toml, encoding="utf-8")
    (tmp_path / "flows" / "legacy").mkdir(parents=True, exist_ok=True)
    (tmp_path / "flows" / "m.flow").write_text(NO_TIMEOUT, encoding="utf-8")
    (tmp_path / "flows" / "legacy" / "m.flow").write_text(NO_TIMEOUT, encoding="utf-8")
    return tmp_path


def codes(result) -> list[tuple[str, str]]:
    return sorted((Path(d.path).parent.name, d.code) for d in result.diagnostics)


def test_defaults_select_every_rule() -> None:
    assert Settings().enabled("SCE301")
    assert Settings().max_menu_choices == 5


def test_settings_come_from_the_nearest_pyproject(tmp_path: Path) -> None:
    root = project(tmp_path, "[tool.sce]\nmax-menu-depth = 2\n")
    settings = load_settings(root / "flows" / "legacy")
    assert settings.max_menu_depth == 2
    assert settings.origin == str(root / "pyproject.toml")


def test_ignore_by_code_prefix_or_name(tmp_path: Path) -> None:
    for ignore in ('"SCE301"', '"SCE3"', '"input-without-timeout"'):
        root = project(tmp_path, f"[tool.sce]\nignore = [{ignore}]\n")
        result = lint_paths([root / "flows"], load_settings(root))
        assert ("flows", "SCE301") not in codes(result), ignore


def test_select_only_some_rules(tmp_path: Path) -> None:
    root = project(tmp_path, '[tool.sce]\nselect = ["SCE1"]\n')
    result = lint_paths([root / "flows"], load_settings(root))
    assert all(code.startswith("SCE1") for _, code in codes(result))


def test_per_file_ignores_apply_to_matching_paths_only(tmp_path: Path) -> None:
    root = project(tmp_path, '[tool.sce]\nper-file-ignores = { "flows/legacy/*" = ["SCE301"] }\n')
    result = lint_paths([root / "flows"], load_settings(root))
    assert ("flows", "SCE301") in codes(result)
    assert ("legacy", "SCE301") not in codes(result)


def test_exclude_skips_files_in_folders(tmp_path: Path) -> None:
    root = project(tmp_path, '[tool.sce]\nexclude = ["flows/legacy/*"]\n')
    result = lint_paths([root / "flows"], load_settings(root))
    assert [Path(f).parent.name for f in result.files] == ["flows"]


@pytest.mark.parametrize(
    ("table", "message"),
    [
        ({"max-menu-choise": 3}, "unknown setting 'max-menu-choise'"),
        ({"max-menu-choices": "five"}, "'max-menu-choices' must be a positive whole number"),
        ({"max-menu-choices": -1}, "'max-menu-choices' must be a positive whole number"),
        ({"max-menu-choices": 2.5}, "'max-menu-choices' must be a positive whole number"),
        ({"max-prompt-seconds": 0}, "'max-prompt-seconds' must be a positive number"),
        ({"max-prompt-seconds": float("nan")}, "'max-prompt-seconds' must be a positive number"),
        ({"ignore": "SCE101"}, "'ignore' must be a list of strings"),
        ({"speech-rate": 5}, "'speech-rate' must be a table of language = characters"),
        ({"speech-rate": {"en": "fast"}}, "'speech-rate' for 'en' must be a positive number"),
        ({"speech-rate": {"en": -1}}, "'speech-rate' for 'en' must be a positive number"),
        ({"speech-rate": {"en": True}}, "'speech-rate' for 'en' must be a positive number"),
        ({"per-file-ignores": ["x"]}, "'per-file-ignores' must be a table of file pattern"),
        ({"per-file-ignores": {"x": 5}}, "'per-file-ignores' for \"x\" must be a list of rule"),
        ({"per-file-ignores": {"x": [5]}}, "'per-file-ignores' for \"x\" must be a list of rule"),
    ],
)
def test_bad_settings_say_what_is_wrong(table: dict, message: str) -> None:
    with pytest.raises(ConfigError, match=message):
        settings_from(table, origin="pyproject.toml")


@pytest.mark.parametrize(
    ("toml", "message"),
    [
        ("tool = 5\n", "'tool' must be a table"),
        ("[tool]\nsce = 5\n", r"\[tool.sce\] must be a table of settings"),
        ("[tool]\nsce = [1, 2]\n", r"\[tool.sce\] must be a table of settings"),
        ('[tool.sce]\nspeech-rate = { en = "fast" }\n', "'speech-rate' for 'en' must be"),
    ],
)
def test_settings_of_the_wrong_shape_are_config_errors(
    tmp_path: Path, toml: str, message: str
) -> None:
    (tmp_path / "pyproject.toml").write_text(toml, encoding="utf-8")
    with pytest.raises(ConfigError, match=message) as raised:
        load_settings(tmp_path)
    assert raised.value.message.startswith(str(tmp_path / "pyproject.toml") + ": ")


def test_other_tools_settings_are_ignored(tmp_path: Path) -> None:
    (tmp_path / "pyproject.toml").write_text("[tool.ruff]\nline-length = 5\n", encoding="utf-8")
    assert load_settings(tmp_path).max_menu_choices == 5


def test_broken_toml_is_a_config_error(tmp_path: Path) -> None:
    (tmp_path / "pyproject.toml").write_text("[tool.sce\n", encoding="utf-8")
    with pytest.raises(ConfigError, match="pyproject.toml"):
        load_settings(tmp_path)


def test_unknown_codes_are_found() -> None:
    assert settings_from({"ignore": ["SCE999", "menu-trap"]}).unknown_codes() == ["SCE999"]


def test_speech_rates_extend_the_defaults() -> None:
    settings = settings_from({"speech-rate": {"en": 10}})
    assert settings.speech_seconds("x" * 100, "en-US") == 10
    assert settings.speech_seconds("字" * 45, "zh-CN") == 10
    assert settings_from({"speech-rate": {"en": 7.5}}).speech_seconds("x" * 15, "en-GB") == 2
