"""The canonical texts of a flow: JSON as the designer saves it, and DSL.

`sce fmt` and `sce convert` print these; the designer's save goes through `to_json` too, so a
flow saved from the browser and one formatted on the command line are byte for byte the same.
"""

from __future__ import annotations

import json
import re

from sce.dsl import print_dsl
from sce.loader import LoadedFlow
from sce.model import Flow, flow_to_data

FORMATS = ("json", "flow")
_SURROGATE = re.compile(r"[\ud800-\udfff]")


def to_json(flow: Flow, schema_ref: str | None = None) -> str:
    data = flow_to_data(flow)
    if schema_ref:
        data = {"$schema": schema_ref, **data}
    text = json.dumps(data, indent=2, ensure_ascii=False)
    # A lone surrogate (from a "\ud800" escape) cannot be written as UTF-8: keep it escaped.
    return _SURROGATE.sub(lambda m: f"\\u{ord(m.group()):04x}", text) + "\n"


def to_dsl(flow: Flow, loaded: LoadedFlow | None = None) -> str:
    comments = loaded.comments if loaded is not None else None
    return print_dsl(flow_to_data(flow), comments)


def render(loaded: LoadedFlow, fmt: str) -> str:
    """The canonical text of a loaded (and sound) flow in `json` or `flow` format."""
    assert loaded.flow is not None
    if fmt == "json":
        ref = loaded.data.get("$schema") if loaded.data else None
        return to_json(loaded.flow, ref if isinstance(ref, str) else None)
    return to_dsl(loaded.flow, loaded if loaded.format == "flow" else None)
