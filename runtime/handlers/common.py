"""What the node handlers share: following an exit, evaluating an expression."""

from __future__ import annotations

from collections.abc import Callable, Mapping

from runtime import events as ev
from runtime.engine import Run
from sce import expr
from sce.compiler.ir import Expression, State

Handler = Callable[[Run, State, "ev.Event | None"], "str | None"]

#: Seconds a menu or collect waits for the first key when its node names no timeout.
DEFAULT_TIMEOUT = 5.0


def follow(run: Run, state: State, event: str, note: str | None = None) -> str | None:
    """Follow an exit of `state`; an exit the flow left unconnected is an error."""
    target = state.on.get(event)
    if target is None:
        return run.fail(state, note or f"'{state.id}' has no '{event}' exit")
    if note:
        run.trace(state, note=note)
    return target


def evaluate(node: object, env: Mapping[str, object]) -> object:
    return expr.evaluate(node.ast if isinstance(node, Expression) else node, env)  # type: ignore[arg-type]
