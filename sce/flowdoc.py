"""Flow documents as the repository (`sce.revisions`) takes them: vetted before anything is
written, and rendered as the text of their working file.

A draft with errors may be stored (the designer saves work in progress), so vetting refuses only
what cannot be stored at all: something other than an object, an id that names no file, data
no UTF-8 JSON file can hold, or nesting deeper than any flow needs (which the repository could
write but not read back). Each refusal is a `BadFlowDocument` that points at the problem.
"""

from __future__ import annotations

import json

from sce.diagnostics import Diagnostic
from sce.dsl import Comments, parse_dsl, print_dsl
from sce.errors import BadFlowDocument
from sce.jsontext import to_json, unwritable
from sce.loader import MAX_FREE_DEPTH
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


def render(
    document: dict[str, object],
    fmt: str = "json",
    *,
    comments: Comments | None = None,
    indent: int = 2,
) -> str:
    """The text to write for a document in the form of its file (`json` or `flow`).

    The text holds the document as it came, keys in its order and every value as given (not
    the canonical form, which drops defaults and orders keys its own way): a client that read a
    flow, changed one prompt and saved it back changes one line of the file. `comments` are
    those of the DSL file being replaced, kept where their places still exist; `indent` that of
    the JSON file being replaced.
    """
    problem = unwritable(document, MAX_DEPTH)
    if problem is not None:
        raise bad_document(problem[1], problem[0])
    return to_json(document, indent) if fmt == "json" else _dsl(document, comments)


def _dsl(document: dict[str, object], comments: Comments | None) -> str:
    """The document as DSL, or BadFlowDocument when the DSL cannot hold it as it is (a draft
    whose shape is too far from a flow's for the DSL's blocks)."""
    try:
        text = print_dsl(document, comments)
        parsed = parse_dsl(text)
    except Exception:  # the printer walks data of any shape; whatever trips it, it cannot
        parsed = None
    if parsed is None or parsed.data != document:
        raise bad_document(
            "this flow is kept as DSL (a .flow file), which cannot hold this draft as it is; "
            "fix its shape (see the diagnostics of POST /api/lint) and save again",
            "",
        )
    return text


def bad_document(message: str, ptr: str) -> BadFlowDocument:
    """The refusal of a document, its message naming the place (`ptr`, a JSON pointer)."""
    where = f" (at '{ptr}')" if ptr else ""
    return BadFlowDocument(message + where, [Diagnostic("SCE002", message, pointer=ptr)])
