"""Errors of the expression language.

Every failure a flow author can cause (a typo, a wrong type, a division by zero, an expression
that runs too long) is an :class:`ExprError` carrying *where* it happened, so the studio can
underline it and the linter can print a caret. ``str(error)`` is written for a person who draws
phone flows, not for a Python programmer: it never mentions Python types or tracebacks.

Columns are 1-based. ``end_column`` is exclusive (the column just after the last character), so
``end_column - column`` is the length of the offending text. For an expression inside a template
the columns count from the start of the whole template text.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable


class ExprError(Exception):
    """Base of every expression error: a message for a flow author plus its position."""

    def __init__(self, message: str, column: int = 1, end_column: int | None = None) -> None:
        # All three go to ``args`` so that errors survive pickling (worker processes).
        super().__init__(message, column, end_column)
        self.message = message
        self.column = column
        self.end_column = end_column

    def __str__(self) -> str:
        return self.message

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.message!r}, column={self.column})"

    def shifted(self, offset: int) -> ExprError:
        """The same error with its columns moved right by ``offset`` (an expression in a text)."""
        end = None if self.end_column is None else self.end_column + offset
        return type(self)(self.message, self.column + offset, end)


class ExprSyntaxError(ExprError):
    """The text is not a well-formed expression or template."""


class ExprTypeError(ExprError):
    """Values of the wrong kind: found by the checker before a call, or a wrong argument count."""


class ExprNameError(ExprError):
    """An unknown variable or function."""


class ExprEvalError(ExprError):
    """A failure while running: division by zero, a value of the wrong kind, a result too big."""


class ExprLimitError(ExprError):
    """The expression needed more steps, or more work on lists and texts, than one evaluation may
    spend (protects the engine from runaway cost)."""


def did_you_mean(name: str, known: Iterable[str]) -> str:
    """A ``" (did you mean 'x'?)"`` suffix for a misspelt name, or ``""`` when nothing is close."""
    lowered = name.lower()
    # Authors coming from Python or JavaScript write True/None; point them at our spelling.
    fixes = {"true": "true", "false": "false", "none": "null", "nil": "null", "null": "null"}
    if lowered in fixes and name != fixes[lowered]:
        return f" (did you mean '{fixes[lowered]}'?)"
    close = difflib.get_close_matches(name, sorted(set(known)), n=1, cutoff=0.6)
    return f" (did you mean '{close[0]}'?)" if close else ""
