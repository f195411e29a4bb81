"""A station back from an outage sends its whole day again, over HTTP and in other batch sizes than the first
time (contract §2: a resent ``record_id`` is a duplicate and changes nothing), on both databases: every
record is answered as a duplicate, and the records, the hourly and daily counters, the review items, the
screening flags, and the alerts and the outbox (empty here) are exactly as before."""

from __future__ import annotations

import json
import random
from datetime import UTC, date, datetime, timedelta
from functools import cache
from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import Table, select

from tests.conftest import FixedClock
from zhichao.adapters.db.tables import (
    alerts,
    daily_counts,
    hourly_counts,
    outbox,
    record_flags,
    records,
    review_items,
)
from zhichao.bootstrap import Container, build
from zhichao.config import Settings
from zhichao.services.stations import add_station
from zhichao.simulation.traffic import SimStation, Traffic
from zhichao.web.app import create_app

T0 = datetime(2026, 9, 30, 16, 0, tzinfo=UTC)  # local midnight starting 2026-10-01
STATION = SimStation("RS-01", 3, volume_per_day=1500, county_code="330603", road="G104", stake_m=10_000)
TABLES = (records, hourly_counts, daily_counts, review_items, record_flags, alerts, outbox)


@cache
def _day() -> tuple[dict[str, object], ...]:
    traffic = Traffic([STATION], random.Random(5), overload_share=0.1, unread_share=0.05, outage_share=0.0)
    return tuple(traffic.between(T0, T0 + timedelta(days=1)))


def _register(c: Container) -> str:
    device = {"road": "G104", "accuracy_class": "5", "cert_number": "浙量检字[2026]第0101号",
              "cert_body": "绍兴市质量技术监督检测院", "cert_valid_from": date(2026, 1, 1),
              "cert_valid_to": date(2027, 12, 31), "speed_min_kmh": 5.0, "speed_max_kmh": 100.0}
    return add_station(c.stations, STATION.station_id, "测试站 RS-01", STATION.lanes, now=c.clock(),
                       county_code="330603", extra=device)


def _send(client: TestClient, token: str, size: int) -> dict[str, Any]:
    """The day in batches of ``size``; the answers summed, rejected indexes made day-wide."""
    day = list(_day())
    totals: dict[str, Any] = {"accepted": 0, "duplicates": 0, "rejected": []}
    for start in range(0, len(day), size):
        response = client.post(f"/api/v1/stations/{STATION.station_id}/records",
                               content=json.dumps(day[start:start + size]).encode(),
                               headers={"Authorization": f"Bearer {token}"})
        assert response.status_code == 200, response.text
        answer = response.json()
        totals["accepted"] += answer["accepted"]
        totals["duplicates"] += answer["duplicates"]
        totals["rejected"] += [start + r["index"] for r in answer["rejected"]]
    return totals


def _snapshot(c: Container) -> dict[str, list[str]]:
    def rows(table: Table) -> list[str]:
        with c.db.writer.connect() as conn:
            return sorted(repr(tuple(row)) for row in conn.execute(select(table)))
    return {table.name: rows(table) for table in TABLES}


def test_a_resent_day_is_all_duplicates_and_changes_nothing(settings: Settings) -> None:
    clock = FixedClock(T0 + timedelta(days=1, minutes=5))
    c = build(settings, clock=clock)
    try:
        client = TestClient(create_app(c))
        token = _register(c)
        first = _send(client, token, 500)
        assert first["accepted"] > 1000 and first["duplicates"] == 0
        before = _snapshot(c)
        assert before["review_items"] and before["record_flags"] and before["hourly_counts"], \
            "the day must exercise review items, flags and counters"

        clock.now += timedelta(days=1)  # back after the outage, the next day
        again = [_send(client, token, size) for size in (997, 250, 73)]

        for answer in again:
            assert answer == {"accepted": 0, "duplicates": first["accepted"], "rejected": first["rejected"]}
        assert _snapshot(c) == before
    finally:
        c.close()
