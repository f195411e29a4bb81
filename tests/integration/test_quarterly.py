"""The quarterly report on both databases, from a simulated quarter (tests/simulated_quarter.py): every table's
numbers against counts made here, in Python, from the stored rows; the stored files, the daily job, and the
refusals (a quarter not begun, a quarter without records)."""

from __future__ import annotations

import json
import logging
import threading
from collections import Counter, defaultdict
from collections.abc import Iterator
from dataclasses import replace
from datetime import UTC, datetime
from typing import Any

import openpyxl
import pytest
from sqlalchemy import select

from tests.conftest import FixedClock
from tests.simulated_quarter import HIGHWAY, NOW, Q2, Q3, SITES, SOURCE, TZ, populate
from zhichao.adapters.db.tables import records, stations
from zhichao.bootstrap import Container, build
from zhichao.config import Settings
from zhichao.domain.document_context import VEHICLE_TYPES
from zhichao.domain.quarterly import Quarter, QuarterError
from zhichao.domain.quarterly_tables import Report
from zhichao.services import quarterly
from zhichao.services.errors import NotFound

NAMES = {sid: name for sid, name, *_ in SITES}


@pytest.fixture
def world(settings: Settings) -> Iterator[tuple[Container, dict[str, Any]]]:
    c = build(settings, clock=FixedClock(NOW))
    facts = populate(c)
    yield c, facts
    c.close()


def stored(c: Container) -> list[dict[str, Any]]:
    """Every stored passage with its station's kind (a few thousand: the test may read them all)."""
    r = records.c
    query = select(r.station_id, stations.c.kind, r.plate, r.captured_at, r.axle_count, r.vehicle_type,
                   r.gross_weight_kg, r.overloaded, r.actionable, r.overload_rate_x100).join(
        stations, stations.c.station_id == r.station_id)
    with c.db.reader.connect() as conn:
        return [dict(row._mapping) for row in conn.execute(query)]


def of(rows: list[dict[str, Any]], q: Quarter, kind: str = "site") -> list[dict[str, Any]]:
    start, end = q.bounds(TZ)
    return [r for r in rows if r["kind"] == kind and start <= r["captured_at"] < end]


def table(report: Report, key: str) -> list[dict[str, Any]]:
    t = next(t for t in report.tables if t.key == key)
    return [dict(zip([c.key for c in t.columns], row, strict=True)) for row in t.rows]


def test_every_table_agrees_with_the_stored_rows(world: tuple[Container, dict[str, Any]]) -> None:
    c, _ = world
    report = quarterly.report(c.quarterly, Q3, NOW)
    rows = stored(c)
    now, before = of(rows, Q3), of(rows, Q2)
    bad = [r for r in now if r["actionable"]]
    assert len(bad) > 50 and any(r["plate"] == "" for r in bad) and any(r["gross_weight_kg"] >= 100_000 for r in now)
    summary = {r["item"]: (r["current"], r["previous"]) for r in table(report, "summary")}
    assert summary == {
        "称重货车（辆次）": (len(now), len(before)),
        "超限货车（辆次）": (sum(r["overloaded"] for r in now), sum(r["overloaded"] for r in before)),
        "违法超限（辆次）": (len(bad), sum(r["actionable"] for r in before)),
        "违法车辆（辆）": (len({r["plate"] for r in bad} - {""}),
                      len({r["plate"] for r in before if r["actionable"]} - {""})),
        "百吨王（辆次）": (sum(r["gross_weight_kg"] >= 100_000 for r in now),
                     sum(r["gross_weight_kg"] >= 100_000 for r in before)),
    }


def test_sites_are_counted_and_ranked_from_their_passages(world: tuple[Container, dict[str, Any]]) -> None:
    c, _ = world
    report = quarterly.report(c.quarterly, Q3, NOW)
    rows = stored(c)
    found = {r["site"]: r for r in table(report, "site_overload")}
    assert set(found) == set(NAMES.values())  # the stopped site is listed, unranked; no source, no highway
    rates: dict[str, dict[str, float]] = {}
    for q, label in ((Q3, "now"), (Q2, "before")):
        for sid in NAMES:
            mine = [r for r in of(rows, q) if r["station_id"] == sid]
            if mine:
                rates.setdefault(label, {})[sid] = sum(r["actionable"] for r in mine) / len(mine)
            if q == Q3:
                row = found[NAMES[sid]]
                assert (row["trucks"], row["overloaded"], row["violations"], row["gross_100t"]) == (
                    len(mine), sum(r["overloaded"] for r in mine), sum(r["actionable"] for r in mine),
                    sum(r["gross_weight_kg"] >= 100_000 for r in mine))
    for sid, name in NAMES.items():
        rank = _rank(rates["now"], sid)
        assert (found[name]["rank"], found[name]["previous_rank"]) == (rank, _rank(rates["before"], sid))
        assert found[name]["rate"] == (rates["now"].get(sid))
    assert found[NAMES["QS-XC-1"]]["rank"] is None


def _rank(rates: dict[str, float], sid: str) -> int | None:
    return None if sid not in rates else 1 + sum(1 for v in rates.values() if v > rates[sid])


def test_violating_vehicles_are_grouped_as_the_rows_say(world: tuple[Container, dict[str, Any]]) -> None:
    c, _ = world
    report = quarterly.report(c.quarterly, Q3, NOW)
    bad = [r for r in of(stored(c), Q3) if r["actionable"]]
    by_axle: dict[int, list[str]] = defaultdict(list)
    by_type: dict[tuple[str, int], list[str]] = defaultdict(list)
    by_prefix: dict[str, list[str]] = defaultdict(list)
    for r in bad:
        by_axle[r["axle_count"]].append(r["plate"])
        kind = VEHICLE_TYPES.get(r["vehicle_type"] or "", "未判别（设备未报车型）")
        by_type[(kind, r["axle_count"])].append(r["plate"])
        if r["plate"]:
            by_prefix[r["plate"][:2]].append(r["plate"])
    assert {(r["axles"], r["violations"], r["vehicles"]) for r in table(report, "by_axle")} == {
        (f"{a} 轴", len(p), len(set(p) - {""})) for a, p in by_axle.items()}
    assert {(r["vehicle_type"], r["axles"], r["violations"], r["vehicles"]) for r in table(report, "by_type")} == {
        (t, a, len(p), len(set(p) - {""})) for (t, a), p in by_type.items()}
    assert {(r["prefix"], r["violations"], r["vehicles"]) for r in table(report, "by_city")} == {
        (x, len(p), len(set(p))) for x, p in by_prefix.items()}
    unread = next(r for r in table(report, "by_locality") if r["group"] == "未识别号牌")
    assert unread["violations"] == sum(1 for r in bad if r["plate"] == "")


def test_repeat_offenders_are_counted_per_plate(world: tuple[Container, dict[str, Any]]) -> None:
    c, _ = world
    report = quarterly.report(c.quarterly, Q3, NOW)
    bad = [r for r in of(stored(c), Q3) if r["actionable"] and r["plate"]]
    per_plate = Counter(r["plate"] for r in bad)
    buckets = {"1 次": (1, 1), "2 次": (2, 2), "3–5 次": (3, 5), "6–10 次": (6, 10), "10 次以上": (11, 10**9)}
    held = {label: [n for n in per_plate.values() if lo <= n <= hi] for label, (lo, hi) in buckets.items()}
    assert {r["times"]: (r["vehicles"], r["violations"]) for r in table(report, "repeat")} == {
        label: (len(ns), sum(ns)) for label, ns in held.items()}
    top = sorted(per_plate.items(), key=lambda pn: (-pn[1], pn[0]))[:20]
    assert [(r["plate"], r["violations"]) for r in table(report, "top_plates")] == top
    first = table(report, "top_plates")[0]
    assert first["sites"] == len({r["station_id"] for r in bad if r["plate"] == first["plate"]})
    assert first["max_rate"] == max(r["overload_rate_x100"] for r in bad if r["plate"] == first["plate"]) / 10_000


def test_hours_and_weekdays_are_local(world: tuple[Container, dict[str, Any]]) -> None:
    c, _ = world
    report = quarterly.report(c.quarterly, Q3, NOW)
    now = of(stored(c), Q3)
    local = [(r["captured_at"].astimezone(TZ), r["actionable"]) for r in now]
    hours = table(report, "by_hour")
    assert [(h["trucks"], h["violations"]) for h in hours] == [
        (sum(1 for t, _ in local if t.hour == h), sum(a for t, a in local if t.hour == h)) for h in range(24)]
    weekdays = table(report, "by_weekday")
    assert [w["violations"] for w in weekdays] == [sum(a for t, a in local if t.weekday() == d) for d in range(7)]
    assert [w["days"] for w in weekdays] == [13, 13, 14, 13, 13, 13, 13]


def test_cargo_sources_and_accidents(world: tuple[Container, dict[str, Any]]) -> None:
    c, facts = world
    report = quarterly.report(c.quarterly, Q3, NOW)
    assert "浙D0C001" not in facts["q3_violators"]
    assert {r["cargo"]: (r["inspections"], r["overloaded"], r["violators"]) for r in table(report, "by_cargo")} == {
        "砂石": (2, 2, 2), "钢材": (1, 0, 0), "未登记货物": (1, 0, 1)}
    departures = of(stored(c), Q3, kind="source")
    assert [(r["code"], r["departures"], r["overloaded"]) for r in table(report, "by_source")] == [
        ("SX-SRC-T1", len(departures), sum(r["overloaded"] for r in departures))]
    listed = table(report, "accident_list")
    assert [r["ref"] for r in listed] == ["SG-T-001", "SG-T-002"]  # in the quarter, or 12 months before: SG-T-002
    assert listed[0]["occurred_at"] == datetime(2026, 8, 16, 3, 20)  # local time
    total = next(r for r in table(report, "accidents") if r["severity"] == "合计")
    assert (total["accidents"], total["deaths"], total["injuries"], total["involved"], total["involved_loss"]) == (
        3, 2, 4, 2, 520_000)


def test_reports_made_one_after_another_agree(world: tuple[Container, dict[str, Any]]) -> None:
    c, _ = world  # the temporary table of the first is gone before the second is made on a pooled connection
    first, second = (quarterly.report(c.quarterly, Q3, NOW) for _ in range(2))
    assert [t.rows for t in first.tables] == [t.rows for t in second.tables]
    assert HIGHWAY not in json.dumps(quarterly.as_json(first), ensure_ascii=False)


def test_refusals_change_nothing(world: tuple[Container, dict[str, Any]]) -> None:
    c, _ = world
    with pytest.raises(QuarterError) as future:
        quarterly.document(c.quarterly, Quarter(2027, 1), "pdf", NOW)
    with pytest.raises(NotFound) as empty:
        quarterly.document(c.quarterly, Quarter(2026, 1), "pdf", NOW)
    assert (future.value.code, empty.value.code) == ("quarter_in_future", "quarter_no_data")
    assert "2026年第一季度没有过车记录" in empty.value.message
    assert not c.quarterly.directory.exists()


def test_a_running_quarter_is_made_on_demand_and_never_stored(world: tuple[Container, dict[str, Any]]) -> None:
    c, _ = world
    doc = quarterly.document(c.quarterly, Quarter(2026, 4), "json", NOW)
    data = json.loads(doc.data)
    assert (doc.stored, data["partial"], data["as_of"]) == (False, True, "2026-10-02")
    assert not c.quarterly.directory.exists()


def test_the_daily_job_stores_the_previous_quarter_once(world: tuple[Container, dict[str, Any]],
                                                       caplog: pytest.LogCaptureFixture) -> None:
    c, _ = world
    ctx = c.quarterly
    assert quarterly.scheduled(ctx, NOW) is not None
    files = {fmt: quarterly.stored_path(ctx, Q3, fmt) for fmt in quarterly.STORED}
    written = {fmt: p.stat().st_mtime_ns for fmt, p in files.items()}
    assert quarterly.scheduled(ctx, NOW) is None
    assert {fmt: p.stat().st_mtime_ns for fmt, p in files.items()} == written
    doc = quarterly.document(ctx, Q3, "xlsx", NOW)
    assert doc.stored and doc.data == files["xlsx"].read_bytes()
    with caplog.at_level(logging.INFO, logger="zhichao.services.quarterly"):
        assert quarterly.scheduled(ctx, datetime(2026, 4, 3, 1, tzinfo=UTC)) is None  # the first quarter: no data
    assert "quarterly report 2026-Q1 skipped" in caplog.text
    assert sorted(p.name for p in ctx.directory.iterdir()) == sorted(p.name for p in files.values())


def test_two_writers_at_once_leave_whole_files(world: tuple[Container, dict[str, Any]]) -> None:
    c, _ = world
    # two processes do not share a lock: give each its own
    contexts = [replace(c.quarterly, lock=threading.Lock()) for _ in range(2)]
    errors: list[BaseException] = []

    def run(ctx: quarterly.QuarterlyContext) -> None:
        try:
            quarterly.generate(ctx, Q3, NOW)
        except BaseException as error:  # noqa: BLE001 — reported below
            errors.append(error)

    threads = [threading.Thread(target=run, args=(ctx,)) for ctx in contexts]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    directory = c.quarterly.directory
    assert sorted(p.name for p in directory.iterdir()) == [
        "quarterly-2026-Q3.json", "quarterly-2026-Q3.pdf", "quarterly-2026-Q3.xlsx"]  # no temporary file left
    pdf = (directory / "quarterly-2026-Q3.pdf").read_bytes()
    assert pdf.startswith(b"%PDF-") and pdf.rstrip().endswith(b"%%EOF")
    book = openpyxl.load_workbook(directory / "quarterly-2026-Q3.xlsx", read_only=True)
    assert book.sheetnames[0] == "说明" and "各检测点超限情况" in book.sheetnames
    assert json.loads((directory / "quarterly-2026-Q3.json").read_text("utf-8"))["quarter"] == "2026-Q3"
    assert SOURCE not in json.dumps(table(quarterly.report(c.quarterly, Q3, NOW), "site_overload"), default=str)
