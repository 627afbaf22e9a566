"""How Twilio Studio's names become ours: node ids from widget names, and variables from the values
Studio's Liquid reads (`widgets.NAME.Digits`, `flow.variables.x`, `trigger.call.From`).

Every variable an imported flow reads is declared in it, named after what it held in Studio, so a
person comparing the two flows finds `gather_1_digits` where Studio said
`{{widgets.gather_1.Digits}}`.
"""

from __future__ import annotations

import re

from sce.compiler.fields import BUILTINS

_NOT_NAME = re.compile(r"[^A-Za-z0-9_]+")
_CAMEL = re.compile(r"(?<=[a-z0-9])(?=[A-Z])")
MAX_NAME = 64


def ident(text: str, *, limit: int = MAX_NAME) -> str:
    """`text` as an id or variable name: letters, digits and `_`, not starting with a digit."""
    name = _NOT_NAME.sub("_", text).strip("_") or "unnamed"
    if name[0].isdigit():
        name = "_" + name
    return name[:limit]


def snake(field: str) -> str:
    """`SpeechResult` → `speech_result`, `RecordingUrl` → `recording_url`."""
    return ident(_CAMEL.sub("_", field).lower())


def unique(name: str, taken: set[str]) -> str:
    """`name`, or `name_2`, `name_3`... the first not in `taken` (which it is added to)."""
    name = name[:MAX_NAME]
    found, n = name, 1
    while found in taken:
        n += 1
        suffix = f"_{n}"
        found = name[: MAX_NAME - len(suffix)] + suffix
    taken.add(found)
    return found


def variable(name: str) -> str:
    """A Studio flow variable (`flow.variables.name`) as ours, kept clear of the builtins."""
    found = ident(name)
    return f"{found}_" if found in BUILTINS else found
