"""MQTT helpers for the ingest tests: a publisher that counts PUBACKs, a results listener, a worker
thread, a private Mosquitto, and ``zhichao ingest-mqtt`` as a subprocess."""

from __future__ import annotations

import getpass
import json
import os
import signal
import subprocess
import sys
import threading
import time
import uuid
from collections import defaultdict
from collections.abc import Callable
from pathlib import Path
from typing import Any

import paho.mqtt.client as paho
from paho.mqtt.enums import CallbackAPIVersion
from paho.mqtt.packettypes import PacketTypes
from paho.mqtt.properties import Properties
from sqlalchemy import func, select

from tests.servers import free_port, settings_env
from zhichao.adapters.db.tables import records
from zhichao.bootstrap import Container
from zhichao.config import Settings

SYSTEM_BROKER = ("127.0.0.1", 1883)


def unique(prefix: str) -> str:
    return f"{prefix}{uuid.uuid4().hex[:8]}"


def wait_for(check: Callable[[], bool], seconds: float = 30, what: str = "condition") -> None:
    deadline = time.monotonic() + seconds
    while not check():
        if time.monotonic() > deadline:
            raise AssertionError(f"{what}: not reached in {seconds} s")
        time.sleep(0.05)


def stored(c: Container, station_ids: list[str]) -> int:
    with c.db.reader.connect() as conn:
        return int(conn.execute(select(func.count()).select_from(records)
                                .where(records.c.station_id.in_(station_ids))).scalar_one())


def stored_ids(c: Container, station_ids: list[str]) -> list[tuple[str, str]]:
    with c.db.reader.connect() as conn:
        rows = conn.execute(select(records.c.station_id, records.c.record_id)
                            .where(records.c.station_id.in_(station_ids))).all()
    return [(r[0], r[1]) for r in rows]


def _client(client_id: str, port: int) -> tuple[paho.Client, Properties]:
    client = paho.Client(CallbackAPIVersion.VERSION2, client_id=client_id, protocol=paho.MQTTv5)
    client.reconnect_delay_set(min_delay=1, max_delay=2)
    props = Properties(PacketTypes.CONNECT)  # type: ignore[no-untyped-call]
    props.SessionExpiryInterval = 300
    return client, props


class Publisher:
    """A station's connection with a persistent session: paho sends again what the broker did not PUBACK."""

    def __init__(self, port: int = SYSTEM_BROKER[1]) -> None:
        self.client, props = _client(unique("pub-"), port)
        self.acked: set[int] = set()
        self.sent: dict[int, list[tuple[str, str]]] = {}
        self._lock = threading.Lock()
        self.client.on_publish = self._on_publish
        self.client.connect("127.0.0.1", port, 30, clean_start=False, properties=props)
        self.client.loop_start()

    def _on_publish(self, client: Any, userdata: Any, mid: int, reason: Any, props: Any) -> None:
        with self._lock:
            self.acked.add(mid)

    def publish(self, station: str, payload: Any, ids: list[str] | None = None) -> int:
        body = payload if isinstance(payload, bytes) else json.dumps(payload).encode()
        info = self.client.publish(f"zhichao/v1/stations/{station}/records", body, qos=1)
        with self._lock:
            self.sent[info.mid] = [(station, i) for i in ids or []]
        return info.mid

    def acked_records(self) -> set[tuple[str, str]]:
        with self._lock:
            return {r for mid in self.acked for r in self.sent.get(mid, [])}

    def all_acked(self) -> bool:
        with self._lock:
            return set(self.sent) <= self.acked

    def close(self) -> None:
        self.client.disconnect()
        self.client.loop_stop()


class Results:
    """What the test's own workers published on the result topics of some stations, per station, in order.

    Other tests' workers share the system broker, hear every station's records and answer
    ``unknown_station`` for the stations their databases do not hold: those answers are not kept."""

    def __init__(self, stations: list[str]) -> None:
        self.client, props = _client(unique("res-"), SYSTEM_BROKER[1])
        self.by_station: dict[str, list[dict[str, Any]]] = defaultdict(list)
        ready = threading.Event()
        self.client.on_message = lambda c, u, m: self._keep(m.topic, json.loads(m.payload))
        self.client.on_subscribe = lambda *a: ready.set()
        self.client.connect(*SYSTEM_BROKER, 30, clean_start=True)
        self.client.loop_start()
        self.client.subscribe([(f"zhichao/v1/stations/{s}/results", 1) for s in stations])
        assert ready.wait(10)

    def _keep(self, topic: str, answer: dict[str, Any]) -> None:
        if (answer.get("error") or {}).get("code") != "unknown_station":
            self.by_station[topic.split("/")[3]].append(answer)

    def count(self) -> int:
        return sum(len(v) for v in self.by_station.values())

    def close(self) -> None:
        self.client.disconnect()
        self.client.loop_stop()


class Mosquitto:
    """A broker of the test's own on a free port, with persistence, that the test may stop and start."""

    def __init__(self, tmp: Path) -> None:
        self.port = free_port()
        self.conf = tmp / "mosquitto.conf"
        (tmp / "mq").mkdir()
        self.conf.write_text(f"listener {self.port} 127.0.0.1\nallow_anonymous true\npersistence true\n"
                             f"persistence_location {tmp / 'mq'}/\nmax_queued_messages 100000\n"
                             # started as root, mosquitto drops to user `mosquitto`, who cannot write there
                             f"user {getpass.getuser()}\n")
        self.proc: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        self.proc = subprocess.Popen(["mosquitto", "-c", str(self.conf)], stdout=subprocess.DEVNULL,
                                     stderr=subprocess.DEVNULL)
        wait_for(self._listening, 10, "mosquitto listening")

    def _listening(self) -> bool:
        import socket

        with socket.socket() as s:
            return s.connect_ex(("127.0.0.1", self.port)) == 0

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.terminate()  # SIGTERM: mosquitto writes its persistence file on the way out
            self.proc.wait(timeout=10)


class WorkerProcess:
    """``zhichao ingest-mqtt --workers N`` against the test's database, logging to a pipe we read."""

    def __init__(self, settings: Settings, workers: int, group: str, port: int = SYSTEM_BROKER[1]) -> None:
        self.env = {**settings_env(settings), "ZHICHAO_MQTT_URL": f"mqtt://127.0.0.1:{port}",
                    "ZHICHAO_MQTT_SHARE_GROUP": group, "ZHICHAO_MQTT_CLIENT_ID_PREFIX": group,
                    "ZHICHAO_MQTT_SESSION_EXPIRY_S": "120", "PYTHONPATH": os.pathsep.join(sys.path)}
        self.workers = workers
        self.lines: list[str] = []
        self.proc: subprocess.Popen[str] | None = None

    def start(self) -> WorkerProcess:
        subscribed = len(self.subscriptions())
        self.proc = subprocess.Popen([sys.executable, "-m", "zhichao.cli", "ingest-mqtt", "--workers",
                                      str(self.workers)], env=self.env, stdout=subprocess.DEVNULL,
                                     stderr=subprocess.PIPE, text=True)
        threading.Thread(target=self._read, args=(self.proc,), daemon=True).start()
        wait_for(lambda: len(self.subscriptions()) >= subscribed + self.workers, 30, "workers subscribed")
        return self

    def _read(self, proc: subprocess.Popen[str]) -> None:
        assert proc.stderr is not None
        for line in proc.stderr:
            self.lines.append(line)

    def subscriptions(self) -> list[str]:
        return [x for x in self.lines if "subscribed to" in x]

    def stopped_counts(self) -> list[int]:
        return [int(x.split("stopped after ")[1].split()[0]) for x in self.lines if "stopped after" in x]

    def terminate(self) -> None:
        assert self.proc is not None
        self.proc.send_signal(signal.SIGTERM)
        self.proc.wait(timeout=20)

    def kill(self) -> None:
        assert self.proc is not None
        self.proc.send_signal(signal.SIGKILL)
        self.proc.wait(timeout=10)
