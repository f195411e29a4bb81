"""Publishing simulated traffic to an MQTT broker, as stations do (docs/mqtt.md): MQTT 5, QoS 1, one batch a
message on ``zhichao/v1/stations/{station_id}/records``.

A message counts as delivered once its PUBACK has come back, which the broker sends when it has taken the
message over, not when a worker has stored it. Each connection keeps a persistent session, so paho sends
again what was in flight when a connection dropped. ``wait`` returns once every message was acknowledged.
"""

from __future__ import annotations

import threading
import urllib.parse
import uuid
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any

import msgspec
import paho.mqtt.client as paho
from paho.mqtt.enums import CallbackAPIVersion
from paho.mqtt.packettypes import PacketTypes
from paho.mqtt.properties import Properties

from zhichao.services.errors import InvalidInput, NotAuthenticated, ServiceError
from zhichao.simulation.feed import batches

_encode = msgspec.json.Encoder().encode
WINDOW = 1000  # messages of one connection not yet acknowledged; well below 65 535 packet ids


class BrokerUnavailable(ServiceError):
    status = 503


@dataclass(frozen=True, slots=True)
class BrokerUrl:
    host: str
    port: int
    username: str
    password: str


def parse_broker_url(url: str) -> BrokerUrl:
    """``mqtt://[user:password@]host[:port]``; anything else is refused with a Chinese message."""
    parts = urllib.parse.urlsplit(url)
    try:
        port = parts.port or 1883
    except ValueError:
        port = 0
    if parts.scheme != "mqtt" or not parts.hostname or parts.path not in ("", "/") or not 0 < port < 65_536:
        raise InvalidInput("invalid_mqtt_url", "--mqtt 必须形如 mqtt://主机:端口（可带 用户名:密码@）")
    return BrokerUrl(parts.hostname, port, urllib.parse.unquote(parts.username or ""),
                     urllib.parse.unquote(parts.password or ""))


@dataclass(slots=True)
class PublishTotals:
    messages: int = 0
    records: int = 0
    acked_messages: int = 0
    acked_records: int = 0
    refused_messages: int = 0  # a PUBACK with a failure reason code (e.g. not authorised)
    refused_records: int = 0


class _Connection:
    """One client and its messages in flight (packet id → records), settled by their PUBACK."""

    def __init__(self, broker: BrokerUrl, username: str, password: str, totals: PublishTotals,
                 lock: threading.Condition, timeout_s: float) -> None:
        self._totals, self._lock = totals, lock
        self._pending: dict[int, int] = {}
        self._early: dict[int, bool] = {}  # a PUBACK seen before ``publish`` returned its packet id
        self._connected = threading.Event()
        self._refusal: str | None = None
        self.client = paho.Client(CallbackAPIVersion.VERSION2, client_id=f"sim-{uuid.uuid4().hex[:12]}",
                                  protocol=paho.MQTTv5)
        if username:
            self.client.username_pw_set(username, password or None)
        self.client.max_queued_messages_set(0)
        self.client.reconnect_delay_set(min_delay=1, max_delay=5)
        self.client.on_connect = self._on_connect
        self.client.on_publish = self._on_publish
        props = Properties(PacketTypes.CONNECT)  # type: ignore[no-untyped-call]
        props.SessionExpiryInterval = 300  # what was in flight is sent again after a reconnect
        try:
            self.client.connect(broker.host, broker.port, 30, clean_start=False, properties=props)
        except OSError as exc:
            raise BrokerUnavailable("mqtt_unreachable",
                                    f"无法连接 MQTT 代理 {broker.host}:{broker.port}：{exc}") from None
        self.client.loop_start()
        if not self._connected.wait(timeout_s) or self._refusal:
            self.close()
            if self._refusal:
                raise NotAuthenticated("mqtt_refused", f"MQTT 代理拒绝了 {username or '匿名'} 的连接：{self._refusal}")
            raise BrokerUnavailable("mqtt_unreachable", f"MQTT 代理 {broker.host}:{broker.port} 未应答")

    def _on_connect(self, client: Any, userdata: Any, flags: Any, reason: Any, props: Any) -> None:
        if reason.is_failure:
            self._refusal = str(reason)
            client.disconnect()
        self._connected.set()

    def _on_publish(self, client: Any, userdata: Any, mid: int, reason: Any, props: Any) -> None:
        with self._lock:
            records = self._pending.pop(mid, None)
            if records is None:
                self._early[mid] = bool(reason.is_failure)
            else:
                self._settle(records, bool(reason.is_failure))

    def _settle(self, records: int, failed: bool) -> None:
        t = self._totals
        if failed:
            t.refused_messages += 1
            t.refused_records += records
        else:
            t.acked_messages += 1
            t.acked_records += records
        self._lock.notify_all()

    def in_flight(self) -> int:
        return len(self._pending)

    def publish(self, topic: str, body: bytes, records: int) -> None:
        # Not under the lock: paho calls ``_on_publish`` holding its own lock, which ``publish`` takes too.
        info = self.client.publish(topic, body, qos=1)
        with self._lock:
            self._totals.messages += 1
            self._totals.records += records
            failed = self._early.pop(info.mid, None)
            if failed is None:
                self._pending[info.mid] = records
            else:
                self._settle(records, failed)

    def close(self) -> None:
        self.client.disconnect()
        self.client.loop_stop()


class MqttFeeder:
    """Publishes batches as stations: with ``tokens``, one connection per station (username its id, password
    its token); without, one connection for all, anonymous or with the URL's credentials."""

    def __init__(self, url: str, tokens: Mapping[str, str] | None = None, timeout_s: float = 60.0) -> None:
        self._broker = parse_broker_url(url)
        self._tokens, self._timeout_s = tokens, timeout_s
        self.totals = PublishTotals()
        self._lock = threading.Condition()
        self._connections: dict[str, _Connection] = {}

    def _connection(self, station: str) -> _Connection:
        key = station if self._tokens is not None else ""
        if key not in self._connections:
            b = self._broker
            username, password = (station, self._tokens[station]) if self._tokens is not None else (b.username,
                                                                                                    b.password)
            self._connections[key] = _Connection(b, username, password, self.totals, self._lock, self._timeout_s)
        return self._connections[key]

    def publish(self, station: str, body: bytes, records: int) -> None:
        """One message; waits first while this connection has ``WINDOW`` messages unacknowledged."""
        conn = self._connection(station)
        self._until(lambda: conn.in_flight() < WINDOW)
        conn.publish(f"zhichao/v1/stations/{station}/records", body, records)

    def feed(self, records: Iterable[dict[str, object]], size: int = 500) -> PublishTotals:
        """Every batch published and acknowledged (stations without a token are left out, as over HTTP)."""
        for station, group in batches(records, size):
            if self._tokens is None or station in self._tokens:
                self.publish(station, _encode(group), len(group))
        return self.wait()

    def wait(self) -> PublishTotals:
        """Until every message published so far has its PUBACK."""
        self._until(lambda: all(c.in_flight() == 0 for c in self._connections.values()))
        return self.totals

    def _until(self, done: Callable[[], bool]) -> None:
        """Wait for ``done()``, for as long as PUBACKs keep coming within the timeout."""
        with self._lock:
            while not done():
                before = self.totals.acked_messages + self.totals.refused_messages
                self._lock.wait(self._timeout_s)
                if not done() and self.totals.acked_messages + self.totals.refused_messages == before:
                    t = self.totals
                    missing = t.messages - t.acked_messages - t.refused_messages
                    raise BrokerUnavailable("mqtt_unacknowledged", f"{self._timeout_s:g} 秒内 MQTT 代理未确认任何消息，"
                                                                   f"尚有 {missing} 条未确认")

    def close(self) -> None:
        for conn in self._connections.values():
            conn.close()
        self._connections.clear()
