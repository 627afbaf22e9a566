"""`sce fmt` (flow files in their canonical form, in place) and `sce convert` (a flow in the
other format): both print what `sce.canonical` renders."""

from __future__ import annotations

import difflib
import sys
from pathlib import Path

import click

from sce import canonical
from sce.cli.common import NonEmptyPath, emit, load_sound, output_option, report_load_errors
from sce.files import write_atomic
from sce.lint import load_settings
from sce.lint.runner import collect_files
from sce.loader import format_of, load_path
from sce.report import ExitCode


@click.command()
@click.argument("paths", nargs=-1, type=NonEmptyPath(path_type=Path))
@click.option("--check", is_flag=True, help="Write nothing; exit 1 if a file would change.")
@click.option("--diff", is_flag=True, help="Write nothing; print what would change as a diff.")
def fmt(paths: tuple[Path, ...], check: bool, diff: bool) -> None:
    """Rewrite flow files in their canonical form (comments in .flow files are kept).

    A file that does not load is left alone and its errors are printed (exit 1).
    """
    settings = load_settings(Path.cwd())
    files, errors = collect_files(paths or (Path("."),), settings)
    for error in errors:
        click.echo(f"sce: error: {error}", err=True)
    changed: list[Path] = []
    unchanged = 0
    broken = 0
    for f in files:
        loaded = load_path(f)
        if not loaded.ok:
            report_load_errors(loaded)
            broken += 1
            continue
        new = canonical.render(loaded, loaded.format)
        old_bytes = f.read_bytes()
        if new.encode("utf-8") == old_bytes:
            unchanged += 1
            continue
        changed.append(f)
        if diff:
            old = old_bytes.decode("utf-8-sig", errors="replace")
            click.echo(
                "".join(
                    difflib.unified_diff(
                        old.splitlines(keepends=True),
                        new.splitlines(keepends=True),
                        fromfile=f"{f}",
                        tofile=f"{f}",
                    )
                ),
                nl=False,
            )
        elif check:
            click.echo(f"Would reformat: {f}")
        else:
            write_atomic(f, new)

    verb = "would be reformatted" if check or diff else "reformatted"
    parts = [f"{_files(len(changed))} {verb}", f"{_files(unchanged)} already formatted"]
    if broken:
        parts.append(f"{_files(broken)} with errors left unchanged")
    click.echo(", ".join(parts), err=check or diff)

    if errors:
        sys.exit(ExitCode.ERROR)
    if broken or (changed and (check or diff)):
        sys.exit(ExitCode.FINDINGS)
    sys.exit(ExitCode.CLEAN)


def _files(n: int) -> str:
    return f"{n} file" if n == 1 else f"{n} files"


# -- convert ----------------------------------------------------------------------------------


@click.command()
@click.argument("file", type=NonEmptyPath(dir_okay=False, path_type=Path))
@click.option(
    "--to",
    "to",
    type=click.Choice(list(canonical.FORMATS)),
    help="The format to write: json or flow (default: the other one, or -o's suffix).",
)
@output_option("Write to this file instead of stdout.")
@click.option(
    "--replace",
    is_flag=True,
    help="Write the flow beside FILE in the other form and delete FILE (a flow lives in one file).",
)
def convert(file: Path, to: str | None, output: Path | None, replace: bool) -> None:
    """Print a flow in the other format: JSON to DSL or DSL to JSON.

    With --replace, the flow changes its form in place: `sce convert --replace flows/x.json`
    writes flows/x.flow and deletes flows/x.json, so that the flow still lives in one file.
    """
    if replace and output is not None:
        raise click.UsageError("--replace writes beside FILE: give it without -o")
    loaded = load_sound(file)
    if to is None:
        to = (format_of(output) if output else None) or (
            "json" if loaded.format == "flow" else "flow"
        )
    if not replace:
        emit(canonical.render(loaded, to), output)
        return
    if to == loaded.format:
        raise click.UsageError(f"{file} is {to} already")
    target = file.with_suffix(f".{to}")
    write_atomic(target, canonical.render(loaded, to))
    file.unlink()
    click.echo(f"{file} -> {target}")
