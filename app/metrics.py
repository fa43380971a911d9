"""Prometheus metrics at ``/metrics``: request latency, the delivery queue, lookup cache hits.

Queue figures are read from the database at scrape time, so every API process reports the same
global truth; request latency is per process (scrape each process, or sum in Prometheus).
"""

from collections.abc import Iterator

from prometheus_client import CollectorRegistry, Counter, Histogram, generate_latest
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.registry import Collector
from sqlalchemy import func, select
from sqlalchemy.engine import Engine

from app.db import utcnow
from app.delivery.models import Delivery, DeliveryStatus

CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8"

# Counted wherever a lookup happens; process-wide because lookups happen outside requests too.
LOOKUP_CACHE = Counter(
    "lettercast_lookup_cache_total", "District lookups by cache result", ["result"]
)


class QueueCollector(Collector):
    def __init__(self, engine_getter: "EngineGetter") -> None:
        self._engine_getter = engine_getter

    def collect(self) -> Iterator[GaugeMetricFamily]:
        engine = self._engine_getter()
        if engine is None:
            return
        by_status = GaugeMetricFamily(
            "lettercast_deliveries",
            "Deliveries by status and channel",
            labels=["status", "channel"],
        )
        due = GaugeMetricFamily(
            "lettercast_queue_depth", "Deliveries due to be sent now (queued or retrying)"
        )
        with engine.connect() as connection:
            rows = connection.execute(
                select(Delivery.status, Delivery.channel, func.count()).group_by(
                    Delivery.status, Delivery.channel
                )
            ).all()
            depth = connection.execute(
                select(func.count())
                .select_from(Delivery)
                .where(Delivery.status.in_([DeliveryStatus.queued, DeliveryStatus.failed]))  # type: ignore[attr-defined]
                .where(Delivery.next_attempt_at <= utcnow())  # type: ignore[arg-type]
            ).scalar_one()
        for status, channel, count in rows:
            by_status.add_metric([status, channel], count)
        due.add_metric([], depth)
        yield by_status
        yield due


class EngineGetter:
    def __init__(self) -> None:
        self.engine: Engine | None = None

    def __call__(self) -> Engine | None:
        return self.engine


class AppMetrics:
    """One registry per app instance, so tests can build many apps without clashes."""

    def __init__(self) -> None:
        self.registry = CollectorRegistry()
        self.engine_getter = EngineGetter()
        self.request_seconds = Histogram(
            "lettercast_http_request_duration_seconds",
            "HTTP request latency by route template",
            ["method", "route", "status"],
            registry=self.registry,
            buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10),
        )
        self.registry.register(QueueCollector(self.engine_getter))
        self.registry.register(LOOKUP_CACHE)

    def render(self) -> bytes:
        return generate_latest(self.registry)
