"""Studio's split conditions ("predicates") as our expressions over the tested value, and the
plain comparison of keys pressed.

As Twilio documents the Split Based On... widget: "Studio conditions are not case-sensitive and
automatically trim leading and trailing whitespace characters"; Less Than and Greater Than compare
numbers; a regex "will only match if the provided regular expression matches the entire string"
(and ignores case); times (HH:MM) and dates (YYYY-MM-DD) compare in order.
"""

from __future__ import annotations

import re
from collections.abc import Callable


def quote(text: str) -> str:
    return "'" + text.replace("\\", "\\\\").replace("'", "\\'") + "'"


def _number(subject: str) -> str:
    if re.fullmatch(r"'\s*-?\d+(\.\d+)?\s*'", subject):
        return subject[1:-1].strip()
    return f"number(default(trim(text({subject})), '0'))"


def _folded(value: str) -> str:
    """A value as Studio compares it: case and the spaces around it do not count."""
    if re.fullmatch(r"'(?:[^'\\]|\\.)*'", value):
        return quote(unquote(value).strip().lower())
    return f"lower(trim(text({value})))"


def _any_of(subject: str, value: str, negate: bool = False) -> str:
    if value.startswith("'"):
        items = [p.strip().lower() for p in unquote(value).split(",") if p.strip()]
        listed = "[" + ", ".join(quote(i) for i in items) + "]"
        return f"{_folded(subject)} {'not in' if negate else 'in'} {listed}"
    test = f"contains(split(replace({_folded(value)}, ' ', ''), ','), replace({_folded(subject)}, ' ', ''))"
    return f"not {test}" if negate else test


def _regex(subject: str, value: str) -> str:
    """Studio's regex matches the whole value, ignoring case."""
    if value.startswith("'"):
        return f"matches(trim(text({subject})), {quote('(?i)^(?:' + unquote(value) + ')$')})"
    return f"matches(trim(text({subject})), '(?i)^(?:' + text({value}) + ')$')"


def keyed(subject: str, value: str) -> list[str] | None:
    """The keys a condition on a gather's digits compares with, when they are only keys."""
    keys = [k.strip() for k in value.split(",")]
    if re.fullmatch(r"[A-Za-z_]\w*", subject) and all(re.fullmatch(r"[0-9*#]+", k) for k in keys):
        return keys
    return None


def unquote(value: str) -> str:
    return value[1:-1].replace("\\'", "'").replace("\\\\", "\\")


#: Condition type (its JSON name) → our expression of (subject, value), both our expressions.
conditions: dict[str, Callable[[str, str], str]] = {
    "equal_to": lambda s, v: f"{_folded(s)} == {_folded(v)}",
    "not_equal_to": lambda s, v: f"{_folded(s)} != {_folded(v)}",
    "contains": lambda s, v: f"contains({_folded(s)}, {_folded(v)})",
    "does_not_contain": lambda s, v: f"not contains({_folded(s)}, {_folded(v)})",
    "starts_with": lambda s, v: f"starts_with({_folded(s)}, {_folded(v)})",
    "does_not_start_with": lambda s, v: f"not starts_with({_folded(s)}, {_folded(v)})",
    "greater_than": lambda s, v: f"{_number(s)} > {_number(v)}",
    "less_than": lambda s, v: f"{_number(s)} < {_number(v)}",
    "is_blank": lambda s, v: f"trim(text({s})) == ''",
    "is_not_blank": lambda s, v: f"trim(text({s})) != ''",
    "matches_any_of": lambda s, v: _any_of(s, v),
    "does_not_match_any_of": lambda s, v: _any_of(s, v, negate=True),
    "regex": _regex,
    "is_before_time": lambda s, v: f"trim(text({s})) < trim(text({v}))",
    "is_after_time": lambda s, v: f"trim(text({s})) > trim(text({v}))",
    "is_before_date": lambda s, v: f"trim(text({s})) < trim(text({v}))",
    "is_after_date": lambda s, v: f"trim(text({s})) > trim(text({v}))",
}
