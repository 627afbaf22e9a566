"""The flow schema document (`flow.schema.json`) and what reading it needs."""

from __future__ import annotations

import json
import re
from functools import cache
from importlib import resources
from typing import Any, cast

SCHEMA: dict[str, Any] = json.loads(
    resources.files("sce.schema").joinpath("flow.schema.json").read_text(encoding="utf-8")
)
SCHEMA_ID: str = SCHEMA["$id"]
#: The node types, in the order the schema (and the designer's palette) lists them.
NODE_TYPE_NAMES: tuple[str, ...] = tuple(SCHEMA["$defs"]["node"]["properties"]["type"]["enum"])
#: Keywords that describe and never constrain.
ANNOTATIONS = frozenset({"title", "description", "default", "examples", "$comment"})


@cache
def ecma_regex(pattern: str) -> re.Pattern[str]:
    """A schema pattern compiled with its JSON Schema (ECMA-262) meaning.

    The one difference that matters here: in Python `$` also matches before a final newline, so
    `^[0-9*#]$` would accept "1\\n". An unescaped `$` outside a character class becomes `\\Z`.
    """
    out: list[str] = []
    in_class = False
    i = 0
    while i < len(pattern):
        char = pattern[i]
        if char == "\\":
            out.append(pattern[i : i + 2])
            i += 2
            continue
        if in_class:
            in_class = char != "]"
        elif char == "[":
            in_class = True
        elif char == "$":
            char = r"\Z"
        out.append(char)
        i += 1
    return re.compile("".join(out))


def resolve(ref: str) -> object:
    """The target of a reference inside the flow schema (`#/$defs/prompt`)."""
    if not ref.startswith("#/"):
        raise ValueError(f"only local references are supported here: {ref}")
    node: object = SCHEMA
    for part in ref[2:].split("/"):
        part = part.replace("~1", "/").replace("~0", "~")
        node = node[int(part)] if isinstance(node, list) else cast("dict[str, object]", node)[part]
    return node
