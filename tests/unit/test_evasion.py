"""The evasion detectors as tables: cloned plates, covered plates, detours, straddling and crawling."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest

from zhichao.domain.evasion import (
    AXLES,
    COLOUR,
    MAX_TRUCK_KMH,
    TOO_FAST,
    Sighting,
    clone_reason,
    cloned_pairs,
    km_between,
)
from zhichao.domain.evasion_detectors import (
    CRAWL,
    STRADDLE,
    DaySeen,
    Passage,
    Place,
    covered_plate,
    covered_plate_matches,
    detours,
    place_km,
    sensor_evasion,
    stake_m,
)

T0 = datetime(2026, 11, 26, 2, 0, tzinfo=UTC)
# 0.5° of latitude on one meridian: 55.6 km in a straight line
NORTH, SOUTH = (30.5, 120.6), (30.0, 120.6)


def seen(station: str, minutes: float, *, axles: int = 6, colour: str = "yellow", where: tuple[float, float] = SOUTH,
         plate: str = "浙D12345") -> Sighting:
    return Sighting(plate, station, T0 + timedelta(minutes=minutes), axles, colour, *where)


@pytest.mark.parametrize(("a", "b", "reason"), [
    (seen("A", 0), seen("B", 30, where=NORTH), None),  # 111 km/h: drivable
    (seen("A", 0), seen("B", 20, where=NORTH), TOO_FAST),  # 167 km/h
    (seen("B", 20, where=NORTH), seen("A", 0), TOO_FAST),  # order does not matter
    (seen("A", 0), seen("A", 1), None),  # the same station twice: never too fast
    (seen("A", 0), seen("B", 1, where=(None, None)), None),  # type: ignore[arg-type]  # no position: no verdict
    (seen("A", 0, axles=3), seen("B", 300, axles=4), AXLES),  # a rigid truck never changes its axles
    (seen("A", 0, axles=2), seen("B", 300, axles=3), AXLES),
    (seen("A", 0, axles=4), seen("B", 300, axles=5), None),  # 5 axles: a tractor with a trailer
    (seen("A", 0, axles=5), seen("B", 300, axles=6), None),  # articulated: trailers change
    (seen("A", 0, colour="yellow"), seen("B", 300, colour="blue"), COLOUR),
    (seen("A", 0, colour="yellow"), seen("B", 300, colour="unknown"), None),  # unknown is not compared
    (seen("A", 0, colour=""), seen("B", 300, colour="blue"), None),
    (seen("A", 0, plate=""), seen("B", 1, plate="", where=NORTH), None),  # unread plates are not one vehicle
    (seen("A", 0), seen("B", 1, plate="浙D99999", where=NORTH), None),
])
def test_clone_reason(a: Sighting, b: Sighting, reason: str | None) -> None:
    assert clone_reason(a, b) == reason


def test_a_clone_needs_more_than_the_top_speed() -> None:
    a, b = seen("A", 0), seen("B", 60, where=NORTH)  # one hour apart
    km = km_between(*SOUTH, *NORTH)  # the straight line
    assert km == pytest.approx(55.6, abs=0.01)
    assert clone_reason(a, b, max_kmh=km) is None  # exactly at the top speed: drivable
    assert clone_reason(a, b, max_kmh=km - 0.001) == TOO_FAST  # a metre an hour over it
    assert MAX_TRUCK_KMH == 130.0


def test_cloned_pairs_compares_neighbours_in_time() -> None:
    far = seen("B", 10, where=NORTH)
    history = [seen("A", 120), seen("A", 0), far, seen("A", 20), seen("C", 300, axles=5)]
    pairs = cloned_pairs(history)
    assert [(p.first.station_id, p.second.station_id, p.reason) for p in pairs] == [
        ("A", "B", TOO_FAST), ("B", "A", TOO_FAST)]
    assert cloned_pairs([seen("A", 0), seen("B", 60, where=NORTH), seen("C", 400, axles=3)]) == []
    assert [p.reason for p in cloned_pairs([seen("A", 0, axles=2), seen("C", 400, axles=3)])] == [AXLES]
    assert cloned_pairs([]) == []


@pytest.mark.parametrize(("stake", "metres"), [("K1552+300", 1552300), (" K0+000 ", 0), ("", None), (None, None),
                                               ("1552+300", None)])
def test_stake_m(stake: str | None, metres: int | None) -> None:
    assert stake_m(stake) == metres


def test_place_km_prefers_the_stakes_of_one_road() -> None:
    a = Place("A", road="G104", stake_m=1552300, lat=30.0, lon=120.6)
    b = Place("B", road="G104", stake_m=1556300, lat=30.5, lon=120.6)
    assert place_km(a, b) == 4.0
    assert place_km(a, Place("C", road="S310", lat=30.5, lon=120.6)) == pytest.approx(55.6, abs=0.1)
    assert place_km(a, Place("D", road="S310")) is None


# Covered plates: site X on G104 at K1560, plated passages at Y (4 km before) and Z (on another road, 8 km away)
PLACES = {"X": Place("X", road="G104", stake_m=1560000, lat=30.0, lon=120.60),
          "Y": Place("Y", road="G104", stake_m=1556000, lat=30.0, lon=120.56),
          "Z": Place("Z", road="S310", lat=30.072, lon=120.60),  # 8.0 km due north
          "F": Place("F", road="G104", stake_m=1600000),  # 40 km along the road
          "Q": Place("Q", road="X301")}  # no position
AXLES6 = (7000, 10000, 10000, 11000, 11000, 11320)
UNREAD = Passage("X", "u1", T0, "", 6, AXLES6, sum(AXLES6))


def plated(station: str = "Y", minutes: float = -10, *, plate: str = "浙D12345",
           axles: tuple[int, ...] = AXLES6, gross: int | None = None) -> Passage:
    return Passage(station, f"{station}{minutes}", T0 + timedelta(minutes=minutes), plate, len(axles), axles,
                   sum(axles) if gross is None else gross)


def scaled(factor: float, index: int | None = None) -> tuple[int, ...]:
    return tuple(round(w * factor) if index in (None, i) else w for i, w in enumerate(AXLES6))


@pytest.mark.parametrize(("candidate", "matches"), [
    (plated(), True),  # 4 km, 10 minutes before: 24 km/h
    (plated(minutes=+10), True),  # after: weighed at the site first, then at the next station
    (plated(axles=scaled(1.03)), True),  # every axle 3 % heavier: two scales' noise
    (plated(axles=scaled(1.06, 1)), False),  # one axle 6 % off: another load
    (plated(axles=scaled(0.99, 0), gross=round(sum(AXLES6) * 1.05)), False),  # the gross 5 % off
    (plated(axles=AXLES6[:5]), False),  # five axles: another truck
    (plated(minutes=-1), False),  # 4 km in a minute: 240 km/h
    (plated(minutes=-40), False),  # 4 km in 40 minutes: 6 km/h, it stopped on the way
    (plated(minutes=-30), True),  # 16 minutes at 15 km/h plus 15 minutes' slack
    (plated("Z", -20), True),  # another road within 10 km
    (plated("F", -30), False),  # on the road but 40 km away
    (plated("Q", -10), False),  # no known distance
    (plated("X", -10), False),  # the site itself
    (plated(plate=""), False),  # unread there too
])
def test_covered_plate_matches(candidate: Passage, matches: bool) -> None:
    found = covered_plate_matches(UNREAD, [candidate], PLACES)
    assert [m.passage for m in found] == ([candidate] if matches else [])


def test_a_covered_plate_is_named_only_when_one_plate_matches() -> None:
    close, closer = plated(axles=scaled(1.02)), plated(minutes=+5, axles=scaled(1.01))
    match = covered_plate(UNREAD, [close, closer], PLACES)
    assert match is not None and match.passage == closer and match.km == 4.0 and match.worst_axle_pct == 0.99
    assert covered_plate(UNREAD, [close, plated(minutes=+5, plate="浙D99999")], PLACES) is None  # ambiguous
    assert covered_plate(UNREAD, [], PLACES) is None
    assert covered_plate(plated(), [plated(minutes=5)], PLACES) is None  # the passage had a plate


# Detours: site S with neighbours N1 (4 km) and N2 (8 km) on its road; far station F 50 km away
DETOUR_PLACES = [Place("S", road="G104", stake_m=100000), Place("N1", road="G104", stake_m=104000),
                 Place("N2", kind="highway", road="G104", stake_m=92000), Place("F", road="G104", stake_m=150000)]


def days_at(station: str, *days: int, plate: str = "浙D12345") -> list[DaySeen]:
    out = []
    for d in days:
        at = datetime(2026, 11, d, 1, 0, tzinfo=UTC)
        out.append(DaySeen(plate, station, date(2026, 11, d), at, at + timedelta(hours=3)))
    return out


@pytest.mark.parametrize(("seen", "expected"), [
    (days_at("N1", 1, 2, 3), [("S", 3, (("N1", 3),))]),
    (days_at("N1", 1, 2) + days_at("N2", 2, 5), [("S", 3, (("N1", 2), ("N2", 2)))]),  # day 2 counts once
    (days_at("N1", 1, 2), []),  # twice is chance
    (days_at("N1", 1, 2, 3) + days_at("S", 9), []),  # seen at the site once: not avoiding it
    (days_at("F", 1, 2, 3, 4), []),  # far away
    (days_at("N1", 1, 2, 3, 4), [("S", 4, (("N1", 4),))]),
])
def test_detours(seen: list[DaySeen], expected: list[tuple[str, int, tuple[tuple[str, int], ...]]]) -> None:
    found = detours(seen, DETOUR_PLACES)
    assert [(d.site_id, d.days, d.by_station) for d in found] == expected


def test_a_detour_spans_its_first_and_last_sighting_near_the_site() -> None:
    (found,) = detours(days_at("N1", 3, 1, 2) + days_at("F", 9), DETOUR_PLACES)
    assert (found.plate, found.first_at, found.last_at) == (
        "浙D12345", datetime(2026, 11, 1, 1, tzinfo=UTC), datetime(2026, 11, 3, 4, tzinfo=UTC))
    # every site near the stations is watched: N3 (2 km from N1) as well as S; N1, a site itself, was visited
    around = detours(days_at("N1", 1, 2, 3), [*DETOUR_PLACES, Place("N3", road="G104", stake_m=106000)])
    assert [d.site_id for d in around] == ["N3", "S"]


@pytest.mark.parametrize(("flags", "speed", "verified_min", "expected"), [
    ([], 60.0, 5.0, []),
    (["lane_straddle"], 60.0, 5.0, [(STRADDLE, "lane_straddle")]),
    (["abnormal_acceleration"], 30.0, None, [(CRAWL, "abnormal_acceleration")]),
    (["lane_straddle", "abnormal_acceleration"], 3.0, 5.0,
     [(STRADDLE, "lane_straddle"), (CRAWL, "abnormal_acceleration")]),  # one crawl reason, the controller's first
    ([], 4.9, None, [(CRAWL, "too_slow")]),
    ([], 5.0, None, []),  # exactly 5 km/h: not crawling
    ([], 6.0, 8.0, [(CRAWL, "below_verified")]),  # below the scale's verified minimum
    ([], 8.0, 8.0, []),
    (["refused"], 60.0, None, []),  # other flags are not evasion
])
def test_sensor_evasion(flags: list[str], speed: float, verified_min: float | None,
                        expected: list[tuple[str, str]]) -> None:
    assert sensor_evasion(flags, speed, verified_min) == expected


def test_the_simulator_injects_each_case_the_same_way_every_time() -> None:
    from zhichao.simulation import evasion as inject
    from zhichao.simulation.traffic import SimStation

    a, b = SimStation("A", 4, road="G104", stake_m=1000), SimStation("B", 4, road="G104", stake_m=5000)
    start = datetime(2026, 11, 25, 9, 0)

    def every() -> list[dict[str, object]]:
        return [*inject.cloned_plate(a, b, start), *inject.cloned_axles(a, b, start),
                *inject.covered_plate(a, b, start), *inject.detour([a, b], start), *inject.straddle(a, start),
                *inject.crawl(b, start)]

    records = every()
    assert records == every()
    assert len({r["record_id"] for r in records}) == len(records) == 12
    plated, unread = inject.covered_plate(a, b, start)
    assert (unread["plate"], unread["plate_color"], unread["axle_count"]) == ("", "unknown", plated["axle_count"])
    assert all(abs(x - y) <= 0.03 * y + 10 for x, y in zip(
        unread["axle_weights_kg"], plated["axle_weights_kg"], strict=True))
    two, three = inject.cloned_axles(a, b, start)
    assert (two["plate"], two["plate_color"], two["axle_count"], three["axle_count"]) == (
        three["plate"], three["plate_color"], 2, 3)
    assert inject.straddle(a, start)[0]["flags"] == ["lane_straddle"] and inject.crawl(a, start)[0]["speed_kmh"] == 3.0
