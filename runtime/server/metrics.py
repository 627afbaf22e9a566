"""Prometheus metrics of a server: calls started, finished and active per flow and version,
webhook latency, refused and repeated webhooks, deploys by result, errors by kind.

Under gunicorn every worker counts its own requests; `sce serve` sets PROMETHEUS_MULTIPROC_DIR
so that `/metrics`, whichever worker answers it, sums every worker (prometheus_client's
multiprocess mode). Active calls are not counted here but read from the session store when
scraped: with Redis that is the truth for every process at once.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator

from prometheus_client import (
    CONTENT_TYPE_LATEST,
    CollectorRegistry,
    Counter,
    Histogram,
    generate_latest,
)
from prometheus_client.core import GaugeMetricFamily, Metric
from prometheus_client.registry import Collector

from runtime.errors import StoreUnavailable
from runtime.registry import DeployResult
from runtime.server import MULTIPROCESS_ENV
from runtime.session import Session

#: Webhook latency buckets (seconds): a menu step takes milliseconds, Twilio gives up at 15 s.
BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 15)


def short(version: str) -> str:
    """A version as the metrics (and people) name it: its first 12 characters."""
    return version[:12]


class Metrics:
    """The server's metrics, in a registry of their own (the process's default registry also
    holds the interpreter's metrics, which mean little summed over workers)."""

    def __init__(self) -> None:
        self.registry = CollectorRegistry(auto_describe=True)
        by_version = ["flow", "version"]
        r = self.registry
        self._started = Counter(
            "sce_calls_started", "Calls started, per flow and version.", by_version, registry=r
        )
        self._finished = Counter(
            "sce_calls_finished", "Calls ended, per flow and version.", by_version, registry=r
        )
        self._latency = Histogram(
            "sce_webhook_seconds",
            "Time to answer a voice webhook, per webhook.",
            ["webhook"],
            buckets=BUCKETS,
            registry=r,
        )
        self._refused = Counter(
            "sce_webhooks_refused",
            "Webhooks refused (bad signature, malformed, unknown call).",
            ["reason"],
            registry=r,
        )
        self._unverified = Counter(
            "sce_webhooks_unverified",
            "Webhooks served without checking their signature (verify-signatures = false).",
            registry=r,
        )
        self._repeated = Counter(
            "sce_webhooks_repeated",
            "Retried or late webhooks answered with the answer given before.",
            registry=r,
        )
        self._cut_off = Counter(
            "sce_requests_cut_off",
            "Requests cut off before the app saw them (head or body too slow, body too large, "
            "too many connections).",
            ["reason"],
            registry=r,
        )
        self._sip_responses = Counter(
            "sce_sip_responses",
            "SIP responses sent, per request method and status.",
            ["method", "status"],
            registry=r,
        )
        self._sip_calls = Counter(
            "sce_sip_calls",
            "SIP calls answered, then ended, per outcome (answered counts each call once).",
            ["outcome"],
            registry=r,
        )
        self._deploys = Counter("sce_deploys", "Deploys, per result.", ["result"], registry=r)
        self._errors = Counter("sce_errors", "Errors, per kind.", ["kind"], registry=r)

    def call_started(self, session: Session) -> None:
        self._started.labels(session.flow, short(session.version)).inc()

    def call_finished(self, session: Session) -> None:
        self._finished.labels(session.flow, short(session.version)).inc()

    def webhook_answered(self, webhook: str, seconds: float) -> None:
        self._latency.labels(webhook).observe(seconds)

    def webhook_refused(self, reason: str) -> None:
        self._refused.labels(reason).inc()

    def webhook_unverified(self) -> None:
        self._unverified.inc()

    def webhook_repeated(self) -> None:
        self._repeated.inc()

    def request_cut_off(self, reason: str) -> None:
        self._cut_off.labels(reason).inc()

    def sip_answered(self, method: str, status: int) -> None:
        self._sip_responses.labels(method, str(status)).inc()

    def sip_call(self, outcome: str) -> None:
        self._sip_calls.labels(outcome).inc()

    def deployed(self, result: DeployResult) -> None:
        self._deploys.labels(result.result).inc()

    def error(self, kind: str) -> None:
        self._errors.labels(kind).inc()

    def exposition(self, live: Collector | None = None) -> tuple[bytes, str]:
        """The text a Prometheus scrape gets (every worker's counts in multiprocess mode)."""
        if os.environ.get(MULTIPROCESS_ENV):
            from prometheus_client import multiprocess

            registry = CollectorRegistry()
            multiprocess.MultiProcessCollector(registry)
        else:
            registry = self.registry
        if live is None:
            return generate_latest(registry), CONTENT_TYPE_LATEST
        both = CollectorRegistry()
        both.register(_Merged(registry, live))
        return generate_latest(both), CONTENT_TYPE_LATEST


class _Merged(Collector):
    def __init__(self, registry: CollectorRegistry, live: Collector) -> None:
        self.registry = registry
        self.live = live

    def collect(self) -> Iterator[Metric]:
        yield from self.registry.collect()
        yield from self.live.collect()


class ActiveCalls(Collector):
    """`sce_calls_active{flow, version}`, read from the session store at each scrape (a call in
    a subflow holds the subflow's version too, and is counted there as well), and `sce_store_up`
    (0 while the store cannot be reached: the other metrics are still served)."""

    def __init__(self, in_use: Callable[[], dict[str, int]], flow_of: Callable[[str], str]) -> None:
        self.in_use = in_use
        self.flow_of = flow_of

    def collect(self) -> Iterator[GaugeMetricFamily]:
        gauge = GaugeMetricFamily(
            "sce_calls_active",
            "Calls in progress, per flow and version.",
            labels=["flow", "version"],
        )
        try:
            for version, count in sorted(self.in_use().items()):
                if count > 0:
                    gauge.add_metric([self.flow_of(version), short(version)], count)
        except StoreUnavailable:
            yield GaugeMetricFamily("sce_store_up", _STORE_UP, value=0)
            return
        yield gauge
        yield GaugeMetricFamily("sce_store_up", _STORE_UP, value=1)


_STORE_UP = "Whether the session store answers (1) or not (0)."


METRICS = Metrics()
