"""Where the texts of a node hide expressions, templates and variable assignments.

One table for the compiler, the lint rules and the graph printer, so a new field that holds an
expression is declared once.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

from sce.diagnostics import escape_pointer
from sce.model import (
    Branch,
    Collect,
    Hangup,
    Http,
    Language,
    Menu,
    Node,
    Play,
    Prompt,
    Record,
    Set,
    Sms,
    Subflow,
    Transfer,
)

#: Variables every call has, with their expression types.
BUILTINS: dict[str, str] = {
    "caller": "string",
    "called": "string",
    "call_id": "string",
    "language": "string",
    "last_digits": "string",
    "last_speech": "string",
    "summary": "string",
    # While a caller waits in a transfer's queue (wait announcements):
    "estimated_wait": "number",
    "queue_position": "number",
}


@dataclass(frozen=True, slots=True)
class Text:
    """One expression or template in a node: where below the node, its kind and source."""

    path: tuple[str | int, ...]
    kind: str  # "expression" | "template"
    source: str

    @property
    def pointer(self) -> str:
        return _ptr(*self.path)


def _ptr(*parts: str | int) -> str:
    return "".join("/" + escape_pointer(str(p)) for p in parts)


def prompt_fields(node: Node) -> Iterator[tuple[str, Prompt]]:
    """(field name, prompt) of each prompt a node may play."""
    for name in ("prompt", "no_input", "no_match", "wait_announcement"):
        value = getattr(node, name, None)
        if isinstance(value, Prompt):
            yield name, value


def texts(node: Node) -> Iterator[Text]:
    """Every expression and template of a node, in field order."""
    for name, prompt in prompt_fields(node):
        for lang, text in prompt.text.items():
            yield Text((name, "text", lang), "template", text)
    if isinstance(node, Branch):
        for i, case in enumerate(node.cases):
            yield Text(("cases", i, "when"), "expression", case.when)
    elif isinstance(node, Set):
        for var, expr in node.assign.items():
            yield Text(("assign", var), "expression", expr)
    elif isinstance(node, Http):
        yield Text(("url",), "template", node.url)
        for k, v in node.headers.items():
            yield Text(("headers", k), "template", v)
        for k, v in node.body.items():
            yield Text(("body", k), "template", v)
    elif isinstance(node, Language):
        yield Text(("language",), "template", node.language)
    elif isinstance(node, Transfer):
        if node.number is not None:
            yield Text(("number",), "template", node.number)
        if node.priority is not None:
            yield Text(("priority",), "expression", node.priority)
        for k, v in node.attach.items():
            yield Text(("attach", k), "template", v)
    elif isinstance(node, Sms):
        yield Text(("to",), "template", node.to)
        for lang, text in node.message.items():
            yield Text(("message", lang), "template", text)
    elif isinstance(node, Subflow):
        for k, v in node.inputs.items():
            yield Text(("inputs", k), "expression", v)


def writes(node: Node) -> Iterator[tuple[str, str]]:
    """(variable, pointer below the node) of each variable a node assigns."""
    if isinstance(node, Set):
        for var in node.assign:
            yield var, _ptr("assign", var)
    elif isinstance(node, Collect | Record) and node.variable:
        yield node.variable, "/variable"
    elif isinstance(node, Http):
        for var in node.save:
            yield var, _ptr("save", var)
    elif isinstance(node, Subflow):
        for var in node.outputs:
            yield var, _ptr("outputs", var)


def plays_prompt(node: Node) -> bool:
    return isinstance(node, Play | Menu | Collect | Record | Hangup) and any(prompt_fields(node))
