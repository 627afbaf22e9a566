"""`POST /api/convert`: a flow between its two forms for the designer's text view, a document
(what the canvas draws) and the text of its file (DSL or JSON), both ways.

- `{"text": ..., "format": "flow"|"json", "path": ...}` reads the text as every endpoint reads
  a posted draft (`sce.api.requests.posted_draft`, that is `sce.loader`): the document, with the
  parser's and the schema's findings (line and column included) as diagnostics. Nothing is
  linted or built. A text that gives no document at all (a syntax error) is a 422 whose errors
  say where.
- `{"document": {...}, "to": "flow"|"json"}` gives the text a save writes for that document in a
  file of that form (`sce.flowdoc.render`, which prints DSL with `sce.dsl.print_dsl` as
  `sce convert` does): the document as it is, not its canonical form, so the text read back is
  the same document and applying an unchanged text changes nothing.

Like the checks it is open to readers (it changes nothing), and its body is a draft: at most
`MAX_DRAFT_BYTES` (413 beyond).
"""

from __future__ import annotations

from flask import Blueprint

from sce import flowdoc
from sce.access.roles import Permission
from sce.api.auth import allow
from sce.api.errors import ApiError
from sce.api.requests import FORMATS, draft_body, posted_draft, text_field
from sce.errors import BadFlowDocument
from sce.report import diagnostic_to_json

convert = Blueprint("convert", __name__)


@convert.post("/api/convert")
@allow(Permission.READ)
def convert_draft() -> dict[str, object]:
    """A posted text as a document, or a posted document as text (see the module's docstring);
    400 for a body that is neither, 413 over MAX_DRAFT_BYTES, 422 for a text that does not parse
    or a document the DSL cannot hold."""
    body = draft_body()
    if "to" in body or "document" in body:
        return _to_text(body)
    loaded = posted_draft(body)
    if loaded.data is None:
        count = len(loaded.diagnostics)
        raise ApiError(
            422,
            f"the text is not a flow document: {count} error{'s' * (count != 1)}",
            loaded.diagnostics,
        )
    return {
        "ok": True,
        "document": loaded.data,
        "diagnostics": [diagnostic_to_json(d) for d in loaded.diagnostics],
    }


def _to_text(body: dict[str, object]) -> dict[str, object]:
    """The text of `/document` in the form `/to` names."""
    if "text" in body:
        raise ApiError(
            400, "send 'document' with 'to' (the text of a document) or 'text' alone: one of them"
        )
    to = text_field(body, "to", required=True)
    if to not in FORMATS:
        raise ApiError(400, f"/to must be one of {', '.join(FORMATS)}, not '{to}'")
    document = body.get("document")
    if not isinstance(document, dict):
        raise ApiError(400, "/document is missing: send the flow document as an object")
    # Whatever no file can hold (400, as a save of it gets) is refused before the form is chosen.
    text = flowdoc.render(document, "json")
    if to == "flow":
        try:
            text = flowdoc.render(document, "flow")
        except BadFlowDocument:
            raise ApiError(
                422,
                "the DSL cannot hold this document as it is (its shape is too far from a "
                "flow's): fix what the diagnostics of POST /api/lint point at, or use 'to': 'json'",
            ) from None
    return {"ok": True, "text": text, "format": to}
