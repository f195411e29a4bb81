"""Highway entrance scales through ingest, on both databases: trucks over 105 % of their limit are refused
(劝返), a refused truck weighed within the line at another entrance within the window is marked, entrance
records never reach the off-site review queue, and KPI 6 counts them."""

from __future__ import annotations

from datetime import date
from typing import Any

from sqlalchemy import func, select

from tests.factories import body, record, station
from zhichao.adapters.db.tables import review_items
from zhichao.bootstrap import Container
from zhichao.services import entrance
from zhichao.services.ingest import accept_batch
from zhichao.services.stations import add_station


def entrance_scale(c: Container, station_id: str) -> None:
    add_station(c.stations, station_id, f"高速入口 {station_id}", 4, now=c.clock(), county_code="330602",
                kind="highway")


def weigh(c: Container, station_id: str, record_id: str, plate: str, at: str, gross: int,
          **changes: Any) -> None:
    """A six-axle train (limit 49 t) weighed at ``at`` (Shanghai time) with ``gross`` spread over its axles."""
    axles = [7000, 8000, 8000, 8000, 8000, gross - 39000]
    result = accept_batch(c.ingest_store, station_id, body(record(
        record_id, station_id, plate=plate, captured_at=f"{at}+08:00", gross_weight_kg=gross,
        axle_weights_kg=axles, **changes)), now=c.clock(), policy=c.ingest_policy)
    assert result.accepted == 1, result.rejected


def test_entrance_refusals_entries_elsewhere_and_kpi_6(container: Container) -> None:
    c = container
    entrance_scale(c, "H1")
    entrance_scale(c, "H2")
    station(c, "S1")
    weigh(c, "H1", "a1", "浙D12345", "2026-11-25T09:00:00", 60320)  # 123 %: refused
    weigh(c, "H1", "a2", "浙D22222", "2026-11-25T09:05:00", 51450)  # exactly 105 %: may enter
    weigh(c, "H1", "a3", "浙D33333", "2026-11-25T08:00:00", 40000, flags=["refused"])  # the station refused it
    weigh(c, "H1", "a4", "浙D33333", "2026-11-25T10:00:00", 40000)  # back at the same entrance: not "elsewhere"
    weigh(c, "H2", "b1", "浙D12345", "2026-11-25T11:00:00", 45000)  # entered through another entrance
    weigh(c, "H2", "b2", "浙D33333", "2026-11-26T09:30:00", 40000)  # 25.5 h after its refusal: outside
    weigh(c, "S1", "s1", "浙D44444", "2026-11-25T09:00:00", 60320)  # an enforcement site

    ctx = c.entrance
    refused = entrance.refusal_list(ctx, date(2026, 11, 25), date(2026, 11, 26))
    assert [(r["station_id"], r["record_id"], r["reason"], r["entered_station_id"], r["entered_record_id"])
            for r in refused] == [("H1", "a1", "overload", "H2", "b1"), ("H1", "a3", "station", None, None)]
    assert refused[0]["entered_at"] == "2026-11-25T11:00:00+08:00" and refused[0]["over_pct"] == 23.1
    assert [r["record_id"] for r in entrance.refusal_list(ctx, date(2026, 11, 25), date(2026, 11, 26),
                                                          entered_elsewhere=True)] == ["a1"]
    with c.db.reader.connect() as conn:  # only the enforcement site's overload waits for review
        queued = conn.execute(select(review_items.c.station_id, func.count()).group_by(review_items.c.station_id))
        assert dict(queued.all()) == {"S1": 1}

    kpi = entrance.highway_kpi(ctx, date(2026, 11, 25), date(2026, 11, 26), None)
    assert (kpi.numerator, kpi.denominator, kpi.target) == (1, 6, 0.002)
    assert kpi.value is not None and abs(kpi.value - 1 / 6) < 1e-12
    assert kpi.by_station == (("H1", 1, 4), ("H2", 0, 2))
    assert entrance.highway_kpi(ctx, date(2026, 11, 25), date(2026, 11, 26), "330603").value is None
    assert entrance.highway_kpi(ctx, date(2026, 11, 24), date(2026, 11, 24), None).denominator == 0
