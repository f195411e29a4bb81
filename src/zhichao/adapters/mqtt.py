"""The MQTT broker loop of an ingest worker (paho-mqtt, MQTT 5): receive, flush, publish results, acknowledge.

The worker keeps a persistent session (``clean_start`` false, a session expiry interval) and acknowledges
by hand (``manual_ack``): a QoS 1 message is acknowledged only after the flush that carried it returned,
that is after its records were committed. When the flush raises (the database down), nothing is
acknowledged; the worker disconnects, waits (doubling up to ``backoff_cap_s``, from the start again once a
connection has flushed) and connects again with the same client id, and the broker delivers the
unacknowledged messages of the session again.

What a flush does is the caller's ``handle`` (``services/mqtt_ingest.ingest_flush``); this module knows
nothing of records.
"""

from __future__ import annotations

import logging
import queue
import threading
import time
import urllib.parse
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import paho.mqtt.client as paho
from paho.mqtt.enums import CallbackAPIVersion
from paho.mqtt.packettypes import PacketTypes
from paho.mqtt.properties import Properties
from paho.mqtt.subscribeoptions import SubscribeOptions

from zhichao.services.mqtt_ingest import Message, Outgoing

log = logging.getLogger("zhichao.mqtt")
Handle = Callable[[Sequence[Message]], list[Outgoing]]


@dataclass(frozen=True, slots=True)
class BrokerConfig:
    host: str
    port: int
    username: str
    password: str
    client_id: str
    subscription: str
    session_expiry_s: int = 86_400
    keepalive_s: int = 30


def broker_address(url: str) -> tuple[str, int, str, str]:
    """Host, port, username and password of an ``mqtt://user:password@host:port`` URL."""
    parts = urllib.parse.urlsplit(url if "://" in url else f"mqtt://{url}")
    return (parts.hostname or "127.0.0.1", parts.port or 1883,
            urllib.parse.unquote(parts.username or ""), urllib.parse.unquote(parts.password or ""))


@dataclass(frozen=True, slots=True)
class FlushPolicy:
    interval_s: float = 0.05  # a flush waits this long after its first message for more
    max_messages: int = 200
    backoff_start_s: float = 0.5
    backoff_cap_s: float = 30.0


class IngestWorker:
    """One connection's worth of consuming; ``run`` returns when ``stop`` is set (the flush in progress
    finishes and is acknowledged first)."""

    def __init__(self, config: BrokerConfig, handle: Handle, policy: FlushPolicy, stop: threading.Event) -> None:
        self._config, self._handle, self._policy, self._stop = config, handle, policy, stop
        # (connection generation, message, time.monotonic() at arrival)
        self._queue: queue.Queue[tuple[int, paho.MQTTMessage, float]] = queue.Queue()
        self._generation = 0  # one per connection: a message is acknowledged on the connection it came by
        self._in_flush_since: float | None = None  # arrival of the oldest message of the flush under way
        self.flushed_messages = 0
        self.failed_flushes = 0
        self.connected = False
        self.subscribed = threading.Event()  # set once the broker has granted the subscription

    def run(self) -> None:
        delay = self._policy.backoff_start_s
        while not self._stop.is_set():
            client = self._connect()
            flushed = self.flushed_messages
            try:
                self._consume(client)
                return
            except Exception:
                self.failed_flushes += 1
                if self.flushed_messages > flushed:  # this connection worked: a new fault, not the last one
                    delay = self._policy.backoff_start_s
                log.exception("flush failed: nothing acknowledged; reconnecting in %.1f s", delay)
                self._stop.wait(delay)
                delay = min(delay * 2, self._policy.backoff_cap_s)
            finally:
                self._close(client)

    def _connect(self) -> paho.Client:
        c = self._config
        client = paho.Client(CallbackAPIVersion.VERSION2, client_id=c.client_id, protocol=paho.MQTTv5,
                             manual_ack=True)
        if c.username:
            client.username_pw_set(c.username, c.password or None)
        client.on_connect = self._on_connect
        client.on_message = self._on_message
        client.on_subscribe = self._on_subscribe
        client.on_disconnect = self._on_disconnect
        client.reconnect_delay_set(min_delay=1, max_delay=5)
        props = Properties(PacketTypes.CONNECT)  # type: ignore[no-untyped-call]
        props.SessionExpiryInterval = c.session_expiry_s
        # the broker keeps at most this many unacknowledged messages on the way to us: a flush and the next
        props.ReceiveMaximum = min(65_535, 2 * self._policy.max_messages)
        self._queue = queue.Queue()
        client.connect_async(c.host, c.port, c.keepalive_s, clean_start=False, properties=props)
        client.loop_start()
        return client

    def _on_connect(self, client: paho.Client, userdata: Any, flags: Any, reason: Any, props: Any) -> None:
        if reason.is_failure:
            log.warning("broker refused the connection: %s", reason)
            return
        self._generation += 1
        self.connected = True
        log.info("connected to the broker as %s (session present: %s)", self._config.client_id,
                 flags.session_present)
        client.subscribe(self._config.subscription, options=SubscribeOptions(qos=1))

    def _on_disconnect(self, client: paho.Client, userdata: Any, flags: Any, reason: Any, props: Any) -> None:
        self.connected = False

    def _on_subscribe(self, client: paho.Client, userdata: Any, mid: int, reasons: Any, props: Any) -> None:
        if all(not r.is_failure for r in reasons):
            log.info("subscribed to %s", self._config.subscription)
            self.subscribed.set()
        else:
            log.error("broker refused the subscription to %s: %s", self._config.subscription, reasons)

    def _on_message(self, client: paho.Client, userdata: Any, msg: paho.MQTTMessage) -> None:
        self._queue.put((self._generation, msg, time.monotonic()))

    def _consume(self, client: paho.Client) -> None:
        while not self._stop.is_set():
            batch = self._take()
            if batch:
                self._flush(client, batch)

    def queue_depth(self) -> int:
        """Messages received and not yet taken into a flush."""
        return self._queue.qsize()

    def lag_s(self) -> float:
        """How long the oldest message this worker holds unacknowledged has waited, in seconds (0: none)."""
        oldest = self._in_flush_since
        with self._queue.mutex:  # the head of the queue, read without taking it
            if self._queue.queue:
                head = self._queue.queue[0][2]
                oldest = head if oldest is None else min(oldest, head)
        return 0.0 if oldest is None else max(0.0, time.monotonic() - oldest)

    def _take(self) -> list[tuple[int, paho.MQTTMessage, float]]:
        try:
            batch = [self._queue.get(timeout=0.2)]
        except queue.Empty:
            return []
        deadline = time.monotonic() + self._policy.interval_s
        while len(batch) < self._policy.max_messages:
            try:
                batch.append(self._queue.get(timeout=max(0.0, deadline - time.monotonic())))
            except queue.Empty:
                break
        return batch

    def _flush(self, client: paho.Client, batch: list[tuple[int, paho.MQTTMessage, float]]) -> None:
        self._in_flush_since = min(arrived for _, _, arrived in batch)
        try:
            self._store(client, batch)
        finally:
            self._in_flush_since = None

    def _store(self, client: paho.Client, batch: list[tuple[int, paho.MQTTMessage, float]]) -> None:
        results = self._handle([Message(m.topic, bytes(m.payload), (g, m.mid)) for g, m, _ in batch])
        for out in results:
            client.publish(out.topic, out.payload, qos=1)
        for generation, m, _ in batch:
            # A message from a connection since lost is delivered again on the new one: the ack would be
            # stale, and the second delivery finds its records stored (duplicates).
            if generation == self._generation and m.qos > 0:
                client.ack(m.mid, m.qos)
        self.flushed_messages += len(batch)

    def _close(self, client: paho.Client) -> None:
        self.connected = False
        client.disconnect()
        client.loop_stop()
