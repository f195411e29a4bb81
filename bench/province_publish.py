"""The province benchmark's publisher (its own process): pre-serialised batches read from a file and sent over
MQTT (QoS 1, at most ``window`` messages without their result) or HTTP (keep-alive connections in threads).

It prints one JSON object: records sent, accepted, duplicates, rejected, the times, the overall rate, and the
rate over the middle 80 % (from the moment 10 % of the records were confirmed stored to the moment 90 % were).
"""

from __future__ import annotations

import argparse
import http.client
import json
import resource
import struct
import threading
import time
import uuid
from collections.abc import Iterable, Iterator
from typing import Any

_HEAD = struct.Struct("<HII")  # station id length, payload length, records


def write_batches(path: Any, batches: Iterable[tuple[str, bytes, int]]) -> None:
    with open(path, "wb") as f:
        for station, payload, records in batches:
            sid = station.encode()
            f.write(_HEAD.pack(len(sid), len(payload), records))
            f.write(sid)
            f.write(payload)


def read_batches(path: Any) -> Iterator[tuple[str, bytes, int]]:
    """Read as it is sent: the file is in the page cache, so a batch costs a copy, not a disk read."""
    with open(path, "rb") as f:
        while head := f.read(_HEAD.size):
            n_sid, n_payload, records = _HEAD.unpack(head)
            yield f.read(n_sid).decode(), f.read(n_payload), records


class Tally:
    """Confirmed records over time (a result or an HTTP answer each), shared by threads."""

    def __init__(self) -> None:
        self.lock = threading.Condition()
        self.sent_messages = self.sent_records = self.answers = 0
        self.accepted = self.duplicates = self.rejected = self.errors = 0
        self.timeline: list[tuple[float, int]] = []  # (time, accepted so far)

    def answer(self, result: dict[str, Any]) -> None:
        with self.lock:
            self.answers += 1
            self.accepted += int(result.get("accepted", 0))
            self.duplicates += int(result.get("duplicates", 0))
            self.rejected += len(result.get("rejected", ()))
            self.errors += "error" in result
            self.timeline.append((time.perf_counter(), self.accepted))
            self.lock.notify_all()

    def report(self, t0: float) -> dict[str, Any]:
        end = self.timeline[-1][0] if self.timeline else time.perf_counter()
        total = self.accepted

        def when(share: float) -> float:
            return next((t for t, n in self.timeline if n >= share * total), end)

        t10, t90 = when(0.1), when(0.9)
        return {"messages": self.sent_messages, "records": self.sent_records, "answers": self.answers,
                "accepted": total, "duplicates": self.duplicates, "rejected": self.rejected, "errors": self.errors,
                "seconds": end - t0, "rate_overall": total / (end - t0) if end > t0 else 0.0,
                "rate_middle": 0.8 * total / (t90 - t10) if t90 > t10 else 0.0,
                "per_second": _per_second(self.timeline, t0)}


def _per_second(timeline: list[tuple[float, int]], t0: float) -> list[int]:
    """Records confirmed in each whole second of the run: the shape of the run, to see it was sustained."""
    out: list[int] = []
    last = 0
    for t, n in timeline:
        second = int(t - t0)
        while len(out) <= second:
            out.append(0)
        out[second] += n - last
        last = n
    return out


def publish_mqtt(port: int, batches: Iterable[tuple[str, bytes, int]], window: int) -> dict[str, Any]:
    import paho.mqtt.client as paho
    from paho.mqtt.enums import CallbackAPIVersion

    tally = Tally()
    subscribed = threading.Event()
    client = paho.Client(CallbackAPIVersion.VERSION2, client_id=f"province-{uuid.uuid4().hex[:8]}",
                         protocol=paho.MQTTv5)
    client.max_inflight_messages_set(window)
    client.max_queued_messages_set(0)
    client.on_message = lambda c, u, m: tally.answer(json.loads(m.payload))
    client.on_subscribe = lambda *a: subscribed.set()
    client.connect("127.0.0.1", port, 60)
    client.loop_start()
    client.subscribe("zhichao/v1/stations/+/results", qos=1)
    assert subscribed.wait(10), "no SUBACK"
    t0 = time.perf_counter()
    for station, payload, records in batches:
        with tally.lock:
            while tally.sent_messages - tally.answers >= window:
                tally.lock.wait(1.0)
            tally.sent_messages += 1
            tally.sent_records += records
        client.publish(f"zhichao/v1/stations/{station}/records", payload, qos=1)
    _drain(tally)
    client.disconnect()
    client.loop_stop()
    return tally.report(t0)


def _drain(tally: Tally, quiet_s: float = 120.0) -> None:
    """Until every message has its answer, as long as answers keep coming."""
    with tally.lock:
        while tally.answers < tally.sent_messages:
            before = tally.answers
            tally.lock.wait(quiet_s)
            if tally.answers == before:
                raise RuntimeError(f"no answer for {quiet_s} s: {tally.sent_messages - tally.answers} missing")


def post_http(ports: list[int], tokens: dict[str, str], batches: Iterable[tuple[str, bytes, int]],
              connections: int) -> dict[str, Any]:
    tally = Tally()
    source = iter(batches)
    take = threading.Lock()

    def client(i: int) -> None:
        conn = http.client.HTTPConnection("127.0.0.1", ports[i % len(ports)], timeout=300)
        while True:
            with take:
                item = next(source, None)
                if item is None:
                    break
                station, payload, records = item
                with tally.lock:
                    tally.sent_messages += 1
                    tally.sent_records += records
            conn.request("POST", f"/api/v1/stations/{station}/records", payload,
                         {"Authorization": f"Bearer {tokens[station]}", "Content-Type": "application/json"})
            response = conn.getresponse()
            answer = json.loads(response.read())
            tally.answer(answer if response.status == 200 else {"error": response.status})
        conn.close()

    t0 = time.perf_counter()
    threads = [threading.Thread(target=client, args=(i,)) for i in range(connections)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return tally.report(t0)


def run_publisher(args: argparse.Namespace, batches: Iterable[tuple[str, bytes, int]]) -> dict[str, Any]:
    """The run's figures, with this process's own CPU time and peak memory (it is gone when it is watched)."""
    if args.publisher == "mqtt":
        out = publish_mqtt(args.port, batches, args.window)
    else:
        out = post_http(args.ports, json.loads(args.tokens.read_text()), batches, args.connections)
    usage = resource.getrusage(resource.RUSAGE_SELF)
    out["self"] = {"cpu_s": round(usage.ru_utime + usage.ru_stime, 1), "peak_mb": round(usage.ru_maxrss / 1024, 1)}
    return out
