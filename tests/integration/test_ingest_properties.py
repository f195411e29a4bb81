"""Property-based tests over the record schema: whatever a station sends, ingest answers for every
record, keeps what it refuses, stores exactly what it accepts, and never fails as a whole."""

from __future__ import annotations

import itertools
from pathlib import Path
from typing import Any

import msgspec
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select

from zhichao.adapters.db.engine import open_database
from zhichao.adapters.db.migrate import upgrade
from zhichao.adapters.db.tables import records, rejected_input
from zhichao.bootstrap import Container, build
from zhichao.config import Settings
from zhichao.domain.errors import ZhichaoError
from zhichao.services.ingest import accept_batch
from zhichao.services.stations import add_station

_ids = itertools.count()
json_values = st.recursive(
    st.none() | st.booleans() | st.integers(-10**6, 10**6) | st.floats(allow_nan=False) | st.text(max_size=20),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner, max_size=4),
    max_leaves=8,
)


@st.composite
def valid_records(draw: st.DrawFn) -> dict[str, Any]:
    axles = draw(st.integers(2, 12))
    weights = draw(st.lists(st.integers(0, 20_000), min_size=axles, max_size=axles))
    rec: dict[str, Any] = {
        "record_id": f"p{next(_ids)}", "station_id": "S1", "lane": draw(st.integers(1, 4)),
        "captured_at": draw(st.sampled_from(["2026-11-26T08:00:00+08:00", "2026-11-25T23:59:59Z",
                                             "2026-11-26T05:59:59.123456+00:00"])),
        "plate": draw(st.sampled_from(["浙D12345", "", "黄浙D1234挂", "ｚｈ", "未识别", "皖K1234挂"])),
        "speed_kmh": draw(st.floats(0, 200)), "axle_count": axles, "axle_weights_kg": weights,
        "gross_weight_kg": max(1, sum(weights)),
    }
    if draw(st.booleans()):
        rec["vehicle_type"] = draw(st.sampled_from(["rigid_truck", "articulated_train", "other"]))
    return rec


@st.composite
def mutated_records(draw: st.DrawFn) -> Any:
    rec = draw(valid_records())
    field = draw(st.sampled_from(sorted(rec) + ["plate_color", "images", "flags", "axle_groups"]))
    if draw(st.booleans()):
        rec.pop(field, None)
    else:
        rec[field] = draw(json_values)
    return rec


items = st.one_of(valid_records(), mutated_records(), json_values)


def _container(tmp_path: Path) -> Container:
    s = Settings(data_dir=tmp_path / "prop")
    if not (s.data_dir / "zhichao.sqlite3").exists():
        db = open_database(s)
        upgrade(db)
        db.dispose()
    c = build(s)
    if c.stations.get("S1") is None:
        add_station(c.stations, "S1", "站", 4, now=c.clock())
    return c


def _count(c: Container, table: Any) -> int:
    with c.db.reader.connect() as conn:
        return int(conn.execute(select(func.count()).select_from(table)).scalar_one())


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(batch=st.lists(items, min_size=1, max_size=12))
def test_every_record_is_answered_and_only_accepted_ones_are_stored(tmp_path: Path, batch: list[Any]) -> None:
    c = _container(tmp_path)
    before, kept_before = _count(c, records), _count(c, rejected_input)
    result = accept_batch(c.ingest_store, "S1", msgspec.json.encode(batch), now=c.clock(), policy=c.ingest_policy)
    assert result.accepted + result.duplicates + len(result.rejected) == len(batch)
    for rejected in result.rejected:
        assert rejected["errors"], "a rejected record says why"
        assert all(e["message"] and isinstance(e["field"], str) and e["code"] for e in rejected["errors"])
    assert _count(c, records) == before + result.accepted
    assert _count(c, rejected_input) == kept_before + len(result.rejected)
    c.close()


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(batch=st.lists(valid_records(), min_size=1, max_size=8))
def test_valid_records_are_accepted_and_read_back_unchanged(tmp_path: Path, batch: list[dict[str, Any]]) -> None:
    c = _container(tmp_path)
    valid = [r for r in batch if len(r["axle_weights_kg"]) == r["axle_count"]]
    result = accept_batch(c.ingest_store, "S1", msgspec.json.encode(valid or batch[:1]), now=c.clock(),
                          policy=c.ingest_policy)
    assert result.rejected == []
    for rec in valid:
        stored = c.records.one("S1", rec["record_id"])
        assert stored is not None
        for key in ("lane", "axle_count", "axle_weights_kg", "gross_weight_kg", "speed_kmh"):
            assert stored[key] == rec[key]
    c.close()


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(payload=st.binary(max_size=200) | json_values.map(msgspec.json.encode))
def test_any_body_gets_an_answer_or_a_documented_error(tmp_path: Path, payload: bytes) -> None:
    c = _container(tmp_path)
    before = _count(c, records)
    try:
        result = accept_batch(c.ingest_store, "S1", payload, now=c.clock(), policy=c.ingest_policy)
    except ZhichaoError as exc:
        assert exc.code and exc.message
        assert _count(c, records) == before
    else:
        assert _count(c, records) == before + result.accepted
    c.close()
