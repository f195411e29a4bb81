"""Records partitioned by month on PostgreSQL: where rows land, the months created ahead and after the fact,
the uniqueness of (station_id, record_id) across months, the migration both ways, and the counters kept
exact by writers running at once on overlapping stations (both databases)."""

from __future__ import annotations

import threading
from datetime import date
from typing import Any

import pytest
from alembic import command
from alembic.config import Config
from sqlalchemy import func, select, text

from tests.factories import body, light, record, station
from zhichao.adapters.db import partitions
from zhichao.adapters.db.migrate import MIGRATIONS_DIR, upgrade
from zhichao.adapters.db.tables import daily_counts, hourly_counts, records
from zhichao.bootstrap import Container, build
from zhichao.config import Settings
from zhichao.services.ingest import accept_batch


def ingest(c: Container, payload: bytes, station_id: str = "S1") -> dict[str, Any]:
    return accept_batch(c.ingest_store, station_id, payload, now=c.clock(), policy=c.ingest_policy).as_contract()


def pg_only(c: Container) -> None:
    if c.db.dialect != "postgresql":
        pytest.skip("SQLite keeps one records table")


def where_stored(c: Container) -> dict[str, str]:
    with c.db.reader.connect() as conn:
        rows = conn.execute(text("SELECT record_id, tableoid::regclass::text FROM records")).all()
    return {r[0]: r[1] for r in rows}


def ensure(c: Container, today: date, ahead: int) -> list[str]:
    with c.db.writer.begin() as conn:
        return partitions.ensure(conn, today, ahead)


def test_records_land_in_their_month_and_a_late_month_is_moved_out_of_the_default(container: Container) -> None:
    pg_only(container)
    station(container)
    ensure(container, date(2026, 11, 26), 1)
    old = "2024-03-05T10:00:00+08:00"
    assert ingest(container, body(light("now"), light("old", captured_at=old)))["accepted"] == 2
    assert where_stored(container) == {"now": "records_2026_11", "old": partitions.DEFAULT}
    before = container.records.one("S1", "old")

    created = ensure(container, date(2026, 11, 26), 1)

    assert created == ["records_2024_03"]
    assert where_stored(container) == {"now": "records_2026_11", "old": "records_2024_03"}
    assert container.records.one("S1", "old") == before
    assert ensure(container, date(2026, 11, 26), 1) == []  # idempotent
    with container.db.reader.connect() as conn:
        names = [p.name for p in partitions.partitions(conn)]
    assert names[:2] == ["records_2024_03", "records_2026_11"] and "records_2026_12" in names
    assert names[-1] == partitions.DEFAULT and names[:-1] == sorted(names[:-1])
    # months ahead are made as the calendar moves on
    assert ensure(container, date(2031, 6, 2), 1) == ["records_2031_06", "records_2031_07"]


def test_a_record_id_sent_again_with_another_capture_time_is_a_duplicate_and_changes_nothing(
        container: Container) -> None:
    station(container)
    assert ingest(container, body(record("r1")))["accepted"] == 1
    with container.db.reader.connect() as conn:
        trucks = conn.execute(select(func.sum(hourly_counts.c.trucks))).scalar()

    # another month: on PostgreSQL another partition, where only record_keys can see the first one
    again = ingest(container, body(record("r1", captured_at="2025-06-01T08:00:00+08:00"), light("r2")))

    assert again == {"accepted": 1, "duplicates": 1, "rejected": []}
    with container.db.reader.connect() as conn:
        assert conn.execute(select(func.count()).select_from(records)).scalar() == 2
        assert conn.execute(select(func.sum(hourly_counts.c.trucks))).scalar() == trucks + 1
    stored = container.records.one("S1", "r1")
    assert stored is not None and stored["captured_at"] == "2026-11-26T13:30:00+08:00"


def test_writers_at_once_on_overlapping_stations_store_each_record_once_and_count_it_once(
        container: Container) -> None:
    stations = ["S1", "S2", "S3"]
    for sid in stations:
        station(container, sid)
    # every record is sent by two writers, in batches that mix new and already-stored ids
    writers, per_batch, batches = 4, 40, 6
    plan: list[list[tuple[str, bytes]]] = [[] for _ in range(writers)]
    for w in range(writers):
        for b in range(batches):
            sid = stations[(w + b) % len(stations)]
            first = ((w // 2) * batches + b) * per_batch // 2
            rows = [light(f"x{n:05d}", sid, captured_at=f"2026-11-26T{8 + n % 6:02d}:{n % 60:02d}:00+08:00",
                          gross_weight_kg=12000 + n % 7 * 1000, axle_weights_kg=[4000, 8000 + n % 7 * 1000])
                    for n in range(first, first + per_batch)]
            plan[w].append((sid, body(*rows)))
    errors: list[BaseException] = []
    answers: list[dict[str, Any]] = []

    def run(batches_of_one: list[tuple[str, bytes]]) -> None:
        try:
            for sid, payload in batches_of_one:
                answers.append(ingest(container, payload, sid))
        except BaseException as exc:  # the test fails below with what went wrong
            errors.append(exc)

    threads = [threading.Thread(target=run, args=(p,)) for p in plan]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []

    with container.db.reader.connect() as conn:
        stored = conn.execute(select(records.c.station_id, records.c.record_id)).all()
        by_hour = {(r[0], r[1], r[2]): r[3] for r in conn.execute(
            select(hourly_counts.c.station_id, hourly_counts.c.hour, hourly_counts.c.band,
                   func.sum(hourly_counts.c.trucks)).group_by(hourly_counts.c.station_id, hourly_counts.c.hour,
                                                              hourly_counts.c.band))}
        day_total = conn.execute(select(func.sum(daily_counts.c.trucks))).scalar()
        gross = conn.execute(select(func.sum(hourly_counts.c.gross_kg_sum))).scalar()
        gross_of_records = conn.execute(select(func.sum(records.c.gross_weight_kg))).scalar()
    sent = {(sid, rid["record_id"]) for p in plan for sid, payload in p for rid in _records_of(payload)}
    assert len(stored) == len(set(stored)) == len(sent)
    assert set(map(tuple, stored)) == sent
    assert sum(a["accepted"] for a in answers) == len(sent)
    assert sum(a["accepted"] + a["duplicates"] for a in answers) == writers * batches * per_batch
    assert sum(by_hour.values()) == day_total == len(sent)
    assert gross == gross_of_records
    hourly = _hourly_from_records(container)
    assert {k: v for k, v in by_hour.items() if v} == hourly


def _records_of(payload: bytes) -> list[dict[str, Any]]:
    import msgspec

    return msgspec.json.decode(payload)  # type: ignore[no-any-return]


def _hourly_from_records(c: Container) -> dict[tuple[str, Any, int], int]:
    """The trucks per station × UTC hour × band, counted from the records themselves."""
    counts: dict[tuple[str, Any, int], int] = {}
    with c.db.reader.connect() as conn:
        for sid, at, band in conn.execute(select(records.c.station_id, records.c.captured_at, records.c.band)):
            key = (sid, at.replace(minute=0, second=0, microsecond=0), band)
            counts[key] = counts.get(key, 0) + 1
    return counts


def test_the_migration_moves_stored_records_into_partitions_and_back(settings: Settings,
                                                                      container: Container) -> None:
    pg_only(container)
    station(container)
    ingest(container, body(light("a"), light("b", captured_at="2025-01-10T09:00:00+08:00")))
    container.close()
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    with container.db.writer.begin() as conn:
        config.attributes["connection"] = conn
        command.downgrade(config, "0016")
    with container.db.reader.connect() as conn:
        assert conn.execute(text("SELECT relkind FROM pg_class WHERE relname = 'records'")).scalar() == "r"
        assert conn.execute(text("SELECT count(*) FROM records")).scalar() == 2
        assert conn.execute(text("SELECT to_regclass('record_keys')")).scalar() is None

    upgrade(container.db)

    c = build(settings, clock=container.clock)
    try:
        assert where_stored(c) == {"a": "records_2026_11", "b": "records_2025_01"}
        with c.db.reader.connect() as conn:
            assert conn.execute(text("SELECT count(*) FROM record_keys")).scalar() == 2
        assert ingest(c, body(light("a"), light("b"), light("c"))) == {"accepted": 1, "duplicates": 2,
                                                                       "rejected": []}
    finally:
        c.close()
