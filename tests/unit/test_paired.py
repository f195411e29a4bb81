"""The paired comparison: which passages make a pair, and when a station stands out against its neighbours.

The rule under test: a station is flagged only when its pooled median is beyond half its MPE, at least two
neighbours have enough pairs, and a strict majority of them each see it beyond the threshold on the same
side. An honest station beside one drifting station sees that drift (its median against it is about −3 %)
but is not flagged: its other neighbours see nothing, or it has no other neighbour to ask.
"""

from __future__ import annotations

import random
from datetime import datetime, timedelta, timezone

import pytest

from zhichao.domain.histograms import add, total
from zhichao.domain.paired import PAIR_BIN_PCT, PairObservation, PairPolicy, pair_differences, paired

CST = timezone(timedelta(hours=8))
T0 = datetime(2026, 11, 26, 8, 0, tzinfo=CST)
POLICY = PairPolicy()


def p(station: str, minutes: float, gross: int, plate: str = "浙D12345", axles: int = 6) -> PairObservation:
    return PairObservation(station, plate, T0 + timedelta(minutes=minutes), axles, gross)


def bins(*ds: float) -> dict[int, int]:
    h: dict[int, int] = {}
    for d in ds:
        add(h, d, PAIR_BIN_PCT)
    return h


def test_a_pair_is_recorded_for_both_stations_with_opposite_signs() -> None:
    result = pair_differences([p("B", 30, 41_200), p("A", 0, 40_000)], POLICY)  # any order
    d = (41_200 - 40_000) / 40_600 * 100
    assert result == {"B": {"A": bins(d)}, "A": {"B": bins(-d)}}


@pytest.mark.parametrize(
    ("case", "passages"),
    [
        ("unread plates", [p("A", 0, 40_000, plate=""), p("B", 30, 40_400, plate="")]),
        ("same station twice", [p("A", 0, 40_000), p("A", 30, 40_400)]),
        ("different axle counts", [p("A", 0, 40_000, axles=5), p("B", 30, 40_400)]),
        ("gap over 90 minutes", [p("A", 0, 40_000), p("B", 90.5, 40_400)]),
        ("load change over 8 %", [p("A", 0, 40_000), p("B", 30, 44_000)]),  # 9.5 %
        ("load change the other way", [p("A", 0, 44_000), p("B", 30, 40_000)]),
        ("two different plates", [p("A", 0, 40_000, plate="浙D1"), p("B", 30, 40_400, plate="浙D2")]),
        ("zero weights", [p("A", 0, 0), p("B", 30, 0)]),
    ],
)
def test_passages_that_are_not_a_pair_are_ignored(case: str, passages: list[PairObservation]) -> None:
    assert pair_differences(passages, POLICY) == {}, case


@pytest.mark.parametrize(
    ("minutes", "other", "paired_"),
    [(90, 43_000, True), (30, 40_000 * 1.083, True), (30, 40_000 * 1.085, False)],  # 8.0 % and 8.2 %
)
def test_the_edges_of_gap_and_load_change_are_inclusive(minutes: float, other: float, paired_: bool) -> None:
    result = pair_differences([p("A", 0, 40_000), p("B", minutes, round(other))], POLICY)
    assert (result != {}) is paired_


def test_only_consecutive_passages_pair_so_a_repeat_at_one_station_uses_its_latest_passage() -> None:
    result = pair_differences([p("A", 0, 30_000), p("A", 20, 40_000), p("B", 40, 40_000), p("C", 60, 40_000)], POLICY)
    assert result == {"A": {"B": bins(0.0)}, "B": {"A": bins(0.0), "C": bins(0.0)}, "C": {"B": bins(0.0)}}


def route_traffic(
    seed: int, routes: list[tuple[str, ...]], trucks: int, bias_pct: dict[str, float], fleet: str = "D"
) -> list[PairObservation]:
    """``trucks`` per route, each passing the route's stations 20 minutes apart; a station measures the
    true gross times (1 + its bias) with a 2 % per-passage error."""
    rng = random.Random(seed)
    out = []
    for r, route in enumerate(routes):
        for t in range(trucks):
            true = rng.uniform(30_000, 49_000)
            plate = f"浙{fleet}{r}{t:05d}"
            for i, station in enumerate(route):
                measured = true * (1 + bias_pct.get(station, 0) / 100) * rng.gauss(1, 0.02)
                out.append(PairObservation(station, plate, T0 + timedelta(minutes=t + 20 * i), 6, round(measured)))
    return out


def test_a_station_3_percent_heavy_between_two_honest_neighbours_is_flagged_and_they_are_not() -> None:
    diffs = pair_differences(route_traffic(1, [("B", "A", "C")], 200, {"A": 3.0}), POLICY)
    reading, finding = paired(diffs["A"], 5.0, POLICY)
    assert reading is not None and reading.neighbours == 2 and 380 <= reading.pairs <= 400  # a few beyond 8 %
    assert reading.median_pct == pytest.approx(3.0, abs=0.6)  # the 8 % cut-off pulls it down a little
    assert finding is not None and (finding.code, finding.level, finding.threshold) == (
        "paired_difference",
        "warn",
        2.5,
    )
    assert f"本站偏重 {reading.median_pct:.1f}%" in finding.message and "2 个相邻站点中 2 个" in finding.message
    for honest in ("B", "C"):  # each sees only A: about −3 %, but one neighbour cannot tell who is wrong
        reading, finding = paired(diffs[honest], 5.0, POLICY)
        assert reading is not None and reading.median_pct == pytest.approx(-3.0, abs=0.6)
        assert reading.neighbours == 1 and finding is None


def test_an_honest_station_seeing_mostly_the_drifting_neighbour_is_not_flagged() -> None:
    # B sends 240 trucks to A (+4 %) and 40 to C (honest): B's pooled median is beyond −2.5 %, but only
    # one of its two neighbours sees B off, which is not a majority.
    traffic = route_traffic(2, [("B", "A")], 240, {"A": 4.0}) + route_traffic(3, [("B", "C")], 40, {}, fleet="E")
    diffs = pair_differences(traffic, POLICY)
    reading, finding = paired(diffs["B"], 5.0, POLICY)
    assert reading is not None and reading.neighbours == 2 and reading.median_pct < -2.5
    assert reading.per_neighbour["C"][0] == pytest.approx(0.0, abs=1.0)
    assert finding is None


def test_with_three_neighbours_two_agreeing_is_a_majority_and_one_is_not() -> None:
    off = bins(*[3.0] * 20)
    fine = bins(*[0.0] * 20)
    assert paired({"B": off, "C": off, "D": fine}, 5.0, POLICY)[1] is not None
    assert paired({"B": off, "C": fine, "D": fine}, 5.0, POLICY)[1] is None


@pytest.mark.parametrize(
    ("per_neighbour", "mpe", "reading_", "flagged"),
    [
        ({}, 5.0, False, False),  # no pairs
        ({"B": bins(*[3.0] * 15), "C": bins(*[3.0] * 14)}, 5.0, False, False),  # 29 < min_pairs
        ({"B": bins(*[3.0] * 15), "C": bins(*[3.0] * 15)}, 5.0, True, True),
        ({"B": bins(*[-3.0] * 15), "C": bins(*[-3.0] * 15)}, 5.0, True, True),  # light too
        ({"B": bins(*[3.0] * 40)}, 5.0, True, False),  # a single neighbour
        ({"B": bins(*[3.0] * 40), "C": bins(*[3.0] * 9)}, 5.0, True, False),  # C has too few pairs to count
        ({"B": bins(*[2.4] * 15), "C": bins(*[2.4] * 15)}, 5.0, True, False),  # within half the MPE
        ({"B": bins(*[1.2] * 15), "C": bins(*[1.2] * 15)}, 2.0, True, True),  # class 2: threshold 1 %
        ({"B": bins(*[4.9] * 40), "C": bins(*[4.9] * 40)}, 10.0, True, False),  # class 10: threshold 5 %
        ({"B": bins(*[3.0] * 40), "C": bins(*[1.0] * 20)}, 5.0, True, False),  # C sees under half of 2.5
        ({"B": bins(*[3.0] * 40), "C": bins(*[2.0] * 20)}, 5.0, True, True),  # C agrees: beyond 1.25
    ],
)
def test_paired_table(per_neighbour: dict[str, dict[int, int]], mpe: float, reading_: bool, flagged: bool) -> None:
    reading, finding = paired(per_neighbour, mpe, POLICY)
    assert (reading is not None, finding is not None) == (reading_, flagged)
    if reading is not None:
        assert reading.pairs == sum(total(h) for h in per_neighbour.values())
    if finding is not None:
        assert finding.level == "warn" and abs(finding.value) > finding.threshold == mpe / 2


def test_the_reading_lists_each_neighbour_with_its_median_and_pairs() -> None:
    reading, _ = paired({"C": bins(1.0, 1.0, 1.0), "B": bins(*[0.5] * 30)}, 5.0, POLICY)
    assert reading is not None
    assert dict(reading.per_neighbour) == {
        "B": (pytest.approx(0.625), 30),
        "C": (pytest.approx(1.125), 3),
    }
    assert reading.neighbours == 1  # C's 3 pairs are below min_neighbour_pairs
