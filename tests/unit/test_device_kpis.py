"""KPI 1 (device online and normal rates) against a hand-computed example (KPIS.md)."""

from __future__ import annotations

from datetime import date

import pytest

from zhichao.domain.device_kpis import DeviceFacts, device_kpis
from zhichao.domain.kpis import target

D = date(2026, 11, 1)


def days(*numbers: int) -> frozenset[date]:
    return frozenset(date(2026, 11, n) for n in numbers)


# Period 1–10 November, asked on the 26th (all ten days have ended).
DEVICES = [
    # A: online 10 of 10 days, normal 8 (two days of read-rate trouble)
    DeviceFacts("A", "甲", "330602", "enabled", None, days(*range(1, 11)), days(*range(1, 9))),
    # B: online 7 days; under repair on days 4–6 (excluded): expected 7, online 7; normal 6
    DeviceFacts("B", "乙", "330602", "enabled", None, days(1, 2, 3, 7, 8, 9, 10), days(1, 2, 3, 7, 8, 9),
                repair_days=days(4, 5, 6)),
    # C: opened on the 6th: expected 5 (6–10), online 4 (6, 7, 8, 9), normal 4; a normal flag on a day
    #    without data (the 10th) never counts
    DeviceFacts("C", "丙", "330681", "enabled", date(2026, 11, 6), days(6, 7, 8, 9), days(6, 7, 8, 9, 10)),
    # D: stopped: excluded for the whole period
    DeviceFacts("D", "丁", "330681", "stopped", None, days(1), days(1)),
]


def test_hand_computed_example() -> None:
    online, normal = device_kpis(DEVICES, date(2026, 11, 1), date(2026, 11, 10), today=date(2026, 11, 26))
    # expected: A 10 + B 7 + C 5 = 22; online: 10 + 7 + 4 = 21; normal: 8 + 6 + 4 = 18
    assert (online.numerator, online.denominator) == (21, 22)
    assert online.value == pytest.approx(21 / 22)
    assert (normal.numerator, normal.denominator) == (18, 22)
    assert normal.value == pytest.approx(18 / 22)
    assert online.target == normal.target == 0.90
    assert {(e.station_id, e.reason, e.days) for e in online.excluded} == {
        ("B", "repair", 3), ("C", "not_opened", 5), ("D", "stopped", 10)}
    assert online.by_station == (("A", 10, 10), ("B", 7, 7), ("C", 4, 5))


def test_today_and_later_days_are_not_counted() -> None:
    online, _ = device_kpis(DEVICES[:1], date(2026, 11, 1), date(2026, 11, 30), today=date(2026, 11, 6))
    assert (online.numerator, online.denominator) == (5, 5)  # 1–5 November


@pytest.mark.parametrize(("start", "end", "today"), [
    (date(2026, 11, 10), date(2026, 11, 1), date(2026, 11, 26)),  # reversed
    (date(2026, 12, 1), date(2026, 12, 31), date(2026, 11, 26)),  # in the future
])
def test_empty_periods_have_no_value(start: date, end: date, today: date) -> None:
    online, normal = device_kpis(DEVICES, start, end, today)
    assert online.value is None and normal.value is None
    assert online.denominator == 0


def test_only_stopped_devices_give_no_value_but_list_them() -> None:
    online, _ = device_kpis(DEVICES[3:], D, date(2026, 11, 10), date(2026, 11, 26))
    assert online.value is None
    assert [e.reason for e in online.excluded] == ["stopped"]


@pytest.mark.parametrize(("year", "value"), [(2018, None), (2019, 0.9), (2021, 0.9), (2026, 0.9)])
def test_targets(year: int, value: float | None) -> None:
    assert target("device_online_rate", year) == value
