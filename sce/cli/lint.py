"""`sce lint`: check flow files and folders of them, with a progress bar for many files on a
terminal."""

from __future__ import annotations

import sys
from collections.abc import Iterable
from pathlib import Path

import click

from sce.cli.common import NonEmptyPath, emit, output_option, progress_bar, sources_for
from sce.lint import LintResult, Settings, lint_paths, load_settings
from sce.lint.rule import by_name_or_code
from sce.lint.runner import collect_files
from sce.report import ExitCode, OutputFormat, render, render_statistics

#: More files than this, on a terminal, and `sce lint` shows a progress bar.
PROGRESS_THRESHOLD = 20


@click.command()
@click.argument("paths", nargs=-1, type=NonEmptyPath(path_type=Path))
@click.option(
    "--format",
    "fmt",
    type=click.Choice([f.value for f in OutputFormat]),
    default=OutputFormat.TEXT.value,
    show_default=True,
    help="How to print the findings.",
)
@output_option("Write the report to this file instead of stdout.")
@click.option(
    "--select",
    help="Comma-separated codes, prefixes or names to check (replaces the settings' select).",
)
@click.option(
    "--ignore",
    help="Comma-separated codes, prefixes or names to skip (added to the settings' ignore).",
)
@click.option("--exit-zero", is_flag=True, help="Exit 0 even when there are findings.")
@click.option(
    "--config",
    type=NonEmptyPath(dir_okay=False, path_type=Path),
    help="Read [tool.sce] from this file instead of the nearest pyproject.toml.",
)
@click.option("--statistics", is_flag=True, help="Print how many findings each code has.")
def lint(
    paths: tuple[Path, ...],
    fmt: str,
    output: Path | None,
    select: str | None,
    ignore: str | None,
    exit_zero: bool,
    config: Path | None,
    statistics: bool,
) -> None:
    """Check flow files (.json and .flow) and folders of them.

    Exit status: 0 no findings, 1 findings, 2 a usage, settings or file error.
    """
    settings = load_settings(Path.cwd(), config)
    _check_codes(settings.unknown_codes(), f"the settings ({settings.origin or '[tool.sce]'})")
    if select is not None:
        _check_codes(_codes(select), "--select")
        settings.select = _codes(select)
    if ignore is not None:
        _check_codes(_codes(ignore), "--ignore")
        settings.ignore = [*settings.ignore, *_codes(ignore)]
    if statistics and fmt not in (OutputFormat.TEXT.value, OutputFormat.JSON.value):
        raise click.UsageError("--statistics prints text or json, not " + fmt)

    files, errors = collect_files(paths or (Path("."),), settings)
    for error in errors:
        click.echo(f"sce: error: {error}", err=True)
    if not files:
        if errors:
            sys.exit(ExitCode.ERROR)
        click.echo("sce: warning: no flow files (.json, .flow) found", err=True)
    result = _lint_with_progress(files, settings)

    diagnostics = result.diagnostics
    if statistics:
        text = render_statistics(diagnostics, fmt)
    else:
        sources = sources_for(diagnostics) if fmt == OutputFormat.TEXT.value else None
        text = render(diagnostics, fmt, sources=sources, files_checked=len(result.files))
    emit(text, output)

    if errors or result.errors:
        for error in result.errors:
            click.echo(f"sce: error: {error}", err=True)
        sys.exit(ExitCode.ERROR)
    sys.exit(ExitCode.FINDINGS if diagnostics and not exit_zero else ExitCode.CLEAN)


def _lint_with_progress(files: list[Path], settings: Settings) -> LintResult:
    with progress_bar("Linting", len(files), least=PROGRESS_THRESHOLD + 1) as step:
        return lint_paths(files, settings, progress=lambda f: step(str(f)))


def _codes(value: str | None) -> list[str]:
    return [c.strip() for c in (value or "").split(",") if c.strip()]


def _check_codes(tokens: Iterable[str], where: str) -> None:
    unknown = [t for t in tokens if not by_name_or_code(t)]
    if unknown:
        raise click.UsageError(
            f"unknown rule code or name in {where}: {', '.join(unknown)} (`sce rules` lists them)"
        )
