"""Values picked out of a data dip's reply by JSON pointer (RFC 6901), for an `http` node's
`save`. Pure, so the engine can call it while replaying a call."""

from __future__ import annotations

import re
from collections.abc import Mapping

_INDEX = re.compile(r"0|[1-9][0-9]*")


def save_values(body: object, save: Mapping[str, str]) -> tuple[dict[str, object], str | None]:
    """Pick variables out of a reply by JSON pointer (RFC 6901): `{"balance": "/account/0/bal"}`.
    Returns every value found, and an error naming the first pointer that was not (None when all
    were). Pure, so the engine can call it while replaying a call."""
    values: dict[str, object] = {}
    error = None
    for name, pointer in save.items():
        found, value, problem = _follow(body, pointer)
        if found:
            values[name] = value
        elif error is None:
            error = problem
    return values, error


def _follow(document: object, pointer: str) -> tuple[bool, object, str | None]:
    if pointer == "":
        return True, document, None
    if not pointer.startswith("/"):
        return False, None, f"'{pointer}' is not a JSON pointer: it must start with /"
    value = document
    for raw in pointer[1:].split("/"):
        if re.search(r"~(?![01])", raw):
            return False, None, f"'{pointer}' is not a JSON pointer: '~' must be '~0' or '~1'"
        token = raw.replace("~1", "/").replace("~0", "~")
        if isinstance(value, dict) and token in value:
            value = value[token]
        elif isinstance(value, list) and _INDEX.fullmatch(token) and int(token) < len(value):
            value = value[int(token)]
        else:
            return False, None, f"{pointer} is not in the reply"
    return True, value, None
