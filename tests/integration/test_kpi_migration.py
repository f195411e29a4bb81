"""Migration 0016 on a database with history, on both backends: the day counters, the trucks of 80 t or
more and the review items' weights are filled from what was stored before, as ingest would have kept them."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from typing import Any

from alembic import command
from sqlalchemy import select

from tests.e2e.conftest import passage
from zhichao.adapters.db.migrate import _config, upgrade
from zhichao.adapters.db.tables import case_days, cases, daily_counts, hourly_counts, review_items
from zhichao.bootstrap import build
from zhichao.config import Settings
from zhichao.services.ingest import accept_batch
from zhichao.services.stations import add_station

NOW = datetime(2026, 11, 26, 6, 0, tzinfo=UTC)


Rows = list[tuple[object, ...]]


def _state(c: object) -> tuple[Rows, Rows, Rows, Rows, Rows]:
    with c.db.reader.connect() as conn:  # type: ignore[attr-defined]
        days = conn.execute(select(daily_counts).order_by(*daily_counts.primary_key.columns)).all()
        heavy = conn.execute(select(hourly_counts.c.station_id, hourly_counts.c.hour, hourly_counts.c.band,
                                    hourly_counts.c.gross_80t).order_by(*hourly_counts.primary_key.columns)).all()
        items = conn.execute(select(review_items.c.record_id, review_items.c.gross_kg)
                             .order_by(review_items.c.record_id)).all()
        opened = conn.execute(select(cases.c.id, cases.c.opened_on).order_by(cases.c.id)).all()
        # a state a case left keeps its row at 0, which a rebuild does not write
        counted = conn.execute(select(case_days).where(case_days.c.cases > 0)
                               .order_by(*case_days.primary_key.columns)).all()
    return ([tuple(r) for r in days], [tuple(r) for r in heavy], [tuple(r) for r in items],
            [tuple(r) for r in opened], [tuple(r) for r in counted])


def _cases(c: Any) -> None:
    """Two cases opened at 23:30 and 00:30 Shanghai time (two local days), one of them moved on."""
    for n, at in enumerate((datetime(2026, 11, 24, 15, 30, tzinfo=UTC), datetime(2026, 11, 24, 16, 30, tzinfo=UTC))):
        with c.reviews.repo.transaction() as tx:
            case_id = tx.open_case({"station_id": "S1", "record_id": f"R{n}", "plate": f"浙D{10000 + n}",
                                    "captured_at": at, "state": "valid", "fine_yuan": 200, "opened_at": at,
                                    "opened_by": 1, "opened_on": at.astimezone(c.kpis.tz).date()})
    with c.cases.repo.transaction() as tx:
        assert tx.move(case_id, 0, "valid", "notified")


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
    _cases(c)
    kept = _state(c)
    assert any(n for *_, n in kept[1]) and any(g and g >= 80_000 for _, g in kept[2])
    assert [(str(d), state, n) for _, d, state, _, n in kept[4]] == [("2026-11-24", "valid", 1),
                                                                     ("2026-11-25", "notified", 1)]
    config = _config()
    with c.db.writer.begin() as conn:
        config.attributes["connection"] = conn
        command.downgrade(config, "0015")
    upgrade(c.db)
    assert _state(c) == kept
    c.close()
