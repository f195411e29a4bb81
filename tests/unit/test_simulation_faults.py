"""Simulated device faults and through traffic: each fault shows in records and heartbeats as specified."""

from __future__ import annotations

import hashlib
import random
import statistics
from collections import defaultdict
from datetime import UTC, datetime, timedelta, timezone
from typing import Any

import pytest

from zhichao.demo import load_network
from zhichao.simulation.evidence import evidence_files
from zhichao.simulation.faults import (
    ClockAhead,
    DeadLane,
    Drift,
    Fault,
    Faults,
    ReadRateDecay,
    Silent,
    demo_faults,
    drift_neighbours,
)
from zhichao.simulation.traffic import SimStation, Traffic, load_sim_stations

CST = timezone(timedelta(hours=8))
DAY = datetime(2026, 11, 26, tzinfo=CST)
HOUR = timedelta(hours=1)


def network() -> list[SimStation]:
    """Four stations along one road, one on another road of the same county, one alone in its county."""
    road = [SimStation(f"T-{i}", 3, volume_per_day=4000, county_code="330601", road="G1", stake_m=10_000 * i)
            for i in range(4)]
    return [*road, SimStation("T-4", 2, volume_per_day=3000, county_code="330601", road="S2"),
            SimStation("T-5", 2, volume_per_day=3000, county_code="330602", road="S3")]


def traffic(faults: tuple[Fault, ...] = (), seed: int = 1, **kwargs: Any) -> Traffic:
    return Traffic(network(), random.Random(seed), outage_share=0.0, faults=faults, **kwargs)


def records(t: Traffic, start: datetime, end: datetime) -> list[dict[str, Any]]:
    return list(t.between(start, end))


def at(record: dict[str, Any]) -> datetime:
    return datetime.fromisoformat(record["captured_at"])


def of(station: str, recs: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [r for r in recs if r["station_id"] == station]


# --- each fault ---

def test_a_silent_station_sends_no_records_and_no_heartbeats_inside_its_window() -> None:
    t = traffic((Silent("T-1", DAY + HOUR, DAY + 2 * HOUR),))
    recs = of("T-1", records(t, DAY, DAY + 3 * HOUR))
    assert recs and not [r for r in recs if DAY + HOUR <= at(r) < DAY + 2 * HOUR]
    assert {at(r).hour for r in recs} == {0, 2}
    beats = {when for sid, when, _ in t.heartbeats(DAY, DAY + 3 * HOUR) if sid == "T-1"}
    assert len(beats) == 120 and all(not DAY + HOUR <= w < DAY + 2 * HOUR for w in beats)


def test_an_open_ended_silence_lasts_and_other_stations_are_unchanged() -> None:
    window = (DAY, DAY + 2 * HOUR)
    silent = records(traffic((Silent("T-1", DAY + HOUR),)), *window)
    plain = records(traffic(), *window)
    assert silent == [r for r in plain if r["station_id"] != "T-1" or at(r) < DAY + HOUR]


def test_a_dead_lane_sends_nothing_while_the_other_lanes_report() -> None:
    t = traffic((DeadLane("T-2", 2, DAY + HOUR),))
    lanes = [(r["lane"], at(r) >= DAY + HOUR) for r in of("T-2", records(t, DAY, DAY + 3 * HOUR))]
    assert (2, False) in lanes and (2, True) not in lanes
    assert {(1, True), (3, True)} <= set(lanes)
    beats = {when.hour: body["status"]["lanes_ok"] for sid, when, body in t.heartbeats(DAY, DAY + 2 * HOUR)
             if sid == "T-2"}
    assert beats == {0: [1, 2, 3], 1: [1, 3]}


def first_axle_median(recs: list[dict[str, Any]]) -> float:
    return float(statistics.median(r["axle_weights_kg"][0] for r in recs if r["axle_count"] == 6))


def test_a_drifting_scale_weighs_heavier_as_days_pass_and_only_that_scale() -> None:
    drift = (Drift("T-0", DAY, pct_per_day=3 / 14),)
    late = (DAY + timedelta(days=14), DAY + timedelta(days=14, hours=6))
    drifted, plain = records(traffic(drift), *late), records(traffic(), *late)
    ratio = first_axle_median(of("T-0", drifted)) / first_axle_median(of("T-0", plain))
    assert ratio == pytest.approx(1.03, abs=0.005)
    assert of("T-1", drifted) == of("T-1", plain)
    before = (DAY - 2 * HOUR, DAY)
    assert records(traffic(drift), *before) == records(traffic(), *before)
    for r in of("T-0", drifted):
        assert abs(sum(r["axle_weights_kg"]) - r["gross_weight_kg"]) <= 0.01 * r["gross_weight_kg"] + 10


def test_drift_stops_at_its_maximum() -> None:
    drift = (Drift("T-0", DAY - timedelta(days=100), pct_per_day=1.0, max_pct=4.0),)
    window = (DAY, DAY + HOUR)
    ratios = [d["gross_weight_kg"] / p["gross_weight_kg"]
              for d, p in zip(of("T-0", records(traffic(drift), *window)), of("T-0", records(traffic(), *window)),
                              strict=True)]
    assert statistics.median(ratios) == pytest.approx(1.04, abs=0.001)


def unread_share(recs: list[dict[str, Any]]) -> float:
    return sum(r["plate_color"] == "unknown" for r in recs) / len(recs)


def test_a_dirty_camera_reads_ever_fewer_plates() -> None:
    t = traffic((ReadRateDecay("T-3", DAY, per_day=0.04),))
    first = of("T-3", records(t, DAY, DAY + 3 * HOUR))
    tenth = of("T-3", records(t, DAY + timedelta(days=10), DAY + timedelta(days=10, hours=3)))
    assert unread_share(first) < 0.05
    assert unread_share(tenth) == pytest.approx(0.02 + 0.98 * 0.4, abs=0.06)
    assert all("plate_confidence" not in r and r["plate"] in ("", "未识别", "noPlate", "无车牌")
               for r in tenth if r["plate_color"] == "unknown")
    assert unread_share(of("T-2", records(t, DAY + timedelta(days=10), DAY + timedelta(days=10, hours=3)))) < 0.05


def test_a_clock_running_ahead_shifts_times_but_not_record_ids() -> None:
    ahead = (ClockAhead("T-0", DAY, timedelta(minutes=6)),)
    window = (DAY, DAY + HOUR)
    shifted, plain = of("T-0", records(traffic(ahead), *window)), of("T-0", records(traffic(), *window))
    assert [r["record_id"] for r in shifted] == [r["record_id"] for r in plain]
    assert all(at(s) - at(p) == timedelta(minutes=6) for s, p in zip(shifted, plain, strict=True))
    beats = [(when, body["at"]) for sid, when, body in traffic(ahead).heartbeats(DAY, DAY + HOUR) if sid == "T-0"]
    assert all(datetime.fromisoformat(text) - when == timedelta(minutes=6) for when, text in beats)


def test_changed_records_still_name_the_bytes_of_their_photos() -> None:
    faults = (Drift("T-0", DAY - timedelta(days=5), 0.5), ClockAhead("T-0", DAY, timedelta(minutes=2)),
              ReadRateDecay("T-0", DAY - timedelta(days=15), 0.04))
    with_images = [r for r in of("T-0", records(traffic(faults), DAY, DAY + 2 * HOUR)) if "images" in r]
    assert any(r["plate_color"] == "unknown" for r in with_images)
    for r in with_images:
        assert [hashlib.sha256(f.content).hexdigest() for f in evidence_files(r)] == [i["sha256"] for i in r["images"]]


def test_faults_apply_to_live_bursts_and_to_single_records() -> None:
    t = traffic((Silent("T-0", DAY), Silent("T-1", DAY), Silent("T-2", DAY), Silent("T-3", DAY)))
    burst = t.burst(DAY + HOUR, 100)
    assert 0 < len(burst) < 100 and {r["station_id"] for r in burst} <= {"T-4", "T-5"}
    record = {"record_id": "X-1", "station_id": "X", "lane": 1, "captured_at": "..."}
    assert Faults([DeadLane("X", 1, DAY)]).apply(dict(record), DAY) is None
    assert Faults([DeadLane("X", 1, DAY)]).apply(dict(record), DAY - HOUR) == record


# --- determinism and the default ---

@pytest.mark.parametrize("kwargs", [
    {"faults": (Silent("T-1", DAY + timedelta(minutes=20), DAY + timedelta(minutes=50)), DeadLane("T-2", 1, DAY),
                Drift("T-0", DAY - timedelta(days=3), 0.3), ReadRateDecay("T-3", DAY - timedelta(days=4), 0.05),
                ClockAhead("T-4", DAY, timedelta(minutes=6)))},
    {"through_share": 0.3},
])
def test_splitting_a_period_yields_the_same_records_and_heartbeats(kwargs: dict[str, Any]) -> None:
    start, middle, end = DAY, DAY + timedelta(minutes=37, seconds=11), DAY + 2 * HOUR
    whole = records(traffic(**kwargs), start, end)
    t = traffic(**kwargs)
    later = records(t, middle, end)
    assert records(t, start, middle) + later == whole
    beats = list(t.heartbeats(start, end))
    assert list(t.heartbeats(start, middle)) + list(t.heartbeats(middle, end)) == beats


def test_without_faults_or_through_traffic_the_records_are_unchanged() -> None:
    stations = network()
    window = (DAY, DAY + 2 * HOUR)
    default = list(Traffic(stations, random.Random(3)).between(*window))
    assert list(Traffic(stations, random.Random(3), faults=(), through_share=0.0).between(*window)) == default
    assert not any("-P" in r["record_id"] for r in default)


def test_a_through_share_outside_zero_to_one_is_refused() -> None:
    with pytest.raises(ValueError, match="through_share"):
        traffic(through_share=1.5)


# --- through traffic ---

def test_through_trucks_cross_a_second_scale_with_the_same_plate_and_a_close_weight() -> None:
    recs = records(traffic(through_share=0.3), DAY, DAY + 3 * HOUR)
    again = [r for r in recs if "-P" in r["record_id"]]
    assert 0.05 * len(recs) < len(again) < 0.25 * len(recs)
    assert len({r["record_id"] for r in recs}) == len(recs)
    by_plate: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for r in recs:
        if "-P" not in r["record_id"] and r["plate_color"] != "unknown":
            by_plate[r["plate"]].append(r)
    pairs = 0
    for second in (r for r in again if r["plate"] in by_plate):
        first = [f for f in by_plate[second["plate"]] if f["station_id"] != second["station_id"]
                 and timedelta(minutes=5) <= at(second) - at(f) <= timedelta(minutes=40)
                 and abs(second["gross_weight_kg"] / f["gross_weight_kg"] - 1) <= 0.04]
        if first:
            pairs += 1
            assert first[0]["axle_count"] == second["axle_count"]
    assert pairs > 100 and pairs > 0.9 * len(again)
    # neighbours on the road trade trucks; T-5 has no road-mate and no county-mate
    assert not of("T-5", again)
    assert {r["station_id"] for r in again} >= {"T-0", "T-1", "T-2", "T-3"}


# --- the demo's choice ---

def test_demo_faults_hit_five_different_enabled_stations_of_the_real_network() -> None:
    stations = load_sim_stations(load_network())
    now = datetime(2026, 11, 26, 12, tzinfo=CST)
    faults = demo_faults(stations, now)
    ids = [f.station_id for f in faults]
    assert len(set(ids)) == 5 and set(ids) <= {s.station_id for s in stations}
    assert [type(f) for f in faults] == [Drift, Silent, DeadLane, ReadRateDecay, ClockAhead]
    assert demo_faults(stations, now) == faults
    drift = faults[0]
    assert isinstance(drift, Drift)
    assert drift.start == now - timedelta(days=17)
    assert drift.pct_per_day * 12 == pytest.approx(2.57, abs=0.01)  # past half of a class-5 scale's ±5 %
    road = {s.station_id: s.road for s in stations}
    neighbours = drift_neighbours(stations, drift)
    assert neighbours[0] == drift.station_id and len(neighbours) == 4
    assert {road[n] for n in neighbours} == {road[drift.station_id]}
    assert set(neighbours[1:]).isdisjoint(ids)


def test_only_some_stations_yield_the_records_the_whole_network_gives_them() -> None:
    """The demo backfills weeks for a few stations: their records (regular passages) are the network's own."""
    stations = [SimStation(f"O-{i}", 3, volume_per_day=2000, county_code="330603", road="S310", stake_m=5000 * i)
                for i in range(6)]
    start = datetime(2026, 11, 20, 16, 0, tzinfo=UTC)
    whole = Traffic(stations, random.Random(9), outage_share=0.0)
    some = Traffic(stations, random.Random(9), outage_share=0.0, only={"O-1", "O-2"})
    mine = [r for r in whole.between(start, start + timedelta(hours=3)) if r["station_id"] in ("O-1", "O-2")]
    theirs = list(some.between(start, start + timedelta(hours=3)))
    assert {r["station_id"] for r in theirs} == {"O-1", "O-2"}
    by_id = {r["record_id"]: r for r in theirs}
    same = sum(1 for r in mine if by_id.get(r["record_id"]) == r)
    assert same >= 0.95 * len(mine) > 0  # all but a few offender passages (their shared stream moves)
