"""`GET /api/rules`: every lint rule with its documentation, as `sce rules CODE` explains it, so
that the designer's problems list can say what a code means and why it matters."""

from __future__ import annotations

from flask import Blueprint

from sce.access.roles import Permission
from sce.api.auth import allow
from sce.lint import RULES

rules = Blueprint("rules", __name__)


@rules.get("/api/rules")
@allow(Permission.READ)
def list_rules() -> dict[str, object]:
    ordered = sorted(RULES.values(), key=lambda r: r.code)
    return {"rules": [r.to_json(doc=True) for r in ordered]}
