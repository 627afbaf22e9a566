"""`sce compile` (the state machine the runtime runs, as JSON) and `sce graph` (a flow drawn in
DOT or Mermaid)."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from sce.cli.common import NonEmptyPath, emit, load_sound, output_option, print_diagnostics
from sce.errors import CompileError
from sce.report import ExitCode


@click.command(name="compile")
@click.argument("flow", type=NonEmptyPath(dir_okay=False, path_type=Path))
@output_option("Write the compiled flow to this file instead of stdout.")
def compile_command(flow: Path, output: Path | None) -> None:
    """Compile a flow to the runtime's state machine (JSON). Lint rules are not run."""
    from sce.compiler import analyse, compile_flow

    loaded = load_sound(flow)
    assert loaded.flow is not None
    try:
        compiled = compile_flow(loaded.flow, analyse(loaded.flow))
    except CompileError as e:
        print_diagnostics([loaded.source.locate(d) for d in e.diagnostics], {})
        click.echo(f"sce: {e.message}", err=True)
        sys.exit(ExitCode.FINDINGS)
    emit(compiled.to_json() + "\n", output)


@click.command()
@click.argument("flow", type=NonEmptyPath(dir_okay=False, path_type=Path))
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["dot", "mermaid"]),
    default="dot",
    show_default=True,
    help="Graphviz DOT or Mermaid.",
)
@output_option("Write to this file instead of stdout.")
def graph(flow: Path, fmt: str, output: Path | None) -> None:
    """Draw a flow as a graph: `sce graph f.flow | dot -Tsvg > f.svg`."""
    from sce.graph import to_dot, to_mermaid

    loaded = load_sound(flow)
    assert loaded.flow is not None
    emit(to_dot(loaded.flow) if fmt == "dot" else to_mermaid(loaded.flow), output)
