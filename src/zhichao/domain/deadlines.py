"""The case deadlines as pure functions of dates and a holiday calendar (docs/cases.md, "Deadlines").

How a period is counted (民法典 Art. 201–203 [M], applied to administrative periods by practice):
- the day of the event is not counted; "N days" ends on the N-th day after it (Art. 201);
- "N months/years" ends on the same day of the final month, or on its last day when there is none
  (Aug 31 + 6 months → Feb 28/29) (Art. 202);
- a period whose last day is not a working day (a weekend or public holiday, make-up days being working
  days) ends on the next working day (Art. 203) — applied to the periods a party or the authority must
  act within, not to the 2-year limitation, which bounds discovery rather than an act;
- 行政处罚法 Art. 85 [M]: its "2, 3, 5, 7 days" are working days; 行政强制法 Art. 69 [M]: its periods of
  up to 10 days are working days.
"""

from __future__ import annotations

import calendar
import json
from dataclasses import dataclass
from datetime import date, timedelta

from zhichao.domain.errors import DomainError

REPORT_DAYS = 15  # 浙江省公路条例 Art. 40
DECISION_DAYS = 90  # 行政处罚法 Art. 60
DELIVERY_WORKING_DAYS = 7  # Art. 61, working days by Art. 85
PAYMENT_DAYS = 15  # Art. 67
LATE_FEE_PERCENT_PER_DAY = 3  # Art. 72, capped at the fine
TIME_TO_SUE_MONTHS = 6  # 行政诉讼法 Art. 46
COURT_APPLICATION_MONTHS = 3  # 行政强制法 Art. 53
REMINDER_WORKING_DAYS = 10  # 行政强制法 Art. 54, working days by Art. 69
LIMITATION_MONTHS = 24  # 行政处罚法 Art. 36
TRANSFER_WORKING_DAYS = 7  # 超限规定 Art. 44


class CalendarMissing(DomainError):
    """A deadline needs a year the holiday calendar does not cover (the bureau enters each year)."""

    code = "calendar_missing"

    def __init__(self, year: int) -> None:
        super().__init__(f"节假日日历缺少 {year} 年的数据，请先录入国务院放假安排")
        self.year = year


@dataclass(frozen=True, slots=True)
class Holidays:
    """Public holidays and make-up working days (调休) of the years in ``years``."""

    years: frozenset[int]
    holidays: frozenset[date]
    workdays: frozenset[date]

    def is_working_day(self, day: date) -> bool:
        if day.year not in self.years:
            raise CalendarMissing(day.year)
        if day in self.workdays:
            return True
        return day.weekday() < 5 and day not in self.holidays


def load_holidays(text: str) -> Holidays:
    """Parse the text of ``data/holidays_cn.json`` (the caller reads the file)."""
    years = json.loads(text)["years"]
    return Holidays(
        years=frozenset(int(year) for year in years),
        holidays=frozenset(date.fromisoformat(d) for year in years.values() for d in year["holidays"]),
        workdays=frozenset(date.fromisoformat(d) for year in years.values() for d in year["workdays"]),
    )


def add_months(day: date, months: int) -> date:
    """The same day ``months`` later, or the last day of that month when it has no such day (Art. 202)."""
    index = day.month - 1 + months
    year, month = day.year + index // 12, index % 12 + 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def next_working_day(day: date, holidays: Holidays) -> date:
    """``day`` itself if it is a working day, else the first working day after it (Art. 203)."""
    while not holidays.is_working_day(day):
        day += timedelta(days=1)
    return day


def add_working_days(day: date, count: int, holidays: Holidays) -> date:
    """The ``count``-th working day after ``day`` (``day`` itself not counted)."""
    while count > 0:
        day += timedelta(days=1)
        count -= holidays.is_working_day(day)
    return day


def _days(start: date, count: int, holidays: Holidays) -> date:
    return next_working_day(start + timedelta(days=count), holidays)


def report_due(notified_on: date, holidays: Holidays) -> date:
    """Last day for the owner to come and accept handling (浙江省公路条例 Art. 40)."""
    return _days(notified_on, REPORT_DAYS, holidays)


def decision_due(opened_on: date, holidays: Holidays) -> date:
    """Last day to decide a case opened on ``opened_on`` (行政处罚法 Art. 60)."""
    return _days(opened_on, DECISION_DAYS, holidays)


def delivery_due(decided_on: date, holidays: Holidays) -> date:
    """Last day to deliver the decision: 7 working days (Art. 61 with Art. 85)."""
    return add_working_days(decided_on, DELIVERY_WORKING_DAYS, holidays)


def payment_due(delivered_on: date, holidays: Holidays) -> date:
    """Last day to pay the fine (Art. 67)."""
    return _days(delivered_on, PAYMENT_DAYS, holidays)


def late_fee(fine_yuan: int, payment_due: date, paid_on: date) -> int:
    """Late fee in whole yuan for paying on ``paid_on`` (Art. 72).

    3 % of the fine for each day after the due date, computed on the total and rounded down to the
    yuan (never charging a fraction the party does not owe), capped at the fine itself.
    """
    days_late = max(0, (paid_on - payment_due).days)
    return min(fine_yuan, fine_yuan * LATE_FEE_PERCENT_PER_DAY * days_late // 100)


def court_window(decision_delivered_on: date, holidays: Holidays) -> tuple[date, date]:
    """First and last day to apply for court enforcement (行政强制法 Art. 53; 行政诉讼法 Art. 46).

    The 6-month time to sue must have run out; the application is then due within the next 3 months.
    """
    time_to_sue_ends = next_working_day(add_months(decision_delivered_on, TIME_TO_SUE_MONTHS), holidays)
    closes_on = next_working_day(add_months(time_to_sue_ends, COURT_APPLICATION_MONTHS), holidays)
    return time_to_sue_ends + timedelta(days=1), closes_on


def reminder_then_court(reminded_on: date, holidays: Holidays) -> date:
    """First day the court may be asked, after a written reminder and 10 working days (Art. 54, 69)."""
    return add_working_days(reminded_on, REMINDER_WORKING_DAYS, holidays) + timedelta(days=1)


def limitation_ends(violation_on: date) -> date:
    """Last day a discovery still allows a penalty (行政处罚法 Art. 36: 2 years). No holiday roll-over."""
    return add_months(violation_on, LIMITATION_MONTHS)


def transfer_due(closed_on: date, holidays: Holidays) -> date:
    """Last day to transfer a non-local case to the registration authority (超限规定 Art. 44)."""
    return add_working_days(closed_on, TRANSFER_WORKING_DAYS, holidays)
