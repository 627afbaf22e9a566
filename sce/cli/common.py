"""What the commands of `sce` share: the error that ends a command with exit 2, the group that
turns every expected error into one, path and `-o` options, and the way flows are loaded and
their problems printed (always like `sce lint` prints them)."""

from __future__ import annotations

import contextlib
import http.client
import os
import sys
import urllib.error
import urllib.request
from collections.abc import Callable, Iterable, Iterator, Mapping
from pathlib import Path
from typing import Any, TypeVar

import click

from sce.diagnostics import Diagnostic
from sce.errors import SceError
from sce.files import kind_of, write_atomic
from sce.loader import LoadedFlow, load_path
from sce.report import ExitCode, OutputFormat, render
from sce.source import Source


class CliError(click.ClickException):
    """A problem with the settings, the files or the system: message on stderr, exit 2."""

    exit_code = ExitCode.ERROR

    def show(self, file: object = None) -> None:
        click.echo(f"sce: error: {self.format_message()}", err=True)


class SceGroup(click.Group):
    """Turns every SceError, OSError and UnicodeError of a command into a CliError."""

    def invoke(self, ctx: click.Context) -> object:
        try:
            return super().invoke(ctx)
        except BrokenPipeError:
            raise  # click ends quietly when the reader of stdout goes away
        except SceError as e:
            raise CliError(e.message) from None
        except UnicodeError as e:
            raise CliError(f"cannot encode or decode text: {e}") from None
        except OSError as e:
            where = f"{e.filename}: " if e.filename else ""
            raise CliError(f"{where}{e.strerror or e}") from None


class NonEmptyPath(click.Path):
    """A path argument or option; an empty one is a usage error (`Path("")` would mean ".")."""

    def convert(
        self,
        value: str | os.PathLike[str],
        param: click.Parameter | None,
        ctx: click.Context | None,
    ) -> str | bytes | os.PathLike[str]:
        if isinstance(value, str) and value == "":
            self.fail("an empty path names no file or folder", param, ctx)
        return super().convert(value, param, ctx)


F = TypeVar("F", bound=Callable[..., Any])


def output_option(help_text: str) -> Callable[[F], F]:
    """`-o/--output FILE`, which every command that prints something offers."""
    return click.option(
        "-o", "--output", type=NonEmptyPath(dir_okay=False, path_type=Path), help=help_text
    )


def http_stubs_option(help_text: str) -> Callable[[F], F]:
    """`--http FILE`: canned replies for the flows' HTTP fetches (`sce call`, `sce serve`)."""
    return click.option(
        "--http", "http_file", type=NonEmptyPath(dir_okay=False, path_type=Path), help=help_text
    )


def emit(text: str, output: Path | None) -> None:
    """Print text, or write it atomically to `output`."""
    if output is None:
        click.echo(text, nl=False)
    else:
        write_atomic(output, text)


def print_diagnostics(
    diagnostics: Iterable[Diagnostic], sources: Mapping[str, Source] | None = None
) -> None:
    """Findings on stderr, sorted, as `sce lint` prints them (syntax errors with their line)."""
    found = sorted(diagnostics, key=lambda d: d.sort_key)
    shown = sources if sources is not None else sources_for(found)
    click.echo(render(found, OutputFormat.TEXT, sources=shown, summary=False), err=True, nl=False)


def report_load_errors(loaded: LoadedFlow) -> None:
    """A flow's load diagnostics on stderr, like `sce lint` prints them."""
    print_diagnostics(loaded.diagnostics, {loaded.path or "": loaded.source})


def require_flow_file(path: Path) -> None:
    """A usage error (exit 2) unless `path` is a regular file: a folder, a named pipe (whose
    reader would block forever) or a missing file is never read as a flow."""
    if not path.is_file():
        if path.is_dir():
            raise CliError(f"{path}: a folder, not a flow file")
        kind = kind_of(path)
        if kind is not None:
            raise CliError(f"{path}: {kind}, not a flow file (only regular files are read)")
        raise CliError(f"{path}: no such file")


def load_sound(path: Path) -> LoadedFlow:
    """Load one flow; on load errors print them and exit 1."""
    require_flow_file(path)
    loaded = load_path(path)
    if not loaded.ok:
        report_load_errors(loaded)
        sys.exit(ExitCode.FINDINGS)
    return loaded


def sources_for(diagnostics: Iterable[Diagnostic]) -> dict[str, Source]:
    """The text of the files whose findings show a source line (syntax errors)."""
    sources: dict[str, Source] = {}
    for d in diagnostics:
        if d.code == "SCE001" and d.path and d.path not in sources:
            try:
                text = Path(d.path).read_bytes().decode("utf-8-sig", errors="replace")
            except OSError:
                continue
            sources[d.path] = Source(d.path, text)
    return sources


def exchange(
    request: urllib.request.Request, where: str, timeout: float, hint: str = ""
) -> tuple[int, bytes]:
    """Send an HTTP request to a server (`sce deploy --server`, `sce webhook`): its status and
    body, an error status included; a CliError that says what failed when there is no answer
    (`hint` is added to it, such as how to start the server)."""
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            return response.status, response.read()
    except urllib.error.HTTPError as e:
        return e.code, e.read()
    except urllib.error.URLError as e:
        reason = e.reason.strerror if isinstance(e.reason, OSError) else None
        raise CliError(f"cannot reach {where}: {reason or e.reason}{hint}") from None
    except (OSError, ValueError, http.client.HTTPException) as e:
        raise CliError(f"cannot reach {where}: {e}{hint}") from None


def to_json(data: object) -> str:
    """Data as the JSON that `-o` files and `--format json` hold: indented, UTF-8 as is."""
    import json

    return json.dumps(data, indent=2, ensure_ascii=False) + "\n"


def wants_progress(total: int, least: int) -> bool:
    return total >= least and sys.stderr.isatty()


@contextlib.contextmanager
def progress_bar(label: str, total: int, *, least: int = 2) -> Iterator[Callable[[str], None]]:
    """A step function (`step(what)` after each of `total` things) that moves a rich progress
    bar on stderr, when it is a terminal and there are at least `least` things; a function that
    does nothing otherwise (a pipe or a log gets no bar)."""
    if not wants_progress(total, least):
        yield lambda _: None
        return
    from rich.console import Console
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn

    with Progress(
        TextColumn(label),
        BarColumn(),
        MofNCompleteColumn(),
        TextColumn("{task.description}"),
        console=Console(stderr=True),
        transient=True,
    ) as progress:
        task = progress.add_task("", total=total)

        def step(description: str) -> None:
            progress.update(task, advance=1, description=description)

        yield step
