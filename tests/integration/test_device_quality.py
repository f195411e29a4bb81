"""The quality sweep on real databases, fed with weeks of simulated traffic at speed: a scale drifting +3 % over
two weeks is flagged before it reaches its MPE (class 5: ±5 %), its neighbours are not, the paired comparison
points at it; a scale beyond its MPE is suspended until checked; a dying camera and a dead lane are found."""

from __future__ import annotations

import random
import threading
from datetime import UTC, date, datetime, timedelta
from functools import cache
from typing import Any

from sqlalchemy import func, select, update

from tests.conftest import FixedClock
from zhichao.adapters.db.tables import outbox, station_days, station_events, stations
from zhichao.bootstrap import Container, build
from zhichao.config import Settings
from zhichao.services.stations import add_station
from zhichao.simulation.faults import DeadLane, Drift, ReadRateDecay
from zhichao.simulation.feed import feed_direct
from zhichao.simulation.traffic import SimStation, Traffic

DAY0 = date(2026, 10, 1)
T0 = datetime(2026, 9, 30, 16, 0, tzinfo=UTC)  # local midnight starting DAY0
DAYS = 20
DRIFT_START = T0 + timedelta(days=3)
DRIFT_PER_DAY = 3 / 14
FAST_START = T0 + timedelta(days=5)
STATIONS = [SimStation(f"Q{i}", 3, volume_per_day=1300, county_code="330603", road="G104", stake_m=10_000 * i)
            for i in range(5)]
FAULTS = [Drift("Q1", DRIFT_START, DRIFT_PER_DAY),  # the slow drift of the issue: +3 % in two weeks
          Drift("Q3", FAST_START, 2.5, max_pct=7.0),  # beyond class 5's ±5 % two days later
          ReadRateDecay("Q4", T0 + timedelta(days=6), 0.05),
          DeadLane("Q2", 2, T0 + timedelta(days=10))]


@cache
def _traffic() -> tuple[tuple[dict[str, object], ...], ...]:
    """Each day's records, made once for both databases."""
    traffic = Traffic(STATIONS, random.Random(11), outage_share=0.0, faults=FAULTS, through_share=0.25)
    return tuple(tuple(traffic.between(T0 + timedelta(days=d), T0 + timedelta(days=d + 1))) for d in range(DAYS))


def _register(c: Container) -> None:
    for s in STATIONS:
        add_station(c.stations, s.station_id, f"测试站 {s.station_id}", s.lanes, now=c.clock(), county_code="330603",
                    extra={"road": "G104", "cert_number": f"浙量检字[2026]第{s.station_id}号", "accuracy_class": "5",
                           "cert_valid_from": DAY0, "cert_valid_to": date(2027, 9, 30)})


def _run(settings: Settings) -> tuple[Container, dict[str, dict[date, list[dict[str, object]]]]]:
    """Feed day by day; after each day sweep as a serving process would 3 h past midnight. The findings of
    each (station, day) as the sweep wrote them that night."""
    clock = FixedClock(T0)
    c = build(settings, clock=clock)
    _register(c)
    seen: dict[str, dict[date, list[dict[str, object]]]] = {s.station_id: {} for s in STATIONS}
    for d, records in enumerate(_traffic()):
        clock.now = T0 + timedelta(days=d + 1, hours=3)
        feed_direct(c.ingest_store, c.ingest_policy, iter(records), clock)
        c.devices.sweep_quality(clock.now)
        day = DAY0 + timedelta(days=d)
        for row in c.devices.ctx.repo.days(None, day, day):
            seen[str(row["station_id"])][day] = list(row["findings"])
    return c, seen


def _first(seen: dict[date, list[dict[str, object]]], code: str, level: str | None = None) -> date | None:
    return next((day for day, found in sorted(seen.items())
                 if any(f["code"] == code and (level is None or f["level"] == level) for f in found)), None)


def _true_drift(day: date) -> float:
    """The drift at the end of ``day``."""
    end = datetime(day.year, day.month, day.day, 16, 0, tzinfo=UTC)
    return DRIFT_PER_DAY * (end - DRIFT_START).total_seconds() / 86400


def test_faults_are_found_within_their_documented_delay(settings: Settings) -> None:
    c, seen = _run(settings)
    try:
        # +3 % over two weeks on a class-5 scale (MPE ±5 %): warned past half the MPE, before the MPE
        warned = _first(seen["Q1"], "calibration_drift", "warn")
        assert warned is not None, seen["Q1"]
        assert 2.0 <= _true_drift(warned) < 3.5  # documented: within ~2 days of crossing 2.5 %
        assert _first(seen["Q1"], "calibration_drift", "alarm") is None
        assert c.stations.get("Q1").suspended_since is None  # type: ignore[union-attr]
        # the honest neighbours are never flagged for drift
        for honest in ("Q0", "Q2", "Q4"):
            assert _first(seen[honest], "calibration_drift") is None, honest
        # the network sees it too: Q1's median difference against its neighbours
        paired = _first(seen["Q1"], "paired_difference")
        assert paired is not None and _true_drift(paired) < 5.0
        # Q3 jumps past its MPE: suspended, and its new records are not evidence until checked
        alarm = _first(seen["Q3"], "calibration_drift", "alarm")
        assert alarm is not None and alarm <= DAY0 + timedelta(days=9)
        q3 = c.stations.get("Q3")
        assert q3 is not None and q3.suspended_since is not None and q3.quality == "alarm"
        # the camera losing 5 % of its reads a day falls below 90 % within about two days
        dirty = _first(seen["Q4"], "read_rate_low")
        assert dirty is not None and dirty <= DAY0 + timedelta(days=9)
        # the dead lane is seen the day it died
        assert _first(seen["Q2"], "lane_silent") == DAY0 + timedelta(days=10)
        _sweeps_change_things_once(c, settings)
    finally:
        c.close()


def _count(c: Container, table: Any) -> int:
    with c.db.reader.connect() as conn:
        return int(conn.execute(select(func.count()).select_from(table)).scalar_one())


def _sweeps_change_things_once(c: Container, settings: Settings) -> None:
    """The same sweep again changes nothing; two processes sweeping at once write each change once."""
    now = c.clock()
    events, notices = _count(c, station_events), _count(c, outbox)
    assert c.devices.sweep_quality(now).changes == 0
    assert (_count(c, station_events), _count(c, outbox)) == (events, notices)
    # as before the last sweep: Q1 not yet warned, Q3 not yet suspended, the last day still to judge
    with c.db.writer.begin() as conn:
        conn.execute(update(stations).where(stations.c.station_id == "Q1").values(quality="ok"))
        conn.execute(update(stations).where(stations.c.station_id == "Q3").values(suspended_since=None))
        conn.execute(update(station_days).where(station_days.c.day == DAY0 + timedelta(days=DAYS - 1))
                     .values(complete=False))
    other = build(settings, clock=c.clock)
    try:
        barrier, results = threading.Barrier(2), []

        def sweep(container: Container) -> None:
            barrier.wait()
            results.append(container.devices.sweep_quality(now).changes)

        threads = [threading.Thread(target=sweep, args=(x,)) for x in (c, other)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
    finally:
        other.close()
    assert sum(results) == 2  # Q1 ok → warn, Q3 suspended: each written by one of the two
    assert _count(c, station_events) == events + 2 and _count(c, outbox) == notices + 2
