"""A truck's heading along its road and the stations ahead (domain/trajectory.py), as tables."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from zhichao.domain.trajectory import (
    MAX_SPEED_KMH,
    Heading,
    Passage,
    Place,
    heading,
    next_stations,
    road_key,
    stake_m,
)

T0 = datetime(2026, 11, 26, 6, 0, tzinfo=UTC)

# G104: A at K10, B at K20, C at K35, D at K50 (stopped), E at K60; S308: X at K5, Y at K15; Z has no stake.
PLACES = [
    Place("A", "G104", "K10+000"), Place("B", "G104", "K20+000"), Place("C", "G104", "K35+000"),
    Place("D", "G104", "K50+000", active=False), Place("E", "g104 ", "K60+000"),
    Place("X", "S308", "K5+000"), Place("Y", "S308", "K15+000"), Place("Z", "G104", None),
    Place("B2", "G104", "K20+000"),  # another scale at B's stake (the other carriageway)
]  # fmt: skip


def at(minutes: float) -> datetime:
    return T0 + timedelta(minutes=minutes)


@pytest.mark.parametrize(("text", "metres"), [
    ("K1552+300", 1552300),
    ("K12+800", 12800),
    ("k12+800", 12800),  # lower case
    ("Ｋ１２＋８００", 12800),  # full width
    ("K 12 + 080", 12080),  # spaces
    ("K12+80.5", 12080),  # decimal metres: whole metres kept
    ("K0+050", 50),
    ("K40", 40000),  # kilometre only
    ("K12+1200", None),  # metres beyond 999: not a stake
    ("AK3+200", None),  # a ramp's stake, not on the main line
    ("1552+300", None),
    ("K+300", None),
    ("", None),
    (None, None),
])  # fmt: skip
def test_a_stake_is_read_as_metres_along_the_road(text: str | None, metres: int | None) -> None:
    assert stake_m(text) == metres


@pytest.mark.parametrize(("road", "key"), [("G104", "G104"), (" g104 ", "G104"), ("Ｇ１０４", "G104"), (None, "")])
def test_road_names_compare_without_case_width_or_spaces(road: str | None, key: str) -> None:
    assert road_key(road) == key


@pytest.mark.parametrize(("passages", "expected"), [
    # stakes rising: up; falling: down
    ([("A", 0), ("B", 10)], ("up", "A", "B")),
    ([("C", 0), ("B", 15)], ("down", "C", "B")),
    # the latest two on the road count, in time order whatever the input order
    ([("B", 30), ("A", 0), ("C", 20)], ("down", "C", "B")),
    # a second capture at the same stake is skipped: the heading comes from the station before
    ([("A", 0), ("B", 10), ("B2", 11)], ("up", "A", "B2")),
    # passages on two roads: the latest passage's road decides; the other road's passages are skipped
    ([("A", 0), ("X", 5), ("B", 10)], ("up", "A", "B")),
    ([("A", 0), ("B", 10), ("Y", 30), ("X", 40)], ("down", "Y", "X")),
    # one passage, or one per road: unknown
    ([("A", 0)], None),
    ([("A", 0), ("X", 10)], None),
    # only the same stake, or a station without a stake, or an unknown station: unknown
    ([("B", 0), ("B2", 1)], None),
    ([("A", 0), ("Z", 10)], None),
    ([("A", 0), ("Q", 10)], None),
    # too far apart in time to say anything
    ([("A", 0), ("B", 6 * 60 + 1)], None),
    ([], None),
])  # fmt: skip
def test_the_heading_comes_from_the_last_two_passages_on_one_road(
        passages: list[tuple[str, float]], expected: tuple[str, str, str] | None) -> None:
    way = heading([Passage(s, at(m)) for s, m in passages], PLACES)
    assert (None if way is None else (way.direction, way.from_station, way.to_station)) == expected


@pytest.mark.parametrize(("passages", "spot_kmh", "speed"), [
    ([("A", 0), ("B", 10)], None, 60.0),  # 10 km in 10 minutes
    ([("A", 0), ("B", 4)], None, MAX_SPEED_KMH),  # 150 km/h observed (a clock off): capped
    ([("A", 0), ("B", 0)], 55.0, 55.0),  # the same instant: the scale's speed
    ([("A", 0), ("B", 0)], 130.0, MAX_SPEED_KMH),
    ([("A", 0), ("B", 120)], None, None),  # 5 km/h on average: it stopped on the way
    ([("A", 0), ("B", 0)], None, None),
])  # fmt: skip
def test_the_speed_for_estimates_is_observed_and_capped(
        passages: list[tuple[str, float]], spot_kmh: float | None, speed: float | None) -> None:
    way = heading([Passage(s, at(m), spot_kmh) for s, m in passages], PLACES)
    assert way is not None
    assert way.speed_kmh == (None if speed is None else pytest.approx(speed))


@pytest.mark.parametrize(("passages", "expected"), [
    # up from B: C at 15 km, then E at 40 km (D is stopped: it weighs nothing)
    ([("A", 0), ("B", 10)], [("C", 15000, 15.0), ("E", 40000, 40.0)]),
    # down from C: B and B2 (both at K20) at 15 km; A is third and left out
    ([("E", 0), ("C", 25)], [("B", 15000, 15.0), ("B2", 15000, 15.0)]),
    # down from B: A is the last station of the road
    ([("C", 0), ("B", 15)], [("A", 10000, 10.0)]),
    # the end of the road: nothing ahead
    ([("C", 0), ("E", 25)], []),
    ([("B", 0), ("A", 10)], []),
    # heading unknown: nothing ahead
    ([("A", 0)], []),
])  # fmt: skip
def test_the_next_stations_are_ahead_on_the_road_nearest_first(
        passages: list[tuple[str, float]], expected: list[tuple[str, int, float]]) -> None:
    way = heading([Passage(s, at(m)) for s, m in passages], PLACES)
    found = next_stations(way, PLACES)
    assert [(n.station_id, n.distance_m) for n in found] == [(s, d) for s, d, _ in expected]
    last = max(m for _, m in passages)
    # 60 km/h in every case above: one minute per kilometre after the latest passage
    assert [n.eta for n in found] == [at(last + minutes) for _, _, minutes in expected]


def test_one_station_ahead_may_be_asked_for() -> None:
    way = heading([Passage("A", at(0)), Passage("B", at(10))], PLACES)
    assert [n.station_id for n in next_stations(way, PLACES, ahead=1)] == ["C"]


def test_no_arrival_is_estimated_without_a_speed() -> None:
    way = heading([Passage("A", at(0)), Passage("B", at(120))], PLACES)
    assert way is not None and way.speed_kmh is None
    assert [(n.station_id, n.eta) for n in next_stations(way, PLACES)] == [("C", None), ("E", None)]


def test_a_heading_on_a_station_the_places_do_not_know_has_nothing_ahead() -> None:
    way = Heading("G104", "up", "A", "gone", at(0), 60.0)
    assert next_stations(way, PLACES) == []
