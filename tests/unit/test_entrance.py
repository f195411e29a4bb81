"""Highway entrance rules (domain/entrance.py) as tables: the 105 % line (LEGAL.md §3) and the window."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from zhichao.domain.entrance import Entry, Refusal, entered_elsewhere, highway_rate, refusal_reason

T = datetime(2026, 11, 25, 1, 0, tzinfo=UTC)
DAY = timedelta(hours=24)


@pytest.mark.parametrize(("gross", "limit", "flags", "reason"), [
    (49_000, 49_000, None, None),
    (51_450, 49_000, None, None),  # exactly 105 %: treated as not overloaded at an entrance
    (51_451, 49_000, None, "overload"),
    (18_900, 18_000, [], None),  # 105 % of a two-axle truck's 18 t
    (18_901, 18_000, [], "overload"),
    (40_000, 49_000, ["refused"], "station"),
    (60_000, 49_000, ["refused"], "overload"),  # over the line: the reason is the weight
    (40_000, 49_000, ["lane_straddle"], None),
])
def test_refusal_reason(gross: int, limit: int, flags: list[str] | None, reason: str | None) -> None:
    assert refusal_reason(gross, limit, flags) == reason


@pytest.mark.parametrize(("station", "plate", "after", "matched"), [
    ("H2", "浙D12345", timedelta(minutes=5), True),
    ("H2", "浙D12345", DAY, True),  # the window is closed at its end
    ("H2", "浙D12345", DAY + timedelta(seconds=1), False),
    ("H2", "浙D12345", timedelta(0), False),  # not after the refusal
    ("H2", "浙D12345", -timedelta(minutes=5), False),  # before it
    ("H1", "浙D12345", timedelta(minutes=5), False),  # the same entrance again
    ("H2", "浙D99999", timedelta(minutes=5), False),
])
def test_entered_elsewhere(station: str, plate: str, after: timedelta, matched: bool) -> None:
    refusal = Refusal(1, "H1", "浙D12345", T)
    found = entered_elsewhere([refusal], [Entry(station, "x", plate, T + after)], DAY)
    assert found == ([(refusal, Entry(station, "x", plate, T + after))] if matched else [])


def test_the_first_entry_elsewhere_is_kept() -> None:
    refusal = Refusal(1, "H1", "浙D12345", T)
    entries = [Entry("H3", "late", "浙D12345", T + timedelta(hours=3)),
               Entry("H2", "early", "浙D12345", T + timedelta(hours=1))]
    assert [e.record_id for _, e in entered_elsewhere([refusal], entries, DAY)] == ["early"]


def test_an_unread_plate_matches_nothing() -> None:
    assert entered_elsewhere([Refusal(1, "H1", "", T)], [Entry("H2", "x", "", T + timedelta(1))], DAY) == []


@pytest.mark.parametrize(("year", "target"), [(2019, 0.02), (2020, 0.005), (2021, 0.002), (2026, 0.002)])
def test_kpi_6(year: int, target: float) -> None:
    value = highway_rate([("H1", 900, 3), ("H2", 100, 2)], year)
    assert (value.value, value.numerator, value.denominator, value.target) == (0.005, 5, 1000, target)
    assert highway_rate([], year).value is None
