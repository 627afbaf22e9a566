"""Texts with expressions inside braces: ``"Your balance is {balance} dollars"``.

Prompts, SMS bodies, URLs and transfer data are templates. ``{expr}`` is any expression;
``{{`` and ``}}`` stand for literal braces. Braces inside quoted text in an expression do not
count (``{default(name, "}")}`` works).

Rendering says values the way a caller should hear them: ``2.0`` is ``2``, null is empty,
booleans are ``true``/``false``, a list is its items separated by ", ".

Errors point into the *whole* text: a mistake in the third expression of a long prompt carries the
column in the prompt, so the studio can underline it where the author typed it.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field

from sce.expr.ast import Node
from sce.expr.errors import ExprError, ExprEvalError, ExprLimitError, ExprSyntaxError
from sce.expr.interp import DEFAULT_MAX_STEPS, Evaluator
from sce.expr.parser import parse_expression
from sce.expr.types import check, names
from sce.expr.values import MAX_TEXT, to_text

MAX_TEMPLATE_LENGTH = 20_000

_BRACE_RE = re.compile(r"[{}]")
_INNER_RE = re.compile(r"""[{}"']""")


@dataclass(frozen=True, slots=True)
class Template:
    """A parsed template: literal texts and expression trees, in order.

    ``offsets[i]`` is the 0-based position in the source text where ``parts[i]`` starts (for an
    expression, its first character after ``{``); it only serves error columns and, like node
    positions, is ignored by ``==``.
    """

    parts: tuple[str | Node, ...]
    offsets: tuple[int, ...] = field(default=(), compare=False, repr=False)

    def expressions(self) -> list[tuple[Node, int]]:
        """Each expression with the offset to add to its columns to get template columns."""
        offsets = self.offsets or (0,) * len(self.parts)
        return [(p, o) for p, o in zip(self.parts, offsets, strict=True) if isinstance(p, Node)]

    def variables(self) -> set[str]:
        """Top-level variable names the template reads."""
        found: set[str] = set()
        for node, _ in self.expressions():
            found |= names(node)
        return found

    def check(self, variables: Mapping[str, str]) -> list[ExprError]:
        """Every problem :func:`~sce.expr.types.check` finds, with columns in the whole text."""
        errors: list[ExprError] = []
        for node, offset in self.expressions():
            errors.extend(e.shifted(offset) for e in check(node, variables)[1])
        return errors


@functools.lru_cache(maxsize=65_536)
def parse_template(text: str) -> Template:
    """Parse a text with ``{expr}`` parts; raise :class:`ExprSyntaxError` with its column."""
    if len(text) > MAX_TEMPLATE_LENGTH:
        raise ExprSyntaxError(
            f"text is too long ({len(text):,} characters; at most {MAX_TEMPLATE_LENGTH:,})",
            MAX_TEMPLATE_LENGTH + 1,
        )
    parts: list[str | Node] = []
    offsets: list[int] = []
    chunk: list[str] = []
    chunk_start = 0
    i = 0
    while True:
        m = _BRACE_RE.search(text, i)
        if m is None:
            chunk.append(text[i:])
            break
        j = m.start()
        chunk.append(text[i:j])
        doubled = text.startswith(m.group() * 2, j)
        if doubled:
            chunk.append(m.group())
            i = j + 2
            continue
        if m.group() == "}":
            raise ExprSyntaxError("a single '}' must be written '}}'", j + 1, j + 2)
        close = _expression_end(text, j)
        source = text[j + 1 : close]
        if not source.strip():
            raise ExprSyntaxError(
                "empty '{}': put a variable inside, e.g. {balance}, or write '{{' for a brace",
                j + 1,
                close + 2,
            )
        try:
            node = parse_expression(source)
        except ExprError as e:
            raise e.shifted(j + 1) from None
        literal = "".join(chunk)
        if literal:
            parts.append(literal)
            offsets.append(chunk_start)
        parts.append(node)
        offsets.append(j + 1)
        chunk = []
        i = chunk_start = close + 1
    literal = "".join(chunk)
    if literal:
        parts.append(literal)
        offsets.append(chunk_start)
    return Template(tuple(parts), tuple(offsets))


def _expression_end(text: str, opening: int) -> int:
    """Index of the ``}`` closing the ``{`` at ``opening``, skipping quoted text."""
    i = opening + 1
    while True:
        m = _INNER_RE.search(text, i)
        if m is None:
            break
        ch = m.group()
        if ch == "}":
            return m.start()
        if ch == "{":
            raise ExprSyntaxError(
                "'{' cannot appear inside '{...}'; close the first one with '}'",
                m.start() + 1,
                m.start() + 2,
            )
        end = _string_end(text, m.start())
        if end < 0:
            raise ExprSyntaxError(
                f"text starting at column {m.start() + 1} is never closed; add a closing {ch}",
                m.start() + 1,
                len(text) + 1,
            )
        i = end + 1
    raise ExprSyntaxError(
        f"'{{' at column {opening + 1} is never closed; add '}}' (or write '{{{{' for a brace)",
        opening + 1,
        opening + 2,
    )


def _string_end(text: str, start: int) -> int:
    """Index of the quote closing the string at ``start``, or -1."""
    quote = text[start]
    i = start + 1
    n = len(text)
    while i < n:
        ch = text[i]
        if ch == "\\":
            i += 2
            continue
        if ch == quote:
            return i
        i += 1
    return -1


def render(
    template: Template | str,
    env: Mapping[str, object],
    *,
    max_steps: int = DEFAULT_MAX_STEPS,
    escape: Callable[[str], str] | None = None,
) -> str:
    """The text with every ``{expr}`` replaced by its value as a caller should hear it.

    ``escape`` is applied to each value's text (not to the template's own text): a URL
    template percent-encodes what callers typed, so their input can never change the request.

    One budget of ``max_steps`` (see :func:`~sce.expr.interp.evaluate`) pays for all the
    expressions of the template together. Errors carry columns in the whole template text.
    """
    if isinstance(template, str):
        template = parse_template(template)
    evaluator = Evaluator(env, max_steps)
    out: list[str] = []
    size = 0
    offsets = template.offsets or (0,) * len(template.parts)
    for part, offset in zip(template.parts, offsets, strict=True):
        if isinstance(part, str):
            text = part
        else:
            try:
                value = evaluator.run(part)
                try:
                    text = to_text(value, evaluator)
                except (ExprEvalError, ExprLimitError) as e:
                    raise type(e)(e.message, part.col, part.end) from None
                if escape is not None:
                    text = escape(text)
            except ExprError as e:
                raise e.shifted(offset) from None
        size += len(text)
        if size > MAX_TEXT:
            raise ExprEvalError(
                f"the text is too long (more than {MAX_TEXT:,} characters)", offset + 1
            )
        out.append(text)
    return "".join(out)
