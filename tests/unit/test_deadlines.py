"""Case deadlines as tables: month ends, leap days, periods ending on holidays, make-up working days,
and the late-fee cap (docs/cases.md, "Deadlines")."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from pathlib import Path

import pytest

from zhichao.domain.deadlines import (
    CalendarMissing,
    Holidays,
    add_months,
    court_window,
    decision_due,
    delivery_due,
    late_fee,
    limitation_ends,
    load_holidays,
    payment_due,
    reminder_then_court,
    report_due,
    transfer_due,
)

DATA = Path(__file__).resolve().parents[2] / "src" / "zhichao" / "data" / "holidays_cn.json"
CN = load_holidays(DATA.read_text(encoding="utf-8"))
D = date.fromisoformat


@pytest.mark.parametrize(
    ("day", "months", "expected"),
    [
        pytest.param("2025-08-31", 6, "2026-02-28", id="Aug 31 + 6 months is Feb 28"),
        pytest.param("2027-08-31", 6, "2028-02-29", id="or Feb 29 in a leap year"),
        pytest.param("2028-02-29", 12, "2029-02-28", id="a leap day + 1 year"),
        pytest.param("2025-01-31", 1, "2025-02-28", id="Jan 31 + 1 month"),
        pytest.param("2025-03-31", 1, "2025-04-30", id="a 31st into a 30-day month"),
        pytest.param("2025-11-30", 3, "2026-02-28", id="across the year end"),
        pytest.param("2025-12-15", 1, "2026-01-15", id="an ordinary day"),
    ],
)
def test_months_end_on_the_same_day_or_the_month_end(day: str, months: int, expected: str) -> None:
    assert add_months(D(day), months) == D(expected)


@pytest.mark.parametrize(
    ("violation_on", "expected"),
    [
        pytest.param("2025-03-15", "2027-03-15", id="two years"),
        pytest.param("2028-02-29", "2030-02-28", id="from a leap day"),
        pytest.param("2025-09-29", "2027-09-29", id="not moved by holidays"),
    ],
)
def test_the_limitation_is_two_years(violation_on: str, expected: str) -> None:
    assert limitation_ends(D(violation_on)) == D(expected)


@pytest.mark.parametrize(
    ("rule", "event_on", "expected"),
    [
        pytest.param(report_due, "2025-03-03", "2025-03-18", id="report: 15 days, event day not counted"),
        pytest.param(report_due, "2025-03-07", "2025-03-24", id="report: ending on a Saturday moves to Monday"),
        pytest.param(report_due, "2025-09-16", "2025-10-09", id="report: ending on National Day moves past it"),
        pytest.param(report_due, "2025-09-13", "2025-09-28", id="report: a make-up Sunday is a working day"),
        pytest.param(payment_due, "2025-01-20", "2025-02-05", id="payment: ending in Spring Festival"),
        pytest.param(payment_due, "2025-06-02", "2025-06-17", id="payment: 15 days"),
        pytest.param(decision_due, "2025-07-03", "2025-10-09", id="decision: 90 days ending on Oct 1"),
        pytest.param(decision_due, "2025-01-02", "2025-04-02", id="decision: 90 days"),
        pytest.param(delivery_due, "2025-09-26", "2025-10-13", id="delivery: 7 working days over National Day"),
        pytest.param(delivery_due, "2025-03-03", "2025-03-12", id="delivery: 7 working days"),
    ],
)
def test_day_counted_periods(rule: Callable[[date, Holidays], date], event_on: str, expected: str) -> None:
    assert rule(D(event_on), CN) == D(expected)


@pytest.mark.parametrize(
    ("closed_on", "expected"),
    [
        pytest.param("2025-09-26", "2025-10-13", id="National Day week with make-up Sunday and Saturday"),
        pytest.param("2025-09-30", "2025-10-16", id="the make-up Saturday Oct 11 counts"),
        pytest.param("2025-01-24", "2025-02-10", id="Spring Festival with make-up Jan 26 and Feb 8"),
        pytest.param("2025-03-03", "2025-03-12", id="an ordinary week"),
    ],
)
def test_transfer_within_seven_working_days(closed_on: str, expected: str) -> None:
    assert transfer_due(D(closed_on), CN) == D(expected)


def test_court_may_be_asked_after_the_reminder_and_ten_working_days() -> None:
    assert reminder_then_court(D("2025-09-19"), CN) == D("2025-10-11")


@pytest.mark.parametrize(
    ("delivered_on", "opens_on", "closes_on"),
    [
        pytest.param("2025-03-31", "2025-10-01", "2025-12-30", id="Mar 31 + 6 months is Sep 30"),
        pytest.param("2025-04-01", "2025-10-10", "2026-01-09", id="time to sue ending on National Day"),
    ],
)
def test_the_court_window(delivered_on: str, opens_on: str, closes_on: str) -> None:
    assert court_window(D(delivered_on), CN) == (D(opens_on), D(closes_on))


@pytest.mark.parametrize(
    ("fine_yuan", "days_late", "expected"),
    [
        pytest.param(456, -3, 0, id="paid early"),
        pytest.param(456, 0, 0, id="paid on the due day"),
        pytest.param(456, 1, 13, id="13.68 rounds down"),
        pytest.param(456, 33, 451, id="451.44 rounds down, below the cap"),
        pytest.param(456, 34, 456, id="day 34 reaches the cap"),
        pytest.param(456, 400, 456, id="never above the fine"),
        pytest.param(7660, 1, 229, id="229.8 rounds down"),
        pytest.param(7660, 33, 7583, id="7660 on day 33"),
        pytest.param(7660, 34, 7660, id="7660 capped on day 34"),
    ],
)
def test_the_late_fee(fine_yuan: int, days_late: int, expected: int) -> None:
    due = D("2025-02-05")
    assert late_fee(fine_yuan, due, date.fromordinal(due.toordinal() + days_late)) == expected


def test_make_up_days_work_and_holidays_do_not() -> None:
    assert CN.is_working_day(D("2025-10-11")) and CN.is_working_day(D("2025-01-26"))
    assert not CN.is_working_day(D("2025-10-08")) and not CN.is_working_day(D("2025-10-04"))


def test_a_year_missing_from_the_calendar_is_refused() -> None:
    with pytest.raises(CalendarMissing) as error:
        transfer_due(D("2026-12-28"), CN)
    assert error.value.code == "calendar_missing" and error.value.year == 2027
