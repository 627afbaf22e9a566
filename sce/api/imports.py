"""`POST /api/import/twilio-studio`: a Twilio Studio export as a flow of ours, with its import
report and lint findings, for the designer's "Import from Twilio Studio" (the same conversion as
`sce import twilio-studio`, `sce.studio.files`). Nothing is stored: the designer shows the report
and creates the flow with `POST /api/flows`, so the import lands as a revision like any other.

Body: `{"text": "<the export's JSON>", "name": "flow.json", "flow": "optional_id"}`; 422 when
the export is malformed or has no call side, with the message naming the widget or pointer.
"""

from __future__ import annotations

from flask import Blueprint, current_app

from sce.access.roles import Permission
from sce.api.auth import allow
from sce.api.errors import ApiError
from sce.api.requests import draft_body, text_field
from sce.errors import StudioImportError
from sce.lint import Settings
from sce.report import diagnostic_to_json
from sce.studio.files import import_text

imports = Blueprint("imports", __name__)


@imports.post("/api/import/twilio-studio")
@allow(Permission.WRITE)
def import_twilio_studio() -> dict[str, object]:
    body = draft_body()
    text = text_field(body, "text", required=True)
    name = text_field(body, "name", limit=200) or "studio-flow.json"
    flow_id = text_field(body, "flow", limit=128)
    settings = current_app.extensions.get("sce.settings") or Settings()
    try:
        result = import_text(text, source=name, flow_id=flow_id, settings=settings)
    except StudioImportError as e:
        raise ApiError(422, e.message) from None
    return {
        "ok": True,
        "flow": result.flow_id,
        "document": result.imported.document,
        "report": result.imported.report.to_data(),
        "diagnostics": [diagnostic_to_json(d) for d in result.diagnostics],
    }
