"""A small simulated quarter for the quarterly report's tests (integration and e2e).

Three enforcement sites and a stopped one, a freight source's scale and a highway entrance scale; five local
days of simulated traffic: one at the end of the second quarter of 2026 (the previous quarter), three spread
over the third (its first day, mid-August, its last day) and one in the fourth (outside it). Added by hand: a
百吨王 and an unread plate over the line. Then inspections with cargo, accidents in the register, the freight
source in its registry. The clock stands at 2 October 2026, 09:00 in Shanghai: the third quarter has ended.
"""

from __future__ import annotations

import json
import random
from datetime import UTC, date, datetime, time, timedelta
from functools import cache
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import select

from tests.factories import record
from zhichao.adapters.db.tables import records, stations
from zhichao.bootstrap import Container
from zhichao.domain.quarterly import Quarter
from zhichao.services.accidents import import_accidents
from zhichao.services.auth import add_user
from zhichao.services.ingest import accept_batch
from zhichao.services.inspections import InspectionRequest, record_inspection
from zhichao.services.registries import import_registry
from zhichao.services.stations import add_station
from zhichao.simulation.feed import feed_direct
from zhichao.simulation.traffic import SimStation, Traffic

TZ = ZoneInfo("Asia/Shanghai")
Q3, Q2 = Quarter(2026, 3), Quarter(2026, 2)
NOW = datetime(2026, 10, 2, 1, 0, tzinfo=UTC)
# (id, name, county, road, stake, trucks a day); the last is stopped and weighs nothing
SITES = (
    ("QS-YC-1", "G104 越城东湖 测试检测点", "330602", "G104", "K1552+300", 240),
    ("QS-KQ-1", "G104 柯桥钱清 测试检测点", "330603", "G104", "K1570+000", 180),
    ("QS-ZJ-1", "S308 诸暨枫桥 测试检测点", "330681", "S308", "K40+100", 150),
    ("QS-XC-1", "S214 新昌城南 测试检测点", "330624", "S214", None, 0),
)
SOURCE, HIGHWAY = "QS-SRC-1", "QS-HW-1"
DAYS = (date(2026, 6, 29), date(2026, 7, 1), date(2026, 8, 15), date(2026, 9, 30), date(2026, 10, 1))
BIG = record("QS-BIG-1", "QS-YC-1", captured_at="2026-08-15T10:00:00+08:00", plate="浙D9B100",
             axle_weights_kg=[7000, 19000, 19000, 19000, 19000, 19000], gross_weight_kg=102000)
UNREAD = record("QS-UNREAD-1", "QS-KQ-1", captured_at="2026-08-15T23:30:00+08:00", plate="未识别")


@cache
def traffic() -> tuple[dict[str, object], ...]:
    """The simulated passages of the five days (made once for both databases)."""
    sims = [SimStation(sid, 3, volume_per_day=n, county_code=county, road=road)
            for sid, _, county, road, _, n in SITES if n]
    sims += [SimStation(SOURCE, 1, volume_per_day=60, county_code="330603"),
             SimStation(HIGHWAY, 2, volume_per_day=100, county_code="330604")]
    sim = Traffic(sims, random.Random(20260930), overload_share=0.12, outage_share=0.0, repeat_offenders=6)
    out: list[dict[str, object]] = []
    for day in DAYS:
        start = datetime.combine(day, time(), TZ)
        out += sim.between(start, start + timedelta(days=1))
    return tuple(out)


def _stations(c: Container) -> None:
    for sid, name, county, road, stake, n in SITES:
        add_station(c.stations, sid, name, 3, now=NOW, county_code=county, state="enabled" if n else "stopped",
                    extra={"road": road, "stake": stake})
    add_station(c.stations, SOURCE, "钱清石料厂出场地磅", 1, now=NOW, county_code="330603", kind="source")
    add_station(c.stations, HIGHWAY, "上虞入口称重", 2, now=NOW, county_code="330604", kind="highway")
    import_registry(c.registries, "source", "code,name,county_code,key_source,station_id\n"
                    f"SX-SRC-T1,钱清石料厂,330603,是,{SOURCE}\n", now=NOW)


def violators(c: Container, q: Quarter) -> list[str]:
    """Plates with a violation at a site in ``q``, most violations first."""
    start, end = q.bounds(TZ)
    r = records.c
    query = (select(r.plate).join(stations, stations.c.station_id == r.station_id)
             .where(stations.c.kind == "site", r.actionable.is_(True), r.plate != "", r.captured_at >= start,
                    r.captured_at < end))
    with c.db.reader.connect() as conn:
        plates = [p for (p,) in conn.execute(query)]
    return sorted(set(plates), key=lambda p: (-plates.count(p), p))


def _inspections(c: Container, officer: Any, plates: list[str]) -> None:
    rows = [("2026-08-15T11:00:00+08:00", plates[0], "overload_case", "砂石"),
            ("2026-08-15T12:00:00+08:00", plates[1], "unloaded", " 砂石 "),
            ("2026-09-30T09:00:00+08:00", "浙D0C001", "compliant", "钢材"),
            ("2026-09-30T10:00:00+08:00", plates[2], "compliant", None),
            ("2026-10-01T10:00:00+08:00", plates[0], "overload_case", "砂石")]  # the fourth quarter
    for n, (at, plate, result, cargo) in enumerate(rows):
        when = datetime.fromisoformat(at)
        req = InspectionRequest(client_id=f"quarterly-test-{n:04d}", plate=plate, place="G104 越城东湖检测点旁",
                                inspected_at=when, result=result, channel="desk", cargo=cargo)
        record_inspection(c.inspections, officer, req, from_mobile=False, now=when + timedelta(hours=1),
                          origin="test")


def _accidents(c: Container, officer: Any, now_plate: str, before_plate: str) -> None:
    header = "ref,occurred_at,plate,place,road,county_code,severity,deaths,injuries,property_loss_yuan,overloaded\n"
    rows = [f"SG-T-001,2026-08-16 03:20,{now_plate},G104 越城段,G104,330602,重大事故,2,3,500000,是",
            f"SG-T-002,2026-09-02 14:00,{before_plate},S308 枫桥段,S308,330681,一般事故,0,1,20000,",
            "SG-T-003,2026-09-05 08:00,浙D0C002,S214 城南段,S214,330624,轻微事故,0,0,3000,否",
            f"SG-T-004,2026-06-29 22:00,{now_plate},G104 越城段,G104,330602,轻微事故,0,0,1000,否"]  # Q2
    import_accidents(c.accidents, officer, header + "\n".join(rows) + "\n", now=NOW, origin="test")


def populate(c: Container) -> dict[str, Any]:
    """Stations, traffic, the two hand-made records, inspections, accidents; the plates the tests look at."""
    _stations(c)
    feed_direct(c.ingest_store, c.ingest_policy, iter(traffic()), lambda: NOW)
    for rec in (BIG, UNREAD):
        result = accept_batch(c.ingest_store, str(rec["station_id"]), json.dumps([rec]).encode(), now=NOW,
                              policy=c.ingest_policy)
        assert result.accepted == 1
    officer, _, _ = add_user(c.users, c.hasher, "officer-q", "officer", now=NOW, display_name="季度测试执法员")
    now_plates = violators(c, Q3)
    before_only = [p for p in violators(c, Q2) if p not in set(now_plates)]
    _inspections(c, officer, now_plates)
    _accidents(c, officer, now_plates[0], before_only[0])
    return {"officer": officer, "q3_violators": now_plates, "q2_only": before_only}
