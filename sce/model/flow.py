"""The flow document: metadata, declared variables and the nodes keyed by id."""

from __future__ import annotations

from dataclasses import dataclass, field

from sce.model.nodes import Node


@dataclass(kw_only=True)
class Variable:
    """A declared variable. `input`/`output` make it a parameter when the flow is a subflow."""

    type: str = "string"
    default: object = None
    description: str | None = None
    input: bool = False
    output: bool = False


@dataclass(kw_only=True)
class Flow:
    flow: str
    title: str | None = None
    description: str | None = None
    languages: list[str] = field(default_factory=lambda: ["en-US"])
    start: str | None = None
    on_error: str | None = None
    variables: dict[str, Variable] = field(default_factory=dict)
    nodes: dict[str, Node] = field(default_factory=dict)
    noqa: list[str] = field(default_factory=list)
    #: The designer's own data: sticky notes on the canvas, its view. Nothing reads it but the
    #: designer; callers never hear it.
    ui: dict[str, object] = field(default_factory=dict)

    @property
    def default_language(self) -> str:
        return self.languages[0] if self.languages else "en-US"
