"""Collect patterns (`pattern = "^[0-9]{8}$"`): checked when a flow is compiled, matched against
what callers key in at run time, both here.

Caller input must never cost exponential time (a pattern like `^(\\d+)+$` makes a backtracking
engine freeze a whole runtime process on 30 keys), so patterns run on RE2, which matches in
linear time. RE2 has no look-around and no back-references; a pattern that uses them is refused
with a clear message when the flow is compiled, never at the caller's expense.
"""

from __future__ import annotations

import functools
import re
from typing import Protocol

import re2

from sce.errors import PatternError

_OPTIONS = re2.Options()
_OPTIONS.log_errors = False  # the message goes into a diagnostic, not to stderr


class Matcher(Protocol):
    def search(self, text: str) -> object | None: ...


@functools.lru_cache(maxsize=1024)
def compile_pattern(source: str) -> Matcher:
    """The pattern, ready to match caller keys in linear time; PatternError if it cannot be."""
    try:
        re.compile(source)
    except re.error as e:
        raise PatternError(
            f"the pattern is not a valid regular expression: {e.msg} at position {e.pos}"
        ) from None
    try:
        return re2.compile(source, _OPTIONS)
    except re2.error as e:
        detail = e.args[0].decode() if e.args and isinstance(e.args[0], bytes) else str(e)
        raise PatternError(
            f"the pattern uses look-around or back-references ({detail}), which could make "
            "matching what a caller keys in take exponential time; write it without them"
        ) from None
