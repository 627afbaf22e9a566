"""The `sce` command line: lint, fmt, convert, compile, graph, rules, call (the simulator),
deploy (into the folder a runtime watches, or through a server's API), serve (the runtime
server), webhook (one of a call's webhooks, signed as Twilio signs it, sent to a server),
users (the server's people and API tokens), prompts (the prompt catalog: status, synth,
import, export) and import (Twilio Studio flows).
One module per command or family of commands; what they share is in `sce.cli.common`.

Exit codes are `report.ExitCode`: 0 clean, 1 findings (or a flow that does not load), 2 a usage,
settings or I/O error. Whatever goes wrong, the user sees a message, never a traceback.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import NoReturn

import click

from sce.cli import (
    call,
    compile,
    deploy,
    fmt,
    lint,
    prompts,
    rules,
    serve,
    studio,
    users,
    webhook,
)
from sce.cli.common import SceGroup
from sce.report import ExitCode


@click.group(cls=SceGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="sce", prog_name="sce")
def cli() -> None:
    """Service creation environment: lint, format, convert, compile, draw, call and deploy IVR
    flows."""


for command in (
    lint.lint,
    fmt.fmt,
    fmt.convert,
    compile.compile_command,
    compile.graph,
    rules.rules,
    call.call,
    deploy.deploy,
    serve.serve,
    webhook.webhook,
    users.users,
    prompts.prompts,
    studio.import_group,
):
    cli.add_command(command)


def main(argv: Sequence[str] | None = None) -> NoReturn:
    """The `sce` console script."""
    cli.main(args=list(argv) if argv is not None else None, prog_name="sce")
    raise SystemExit(ExitCode.CLEAN)  # pragma: no cover  (click always exits)
