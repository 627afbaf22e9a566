"""What the node handlers share: following an exit, evaluating an expression."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import NotRequired, TypedDict, cast

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
    """The value of a param that holds an expression (compiled, or as text)."""
    return expr.evaluate(node.ast if isinstance(node, Expression) else cast(str, node), env)


class Choice(TypedDict):
    """One of a menu's choices as the compiler keeps it (its `next` is in the state's exits)."""

    key: str
    label: NotRequired[str | None]
    speech: NotRequired[Sequence[str]]


def choices(state: State) -> Sequence[Choice]:
    """A menu's choices (the schema and the compiler have checked their shape)."""
    return cast(Sequence[Choice], state.params.get("choices", ()))


def mapping(value: object) -> Mapping[str, object]:
    """A param that the schema makes an object (the compiler froze it into a FrozenDict)."""
    return cast(Mapping[str, object], value)
