"""``zhichao simulate --mqtt`` publishes as stations do, and the MQTT ingest workers store exactly what it
published: every record of the simulated period once, nothing else (docs/mqtt.md)."""

from __future__ import annotations

import json
import random
import re
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from tests.e2e.mqtt_helpers import WorkerProcess, stored_ids, unique, wait_for
from tests.e2e.test_cli import run
from tests.factories import station
from zhichao.bootstrap import build
from zhichao.config import Settings
from zhichao.simulation.traffic import SimStation, Traffic

# The system broker is shared: run beside the other MQTT tests, one after another (tests/e2e/test_mqtt_ingest.py).
pytestmark = pytest.mark.xdist_group("system-mqtt-broker")
HOURS = 2.0


def simulated_ids(stations: list[SimStation], start: datetime, end: datetime) -> set[tuple[str, str]]:
    traffic = Traffic(stations, random.Random(7))
    return {(str(r["station_id"]), str(r["record_id"])) for r in traffic.between(start, end)}


@pytest.mark.parametrize("with_tokens", [True, False], ids=["a-connection-per-station", "one-anonymous-connection"])
def test_the_simulator_publishes_and_exactly_its_records_are_stored(
        settings: Settings, tmp_path: Path, with_tokens: bool) -> None:
    c = build(settings)
    stations = sorted(unique("SIM") for _ in range(3))  # the database's stations, in its order
    tokens = {sid: station(c, sid) for sid in stations}
    tokens_file = tmp_path / "tokens.json"
    tokens_file.write_text(json.dumps({"stations": {sid: {"token": tokens[sid], "lanes": 4} for sid in stations}}))
    # with tokens each station logs in as itself (the system broker takes any login); without, the stations
    # are read from the database and share one anonymous connection
    login = ["--tokens", str(tokens_file)] if with_tokens else []
    workers = WorkerProcess(settings, 2, unique("t")).start()
    try:
        before = datetime.now(UTC)
        done = run(settings, "simulate", "--mqtt", "mqtt://127.0.0.1:1883", *login,
                   "--hours", str(HOURS), "--seed", "7", "--batch", "50")
        after = datetime.now(UTC)
        assert done.returncode == 0, done.stderr
        published, records, acked, acked_records = map(int, re.findall(r"\d+", done.stdout))
        assert (acked, acked_records) == (published, records) and records > 0, done.stdout
        wait_for(lambda: len(stored_ids(c, stations)) >= records, 60, "every published record stored")
    finally:
        workers.terminate()
    ids = stored_ids(c, stations)
    assert len(ids) == len(set(ids)) == records
    sims = [SimStation(sid, 4) for sid in stations]
    span = timedelta(hours=HOURS)
    # the simulated period ends at the command's "now", somewhere between before and after
    assert simulated_ids(sims, after - span, before) <= set(ids) <= simulated_ids(sims, before - span, after)
    c.close()


def test_targets_and_broker_addresses_are_checked_before_anything_is_sent(settings: Settings) -> None:
    both = run(settings, "simulate", "--mqtt", "mqtt://127.0.0.1:1883", "--url", "http://127.0.0.1:8000",
               "--tokens", "t.json")
    assert both.returncode == 2 and "conflicting_targets" in both.stderr
    for url in ("http://127.0.0.1:1883", "mqtt://", "mqtt://127.0.0.1:99999", "mqtt://h:1883/path"):
        bad = run(settings, "simulate", "--mqtt", url)
        assert bad.returncode == 2 and "invalid_mqtt_url" in bad.stderr, url
    twice = run(settings, "simulate", "--mqtt", "mqtt://u:p@127.0.0.1:1883", "--tokens", "t.json")
    assert twice.returncode == 2 and "conflicting_credentials" in twice.stderr
