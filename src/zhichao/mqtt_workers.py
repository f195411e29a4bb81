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

from zhichao.adapters.mqtt import BrokerConfig, FlushPolicy, IngestWorker, broker_address
from zhichao.config import Settings, load_settings
from zhichao.services.mqtt_ingest import SUBSCRIPTION, ingest_flush

log = logging.getLogger("zhichao.mqtt")


def client_id(settings: Settings, index: int) -> str:
    prefix = settings.mqtt_client_id_prefix or f"zhichao-ingest-{socket.gethostname()}"
    return f"{prefix}-{index}"


def broker_config(settings: Settings, index: int) -> BrokerConfig:
    host, port, username, password = broker_address(settings.mqtt_url)
    return BrokerConfig(host, port, username, password, client_id(settings, index),
                        f"$share/{settings.mqtt_share_group}/{SUBSCRIPTION}", settings.mqtt_session_expiry_s)


def run_worker(index: int) -> None:
    """One worker in this process, until SIGTERM or SIGINT."""
    from zhichao.bootstrap import build

    logging.basicConfig(level=logging.INFO, format=f"%(asctime)s %(levelname)s worker-{index} %(name)s: %(message)s")
    stop = threading.Event()

    def on_signal(signum: int, frame: FrameType | None) -> None:
        stop.set()

    signal.signal(signal.SIGTERM, on_signal)
    signal.signal(signal.SIGINT, on_signal)
    c = build()
    s = c.settings
    policy = FlushPolicy(s.mqtt_flush_ms / 1000, s.mqtt_flush_max_messages)
    store, ingest_policy = c.ingest_store, c.ingest_policy
    worker = IngestWorker(broker_config(s, index),
                          lambda messages: ingest_flush(store, messages, now=c.clock(), policy=ingest_policy),
                          policy, stop)
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
