"""A station's day summarised: local dates and hours, the six-axle and loaded five-axle classes, the
clock running ahead, merging days, and the JSON round trip."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime, timedelta, timezone

import pytest

from zhichao.domain.quality import (
    AHEAD_TOLERANCE_S,
    LOADED5_KG,
    STEER_BIN_KG,
    DaySummary,
    Finding,
    Observation,
    empty,
    has_single_steer,
    is_six_axle_articulated,
    merge,
    summarise,
    thousands,
)

CST = timezone(timedelta(hours=8))
DAY = date(2026, 11, 26)


def obs(
    hour: int = 10,
    *,
    lane: int = 1,
    plate: str = "浙D12345",
    axles: int = 6,
    groups: str | None = "1+2+3",
    weights: tuple[int, ...] = (7000, 9000, 9000, 8000, 8000, 8000),
    gross: int = 49_000,
    ahead_s: float = 0,
    day: date = DAY,
) -> Observation:
    captured = datetime(day.year, day.month, day.day, hour, 5, tzinfo=CST)
    received = captured - timedelta(seconds=ahead_s) if ahead_s else captured + timedelta(seconds=3)
    return Observation(lane, captured, received, plate, axles, groups, weights, gross)


@pytest.mark.parametrize(
    ("axles", "groups", "six"),
    [
        (6, "1+2+3", True),
        (6, " 1 + 2 + 3 ", True),
        (6, None, True),  # the documented proxy for devices that do not classify
        (6, "2+1+3", False),
        (6, "2+2+2", False),
        (5, None, False),
        (5, "1+2+2", False),
    ],
)
def test_six_axle_articulated_is_1_2_3_or_six_axles_unclassified(axles: int, groups: str | None, six: bool) -> None:
    assert is_six_axle_articulated(axles, groups) is six


@pytest.mark.parametrize(("groups", "single"), [(None, True), ("1+2+2", True), ("1+1+3", True), ("2+1+2", False)])
def test_a_twin_steer_is_not_a_single_steering_axle(groups: str | None, single: bool) -> None:
    assert has_single_steer(groups) is single


def test_counts_of_a_day_by_lane_hour_axle_count_and_plates_read() -> None:
    records = [
        obs(0, lane=1),
        obs(10, lane=2, plate=""),
        obs(10, lane=2, axles=2, groups="1+1", weights=(3000, 5000), gross=8000),
        obs(23, lane=3),
    ]
    s = summarise(DAY, records, CST)
    assert (s.day, s.trucks, s.plates_read) == (DAY, 4, 3)
    assert s.lanes == {1: 1, 2: 2, 3: 1}
    assert s.hours[0] == 1 and s.hours[10] == 2 and s.hours[23] == 1 and sum(s.hours) == 4 and len(s.hours) == 24
    assert s.axle_mix == {6: 3, 2: 1}


def test_records_of_another_local_date_are_ignored_even_on_the_same_utc_date() -> None:
    late = Observation(
        1,
        datetime(2026, 11, 26, 17, 0, tzinfo=UTC),
        datetime(2026, 11, 26, 17, 0, tzinfo=UTC),
        "浙D1",
        6,
        "1+2+3",
        (7000,),
        40_000,
    )  # 01:00 on the 27th in Beijing
    s = summarise(DAY, [late, obs(5, day=date(2026, 11, 25)), obs(5)], CST)
    assert s.trucks == 1 and s.hours[5] == 1


def test_steering_and_gross_histograms_of_six_and_five_axle_trucks() -> None:
    five = (6510, 9000, 9000, 8000, 8000)
    records = [
        obs(weights=(7230, 9000, 9000, 8000, 8000, 8000), gross=48_700),
        obs(groups=None, weights=(), gross=16_200),  # unclassified six-axle without axle weights
        obs(groups="2+1+3", weights=(5000,), gross=45_000),  # twin steer: neither class
        obs(axles=5, groups="1+2+2", weights=five, gross=LOADED5_KG),
        obs(axles=5, groups="1+2+2", weights=five, gross=LOADED5_KG - 10),  # not loaded: gross only
        obs(axles=5, groups="2+1+2", weights=(4000,), gross=40_000),
    ]
    s = summarise(DAY, records, CST)
    assert s.steer6 == {7230 // STEER_BIN_KG: 1}
    assert s.gross6 == {97: 1, 32: 1}
    assert s.steer5 == {6510 // STEER_BIN_KG: 1}
    assert s.gross5 == {60: 1, 59: 1, 80: 1}


@pytest.mark.parametrize(
    ("ahead_s", "ahead", "max_ahead_s"),
    [(0, 0, 0), (AHEAD_TOLERANCE_S, 0, 0), (AHEAD_TOLERANCE_S + 1, 1, AHEAD_TOLERANCE_S + 1), (3600.7, 1, 3600)],
)
def test_a_record_captured_after_it_was_received_shows_a_clock_running_ahead(
    ahead_s: float, ahead: int, max_ahead_s: int
) -> None:
    s = summarise(DAY, [obs(ahead_s=ahead_s), obs()], CST)
    assert (s.ahead, s.max_ahead_s) == (ahead, max_ahead_s)


def test_a_day_without_records_is_empty() -> None:
    assert summarise(DAY, [], CST) == empty(DAY)


@pytest.mark.parametrize(
    "summary",
    [
        empty(DAY),
        summarise(
            DAY,
            [
                obs(3, lane=2, plate=""),
                obs(10, ahead_s=500),
                obs(11, axles=5, groups=None, weights=(6600, 1, 1, 1, 1), gross=41_000),
            ],
            CST,
        ),
    ],
)
def test_a_summary_survives_json_exactly(summary: DaySummary) -> None:
    text = json.dumps(summary.to_json(), ensure_ascii=False)
    assert DaySummary.from_json(json.loads(text)) == summary


def test_merge_sums_days_keeps_the_largest_lead_and_the_last_day() -> None:
    a = summarise(DAY, [obs(1, ahead_s=100), obs(2, lane=2)], CST)
    b = summarise(DAY + timedelta(days=1), [obs(1, ahead_s=300, day=DAY + timedelta(days=1))], CST)
    m = merge([a, b])
    assert (m.day, m.trucks, m.ahead, m.max_ahead_s) == (DAY + timedelta(days=1), 3, 2, 300)
    assert m.lanes == {1: 2, 2: 1} and m.hours[1] == 2
    assert m.steer6 == {350: 3}
    with pytest.raises(ValueError):
        merge([])


def test_a_finding_survives_json() -> None:
    f = Finding("read_rate_low", "warn", 0.85, 0.9, "车牌识别率 85.0%", {"trucks": 1000})
    assert Finding.from_json(json.loads(json.dumps(f.to_json()))) == f


@pytest.mark.parametrize(("value", "text"), [(0, "0"), (999.6, "1 000"), (7230.4, "7 230"), (1234567, "1 234 567")])
def test_numbers_are_written_with_a_space_between_thousands(value: float, text: str) -> None:
    assert thousands(value) == text
