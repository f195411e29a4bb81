"""The health sweep on real databases, fed by the simulator at speed: a station that falls silent is down
within its documented delay, once, with one notice; sweeps that race change nothing twice."""

from __future__ import annotations

import random
import threading
from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import func, select

from tests.conftest import FixedClock
from zhichao.adapters.db.tables import outbox, station_events, stations
from zhichao.bootstrap import Container, build
from zhichao.config import Settings
from zhichao.services.stations import add_station, record_heartbeat
from zhichao.simulation.faults import ClockAhead, Silent
from zhichao.simulation.feed import feed_direct
from zhichao.simulation.traffic import SimStation, Traffic

T0 = datetime(2026, 11, 26, 0, 0, tzinfo=UTC)  # 08:00 in Shaoxing
SILENT_AT = T0 + timedelta(minutes=30)
STATIONS = [SimStation(f"H{i}", 3, volume_per_day=2400, county_code="330603", road="G104") for i in range(3)]


def _register(c: Container) -> None:
    for s in STATIONS:
        add_station(c.stations, s.station_id, f"测试站 {s.station_id}", s.lanes, now=c.clock(), county_code="330603",
                    extra={"cert_number": "浙量检字[2026]第1号", "cert_valid_from": date(2026, 1, 1),
                           "cert_valid_to": date(2027, 12, 31), "accuracy_class": "5"})


def _count(c: Container, table: object, *where: object) -> int:
    with c.db.reader.connect() as conn:
        return int(conn.execute(select(func.count()).select_from(table).where(*where)).scalar_one())  # type: ignore[arg-type]


def _run(c: Container, clock: FixedClock, minutes: int) -> dict[str, list[tuple[datetime, str]]]:
    """Feed traffic and heartbeats minute by minute from T0, sweeping after each minute; the health seen."""
    traffic = Traffic(STATIONS, random.Random(7), outage_share=0.0, faults=[Silent("H1", SILENT_AT)])
    seen: dict[str, list[tuple[datetime, str]]] = {s.station_id: [] for s in STATIONS}
    for m in range(minutes):
        start, end = T0 + timedelta(minutes=m), T0 + timedelta(minutes=m + 1)
        clock.now = end
        feed_direct(c.ingest_store, c.ingest_policy, traffic.between(start, end), clock)
        for station_id, at, body in traffic.heartbeats(start, end):
            record_heartbeat(c.stations, station_id, body, now=at.astimezone(UTC))
        c.devices.sweep_health(end)
        for s in c.stations.all():
            if not seen[s.station_id] or seen[s.station_id][-1][1] != s.health:
                seen[s.station_id].append((end, str(s.health)))
    return seen


def test_a_silent_station_is_down_within_interval_plus_grace_and_alerted_once(container: Container,
                                                                            clock: FixedClock) -> None:
    _register(container)
    seen = _run(container, clock, 50)
    policy = container.health_policy
    down_at = next(t for t, state in seen["H1"] if state == "down")
    # its last heartbeat was at SILENT_AT − 1 min at the latest; down once interval + grace have passed,
    # seen at the next sweep (every minute here; every HEALTH_SWEEP_S in a serving process)
    assert SILENT_AT + policy.interval + policy.grace - timedelta(minutes=1) < down_at
    assert down_at <= SILENT_AT + policy.interval + policy.grace + timedelta(minutes=1)
    assert [state for _, state in seen["H1"]] == ["up", "late", "down"]
    assert [state for _, state in seen["H0"]] == ["up"] and [state for _, state in seen["H2"]] == ["up"]
    assert _count(container, station_events, station_events.c.station_id == "H1",
                  station_events.c.to_state == "down") == 1
    notices = _count(container, outbox, outbox.c.channel == "dingtalk", outbox.c.subject.contains("站点离线"))
    assert notices == 1
    # sweeping again at the same moment changes nothing
    assert container.devices.sweep_health(clock.now) == 0
    assert _count(container, outbox) == notices


def test_a_station_back_from_down_is_up_again_with_a_recovery_notice(container: Container, clock: FixedClock) -> None:
    _register(container)
    _run(container, clock, 15)
    clock.now += timedelta(hours=1, minutes=1)
    assert container.devices.sweep_health(clock.now) == 3  # all three silent for over an hour
    record_heartbeat(container.stations, "H0", {"at": clock.now.isoformat(), "status": {}}, now=clock.now)
    container.devices.sweep_health(clock.now)
    h0 = container.stations.get("H0")
    assert h0 is not None and (h0.health, h0.health_reason) == ("late", "no_data")  # alive, no record for an hour
    subjects = _subjects(container)
    assert sum("站点离线" in s for s in subjects) == 3
    assert sum("站点恢复" in s for s in subjects) == 1  # back from down, though without data yet
    feed_direct(container.ingest_store, container.ingest_policy,
                Traffic(STATIONS[:1], random.Random(1), outage_share=0.0).burst(clock.now, 3), clock)
    container.devices.sweep_health(clock.now)
    assert container.stations.get("H0").health == "up"  # type: ignore[union-attr]
    assert sum("站点恢复" in s for s in _subjects(container)) == 1  # late → up is not alerted


def _subjects(c: Container) -> list[str]:
    with c.db.reader.connect() as conn:
        return [str(s) for s in conn.execute(select(outbox.c.subject))]


def test_stations_in_repair_or_stopped_are_neither_swept_nor_alerted(container: Container,
                                                                     clock: FixedClock) -> None:
    """And a station's first sweep records its state without a message."""
    _register(container)
    ticket = container.devices.open_ticket("H0", "称台传感器损坏", "执法员 王磊", clock.now)
    with container.db.writer.begin() as conn:
        conn.execute(stations.update().where(stations.c.station_id == "H2").values(state="stopped"))
    for s in STATIONS:
        record_heartbeat(container.stations, s.station_id, {"at": clock.now.isoformat(), "status": {}}, now=clock.now)
    container.devices.sweep_health(clock.now)
    clock.now += timedelta(hours=1)
    container.devices.sweep_health(clock.now)
    assert container.stations.get("H0").health is None  # type: ignore[union-attr]
    assert container.stations.get("H2").health is None  # type: ignore[union-attr]
    assert container.stations.get("H1").health == "down"  # type: ignore[union-attr]
    assert sum("站点离线" in s for s in _subjects(container)) == 1
    container.devices.close_ticket(ticket, "更换传感器", "管理员 赵刚", 1, clock.now)
    assert container.stations.get("H0").state == "enabled"  # type: ignore[union-attr]


@pytest.mark.parametrize("round_", range(3))
def test_two_processes_sweeping_at_once_write_one_change_and_one_notice(settings: Settings, round_: int) -> None:
    clock = FixedClock(T0)
    first, second = build(settings, clock=clock), build(settings, clock=clock)
    try:
        _register(first)
        for s in STATIONS:  # heard from once, and swept: up
            record_heartbeat(first.stations, s.station_id, {"at": T0.isoformat(), "status": {}}, now=T0)
        assert first.devices.sweep_health(T0) == 3
        clock.now = T0 + timedelta(hours=1)
        barrier = threading.Barrier(2)
        results: list[int] = []

        def sweep(c: Container) -> None:
            barrier.wait()
            results.append(c.devices.sweep_health(clock.now))

        threads = [threading.Thread(target=sweep, args=(c,)) for c in (first, second)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        assert sum(results) == 3  # three stations silent for an hour: down, each written by one of the two
        assert _count(first, station_events) == 6
        assert _count(first, outbox) == 3
    finally:
        first.close()
        second.close()


def test_a_clock_running_ahead_is_found_by_the_next_quality_sweep(container: Container, clock: FixedClock) -> None:
    """ClockAhead (6 minutes): the heartbeats carry the station's clock, its records arrive before they were
    captured; the quality sweep after the next heartbeat flags it, and only it."""
    _register(container)
    traffic = Traffic(STATIONS, random.Random(3), outage_share=0.0,
                      faults=[ClockAhead("H2", T0, timedelta(minutes=6))])
    for m in range(30):
        start, end = T0 + timedelta(minutes=m), T0 + timedelta(minutes=m + 1)
        clock.now = end
        feed_direct(container.ingest_store, container.ingest_policy, traffic.between(start, end), clock)
        for station_id, at, body in traffic.heartbeats(start, end):
            record_heartbeat(container.stations, station_id, body, now=at.astimezone(UTC))
    container.devices.sweep_quality(clock.now)
    board = {s.station_id: s for s in container.devices.board(clock.now)}
    assert board["H2"].clock_offset_s == pytest.approx(360, abs=1)
    assert [f.code for f in board["H2"].findings] == ["clock_skew"] and board["H2"].quality == "warn"
    assert "设备时钟比服务器快 360 秒" in board["H2"].findings[0].message
    for honest in ("H0", "H1"):
        assert board[honest].findings == () and board[honest].clock_offset_s == pytest.approx(0, abs=1)
