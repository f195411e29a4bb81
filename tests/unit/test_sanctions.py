"""Article 66 and the dishonesty list as tables (LEGAL.md §5): the 3rd against the 4th penalised overload,
exactly 10 % of a fleet, a violation 366 days back, leap days, two years on the list."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from zhichao.domain.sanctions import (
    DRIVER,
    ENTERPRISE,
    SOURCE,
    VEHICLE,
    Offence,
    enterprises_over_share,
    is_listed,
    listed_until,
    propose,
    repeat_offenders,
    year_back,
)

DAY = date(2026, 11, 26)


def offences(kind: str, key: str, days_back: list[int], plate: str = "浙D12345") -> list[Offence]:
    return [Offence(100 + i, kind, key, plate, DAY - timedelta(days=back)) for i, back in enumerate(days_back)]


@pytest.mark.parametrize(("day", "first"), [
    (date(2026, 11, 26), date(2025, 11, 27)),  # 365 days
    (date(2024, 2, 29), date(2023, 3, 1)),  # a year back from a leap day: no 29 February 2023
    (date(2024, 3, 1), date(2023, 3, 2)),
    (date(2025, 2, 28), date(2024, 2, 29)),  # across a 29 February: 366 days
    (date(2026, 1, 1), date(2025, 1, 2)),
])
def test_the_rolling_year(day: date, first: date) -> None:
    assert year_back(day) == first


@pytest.mark.parametrize(("days_back", "proposed"), [
    ([0, 10, 20], False),  # three: not "more than 3"
    ([0, 10, 20, 30], True),  # the fourth triggers
    ([0, 10, 20, 364], True),  # the first of them 364 days back: still in the year
    ([0, 10, 20, 365], False),  # 365 days back (one calendar year): the year has moved past it
    ([0, 10, 20, 366], False),  # 366 days back
    ([10, 20, 30, 40, 50], True),  # five
    ([-1, 10, 20, 30], False),  # one of them after the day judged does not count
])
@pytest.mark.parametrize("kind", [VEHICLE, DRIVER])
def test_more_than_three_in_a_rolling_year(kind: str, days_back: list[int], proposed: bool) -> None:
    found = repeat_offenders(offences(kind, "K1", days_back), DAY, kind)
    assert bool(found) is proposed
    if proposed:
        p = found[0]
        assert (p.party_kind, p.party_key, p.rule, p.on, p.window_from) == (kind, "K1", f"art66_{kind}", DAY,
                                                                          date(2025, 11, 27))
        assert p.count == sum(1 for b in days_back if 0 <= b < 365) and p.threshold == 3
        assert "第六十六条" in p.basis and "超过3次" in p.basis


def test_each_party_is_counted_on_its_own() -> None:
    mixed = offences(VEHICLE, "浙D11111", [0, 1, 2]) + offences(VEHICLE, "浙D22222", [0, 1, 2]) + \
        offences(DRIVER, "330602198001011234", [0, 1, 2, 3])
    assert repeat_offenders(mixed, DAY, VEHICLE) == []
    assert [p.party_key for p in repeat_offenders(mixed, DAY, DRIVER)] == ["330602198001011234"]


@pytest.mark.parametrize(("vehicles", "fleet", "proposed"), [
    (10, 100, False),  # exactly 10 %: not exceeding
    (11, 100, True),
    (1, 10, False),  # exactly 10 % of a small fleet
    (2, 10, True),
    (1, 9, True),  # 11.1 %
    (3, 30, False),
    (4, 30, True),
    (5, 0, False),  # fleet unknown: not judged
])
def test_an_enterprise_over_ten_percent_of_its_fleet(vehicles: int, fleet: int, proposed: bool) -> None:
    rows = [Offence(i, ENTERPRISE, "91330600MA2XXXXX0K", f"浙D{10000 + i}", DAY - timedelta(days=i))
            for i in range(vehicles)]
    rows += [Offence(999, ENTERPRISE, "91330600MA2XXXXX0K", "浙D10000", DAY)]  # the same vehicle twice: one vehicle
    found = enterprises_over_share(rows, {"91330600MA2XXXXX0K": fleet}, DAY)
    assert bool(found) is proposed
    if proposed:
        assert found[0].count == vehicles and found[0].fleet == fleet and "10%" in found[0].basis


def test_an_enterprise_counts_vehicles_in_the_rolling_year_only() -> None:
    rows = [Offence(i, ENTERPRISE, "E", f"浙D{i:05d}", DAY - timedelta(days=400)) for i in range(5)]
    rows += [Offence(10, ENTERPRISE, "E", "浙D99999", DAY)]
    assert enterprises_over_share(rows, {"E": 10}, DAY) == []  # 1 of 10 this year
    assert enterprises_over_share(rows, {"E": 10}, DAY - timedelta(days=400))[0].count == 5


def test_propose_runs_every_rule_and_sources_use_their_own_threshold() -> None:
    rows = offences(VEHICLE, "浙D12345", [0, 1, 2, 3]) + offences(SOURCE, "SRC-1", [0, 5])
    rows += [Offence(50 + i, ENTERPRISE, "E", f"浙D{i:05d}", DAY) for i in range(3)]
    rules = {p.rule for p in propose(rows, {"E": 20}, DAY, source_max_per_year=1)}
    assert rules == {"art66_vehicle", "art66_enterprise", "source_repeated"}
    assert {p.rule for p in propose(rows, {"E": 20}, DAY)} == {"art66_vehicle", "art66_enterprise"}


@pytest.mark.parametrize(("confirmed", "today", "listed"), [
    (date(2026, 11, 26), date(2026, 11, 25), False),  # not yet confirmed
    (date(2026, 11, 26), date(2026, 11, 26), True),
    (date(2026, 11, 26), date(2028, 11, 25), True),  # the last day of two years
    (date(2026, 11, 26), date(2028, 11, 26), False),  # dropped off (kept in the history)
    (date(2024, 2, 29), date(2026, 2, 28), True),
    (date(2024, 2, 29), date(2026, 3, 1), False),
])
def test_two_years_on_the_list(confirmed: date, today: date, listed: bool) -> None:
    assert is_listed(confirmed, today) is listed


def test_a_lifted_entry_is_no_longer_listed() -> None:
    assert is_listed(date(2026, 1, 1), date(2026, 6, 1), lifted_on=date(2026, 5, 1)) is False
    assert is_listed(date(2026, 1, 1), date(2026, 4, 30), lifted_on=date(2026, 5, 1)) is True
    assert listed_until(date(2026, 1, 1)) == date(2027, 12, 31)
