"""`sce call`: a flow called in the simulator, typed (see `sce.cli.console`) or from call
scripts (`runtime.scripts`). The runtime is imported only when the command runs."""

from __future__ import annotations

import sys
from datetime import datetime
from pathlib import Path
from typing import Any, NoReturn, cast

import click

from sce.cli.common import (
    CliError,
    NonEmptyPath,
    http_stubs_option,
    output_option,
    print_diagnostics,
    to_json,
)
from sce.cli.console import again, call_interactively, rich_console, watching
from sce.diagnostics import Diagnostic, Severity
from sce.files import write_atomic
from sce.lint import load_settings
from sce.report import ExitCode


@click.command()
@click.argument("flow", required=False)
@click.option(
    "--flows",
    "flows_dir",
    type=NonEmptyPath(file_okay=False, path_type=Path),
    help="The folder of flows to deploy (default: FLOW's folder, the scripts' folder, ./flows).",
)
@click.option("--caller", help="The caller's number (default +15550100100).")
@click.option("--called", help="The number the caller dialled (default +15550100000).")
@click.option(
    "--at",
    "at",
    metavar="DATETIME",
    help="The simulated clock when the call starts, e.g. 2026-11-23T10:00:00-05:00 (default now).",
)
@http_stubs_option('Canned HTTP replies, YAML or JSON: {"GET https://host/*": {json: {...}}}.')
@click.option(
    "--script",
    "scripts",
    multiple=True,
    type=NonEmptyPath(path_type=Path),
    help="Run this call script, or every *.calls.yaml in a folder, instead of asking (repeatable).",
)
@click.option(
    "--watch",
    is_flag=True,
    help="Deploy the flows folder's changes as they are saved, and call again after each call.",
)
@output_option("Write the call, or the scripts' results, as JSON to this file.")
def call(
    flow: str | None,
    flows_dir: Path | None,
    caller: str | None,
    called: str | None,
    at: str | None,
    http_file: Path | None,
    scripts: tuple[Path, ...],
    watch: bool,
    output: Path | None,
) -> None:
    """Call FLOW (a flow file, or a flow id) in the simulator, or run call scripts.

    Without --script, the call is interactive: it prints what the caller hears and what the flow
    waits for, and reads what the caller does from stdin, one line a turn (`help` lists them;
    end of input hangs up). The flows called are deployed from the folder with the subflows
    they reach (other files there that do not load only get a warning). With
    --watch, a saved change to a flow is deployed (or refused, with its errors) while you call,
    and the next call gets it: the one in progress stays on its version.

    Exit status: 0 the call ran and every script expectation held, 1 a flow was refused or an
    expectation failed, 2 a usage error or a malformed script.
    """
    from runtime import scripts as sc

    if flow is None and not scripts:
        raise click.UsageError("give a FLOW to call, or --script FILE")
    moment = _moment(at)
    flow_file = _flow_file(flow)
    loaded = _load_scripts(sc.script_files(scripts)) if scripts else []
    unnamed = [f"{s.path}:{c.line}" for s in loaded for c in s.calls if not (c.flow or flow)]
    if unnamed:
        raise CliError(f"{', '.join(unnamed)}: no flow to call: give `flow:` or FLOW")
    folder = flows_dir or (flow_file.parent if flow_file else _default_flows(loaded))
    stubs = sc.load_stubs(http_file) if http_file else []
    wanted = [flow] if flow is not None and flow_file is None else []
    wanted += [c.flow for s in loaded for c in s.calls if c.flow]
    sim, flow_id = _simulator(folder, wanted, flow_file, http=stubs, at=moment)
    flow_id = flow_id or flow
    if not loaded:
        assert flow_id is not None
        tz = moment.tzinfo if moment else None
        if not watch:
            call_interactively(sim, flow_id, caller, called, output, tz)
            return
        with watching(sim, folder):
            while True:
                call_interactively(sim, flow_id, caller, called, output, tz)
                if not again():
                    return
    results = [
        r for s in loaded for r in sc.run_script(s, sim, flow=flow_id, caller=caller, called=called)
    ]
    _print_results(results)
    if output is not None:
        write_atomic(output, to_json([r.to_data() for r in results]))
    sys.exit(ExitCode.CLEAN if all(r.passed for r in results) else ExitCode.FINDINGS)


def _moment(at: str | None) -> datetime | None:
    if at is None:
        return None
    from runtime.simulator import parse_moment

    try:
        return parse_moment(at)
    except ValueError as e:
        raise click.BadParameter(str(e), param_hint="'--at'") from None


def _flow_file(flow: str | None) -> Path | None:
    """FLOW as a file, None when it is a flow id; a path that names no file is an error."""
    if flow is None:
        return None
    path = Path(flow)
    if path.is_file():
        return path
    if path.suffix.lower() in (".json", ".flow") or "/" in flow or "\\" in flow:
        raise CliError(f"{flow}: no such flow file (give a file, or a flow id with --flows DIR)")
    return None


def _load_scripts(paths: list[Path]) -> list[Any]:
    """Every script, or all their problems on stderr and exit 2."""
    from runtime.errors import ScriptError
    from runtime.scripts import load_script

    loaded, problems = [], []
    for path in paths:
        try:
            loaded.append(load_script(path))
        except ScriptError as e:
            problems.append(e.message)
    for problem in problems:
        click.echo(f"sce: error: {problem}", err=True)
    if problems:
        sys.exit(ExitCode.ERROR)
    return loaded


def _default_flows(scripts: list[Any]) -> Path:
    """The first script's folder when it holds flows, else ./flows."""
    for script in scripts[:1]:
        folder = script.path.parent
        if any(p.suffix.lower() in (".json", ".flow") for p in folder.iterdir()):
            return Path(folder)
    if not Path("flows").is_dir():
        raise CliError("no ./flows folder here: say where the flows are with --flows DIR")
    return Path("flows")


def _simulator(
    folder: Path, called: list[str], flow_file: Path | None, **options: object
) -> tuple[Any, str | None]:
    """A simulator with the flows the call needs deployed (`flow_file` and the flows `called`,
    with every subflow they reach, from `folder`), and the id of `flow_file`'s flow. A refused
    flow ends the command (exit 1) with its errors printed like `sce lint` prints them; other
    files of the folder that do not load only get a warning."""
    import logging

    from runtime.config import load_config
    from runtime.simulator import Simulator
    from sce.lint.runner import collect_files
    from sce.subflows import needed

    settings = load_settings(Path.cwd())
    files, problems = collect_files([folder], settings)
    if problems:
        raise CliError("; ".join(problems))
    need = needed(called, files, [flow_file] if flow_file else [])
    missing = [m for m in need.missing if m not in called]
    for flow_id in missing:
        click.echo(
            f"sce: warning: no flow '{flow_id}' in {folder}, which a subflow calls", err=True
        )
    if need.unreadable:
        names = ", ".join(str(lf.path) for lf in need.unreadable)
        click.echo(f"sce: warning: not loaded, as they do not load: {names}", err=True)
    sim = Simulator(config=load_config(Path.cwd()), settings=settings, **cast(Any, options))
    deploy_log = logging.getLogger("sce.deploy")
    level = deploy_log.level
    deploy_log.setLevel(logging.ERROR)  # the refusals are printed below, with their reasons
    try:
        results = [sim.registry.deploy(lf, who="sce call") for lf in need.flows]
    finally:
        deploy_log.setLevel(level)
    refused = [r for r in results if not r.ok]
    if refused:
        errors = [d for r in refused for d in r.diagnostics if d.severity is Severity.ERROR]
        names = ", ".join(str(r.source) for r in refused)
        _report_refused(errors, f"refused (errors above): {names}")
    for flow_id in called:
        if flow_id in need.missing:
            there = ", ".join(need.found) or "no flows"
            raise CliError(f"no flow '{flow_id}' in {folder} (there: {there})")
    return sim, results[0].flow if flow_file is not None else None


def _report_refused(diagnostics: list[Diagnostic], message: str) -> NoReturn:
    print_diagnostics(diagnostics)
    click.echo(f"sce: {message}", err=True)
    sys.exit(ExitCode.FINDINGS)


def _print_results(results: list[Any]) -> None:
    from rich.text import Text

    console = rich_console()
    for r in results:
        mark = Text("PASS", "green") if r.passed else Text("FAIL", "bold red")
        console.print(Text.assemble(mark, f" {r.script.path}:{r.call.line} {r.call.name}"))
        if r.failure is not None:
            f = r.failure
            console.print(Text(f"  {f.path}:{f.line}: {f.step}", "red"))
            console.print(Text(f"    {f.message}", "red"))
    failed = sum(not r.passed for r in results)
    calls = "1 call" if len(results) == 1 else f"{len(results)} calls"
    console.print(f"{calls}: {len(results) - failed} passed, {failed} failed")
