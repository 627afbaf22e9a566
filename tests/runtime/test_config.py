"""Runtime settings: `[tool.sce.runtime]`, then the environment, then flags."""

from __future__ import annotations

from pathlib import Path

import pytest

from runtime.config import load_config
from sce.errors import ConfigError
from sce.lint import load_settings

PYPROJECT = """
[tool.sce]
max-menu-choices = 4

[tool.sce.runtime]
store = "redis://127.0.0.1:6379/0"
http-allow = ["*.Bank.example", "127.0.0.1:8080"]
max-steps-per-call = 500
"""


def test_settings_come_from_the_file_then_the_environment_then_flags(tmp_path: Path) -> None:
    (tmp_path / "pyproject.toml").write_text(PYPROJECT, encoding="utf-8")
    config = load_config(tmp_path, environ={})
    assert config.store == "redis://127.0.0.1:6379/0"
    assert config.http_allow == ("*.bank.example", "127.0.0.1:8080")
    assert config.limits.max_steps_per_call == 500
    assert load_config(tmp_path, environ={}, idle_ttl=0.5).idle_ttl == 0.5  # not rounded to 0
    assert config.origin == str(tmp_path / "pyproject.toml")
    env = {"SCE_STORE": "memory://", "SCE_HTTP_ALLOW": "api.example,b.example"}
    assert load_config(tmp_path, environ=env).http_allow == ("api.example", "b.example")
    assert load_config(tmp_path, environ=env, store="redis://other/1", flows=None).store == (
        "redis://other/1"
    )


def test_the_lint_settings_leave_the_runtime_table_alone(tmp_path: Path) -> None:
    (tmp_path / "pyproject.toml").write_text(PYPROJECT, encoding="utf-8")
    assert load_settings(tmp_path).max_menu_choices == 4


@pytest.mark.parametrize(
    ("table", "message"),
    [
        ("stor = 'memory://'", "unknown runtime setting 'stor'"),
        ("http-allow = 'bank.example'", "'http-allow' must be a list"),
        ("max-steps-per-call = 0", "'max-steps-per-call' must be a positive number"),
        ("idle-ttl = 'soon'", "'idle-ttl' must be a number"),
        ("idle-ttl = nan", "'idle-ttl' must be a positive number"),
        ("max-steps-per-event = inf", "'max-steps-per-event' must be a positive number"),
        ("max-steps-per-event = 0.5", "'max-steps-per-event' must be a whole number"),
    ],
)
def test_a_wrong_setting_is_named(tmp_path: Path, table: str, message: str) -> None:
    (tmp_path / "pyproject.toml").write_text(f"[tool.sce.runtime]\n{table}\n", encoding="utf-8")
    with pytest.raises(ConfigError, match=message):
        load_config(tmp_path, environ={})


def test_a_runtime_setting_where_its_table_belongs_is_named(tmp_path: Path) -> None:
    (tmp_path / "pyproject.toml").write_text("[tool.sce]\nruntime = 1\n", encoding="utf-8")
    with pytest.raises(ConfigError, match=r"\[tool.sce.runtime\] must be a table"):
        load_config(tmp_path, environ={})


def test_server_settings_switches_voices_and_secrets_from_the_environment(
    tmp_path: Path,
) -> None:
    table = "verify-signatures = false\ntrust-forwarded = true\nvoices = { en-US = 'alice' }\n"
    (tmp_path / "pyproject.toml").write_text(f"[tool.sce.runtime]\n{table}", encoding="utf-8")
    config = load_config(tmp_path, environ={"SCE_API_TOKEN": "t0k", "TWILIO_AUTH_TOKEN": "tw"})
    assert not config.verify_signatures and config.trust_forwarded
    assert config.voices["en-US"] == "alice"
    assert config.voices["zh-CN"] == "Polly.Zhiyu"  # a voice that speaks Chinese, kept
    assert (config.api_token, config.twilio_auth_token) == ("t0k", "tw")
    assert load_config(tmp_path, environ={"SCE_VERIFY_SIGNATURES": "yes"}).verify_signatures
    assert load_config(environ={}).verify_signatures, "signatures are checked by default"


@pytest.mark.parametrize(
    ("table", "message"),
    [
        ("verify-signatures = 'maybe'", "'verify-signatures' must be true or false"),
        ("voices = ['alice']", "'voices' must map languages to voice names"),
    ],
)
def test_a_wrong_server_setting_is_named(tmp_path: Path, table: str, message: str) -> None:
    (tmp_path / "pyproject.toml").write_text(f"[tool.sce.runtime]\n{table}\n", encoding="utf-8")
    with pytest.raises(ConfigError, match=message):
        load_config(tmp_path, environ={})
