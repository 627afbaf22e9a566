"""`sce import twilio-studio`: Twilio Studio exports as flows of ours, with a report of each.

Each FILE (a Studio flow definition, or the REST resource that wraps one) becomes DIR/ID.json
(or .flow): nothing is written for an export that is malformed or has no call side, and no
existing file is replaced without --force. The report of every flow goes to stdout.
"""

from __future__ import annotations

import sys
from pathlib import Path

import click

from sce.cli.common import CliError, NonEmptyPath, print_diagnostics, to_json
from sce.errors import StudioImportError
from sce.files import write_atomic
from sce.lint import load_settings
from sce.report import ExitCode
from sce.studio.files import Result, flow_id_for, import_text


@click.group("import")
def import_group() -> None:
    """Bring flows over from other products."""


@import_group.command("twilio-studio")
@click.argument("files", nargs=-1, required=True, type=NonEmptyPath(dir_okay=False, path_type=Path))
@click.option(
    "-o",
    "--output",
    "out",
    type=click.Path(file_okay=False, path_type=Path),
    default=Path("."),
    show_default=True,
    help="The folder to write the flows to.",
)
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["json", "flow"]),
    default="json",
    show_default=True,
    help="The flows' format; with json the report is JSON too.",
)
@click.option(
    "--report",
    "report",
    type=click.Choice(["text", "json"]),
    help="The report's format (default: json with --format json, else text).",
)
@click.option("--force", is_flag=True, help="Replace flow files that exist.")
def twilio_studio(
    files: tuple[Path, ...], out: Path, fmt: str, report: str | None, force: bool
) -> None:
    """Import Twilio Studio flows (exported JSON) as flows of this project.

    Every widget on a call's path comes over; what has no equivalent is kept as a marked step
    and reported with the widget's name. Exit 0 when every flow came over clean, 1 when a flow
    was refused or came over with warnings or lint errors, 2 on a usage error.
    """
    settings = load_settings(out if out.exists() else Path.cwd())
    as_json = (report or ("json" if fmt == "json" else "text")) == "json"
    results: list[Result] = []
    refused: list[dict[str, str]] = []
    for file in files:
        try:
            text = file.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as e:
            raise CliError(f"{file}: cannot read it: {e}") from None
        flow_id = flow_id_for(file.name)
        target = out / f"{flow_id}.{fmt}"
        try:
            result = import_text(
                text, source=file.name, flow_id=flow_id, settings=settings, path=str(target)
            )
        except StudioImportError as e:
            refused.append({"source": file.name, "error": e.message})
            click.echo(e.message, err=True)
            continue
        if target.exists() and not force:
            raise CliError(f"{target} exists: give --force to replace it, or -o another folder")
        out.mkdir(parents=True, exist_ok=True)
        write_atomic(target, result.text(fmt))
        results.append(result)
        if not as_json:
            click.echo(result.imported.report.to_text() + f"\n  written: {target}")
            if result.diagnostics:
                print_diagnostics(result.diagnostics)
    if as_json:
        click.echo(
            to_json(
                {
                    "flows": [
                        {
                            **r.imported.report.to_data(),
                            "written": str(out / f"{r.flow_id}.{fmt}"),
                            "lint": [
                                {
                                    "code": d.code,
                                    "severity": d.severity.value,
                                    "message": d.message,
                                    "pointer": d.pointer,
                                }
                                for d in r.diagnostics
                            ],
                        }
                        for r in results
                    ],
                    "refused": refused,
                }
            )
        )
    worse = refused or any(r.errors or not r.imported.report.clean for r in results)
    sys.exit(ExitCode.FINDINGS if worse else ExitCode.CLEAN)
