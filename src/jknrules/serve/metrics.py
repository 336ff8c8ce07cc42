"""``GET /metrics``: Prometheus text, from a registry of the app's own (no global state).

- ``jknrules_http_requests_total{method,route,status}``
- ``jknrules_http_request_duration_seconds{route}`` (histogram)
- ``jknrules_decisions_total{regency,outcome}`` and ``jknrules_decision_errors_total{kind}``
- ``jknrules_policy_info{regency,effective_from,sha256}`` 1 for each version in force
- ``jknrules_policy_set_info{fingerprint,signed}`` 1, and
  ``jknrules_policy_loaded_timestamp_seconds``
- ``jknrules_reloads_total{result}`` (``ok``/``refused``)

With ``--workers`` above 1 each worker counts its own requests (a scrape reaches one
worker); the policy set in force is the same in every worker after a reload.
"""

from __future__ import annotations

import time

from fastapi import Response
from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram, generate_latest
from prometheus_client.exposition import CONTENT_TYPE_LATEST

from jknrules.serve.security import ASGIApp, Message, Receive, Scope, Send
from jknrules.serve.state import Served

#: latency buckets, seconds: an evaluation takes milliseconds, a batch or a check longer
BUCKETS = (0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0,
           10.0, 30.0)


class Metrics:
    def __init__(self) -> None:
        self.registry = CollectorRegistry(auto_describe=True)
        r = self.registry
        self.requests = Counter("jknrules_http_requests", "HTTP requests answered",
                                ("method", "route", "status"), registry=r)
        self.latency = Histogram("jknrules_http_request_duration_seconds",
                                 "Time to answer an HTTP request", ("route",), buckets=BUCKETS,
                                 registry=r)
        self.decisions = Counter("jknrules_decisions", "Decisions made, by outcome",
                                 ("regency", "outcome"), registry=r)
        self.refused = Counter("jknrules_decision_errors", "Cases refused (invalid input)",
                               ("kind",), registry=r)
        self.policy = Gauge("jknrules_policy_info", "Policy versions in force (value 1)",
                            ("regency", "effective_from", "sha256"), registry=r)
        self.policy_set = Gauge("jknrules_policy_set_info", "The policy set in force (value 1)",
                                ("fingerprint", "signed"), registry=r)
        self.loaded = Gauge("jknrules_policy_loaded_timestamp_seconds",
                            "When the policy set in force was loaded (Unix time)", registry=r)
        self.reloads = Counter("jknrules_reloads", "Policy reloads, by result", ("result",),
                               registry=r)

    def served(self, served: Served) -> None:
        """Show ``served`` as the set in force (and nothing of the one before)."""
        self.policy.clear()
        for regency, effective_from, sha256 in served.versions():
            self.policy.labels(regency, effective_from, sha256).set(1)
        self.policy_set.clear()
        self.policy_set.labels(served.fingerprint, str(served.signed).lower()).set(1)
        self.loaded.set(served.loaded_at.timestamp())

    def decision(self, regency: str, outcome: str) -> None:
        self.decisions.labels(regency, outcome).inc()

    def text(self) -> Response:
        return Response(generate_latest(self.registry), media_type=CONTENT_TYPE_LATEST)


def route_of(scope: Scope) -> str:
    """The route's template (``/v1/policies/{regency}``), never the raw path: a label per
    path would let any client grow the metrics without bound."""
    path = getattr(scope.get("route"), "path", None)
    return path if isinstance(path, str) else "unmatched"


class Observe:
    """ASGI middleware: count every request and time it, by route and status."""

    def __init__(self, app: ASGIApp, metrics: Metrics) -> None:
        self.app, self.metrics = app, metrics

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        start = time.perf_counter()
        status = 500

        async def watch(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = int(message["status"])
            await send(message)

        try:
            await self.app(scope, receive, watch)
        finally:
            route = route_of(scope)
            self.metrics.requests.labels(scope["method"], route, str(status)).inc()
            self.metrics.latency.labels(route).observe(time.perf_counter() - start)
