"""The interactive call of `sce call`: what the caller hears and what the flow waits for,
printed turn by turn, and what the caller does, read from stdin one line a turn."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime, tzinfo
from pathlib import Path
from typing import Any

from sce.cli.common import to_json
from sce.files import write_atomic


@contextmanager
def watching(sim: Any, folder: Path) -> Iterator[None]:
    """Deploy the changes saved in `folder` to the simulator while the block runs, and say so."""
    from rich.text import Text

    from runtime.watch import FlowWatcher

    console = rich_console()

    def show(result: Any) -> None:
        if result.ok:
            line = f"(deployed {result.flow} {str(result.version)[:12]}: {result.result})"
            console.print(Text(line, "green"))
        else:
            console.print(Text(f"(refused {result.source}; the live version stays)", "red"))
            for error in result.to_data()["errors"]:
                console.print(Text(f"  {error}", "red"))

    watcher = FlowWatcher(sim.registry, folder, who="sce call --watch", on_result=show)
    watcher.start(deploy_existing=False)
    console.print(Text(f"(watching {folder}: saved changes are deployed)", "dim"))
    try:
        yield
    finally:
        watcher.stop()


def again() -> bool:
    """Whether the caller wants another call (Enter), or is done (q, or end of input)."""
    from rich.text import Text

    console = rich_console()
    console.print(Text("? Enter: call again, on the newest version; q: quit", "cyan"))
    line = _read_line(console)
    return line is not None and line.strip().lower() not in ("q", "quit", "exit")


def rich_console() -> Any:
    from rich.console import Console

    return Console(highlight=False, soft_wrap=True, emoji=False)


def call_interactively(
    sim: Any,
    flow_id: str,
    caller: str | None,
    called: str | None,
    output: Path | None,
    tz: tzinfo | None,
) -> None:
    """One call, driven line by line from stdin; times shown in the zone of --at."""
    from rich.text import Text

    from runtime import scripts as sc
    from runtime.errors import Mismatch, RuntimeFault
    from runtime.session import FINISHING

    console = rich_console()
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
        waiting = simulated.waiting_for
        if waiting is None:  # pragma: no cover  (an active call always waits on something)
            break
        console.print(Text(f"? {sc.describe_wait(simulated, waiting)}", "cyan"))
        line = _read_line(console)
        if line is None:
            if simulated.session.status == FINISHING:
                break  # hung up while recording: the recording never came
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
        except Mismatch as e:
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
        write_atomic(output, to_json(_call_data(simulated)))


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
    from runtime.scripts import end_reason

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
