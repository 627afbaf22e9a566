"""`sce rules`: the lint rules as a table (or JSON), or one rule's documentation."""

from __future__ import annotations

import sys

import click

from sce.cli.common import emit, to_json
from sce.lint import RULES
from sce.lint.rule import Rule


@click.command()
@click.argument("code", required=False)
@click.option(
    "--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True
)
def rules(code: str | None, fmt: str) -> None:
    """List the lint rules, or explain one (by code or name)."""
    if code is None:
        selected = sorted(RULES.values(), key=lambda r: r.code)
        if fmt == "json":
            emit(to_json([r.to_json(doc=False) for r in selected]), None)
        else:
            _print_rule_table(selected)
        return
    rule = RULES.get(code.upper()) or next((r for r in RULES.values() if r.name == code), None)
    if rule is None:
        raise click.UsageError(f"no rule '{code}' (`sce rules` lists them)")
    if fmt == "json":
        emit(to_json(rule.to_json(doc=True)), None)
    else:
        click.echo(f"{rule.code} {rule.name} ({rule.severity.value})\n")
        click.echo(rule.doc)


def _print_rule_table(selected: list[Rule]) -> None:
    if sys.stdout.isatty():
        from rich.console import Console
        from rich.table import Table

        table = Table("Code", "Name", "Severity", "Summary", box=None, header_style="bold")
        for r in selected:
            colour = "red" if r.severity.value == "error" else "yellow"
            table.add_row(r.code, r.name, f"[{colour}]{r.severity.value}[/]", r.summary)
        Console().print(table)
        return
    rows = [(r.code, r.name, r.severity.value, r.summary) for r in selected]
    header = ("CODE", "NAME", "SEVERITY", "SUMMARY")
    widths = [max(len(row[i]) for row in [header, *rows]) for i in range(3)]
    for row in [header, *rows]:
        cells = [row[i].ljust(widths[i]) for i in range(3)]
        click.echo("  ".join([*cells, row[3]]).rstrip())
