"""Ingest through the service, on a real SQLite and PostgreSQL database."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import func, select

from tests.factories import body, light, record, station
from zhichao.adapters.db.tables import hourly_counts, records, rejected_input
from zhichao.bootstrap import Container
from zhichao.services.errors import InvalidInput, NotFound, PayloadTooLarge
from zhichao.services.ingest import accept_batch


def ingest(c: Container, payload: bytes, station_id: str = "S1") -> dict[str, Any]:
    result = accept_batch(c.ingest_store, station_id, payload, now=c.clock(), policy=c.ingest_policy)
    return result.as_contract()


def scalar(c: Container, query: Any) -> Any:
    with c.db.reader.connect() as conn:
        return conn.execute(query).scalar()


def stored_count(c: Container) -> int:
    return int(scalar(c, select(func.count()).select_from(records)))


def counted_trucks(c: Container) -> int:
    return int(scalar(c, select(func.coalesce(func.sum(hourly_counts.c.trucks), 0))))


def test_an_accepted_record_is_stored_with_its_verdict(container: Container) -> None:
    station(container)
    assert ingest(container, body(record("r1", plate="黄浙d12345"))) == {"accepted": 1, "duplicates": 0, "rejected": []}
    stored = container.records.one("S1", "r1")
    assert stored is not None
    assert stored["plate"] == "浙D12345" and stored["plate_raw"] == "黄浙d12345"
    assert stored["verdict"]["limit_kg"] == 49000
    assert stored["verdict"]["overload_kg"] == 11320
    assert stored["verdict"]["fine_yuan"] == 456
    assert stored["verdict"]["rule_set"] == "ZJ-2020"


def test_counters_are_kept_in_the_same_transaction(container: Container) -> None:
    station(container)
    ingest(container, body(record("r1"), light("r2"), light("r3", plate="")))
    with container.db.reader.connect() as conn:
        row = conn.execute(select(
            func.sum(hourly_counts.c.trucks), func.sum(hourly_counts.c.overloaded),
            func.sum(hourly_counts.c.actionable), func.sum(hourly_counts.c.plate_unread),
            func.sum(hourly_counts.c.gross_kg_sum), func.sum(hourly_counts.c.overload_kg_sum),
        )).one()
    assert tuple(row) == (3, 1, 1, 1, 60320 + 12000 + 12000, 11320)


def test_a_resent_record_is_a_duplicate_and_changes_nothing(container: Container) -> None:
    station(container)
    ingest(container, body(record("r1"), light("r2")))
    assert ingest(container, body(record("r1"), light("r2"), light("r3"))) == {
        "accepted": 1, "duplicates": 2, "rejected": []}
    assert stored_count(container) == 3
    assert counted_trucks(container) == 3


def test_the_same_record_twice_in_one_batch_is_stored_once(container: Container) -> None:
    station(container)
    assert ingest(container, body(record("r1"), record("r1"))) == {"accepted": 1, "duplicates": 1, "rejected": []}
    assert counted_trucks(container) == 1


def test_one_bad_record_never_blocks_the_others(container: Container) -> None:
    station(container)
    bad = record("r2", lane=0, gross_weight_kg=-5)
    answer = ingest(container, body(record("r1"), bad, light("r3")))
    assert answer["accepted"] == 2
    [rejected] = answer["rejected"]
    assert rejected["index"] == 1 and rejected["record_id"] == "r2"
    assert {e["field"] for e in rejected["errors"]} == {"lane", "gross_weight_kg"}
    assert all(e["message"] for e in rejected["errors"])


def test_rejected_records_are_kept_with_their_raw_bytes_and_reason(container: Container) -> None:
    station(container)
    ingest(container, body(record("r1", axle_count="six")))
    with container.db.reader.connect() as conn:
        row = conn.execute(select(rejected_input)).mappings().one()
    assert row["record_id"] == "r1" and row["record_index"] == 0
    assert b'"six"' in row["raw"]
    assert row["errors"][0]["field"] == "axle_count"


@pytest.mark.parametrize(
    ("changes", "field", "code"),
    [
        ({"station_id": "S2"}, "station_id", "mismatch"),
        ({"lane": 5}, "lane", "unknown_lane"),
        ({"axle_weights_kg": [7000, 10000, 10000, 11000, 22320]}, "axle_weights_kg", "mismatch"),
        ({"axle_groups": "1+2+2"}, "axle_groups", "mismatch"),
        ({"axle_spacings_mm": [3000, 1300]}, "axle_spacings_mm", "mismatch"),
        ({"captured_at": "2026-11-26T15:00:00+08:00"}, "captured_at", "in_future"),
        ({"captured_at": "2026-11-26T13:30:00"}, "captured_at", "invalid"),
        ({"plate_color": "purple"}, "plate_color", "invalid"),
        ({"gross_weight_kg": 9.223372036854776e18}, "gross_weight_kg", "invalid"),  # found by hypothesis
        ({"height_mm": 10**12}, "height_mm", "invalid"),
        ({"record_id": "has space"}, "record_id", "invalid"),
        ({"images": [{"kind": "plate", "sha256": "ABC", "content_type": "image/jpeg"}]}, "images", "invalid"),
    ],
)
def test_a_record_that_breaks_a_rule_is_rejected_with_the_field_named(
    container: Container, changes: dict[str, Any], field: str, code: str
) -> None:
    station(container)
    answer = ingest(container, body({**record("r1"), **changes}))
    assert answer["accepted"] == 0
    assert [(e["field"], e["code"]) for e in answer["rejected"][0]["errors"]] == [(field, code)]
    assert stored_count(container) == 0


def test_a_missing_required_field_is_named(container: Container) -> None:
    station(container)
    rec = record("r1")
    del rec["gross_weight_kg"]
    errors = ingest(container, body(rec))["rejected"][0]["errors"]
    assert errors == [{"field": "gross_weight_kg", "message": "缺少必填字段", "code": "missing"}]


def test_lenient_but_lawful_input_is_accepted(container: Container) -> None:
    station(container)
    rec = record("r1", gross_weight_kg=60320.0, plate_confidence=None, vendor_extra={"x": 1})
    assert ingest(container, body(rec))["accepted"] == 1


def test_a_body_that_is_not_an_array_is_refused_whole_and_kept(container: Container) -> None:
    station(container)
    with pytest.raises(InvalidInput) as caught:
        ingest(container, b'{"record_id": "r1"}')
    assert caught.value.code == "not_a_json_array"
    assert scalar(container, select(func.count()).select_from(rejected_input)) == 1
    assert stored_count(container) == 0


def test_an_empty_batch_and_an_oversized_batch_are_refused(container: Container) -> None:
    station(container)
    with pytest.raises(InvalidInput):
        ingest(container, b"[]")
    with pytest.raises(PayloadTooLarge):
        ingest(container, body(*[light(f"r{i}") for i in range(1001)]))
    assert stored_count(container) == 0


def test_an_unknown_station_is_not_found(container: Container) -> None:
    with pytest.raises(NotFound):
        ingest(container, body(record("r1", station_id="NOPE")), station_id="NOPE")


def test_the_station_remembers_its_latest_record(container: Container) -> None:
    station(container)
    ingest(container, body(light("r1", captured_at="2026-11-26T12:00:00+08:00"),
                           light("r2", captured_at="2026-11-26T13:00:00+08:00")))
    ingest(container, body(light("r0", captured_at="2026-11-26T11:00:00+08:00")))
    s = container.stations.get("S1")
    assert s is not None and s.last_record_at is not None
    assert s.last_record_at.isoformat() == "2026-11-26T05:00:00+00:00"
    assert s.last_received_at == container.clock()


def test_counters_split_by_hour_axle_count_and_band(container: Container) -> None:
    station(container)
    ingest(container, body(record("r1"), record("r2", captured_at="2026-11-26T12:59:59+08:00"), light("r3")))
    with container.db.reader.connect() as conn:
        rows = conn.execute(select(hourly_counts.c.hour, hourly_counts.c.axle_count, hourly_counts.c.band,
                                   hourly_counts.c.trucks).order_by("hour", "axle_count")).all()
    hours = [(r[0] - container.clock()).total_seconds() / 3600 for r in rows]
    assert [(h, r[1], r[2], r[3]) for h, r in zip(hours, rows, strict=True)] == [
        (-2.0, 6, 2, 1), (-1.0, 2, -1, 1), (-1.0, 6, 2, 1)]


@pytest.mark.parametrize(("field", "value"), [
    ("plate", "浙D\u00001234"), ("plate", "浙D1234\n"), ("direction", "往\u0000杭州"), ("station_id", "S\u00001"),
    ("record_id", "r\u0000"), ("flags", ["ok", "bad\u0007"]),
    ("images", [{"kind": "plate", "sha256": "a" * 64, "content_type": "image/jpeg\u0000"}]),
])
def test_a_control_character_in_free_text_refuses_that_record_only(container: Container, field: str,
                                                                   value: Any) -> None:
    # PostgreSQL cannot store NUL: a record holding one must be refused with its field, not fail the batch
    station(container)
    answer = ingest(container, body({**record("bad"), field: value}, light("good")))

    assert answer["accepted"] == 1 and answer["duplicates"] == 0
    assert [(r["index"], [e["field"].split(".")[0].split("[")[0] for e in r["errors"]]) for r in answer["rejected"]] \
        == [(0, [field])]
    assert stored_count(container) == 1
    assert scalar(container, select(func.count()).select_from(rejected_input)) == 1
