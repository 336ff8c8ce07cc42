"""``GET /metrics``: Prometheus text, from a registry of the app's own (no global state).

- ``jknrules_http_requests_total{method,route,status}``
- ``jknrules_http_request_duration_seconds{route}`` (histogram)
- ``jknrules_decisions_total{regency,outcome}`` and ``jknrules_decision_errors_total{kind}``
- ``jknrules_policy_info{regency,effective_from,sha256}`` 1 for each version in force
- ``jknrules_policy_set_info{fingerprint,signed}`` 1, and
  ``jknrules_policy_loaded_timestamp_seconds``
- ``jknrules_reloads_total{result}`` (``ok``/``refused``)

With ``--workers`` above 1 the counters and histograms are summed over every worker
(and every worker a reload replaced): the CLI gives the run a temporary folder in
:data:`MULTIPROC_ENV` before the workers start, prometheus-client's multiprocess mode
writes each worker's values there, and whichever worker a scrape reaches reads them all
(:class:`~prometheus_client.multiprocess.MultiProcessCollector`); the folder is removed
when the server stops. The policy metrics are not stored: each scrape reads them from
the set in force in the worker answering (the same set in every worker after a reload).
"""

from __future__ import annotations

import os
import time
from collections.abc import Iterator

from fastapi import Response
from prometheus_client import CollectorRegistry, Counter, Histogram, generate_latest
from prometheus_client.core import GaugeMetricFamily, Metric
from prometheus_client.exposition import CONTENT_TYPE_LATEST
from prometheus_client.multiprocess import MultiProcessCollector
from prometheus_client.registry import Collector

from jknrules.serve.security import ASGIApp, Message, Receive, Scope, Send
from jknrules.serve.state import Served

#: latency buckets, seconds: an evaluation takes milliseconds, a batch or a check longer
BUCKETS = (0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0,
           10.0, 30.0)


#: prometheus-client's multiprocess folder (read when it is first imported)
MULTIPROC_ENV = "PROMETHEUS_MULTIPROC_DIR"


class PolicyCollector(Collector):
    """The policy set in force as gauges, made at each scrape (never stored, so a reload
    leaves nothing of the set before, in any worker)."""

    def __init__(self) -> None:
        self.shown: Served | None = None

    def collect(self) -> Iterator[Metric]:
        served = self.shown
        if served is None:
            return
        info = GaugeMetricFamily("jknrules_policy_info", "Policy versions in force (value 1)",
                                 labels=("regency", "effective_from", "sha256"))
        for version in served.versions():
            info.add_metric(version, 1)
        the_set = GaugeMetricFamily("jknrules_policy_set_info",
                                    "The policy set in force (value 1)",
                                    labels=("fingerprint", "signed"))
        the_set.add_metric((served.fingerprint, str(served.signed).lower()), 1)
        loaded = GaugeMetricFamily("jknrules_policy_loaded_timestamp_seconds",
                                   "When the policy set in force was loaded (Unix time)",
                                   value=served.loaded_at.timestamp())
        yield from (info, the_set, loaded)


class Metrics:
    def __init__(self) -> None:
        #: the multiprocess folder of a ``--workers N`` run (``None``: one process)
        self.folder = os.environ.get(MULTIPROC_ENV) or None
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
        self.policies = PolicyCollector()
        r.register(self.policies)
        self.reloads = Counter("jknrules_reloads", "Policy reloads, by result", ("result",),
                               registry=r)

    def served(self, served: Served) -> None:
        """Show ``served`` as the set in force (and nothing of the one before)."""
        self.policies.shown = served

    def decision(self, regency: str, outcome: str) -> None:
        self.decisions.labels(regency, outcome).inc()

    def text(self) -> Response:
        registry = self.registry
        if self.folder is not None:  # every worker's counts, summed
            registry = CollectorRegistry()
            MultiProcessCollector(registry, path=self.folder)  # type: ignore[no-untyped-call]
            registry.register(self.policies)
        return Response(generate_latest(registry), media_type=CONTENT_TYPE_LATEST)


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
