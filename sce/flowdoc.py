"""Flow documents as the repository (`sce.revisions`) takes them: vetted before anything is
written, and rendered as the text of their working file.

A draft with errors may be stored (the designer saves work in progress), so vetting refuses only
what cannot be stored at all: something other than an object, an id that names no file, data
no UTF-8 JSON file can hold, or nesting deeper than any flow needs (which the repository could
write but not read back). Each refusal is a `BadFlowDocument` that points at the problem.
"""

from __future__ import annotations

import json

from sce import canonical
from sce.diagnostics import Diagnostic
from sce.errors import BadFlowDocument
from sce.jsontext import to_json, unwritable
from sce.loader import MAX_FREE_DEPTH, LoadedFlow, load_data
from sce.schema.document import SCHEMA, ecma_regex

#: A flow id, as the schema says it (it is also the working file's name).
FLOW_ID = ecma_regex(SCHEMA["$defs"]["flowId"]["pattern"])
#: The deepest nesting a stored document may have: a free-form value (`/nodes/<id>/ui`,
#: `/variables/<name>/default`) sits three levels down and may be MAX_FREE_DEPTH deep, and the
#: rest of a flow is shallower.
MAX_DEPTH = MAX_FREE_DEPTH + 3


def flow_id_of(document: object) -> str:
    """The id of a document that may be stored (even as a draft), or BadFlowDocument."""
    if not isinstance(document, dict):
        raise bad_document(
            "a flow document must be a JSON object with 'flow', 'start' and 'nodes'", ""
        )
    flow_id = document.get("flow")
    if not isinstance(flow_id, str) or not FLOW_ID.match(flow_id):
        shown = json.dumps(flow_id, ensure_ascii=False)[:140] if "flow" in document else "none"
        raise bad_document(
            f"the flow id {shown} is not valid: use letters, digits, '_', '.' and '-', starting "
            "with a letter or '_' (at most 128)",
            "/flow",
        )
    return flow_id


def render(document: dict[str, object]) -> tuple[str, LoadedFlow]:
    """The text to write for a document (canonical if it is a sound flow), and how it loads."""
    problem = unwritable(document, MAX_DEPTH)
    if problem is not None:
        raise bad_document(problem[1], problem[0])
    loaded = load_data(document)
    if loaded.flow is not None:
        ref = document.get("$schema")
        return canonical.to_json(loaded.flow, ref if isinstance(ref, str) else None), loaded
    return to_json(document), loaded


def bad_document(message: str, ptr: str) -> BadFlowDocument:
    """The refusal of a document, its message naming the place (`ptr`, a JSON pointer)."""
    where = f" (at '{ptr}')" if ptr else ""
    return BadFlowDocument(message + where, [Diagnostic("SCE002", message, pointer=ptr)])
