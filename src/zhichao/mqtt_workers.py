"""``zhichao ingest-mqtt``: N worker processes on the shared subscription, each with its own container.

Each worker builds its own engine (``bootstrap.build``) in its own process and connects with the client id
``PREFIX-i``, the same at every start, so it resumes its persistent session. SIGTERM or SIGINT stops a
worker after the flush in progress is committed and acknowledged; the parent passes them on and waits.
"""

from __future__ import annotations

import logging
import multiprocessing
import signal
import socket
import threading
from types import FrameType

from prometheus_client import REGISTRY, start_http_server

from zhichao.adapters.metrics import WorkerCollector
from zhichao.adapters.mqtt import BrokerConfig, FlushPolicy, IngestWorker, broker_address
from zhichao.config import Settings, load_settings
from zhichao.logs import configure
from zhichao.services.mqtt_ingest import SUBSCRIPTION, ingest_flush

log = logging.getLogger("zhichao.mqtt")


def client_id(settings: Settings, index: int) -> str:
    prefix = settings.mqtt_client_id_prefix or f"zhichao-ingest-{socket.gethostname()}"
    return f"{prefix}-{index}"


def broker_config(settings: Settings, index: int) -> BrokerConfig:
    host, port, username, password = broker_address(settings.mqtt_url)
    return BrokerConfig(host, port, username, password, client_id(settings, index),
                        f"$share/{settings.mqtt_share_group}/{SUBSCRIPTION}", settings.mqtt_session_expiry_s)


class _WorkerTag(logging.Filter):
    """Each line says which worker wrote it: ``worker`` in JSON, ``[worker-N]`` before the text message."""

    def __init__(self, index: int, text: bool) -> None:
        super().__init__()
        self.index, self.text = index, text

    def filter(self, record: logging.LogRecord) -> bool:
        if self.text:
            record.msg = f"[worker-{self.index}] {record.getMessage()}"
            record.args = None
        else:
            record.worker = self.index
        return True


def serve_metrics(collector: WorkerCollector, host: str, port: int) -> None:
    """This process's metrics (its ingest counters, the worker's state, the process's own) on ``host:port``."""
    REGISTRY.register(collector)
    try:
        start_http_server(port, addr=host, registry=REGISTRY)
    except OSError:  # ingest goes on without its metrics: they are not worth a record
        log.exception("metrics port %s:%d not available; this worker serves no metrics", host, port)
        return
    log.info("metrics on http://%s:%d/metrics", host, port)


def run_worker(index: int) -> None:
    """One worker in this process, until SIGTERM or SIGINT."""
    from zhichao.bootstrap import build

    stop = threading.Event()

    def on_signal(signum: int, frame: FrameType | None) -> None:
        stop.set()

    signal.signal(signal.SIGTERM, on_signal)
    signal.signal(signal.SIGINT, on_signal)
    c = build()
    s = c.settings
    # secrets masked, text or JSON as the serving processes
    configure(s.log_format).addFilter(_WorkerTag(index, text=s.log_format == "text"))
    policy = FlushPolicy(s.mqtt_flush_ms / 1000, s.mqtt_flush_max_messages)
    store, ingest_policy = c.ingest_store, c.ingest_policy
    worker = IngestWorker(broker_config(s, index),
                          lambda messages: ingest_flush(store, messages, now=c.clock(), policy=ingest_policy),
                          policy, stop)
    if s.mqtt_metrics_port:
        serve_metrics(WorkerCollector(worker, index), s.mqtt_metrics_host, s.mqtt_metrics_port + index)
    try:
        worker.run()
    finally:
        log.info("stopped after %d messages", worker.flushed_messages)
        c.close()


def run_workers(count: int) -> None:
    """``count`` workers: in this process for one, else in child processes (spawned: no engine is shared)."""
    load_settings()  # a malformed setting stops here, once, not in every child
    if count == 1:
        run_worker(0)
        return
    ctx = multiprocessing.get_context("spawn")
    children = [ctx.Process(target=run_worker, args=(i,), name=f"ingest-mqtt-{i}") for i in range(count)]
    for child in children:
        child.start()

    def forward(signum: int, frame: FrameType | None) -> None:
        for child in children:
            if child.pid is not None and child.is_alive():
                child.terminate()  # SIGTERM: each finishes its flush

    signal.signal(signal.SIGTERM, forward)
    signal.signal(signal.SIGINT, forward)
    for child in children:
        child.join()
