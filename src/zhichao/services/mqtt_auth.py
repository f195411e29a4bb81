"""Who may connect to the MQTT broker and which topics each may use, for brokers that ask over HTTP (EMQX).

Two kinds of client: a station (username its station id, password its token; only the SHA-256 of the
token is stored, so it is compared like an HTTP station call) and the ingest workers' account (one
username and password from the settings). A stopped station is refused; one in repair may still
connect, as it may still post over HTTP (its data is kept, and KPI 1 leaves its repair days out). A
station may publish only to its own records topic and subscribe only to its own results topic; the
workers may subscribe to the records (directly or through a ``$share`` group) and publish results.
Everything else is denied.
"""

from __future__ import annotations

import hmac
import re
from dataclasses import dataclass

from zhichao.services.auth import token_hash
from zhichao.services.mqtt_ingest import results_topic
from zhichao.services.ports import IngestStore

STOPPED = "stopped"  # a station taken out of service (services/stations.py states)

# A records topic the workers may subscribe to: one station's or all of them (``+``), optionally shared.
_WORKER_SUBSCRIBE = re.compile(r"(\$share/[^/+#]{1,64}/)?zhichao/v1/stations/(\+|[^/+#]{1,64})/records")
_WORKER_PUBLISH = re.compile(r"zhichao/v1/stations/[^/+#]{1,64}/results")
# Compared against when the station is unknown, so that the answer takes as long as for a known one.
_NO_HASH = token_hash("")


@dataclass(frozen=True, slots=True)
class WorkerAccount:
    """The ingest workers' broker account; an empty password disables it."""

    username: str
    password: str


def records_topic(station_id: str) -> str:
    return f"zhichao/v1/stations/{station_id}/records"


def _is_worker(worker: WorkerAccount, username: str) -> bool:
    return bool(worker.username and worker.password) and username == worker.username


def may_connect(store: IngestStore, worker: WorkerAccount, username: str, password: str) -> bool:
    """True when ``username``/``password`` are the workers' account or a station (not stopped) and its token."""
    if _is_worker(worker, username):
        return hmac.compare_digest(password.encode(), worker.password.encode())
    info = store.station(username) if username else None
    same = hmac.compare_digest(info.token_hash if info else _NO_HASH, token_hash(password))
    return info is not None and same and bool(password) and info.state != STOPPED


def may_use_topic(store: IngestStore, worker: WorkerAccount, username: str, topic: str, action: str) -> bool:
    """True when ``username`` may ``action`` (``publish`` or ``subscribe``) on ``topic``."""
    if _is_worker(worker, username):
        if action == "subscribe":
            return _WORKER_SUBSCRIBE.fullmatch(topic) is not None
        return action == "publish" and _WORKER_PUBLISH.fullmatch(topic) is not None
    info = store.station(username) if username else None
    if info is None or info.state == STOPPED:
        return False
    if action == "publish":
        return topic == records_topic(info.station_id)
    return action == "subscribe" and topic == results_topic(info.station_id)
