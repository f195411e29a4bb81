"""Migration 0016 on a database with history, on both backends: the day counters, the trucks of 80 t or
more and the review items' weights are filled from what was stored before, as ingest would have kept them."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

from alembic import command
from sqlalchemy import select

from tests.e2e.conftest import passage
from zhichao.adapters.db.migrate import _config, upgrade
from zhichao.adapters.db.tables import daily_counts, hourly_counts, review_items
from zhichao.bootstrap import build
from zhichao.config import Settings
from zhichao.services.ingest import accept_batch
from zhichao.services.stations import add_station

NOW = datetime(2026, 11, 26, 6, 0, tzinfo=UTC)


def _state(c: object) -> tuple[list[tuple[object, ...]], list[tuple[object, ...]], list[tuple[object, ...]]]:
    with c.db.reader.connect() as conn:  # type: ignore[attr-defined]
        days = conn.execute(select(daily_counts).order_by(*daily_counts.primary_key.columns)).all()
        heavy = conn.execute(select(hourly_counts.c.station_id, hourly_counts.c.hour, hourly_counts.c.band,
                                    hourly_counts.c.gross_80t).order_by(*hourly_counts.primary_key.columns)).all()
        items = conn.execute(select(review_items.c.record_id, review_items.c.gross_kg)
                             .order_by(review_items.c.record_id)).all()
    return [tuple(r) for r in days], [tuple(r) for r in heavy], [tuple(r) for r in items]


def test_an_upgraded_database_has_the_counters_ingest_would_have_kept(settings: Settings) -> None:
    c = build(settings, clock=lambda: NOW)
    add_station(c.stations, "S1", "测试站", 2, now=NOW, county_code="330602")
    records = [passage(f"R{i}", f"浙D{10000 + i}", [7000, 11000, 11000, 11000, 11000, 11000 + 1000 * i],
                       station_id="S1", ago_s=0, captured_at=(NOW - timedelta(hours=3 * i)).isoformat())
               for i in range(8)]  # over eight three-hour steps: two local days; the last ones 80 t and more
    records.append(passage("HEAVY", "浙D99999", [9000, 16000, 16000, 16000, 16000, 16000], station_id="S1",
                           ago_s=0, captured_at=(NOW - timedelta(hours=1)).isoformat()))
    result = accept_batch(c.ingest_store, "S1", json.dumps(records).encode(), now=NOW, policy=c.ingest_policy)
    assert result.accepted == len(records)
    kept = _state(c)
    assert any(n for *_, n in kept[1]) and any(g and g >= 80_000 for _, g in kept[2])
    config = _config()
    with c.db.writer.begin() as conn:
        config.attributes["connection"] = conn
        command.downgrade(config, "0015")
    upgrade(c.db)
    assert _state(c) == kept
    c.close()
