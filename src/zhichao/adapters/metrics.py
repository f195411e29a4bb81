"""The process's Prometheus metrics, served by ``GET /metrics`` (docs/monitoring.md).

Counters and histograms live in prometheus-client's process-wide registry: each process (a serving
process, an MQTT ingest worker, ``zhichao outbox run``) counts what it did itself, and Prometheus adds
the processes up. Multiprocess mode is not used. The backlogs are not counted in memory: they are read
from the database at scrape time, one COUNT each on an indexed column, so every process reports the
same numbers.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator

from prometheus_client import REGISTRY, CollectorRegistry, Counter, Histogram, generate_latest
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily
from prometheus_client.registry import Collector

from zhichao.adapters.db.metrics import SqlBacklog
from zhichao.adapters.mqtt import IngestWorker
from zhichao.services.alerts import AlertEngine
from zhichao.services.ingest import BatchResult

log = logging.getLogger("zhichao.metrics")
CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8"

INGEST_RECORDS = Counter(
    "zhichao_ingest_records", "Records received, by ingest path (http, mqtt, sim) and outcome "
    "(accepted, duplicate, rejected).", ["source", "outcome"])
INGEST_BATCH_SECONDS = Histogram(
    "zhichao_ingest_batch_seconds", "Time to validate, judge and commit one batch, in seconds.", ["source"],
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0))
JOB_SECONDS = Histogram(
    "zhichao_background_job_seconds", "Duration of one run of a background sweep, in seconds.", ["job"],
    buckets=(0.01, 0.05, 0.1, 0.5, 1.0, 5.0, 15.0, 60.0, 300.0, 1800.0))
JOB_FAILURES = Counter("zhichao_background_job_failures", "Runs of a background sweep that raised.", ["job"])


def observe_batch(source: str, result: BatchResult, seconds: float) -> None:
    """``IngestPolicy.on_result``: count one stored batch."""
    INGEST_RECORDS.labels(source, "accepted").inc(result.accepted)
    INGEST_RECORDS.labels(source, "duplicate").inc(result.duplicates)
    INGEST_RECORDS.labels(source, "rejected").inc(len(result.rejected))
    INGEST_BATCH_SECONDS.labels(source).observe(seconds)


def observe_job(job: str, seconds: float, ok: bool) -> None:
    JOB_SECONDS.labels(job).observe(seconds)
    if not ok:
        JOB_FAILURES.labels(job).inc()


class BacklogCollector(Collector):
    """Gauges read from the database when Prometheus scrapes; a gauge whose read fails is left out."""

    def __init__(self, backlog: SqlBacklog, engine: AlertEngine | None) -> None:
        self.backlog, self.engine = backlog, engine

    def collect(self) -> Iterator[GaugeMetricFamily]:
        for name, doc, read in (
            ("zhichao_review_queue_depth", "Review items waiting for a first or second reviewer.",
             self.backlog.review_queue_depth),
            ("zhichao_outbox_backlog", "Notices waiting to be sent (pending, including those retried later).",
             self.backlog.outbox_backlog),
            ("zhichao_alert_engine_lag_seconds", "Seconds from the engine's last read to the arrival of the newest "
             "record it has not read; 0 when it has read everything.", self.alert_lag_s),
        ):
            try:
                value = read()
            except Exception:  # noqa: BLE001 — a scrape must answer while the database is away
                log.exception("metric %s could not be read", name)
                continue
            if value is not None:
                yield GaugeMetricFamily(name, doc, value=float(value))

    def alert_lag_s(self) -> float | None:
        """None in a process without a running engine (it has never read)."""
        if self.engine is None or self.engine.read_at is None:
            return None
        newest = self.backlog.newest_record()
        if newest is None or newest[0] <= (self.engine.cursor or 0):
            return 0.0
        return max(0.0, (newest[1] - self.engine.read_at).total_seconds())


class ProcessMetrics:
    """What ``GET /metrics`` shows: the process-wide counters, then the backlogs read now."""

    def __init__(self, backlog: SqlBacklog, engine: AlertEngine | None) -> None:
        self.scraped = CollectorRegistry(auto_describe=False)
        self.scraped.register(BacklogCollector(backlog, engine))

    def render(self) -> bytes:
        return generate_latest(REGISTRY) + generate_latest(self.scraped)


class WorkerCollector(Collector):
    """An MQTT ingest worker's state, read when Prometheus scrapes the worker's own port."""

    def __init__(self, worker: IngestWorker, index: int) -> None:
        self.worker, self.index = worker, str(index)

    def collect(self) -> Iterator[GaugeMetricFamily | CounterMetricFamily]:
        w, labels = self.worker, [self.index]
        for family, name, doc, value in (
            (GaugeMetricFamily, "zhichao_mqtt_connected", "1 while the worker is connected to the broker.",
             1.0 if w.connected else 0.0),
            (GaugeMetricFamily, "zhichao_mqtt_queue_depth", "Messages received and not yet taken into a flush.",
             float(w.queue_depth())),
            (GaugeMetricFamily, "zhichao_mqtt_worker_lag_seconds",
             "How long the oldest message the worker holds unacknowledged has waited (0: none).", w.lag_s()),
            (CounterMetricFamily, "zhichao_mqtt_messages", "Messages stored and acknowledged (or refused whole).",
             float(w.flushed_messages)),
            (CounterMetricFamily, "zhichao_mqtt_flush_failures",
             "Flushes that failed (nothing acknowledged; the worker reconnects and the broker delivers again).",
             float(w.failed_flushes)),
        ):
            metric = family(name, doc, labels=["worker"])
            metric.add_metric(labels, value)
            yield metric
