"""`sce deploy FLOW... --to DIR`: check flows here and hand the good ones to a running runtime
through the folder it watches.

Each flow is linted and compiled first, like any deploy (`runtime.watch.deploy_to_folder`); a
flow with errors is refused with them printed like `sce lint` prints them, and nothing of it is
written, so the runtime never even sees it. A good flow is written into DIR atomically, under its
own file name; the runtime's folder watcher deploys it from there, and calls in progress finish
on the version they started on. Deploying over HTTP to a runtime server comes with the server.
"""

from __future__ import annotations

import sys
from pathlib import Path

import click

from sce.cli.common import (
    CliError,
    NonEmptyPath,
    output_option,
    print_diagnostics,
    require_flow_file,
    to_json,
)
from sce.diagnostics import Severity
from sce.files import write_atomic
from sce.lint import load_settings
from sce.report import ExitCode


@click.command(short_help="Check flows and put the good ones where a runtime watches.")
@click.argument(
    "flows", nargs=-1, required=True, metavar="FLOW...", type=NonEmptyPath(path_type=Path)
)
@click.option(
    "--to",
    "folder",
    required=True,
    metavar="DIR",
    type=NonEmptyPath(path_type=Path),
    help="The folder a runtime watches for flows; it must exist.",
)
@click.option(
    "--who",
    metavar="NAME",
    default="sce deploy",
    show_default=True,
    help="Who deploys, as the results record it.",
)
@output_option("Write the results (flow, version, errors) as JSON to this file.")
def deploy(flows: tuple[Path, ...], folder: Path, who: str, output: Path | None) -> None:
    """Check flows and put the good ones into DIR, where a runtime watches for them.

    Each FLOW is linted and compiled here, like any deploy. A good one is written into DIR
    atomically, under its own file name, and the runtime's folder watcher deploys it; a refused
    one prints its errors like `sce lint` and writes nothing.

    Exit status: 0 every flow deployed, 1 a flow was refused, 2 a usage or file error.
    """
    from runtime.watch import deploy_to_folder

    if not folder.is_dir():
        what = "not a folder" if folder.exists() else "no such folder"
        raise CliError(f"{folder}: {what} (give the folder a runtime watches for flows)")
    targets: dict[str, Path] = {}
    for path in flows:
        require_flow_file(path)
        other = targets.setdefault(path.name, path)
        if other != path:
            raise CliError(f"{other} and {path} would both be written to {folder / path.name}")

    settings = load_settings(Path.cwd())
    records = []
    refused = 0
    for path in flows:
        result = deploy_to_folder(path, folder, settings=settings, who=who)
        records.append({"file": str(path), **result.to_data()})
        if result.ok:
            click.echo(f"deployed {result.flow} {str(result.version)[:12]} -> {result.source}")
            continue
        refused += 1
        print_diagnostics(result.diagnostics)
        errors = sum(d.severity is Severity.ERROR for d in result.diagnostics)
        click.echo(f"refused {path}: {errors} error{'s' * (errors != 1)}, nothing written")
    if output is not None:
        write_atomic(output, to_json(records))
    sys.exit(ExitCode.FINDINGS if refused else ExitCode.CLEAN)
