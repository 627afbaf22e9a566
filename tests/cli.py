"""Running `sce` in-process as a user would from a shell, for the CLI tests."""

from __future__ import annotations

from pathlib import Path

from click.testing import CliRunner, Result

from sce.cli import cli


def _runner() -> CliRunner:
    try:
        return CliRunner(mix_stderr=False)  # type: ignore[call-arg]  # click < 8.2
    except TypeError:
        return CliRunner()


def run(*args: str | Path, input: str | None = None) -> Result:
    """`sce ARGS...` with `input` on stdin; a traceback in any output fails the test."""
    result = _runner().invoke(cli, [str(a) for a in args], input=input, catch_exceptions=False)
    assert "Traceback" not in result.output + result.stderr
    return result


def write(path: Path, text: str | bytes) -> Path:
    """Write a file (and its folder): text as UTF-8, bytes as they are."""
    path.parent.mkdir(parents=True, exist_ok=True)
    if isinstance(text, bytes):
        path.write_bytes(text)
    else:
        path.write_text(text, encoding="utf-8")
    return path
