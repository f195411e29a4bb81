"""The MQTT ingest workers' own metrics port and their log lines (docs/monitoring.md): each worker serves
what it stored and its state, and writes JSON lines that name it, with secrets masked."""

from __future__ import annotations

import json
import socket
import subprocess
import sys
import urllib.request

import pytest
from prometheus_client.parser import text_string_to_metric_families

from tests.e2e.mqtt_helpers import Publisher, WorkerProcess, stored, unique, wait_for
from tests.factories import light, station
from tests.servers import free_port
from zhichao.bootstrap import build
from zhichao.config import Settings

pytestmark = pytest.mark.xdist_group("system-mqtt-broker")


def two_free_ports() -> int:
    """A free port whose next one is free too."""
    while True:
        port = free_port()
        with socket.socket() as s:
            try:
                s.bind(("127.0.0.1", port + 1))
            except OSError:
                continue
        return port


def scrape(port: int) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    with urllib.request.urlopen(f"http://127.0.0.1:{port}/metrics", timeout=5) as response:
        text = response.read().decode()
    return {(s.name, tuple(sorted(s.labels.items()))): s.value
            for family in text_string_to_metric_families(text) for s in family.samples}


def value(samples: dict[tuple[str, tuple[tuple[str, str], ...]], float], name: str, **labels: str) -> float:
    return samples.get((name, tuple(sorted(labels.items()))), 0.0)


@pytest.mark.slow
def test_each_worker_serves_its_counts_and_state_and_logs_json_lines_naming_it(settings: Settings) -> None:
    c = build(settings)
    sid = unique("W")
    station(c, sid)
    first_port = two_free_ports()  # worker 1 takes the next port
    workers = WorkerProcess(settings, 2, unique("t"))
    workers.env.update({"ZHICHAO_MQTT_METRICS_PORT": str(first_port), "ZHICHAO_LOG_FORMAT": "json",
                        "ZHICHAO_MQTT_WORKER_PASSWORD": "s3cr3t-worker-pw"})
    workers.start()
    pub = Publisher()
    try:
        for m in range(30):
            pub.publish(sid, [light(f"w{m}-{i}", sid) for i in range(5)])
        wait_for(pub.all_acked, what="every PUBACK")
        wait_for(lambda: stored(c, [sid]) == 150, what="150 records stored")
        ports = (first_port, first_port + 1)
        wait_for(lambda: sum(value(scrape(p), "zhichao_ingest_records_total", source="mqtt", outcome="accepted")
                             for p in ports) == 150, what="the workers' counts")
        samples = [scrape(p) for p in ports]
    finally:
        pub.close()
        workers.terminate()
    for index, s in enumerate(samples):
        assert value(s, "zhichao_mqtt_connected", worker=str(index)) == 1.0
        assert value(s, "zhichao_mqtt_queue_depth", worker=str(index)) == 0.0
        assert value(s, "zhichao_mqtt_worker_lag_seconds", worker=str(index)) == 0.0
        assert value(s, "zhichao_mqtt_flush_failures_total", worker=str(index)) == 0.0
        assert value(s, "process_resident_memory_bytes") > 0
    # at least once: a message may be handled twice, never less
    assert sum(value(s, "zhichao_mqtt_messages_total", worker=str(i)) for i, s in enumerate(samples)) >= 30

    lines = [json.loads(line) for line in workers.lines if line.startswith("{")]
    assert {line["worker"] for line in lines if "subscribed to" in line["message"]} == {0, 1}
    assert all(line["level"] in {"INFO", "WARNING", "ERROR"} for line in lines)
    assert not any("s3cr3t-worker-pw" in line for line in workers.lines)
    c.close()


def test_a_metrics_port_out_of_range_stops_the_command(settings: Settings) -> None:
    workers = WorkerProcess(settings, 1, unique("t"))
    workers.env["ZHICHAO_MQTT_METRICS_PORT"] = "70000"
    done = subprocess.run([sys.executable, "-m", "zhichao.cli", "ingest-mqtt"], env=workers.env,
                          capture_output=True, text=True, timeout=60)
    assert done.returncode != 0
    assert "ZHICHAO_MQTT_METRICS_PORT must be 0–65535" in done.stderr
