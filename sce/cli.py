"""The `sce` command line: lint, fmt, convert, compile, graph, rules, and call (the simulator).

Exit codes are `report.ExitCode`: 0 clean, 1 findings (or a flow that does not load), 2 a usage,
settings or I/O error. Whatever goes wrong, the user sees a message, never a traceback.
"""

from __future__ import annotations

import difflib
import sys
from collections.abc import Callable, Iterable, Sequence
from datetime import datetime, tzinfo
from pathlib import Path
from typing import Any, NoReturn, TypeVar

import click

from sce import canonical
from sce.diagnostics import Diagnostic
from sce.errors import CompileError, SceError
from sce.files import kind_of, write_atomic
from sce.lint import RULES, LintResult, Settings, lint_paths, load_settings
from sce.lint.rule import Rule, by_name_or_code
from sce.lint.runner import collect_files
from sce.loader import LoadedFlow, format_of, load_path
from sce.report import ExitCode, OutputFormat, render, render_statistics
from sce.source import Source

#: More files than this, on a terminal, and `sce lint` shows a progress bar.
PROGRESS_THRESHOLD = 20


class CliError(click.ClickException):
    """A problem with the settings, the files or the system: message on stderr, exit 2."""

    exit_code = ExitCode.ERROR

    def show(self, file: object = None) -> None:
        click.echo(f"sce: error: {self.format_message()}", err=True)


class _Group(click.Group):
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


class _Path(click.Path):
    """A path argument or option; an empty one is a usage error (`Path("")` would mean ".")."""

    def convert(
        self, value: object, param: click.Parameter | None, ctx: click.Context | None
    ) -> object:
        if isinstance(value, str) and value == "":
            self.fail("an empty path names no file or folder", param, ctx)
        return super().convert(value, param, ctx)


F = TypeVar("F", bound=Callable[..., Any])


def _output_option(help_text: str) -> Callable[[F], F]:
    """`-o/--output FILE`, which every command that prints something offers."""
    return click.option(
        "-o", "--output", type=_Path(dir_okay=False, path_type=Path), help=help_text
    )


@click.group(cls=_Group, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="sce", prog_name="sce")
def cli() -> None:
    """Service creation environment: lint, format, convert, compile, draw and call IVR flows."""


def main(argv: Sequence[str] | None = None) -> NoReturn:
    """The `sce` console script."""
    cli.main(args=list(argv) if argv is not None else None, prog_name="sce")
    raise SystemExit(ExitCode.CLEAN)  # pragma: no cover  (click always exits)


# -- helpers ----------------------------------------------------------------------------------


def _emit(text: str, output: Path | None) -> None:
    """Print text, or write it atomically to `output`."""
    if output is None:
        click.echo(text, nl=False)
    else:
        write_atomic(output, text)


def _report_load_errors(loaded: LoadedFlow) -> None:
    """A flow's load diagnostics on stderr, like `sce lint` prints them."""
    sources = {loaded.path or "": loaded.source}
    found = sorted(loaded.diagnostics, key=lambda d: d.sort_key)
    click.echo(
        render(found, OutputFormat.TEXT, sources=sources, summary=False),
        err=True,
        nl=False,
    )


def _load_sound(path: Path) -> LoadedFlow:
    """Load one flow; on load errors print them and exit 1."""
    if not path.is_file():
        if path.is_dir():
            raise CliError(f"{path}: a folder, not a flow file")
        kind = kind_of(path)
        if kind is not None:
            raise CliError(f"{path}: {kind}, not a flow file (only regular files are read)")
        raise CliError(f"{path}: no such file")
    loaded = load_path(path)
    if not loaded.ok:
        _report_load_errors(loaded)
        sys.exit(ExitCode.FINDINGS)
    return loaded


def _codes(value: str | None) -> list[str]:
    return [c.strip() for c in (value or "").split(",") if c.strip()]


def _check_codes(tokens: Iterable[str], where: str) -> None:
    unknown = [t for t in tokens if not by_name_or_code(t)]
    if unknown:
        raise click.UsageError(
            f"unknown rule code or name in {where}: {', '.join(unknown)} (`sce rules` lists them)"
        )


def _sources_for(diagnostics: Iterable[Diagnostic]) -> dict[str, Source]:
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


# -- lint -------------------------------------------------------------------------------------


@cli.command()
@click.argument("paths", nargs=-1, type=_Path(path_type=Path))
@click.option(
    "--format",
    "fmt",
    type=click.Choice([f.value for f in OutputFormat]),
    default=OutputFormat.TEXT.value,
    show_default=True,
    help="How to print the findings.",
)
@_output_option("Write the report to this file instead of stdout.")
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
    type=_Path(dir_okay=False, path_type=Path),
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
        sources = _sources_for(diagnostics) if fmt == OutputFormat.TEXT.value else None
        text = render(diagnostics, fmt, sources=sources, files_checked=len(result.files))
    _emit(text, output)

    if errors or result.errors:
        for error in result.errors:
            click.echo(f"sce: error: {error}", err=True)
        sys.exit(ExitCode.ERROR)
    sys.exit(ExitCode.FINDINGS if diagnostics and not exit_zero else ExitCode.CLEAN)


def _wants_progress(count: int) -> bool:
    return count > PROGRESS_THRESHOLD and sys.stderr.isatty()


def _lint_with_progress(files: list[Path], settings: Settings) -> LintResult:
    if not _wants_progress(len(files)):
        return lint_paths(files, settings)
    from rich.console import Console
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn

    with Progress(
        TextColumn("Linting"),
        BarColumn(),
        MofNCompleteColumn(),
        TextColumn("{task.description}"),
        console=Console(stderr=True),
        transient=True,
    ) as progress:
        task = progress.add_task("", total=len(files))

        def step(f: Path) -> None:
            progress.update(task, advance=1, description=str(f))

        return lint_paths(files, settings, progress=step)


# -- fmt --------------------------------------------------------------------------------------


@cli.command()
@click.argument("paths", nargs=-1, type=_Path(path_type=Path))
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
            _report_load_errors(loaded)
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


@cli.command()
@click.argument("file", type=_Path(dir_okay=False, path_type=Path))
@click.option(
    "--to",
    "to",
    type=click.Choice(list(canonical.FORMATS)),
    help="The format to write: json or flow (default: the other one, or -o's suffix).",
)
@_output_option("Write to this file instead of stdout.")
def convert(file: Path, to: str | None, output: Path | None) -> None:
    """Print a flow in the other format: JSON to DSL or DSL to JSON."""
    loaded = _load_sound(file)
    if to is None:
        to = (format_of(output) if output else None) or (
            "json" if loaded.format == "flow" else "flow"
        )
    _emit(canonical.render(loaded, to), output)


# -- compile ----------------------------------------------------------------------------------


@cli.command(name="compile")
@click.argument("flow", type=_Path(dir_okay=False, path_type=Path))
@_output_option("Write the compiled flow to this file instead of stdout.")
def compile_command(flow: Path, output: Path | None) -> None:
    """Compile a flow to the runtime's state machine (JSON). Lint rules are not run."""
    from sce.compiler import analyse, compile_flow

    loaded = _load_sound(flow)
    assert loaded.flow is not None
    try:
        compiled = compile_flow(loaded.flow, analyse(loaded.flow))
    except CompileError as e:
        located = sorted((loaded.source.locate(d) for d in e.diagnostics), key=lambda d: d.sort_key)
        click.echo(render(located, OutputFormat.TEXT, summary=False), err=True, nl=False)
        click.echo(f"sce: {e.message}", err=True)
        sys.exit(ExitCode.FINDINGS)
    _emit(compiled.to_json() + "\n", output)


# -- graph ------------------------------------------------------------------------------------


@cli.command()
@click.argument("flow", type=_Path(dir_okay=False, path_type=Path))
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["dot", "mermaid"]),
    default="dot",
    show_default=True,
    help="Graphviz DOT or Mermaid.",
)
@_output_option("Write to this file instead of stdout.")
def graph(flow: Path, fmt: str, output: Path | None) -> None:
    """Draw a flow as a graph: `sce graph f.flow | dot -Tsvg > f.svg`."""
    from sce.graph import to_dot, to_mermaid

    loaded = _load_sound(flow)
    assert loaded.flow is not None
    _emit(to_dot(loaded.flow) if fmt == "dot" else to_mermaid(loaded.flow), output)


# -- rules ------------------------------------------------------------------------------------


@cli.command()
@click.argument("code", required=False)
@click.option(
    "--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True
)
def rules(code: str | None, fmt: str) -> None:
    """List the lint rules, or explain one (by code or name)."""
    if code is None:
        selected = sorted(RULES.values(), key=lambda r: r.code)
        if fmt == "json":
            _emit(_json([_rule_json(r, doc=False) for r in selected]), None)
        else:
            _print_rule_table(selected)
        return
    rule = RULES.get(code.upper()) or next((r for r in RULES.values() if r.name == code), None)
    if rule is None:
        raise click.UsageError(f"no rule '{code}' (`sce rules` lists them)")
    if fmt == "json":
        _emit(_json(_rule_json(rule, doc=True)), None)
    else:
        click.echo(f"{rule.code} {rule.name} ({rule.severity.value})\n")
        click.echo(rule.doc)


def _rule_json(rule: Rule, doc: bool) -> dict[str, object]:
    out: dict[str, object] = {
        "code": rule.code,
        "name": rule.name,
        "severity": rule.severity.value,
        "summary": rule.summary,
    }
    if doc:
        out["doc"] = rule.doc
    return out


def _json(data: object) -> str:
    import json

    return json.dumps(data, indent=2, ensure_ascii=False) + "\n"


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


# -- call -------------------------------------------------------------------------------------


@cli.command()
@click.argument("flow", required=False)
@click.option(
    "--flows",
    "flows_dir",
    type=_Path(file_okay=False, path_type=Path),
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
@click.option(
    "--http",
    "http_file",
    type=_Path(dir_okay=False, path_type=Path),
    help='Canned HTTP replies, YAML or JSON: {"GET https://host/*": {json: {...}}}.',
)
@click.option(
    "--script",
    "scripts",
    multiple=True,
    type=_Path(path_type=Path),
    help="Run this call script, or every *.calls.yaml in a folder, instead of asking (repeatable).",
)
@_output_option("Write the call, or the scripts' results, as JSON to this file.")
def call(
    flow: str | None,
    flows_dir: Path | None,
    caller: str | None,
    called: str | None,
    at: str | None,
    http_file: Path | None,
    scripts: tuple[Path, ...],
    output: Path | None,
) -> None:
    """Call FLOW (a flow file, or a flow id) in the simulator, or run call scripts.

    Without --script, the call is interactive: it prints what the caller hears and what the flow
    waits for, and reads what the caller does from stdin, one line a turn (`help` lists them;
    end of input hangs up). Every flow of the folder is deployed, so subflows work.

    Exit status: 0 the call ran and every script expectation held, 1 a flow was refused or an
    expectation failed, 2 a usage error or a malformed script.
    """
    from runtime import script as sc

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
    sim = _simulator(folder, http=stubs, at=moment)
    flow_id = flow
    if flow_file is not None:
        result = sim.deploy(flow_file, who="sce call")
        if not result.ok:
            _report_refused(result.diagnostics, f"{flow_file} was refused")
        flow_id = result.flow
    if not loaded:
        assert flow_id is not None
        deployed = sorted(sim.registry.current_versions())
        if flow_id not in deployed:
            raise CliError(f"no flow '{flow_id}' in {folder} (there: {', '.join(deployed)})")
        _interactive(sim, flow_id, caller, called, output, moment.tzinfo if moment else None)
        return
    results = [
        r for s in loaded for r in sc.run_script(s, sim, flow=flow_id, caller=caller, called=called)
    ]
    _print_results(results)
    if output is not None:
        write_atomic(output, _json([r.to_data() for r in results]))
    sys.exit(ExitCode.CLEAN if all(r.passed for r in results) else ExitCode.FINDINGS)


def _moment(at: str | None) -> datetime | None:
    if at is None:
        return None
    try:
        moment = datetime.fromisoformat(at)
    except ValueError:
        raise click.BadParameter(
            f"'{at}' is not an ISO date and time like 2026-11-23T10:00:00-05:00",
            param_hint="'--at'",
        ) from None
    return moment if moment.tzinfo else moment.astimezone()


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
    from runtime.script import ScriptError, load_script

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


def _simulator(folder: Path, **options: object) -> Any:
    """A simulator with every flow of `folder` deployed; refused flows end the command (exit 1)
    with their errors printed like `sce lint` prints them."""
    import logging

    from runtime.config import load_config
    from runtime.errors import DeployRefused
    from runtime.script import simulator_for

    settings = load_settings(Path.cwd())
    deploy_log = logging.getLogger("sce.deploy")
    level = deploy_log.level
    deploy_log.setLevel(logging.ERROR)  # the refusals are printed below, with their reasons
    try:
        return simulator_for([folder], config=load_config(Path.cwd()), settings=settings, **options)
    except DeployRefused as e:
        _report_refused(e.diagnostics, f"flows {e.message}")  # type: ignore[arg-type]
    finally:
        deploy_log.setLevel(level)


def _report_refused(diagnostics: list[Diagnostic], message: str) -> NoReturn:
    found = sorted(diagnostics, key=lambda d: d.sort_key)
    text = render(found, OutputFormat.TEXT, sources=_sources_for(found), summary=False)
    click.echo(text, err=True, nl=False)
    click.echo(f"sce: {message}", err=True)
    sys.exit(ExitCode.FINDINGS)


def _console() -> Any:
    from rich.console import Console

    return Console(highlight=False, soft_wrap=True, emoji=False)


def _print_results(results: list[Any]) -> None:
    from rich.text import Text

    console = _console()
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


def _interactive(
    sim: Any,
    flow_id: str,
    caller: str | None,
    called: str | None,
    output: Path | None,
    tz: tzinfo | None,
) -> None:
    """One call, driven line by line from stdin; times shown in the zone of --at."""
    from rich.text import Text

    from runtime import script as sc
    from runtime.errors import RuntimeFault

    console = _console()
    options = {k: v for k, v in (("caller", caller), ("called", called)) if v}
    simulated = sim.call(flow_id, **options)
    vars_ = simulated.session.vars
    clock = datetime.fromtimestamp(sim.now, tz).astimezone(tz).isoformat(timespec="seconds")
    console.print(
        Text(
            f"Calling {flow_id} ({simulated.session.version[:12]}) from {vars_.get('caller')} "
            f"to {vars_.get('called')} at {clock}; type `help` for what the caller can do",
            "bold",
        )
    )
    shown = 0
    while True:
        actions = simulated.actions
        for action in actions[shown:]:
            _show_action(console, action)
        shown = len(actions)
        if simulated.ended:
            break
        waiting = sc.waiting_for(simulated)
        if waiting is None:  # pragma: no cover  (an active call always waits on something)
            break
        console.print(Text(f"? {sc.describe_wait(simulated, waiting)}", "cyan"))
        line = _read_line(console)
        if line is None:
            console.print(Text("(end of input: the caller hangs up)", "dim"))
            simulated.hang_up()
            continue
        if line.strip().lower() in ("help", "?"):
            console.print(Text(sc.REPLY_HELP))
            continue
        step = None
        try:
            step = sc.parse_reply(line, waiting)
            if step is not None:
                turns = len(simulated.turns)
                sc.perform(simulated, step)
                if len(simulated.turns) > turns and not simulated.last:
                    console.print(Text("(nothing happens)", "dim"))
        except sc.Mismatch as e:
            console.print(Text(e.message, "red"))
        except RuntimeFault as e:
            console.print(Text(f"the call is lost: {e.message}", "red"))
            break
        if step is not None and step.kind == "wait":
            moved = datetime.fromtimestamp(sim.now, tz).astimezone(tz).isoformat(timespec="seconds")
            console.print(Text(f"(the clock is now {moved})", "dim"))
    path = " → ".join(simulated.path)
    console.print(Text.assemble(("Path: ", "bold"), path))
    ended = sc.end_reason(simulated) if simulated.ended else "no (still waiting)"
    console.print(Text.assemble(("Ended: ", "bold"), ended))
    summary = simulated.session.vars.get("summary")
    if summary:
        console.print(Text.assemble(("Summary: ", "bold"), str(summary)))
    if output is not None:
        write_atomic(output, _json(_call_data(simulated)))


def _read_line(console: Any) -> str | None:
    """The caller's next line; None at the end of input. Piped input is echoed, so the
    transcript reads like the conversation it was."""
    from rich.text import Text

    interactive = sys.stdin.isatty()
    if interactive:
        console.print("> ", end="")
    line = sys.stdin.readline()
    if not line:
        if interactive:
            console.print()
        return None
    line = line.rstrip("\r\n")
    if not interactive:
        console.print(Text(f"> {line}", "bold"))
    return line


def _show_action(console: Any, action: object) -> None:
    import json

    from rich.text import Text

    from runtime import actions as act

    if isinstance(action, act.Trace):
        text = f"  · {action.node}"
        if action.note:
            text += f" — {action.note}"
        if action.changed:
            text += ": " + ", ".join(
                f"{k}={json.dumps(v, ensure_ascii=False, default=str)}"
                for k, v in action.changed.items()
            )
        console.print(Text(text, "dim"))
    elif isinstance(action, act.Play):
        mark = action.language + (f" audio={action.audio}" if action.audio else "")
        console.print(Text.assemble((f"[{mark}] ", "magenta"), action.text))
    elif isinstance(action, act.Fetch):
        console.print(Text(f"    {action.method} {action.url}", "dim"))
    elif isinstance(action, act.SendSms):
        console.print(Text.assemble((f"SMS to {action.to}: ", "magenta"), action.message))
    elif isinstance(action, act.Record) and action.beep:
        console.print(Text("(beep)", "magenta"))
    elif isinstance(action, act.Transfer):
        where = f"queue {action.queue}" if action.queue else action.number or "?"
        attach = ", ".join(f"{k}={v!r}" for k, v in action.attach.items())
        console.print(Text(f"transfer to {where}" + (f" with {attach}" if attach else ""), "dim"))
    elif isinstance(action, act.Hangup):
        console.print(Text(f"hangup ({action.reason or 'no reason'})", "magenta"))


def _call_data(simulated: Any) -> dict[str, object]:
    from runtime.actions import action_to_data
    from runtime.script import end_reason

    return {
        "flow": simulated.session.flow,
        "version": simulated.session.version,
        "call_id": simulated.call_id,
        "path": simulated.path,
        "ended": simulated.ended,
        "reason": end_reason(simulated) if simulated.ended else None,
        "vars": simulated.session.vars,
        "actions": [action_to_data(a) for a in simulated.actions],
    }
