"""`/healthz` for load balancers and `/metrics` for Prometheus."""

from __future__ import annotations

from flask import Blueprint, Response, jsonify

from runtime.errors import StoreUnavailable, UnknownFlow
from runtime.server.metrics import METRICS, ActiveCalls
from runtime.server.service import service
from sce.api.errors import ApiError, error_response

health = Blueprint("health", __name__)

#: What /healthz (and the log, at start) says while webhooks are taken unsigned.
UNSIGNED = (
    "webhook signature checks are off (verify-signatures = false): anyone who reaches this "
    "server can drive calls"
)


@health.get("/healthz")
def healthz() -> Response:
    """200 with the deployed versions when the store answers; 503 when it does not."""
    svc = service()
    try:
        active = svc.store.active_count()
    except StoreUnavailable as e:
        return error_response(ApiError(503, e.message))
    warnings = [] if svc.config.verify_signatures else [UNSIGNED]
    return jsonify(
        {
            "ok": True,
            "store": svc.config.store.split("://", 1)[0],
            "active_calls": active,
            "flows": svc.registry.current_versions(),
            "signatures": svc.config.verify_signatures,
            "warnings": warnings,
        }
    )


@health.get("/metrics")
def metrics() -> Response:
    svc = service()

    def flow_of(version: str) -> str:
        try:
            return svc.registry.get(version).flow
        except UnknownFlow:
            return ""

    body, content_type = METRICS.exposition(
        ActiveCalls(lambda: dict(svc.store.versions_in_use()), flow_of)
    )
    return Response(body, content_type=content_type)
