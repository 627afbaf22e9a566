"""The canonical texts of a flow, JSON and DSL, as `sce fmt` and `sce convert` print them.

A save through the API is not canonical: it keeps the document as the client sent it, so that
it changes only what changed (`sce.flowdoc.render`); a file `sce fmt` left is saved back the
same when nothing changed.
"""

from __future__ import annotations

import json

from sce.dsl import Comments, print_dsl
from sce.loader import LoadedFlow
from sce.model import Flow, flow_to_data

FORMATS = ("json", "flow")


def to_json(flow: Flow, schema_ref: str | None = None) -> str:
    return json.dumps(_data(flow, schema_ref), indent=2, ensure_ascii=False) + "\n"


def to_dsl(flow: Flow, schema_ref: str | None = None, comments: Comments | None = None) -> str:
    return print_dsl(_data(flow, schema_ref), comments)


def render(loaded: LoadedFlow, fmt: str) -> str:
    """The canonical text of a loaded (and sound) flow in `json` or `flow` format.

    The `$schema` reference (editors use it for completion) is kept in both forms, so a
    conversion there and back gives the same bytes.
    """
    assert loaded.flow is not None
    ref = loaded.data.get("$schema") if loaded.data else None
    ref = ref if isinstance(ref, str) else None
    if fmt == "json":
        return to_json(loaded.flow, ref)
    return to_dsl(loaded.flow, ref, loaded.comments if loaded.format == "flow" else None)


def _data(flow: Flow, schema_ref: str | None) -> dict[str, object]:
    data = flow_to_data(flow)
    return {"$schema": schema_ref, **data} if schema_ref else data
