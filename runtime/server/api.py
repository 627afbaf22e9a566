"""Mounts the HTTP API under /api (see the OpenAPI description at /api/openapi.json)."""

from __future__ import annotations

from flask import Flask

from runtime.server.deploys import deploys
from runtime.server.openapi import openapi
from runtime.server.simulate import simulate
from sce.api.audit import audit_log
from sce.api.checks import checks
from sce.api.convert import convert
from sce.api.expressions import expressions
from sce.api.flows import flows
from sce.api.imports import imports
from sce.api.prompts import prompts
from sce.api.rules import rules
from sce.api.session import session
from sce.api.users import users


def register(app: Flask) -> None:
    """Add the API's blueprints to `app`: logging in, users and the audit log, authoring
    (flows, checks, convert, expressions, rules, prompts, imports), deploys, test calls and the API's own description."""
    authoring = (flows, checks, convert, expressions, rules, prompts, imports)
    for blueprint in (session, users, audit_log, *authoring, deploys, simulate, openapi):
        app.register_blueprint(blueprint)
