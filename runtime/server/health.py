"""`/healthz` for load balancers and `/metrics` for Prometheus."""

from __future__ import annotations

from flask import Blueprint, Response, jsonify

from runtime.errors import StoreUnavailable, UnknownFlow
from runtime.registry import Registry
from runtime.server.metrics import METRICS, ActiveCalls
from runtime.server.service import service
from runtime.store.durable import DurableDeploys
from sce.api.errors import ApiError, error_response

health = Blueprint("health", __name__)

#: What /healthz (and the log, at start) says while webhooks are taken unsigned.
UNSIGNED = (
    "webhook signature checks are off (verify-signatures = false): anyone who reaches this "
    "server can drive calls"
)


@health.get("/healthz")
def healthz() -> Response:
    """200 with the deployed versions when this process can serve every flow that is live; 503
    when the store does not answer, when a flow the kept deploy state says is live is not
    what this process would serve, or when this process is shutting down (a load balancer then
    sends calls elsewhere)."""
    svc = service()
    if svc.draining:
        return error_response(
            ApiError(503, "this process is shutting down: its calls in progress finish here")
        )
    try:
        active = svc.store.active_count()
        missing = _not_served(svc.registry)
    except StoreUnavailable as e:
        return error_response(ApiError(503, e.message))
    if missing:
        shown = ", ".join(missing)
        return error_response(
            ApiError(503, f"live flows this process does not serve as deployed: {shown}")
        )
    warnings = [] if svc.config.verify_signatures else [UNSIGNED]
    return jsonify(
        {
            "ok": True,
            "store": svc.config.store.split("://", 1)[0],
            "active_calls": active,
            "flows": svc.registry.current_versions(),
            "signatures": svc.config.verify_signatures,
            "warnings": warnings,
            **({"sip": svc.sip.status()} if svc.sip is not None else {}),
        }
    )


def _not_served(registry: Registry) -> list[str]:
    """The flows the kept deploy state says are live at a version this process would not give
    new calls (after one look at the store, which a deploy elsewhere may have just changed)."""
    backend = registry.backend
    if not isinstance(backend, DurableDeploys):
        return []
    kept = backend.kept_current()

    def wrong() -> list[str]:
        here = registry.current_versions()
        return sorted(flow for flow, version in kept.items() if here.get(flow) != version)

    if wrong():
        registry.refresh()  # gives a store that lost them its live versions back first
    return wrong()


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
