"""Which action may be dated which day, and each state's next deadline, as tables (domain/case_dates.py).

Expected dates are counted by hand from the law's numbers (LEGAL.md §6, docs/cases.md "Deadlines") on the
real calendar ``data/holidays_cn.json``: the event day is not counted, a period ending on a weekend or
holiday ends on the next working day, make-up days (调休) are working days, and the statement window's
5 days are working days (行政处罚法 Art. 64 with Art. 85). Weekdays quoted in comments were looked up on a
calendar. 2025 is complete in the file; 2026 holds only the statutory days; 2027 is missing.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any

import pytest

from zhichao.domain.case_dates import CaseDates, check_action_date, next_deadline
from zhichao.domain.cases import CaseRefused
from zhichao.domain.deadlines import CalendarMissing, load_holidays

DATA = Path(__file__).resolve().parents[2] / "src" / "zhichao" / "data" / "holidays_cn.json"
CN = load_holidays(DATA.read_text(encoding="utf-8"))
D = date.fromisoformat


def dates(captured: str = "2025-01-02", opened: str = "2025-01-03", **steps: str) -> CaseDates:
    return CaseDates(captured_on=D(captured), opened_on=D(opened), **{k: D(v) for k, v in steps.items()})


def check(action: str, on: str, case: CaseDates, today: str | None = None) -> None:
    check_action_date(action, D(on), case, today=D(today or on), holidays=CN)


def refusal(action: str, on: str, case: CaseDates, today: str | None = None) -> str:
    with pytest.raises(CaseRefused) as refused:
        check(action, on, case, today)
    assert refused.value.message
    return refused.value.code


# --- every action: not in the future, not before the case's last dated step ---------------------------------


def test_an_action_may_be_dated_today_but_not_tomorrow() -> None:
    case = dates()
    check("send_notice", "2025-01-10", case, today="2025-01-10")
    assert refusal("send_notice", "2025-01-11", case, today="2025-01-10") == "date_in_future"
    assert refusal("withdraw", "2025-01-11", case, today="2025-01-10") == "date_in_future"


@pytest.mark.parametrize(
    ("action", "case", "earliest"),
    [
        pytest.param("send_notice", dates("2025-01-02", "2025-01-03"), "2025-01-03", id="notice not before opening"),
        pytest.param("owner_reported", dates(notified_on="2025-01-06"), "2025-01-06",
                     id="report not before the notice"),
        pytest.param("decide", dates(notified_on="2025-01-06", pre_decision_on="2025-02-10"), "2025-02-10",
                     id="decision not before the pre-decision notice"),
        pytest.param("close", dates(decided_on="2025-03-03", paid_on="2025-03-05"), "2025-03-05",
                     id="closing not before the payment"),
        pytest.param("send_reminder", dates(decided_on="2025-03-03"), "2025-03-03",
                     id="reminder not before the decision"),
    ],
)
def test_an_action_is_not_dated_before_the_last_step(action: str, case: CaseDates, earliest: str) -> None:
    day_before = date.fromordinal(D(earliest).toordinal() - 1).isoformat()
    assert refusal(action, day_before, case, today="2025-12-31") == "date_before_previous"
    check(action, earliest, case, today="2025-12-31")


# --- the windows: refused on their last day, allowed the day after -------------------------------------------

WINDOWS = [
    # 2026-03-02 (Mon) + 15 days = 2026-03-17 (Tue), a working day.
    pytest.param("report_window_passed", dates(notified_on="2026-03-02"), "2026-03-17", id="report: 15 days"),
    # 2026-03-06 (Fri) + 15 = 2026-03-21 (Sat) → Mon 2026-03-23.
    pytest.param("report_window_passed", dates(notified_on="2026-03-06"), "2026-03-23",
                 id="report: ending on a Saturday runs to Monday"),
    # 2025-09-16 + 15 = 2025-10-01, National Day; holidays to Oct 8 → Thu 2025-10-09.
    pytest.param("report_window_passed", dates(notified_on="2025-09-16"), "2025-10-09",
                 id="report: ending on National Day runs past it"),
    # 5 working days after Wed 2026-03-04: Thu 5, Fri 6, Mon 9, Tue 10, Wed 11.
    pytest.param("statement_window_passed", dates(pre_decision_on="2026-03-04"), "2026-03-11",
                 id="statement: 5 working days"),
    # After Mon 2025-09-29: Tue 30 (1), Oct 1–8 holidays, Thu 9 (2), Fri 10 (3), Sat 11 make-up (4), Mon 13 (5).
    pytest.param("statement_window_passed", dates(pre_decision_on="2025-09-29"), "2025-10-13",
                 id="statement: over National Day, the make-up Saturday counts"),
    # 2026-03-02 (Mon) + 15 = 2026-03-17 (Tue).
    pytest.param("payment_overdue", dates(decided_on="2026-03-02"), "2026-03-17", id="payment: 15 days"),
    # 2025-01-20 + 15 = 2025-02-04, in the Spring Festival holidays (Jan 28 – Feb 4) → Wed 2025-02-05.
    pytest.param("payment_overdue", dates(decided_on="2025-01-20"), "2025-02-05",
                 id="payment: ending in the Spring Festival"),
]


@pytest.mark.parametrize(("action", "case", "last_day"), WINDOWS)
def test_a_window_has_not_passed_on_its_last_day(action: str, case: CaseDates, last_day: str) -> None:
    assert refusal(action, last_day, case) == "window_not_passed"


@pytest.mark.parametrize(("action", "case", "last_day"), WINDOWS)
def test_a_window_has_passed_the_day_after(action: str, case: CaseDates, last_day: str) -> None:
    check(action, date.fromordinal(D(last_day).toordinal() + 1).isoformat(), case)


@pytest.mark.parametrize(
    ("on", "code"),
    [
        pytest.param("2026-03-09", "window_not_passed", id="5 calendar days are not 5 working days"),
        pytest.param("2026-03-10", "window_not_passed", id="nor is the day after them"),
        pytest.param("2026-03-12", None, id="the day after the 5th working day"),
    ],
)
def test_the_statement_window_counts_working_days(on: str, code: str | None) -> None:
    case = dates(pre_decision_on="2026-03-04")  # a Wednesday
    if code is None:
        check("statement_window_passed", on, case)
    else:
        assert refusal("statement_window_passed", on, case) == code


def test_a_longer_statement_window_is_a_setting() -> None:
    # 10 working days after Wed 2026-03-04: Mar 5, 6, 9, 10, 11, 12, 13, 16, 17, 18.
    case = dates(pre_decision_on="2026-03-04")
    for on, allowed in (("2026-03-18", False), ("2026-03-19", True)):
        if allowed:
            check_action_date("statement_window_passed", D(on), case, today=D(on), holidays=CN, statement_days=10)
        else:
            with pytest.raises(CaseRefused):
                check_action_date("statement_window_passed", D(on), case, today=D(on), holidays=CN,
                                  statement_days=10)


# --- the 2-year limitation (行政处罚法 Art. 36): not extended by holidays -------------------------------------


@pytest.mark.parametrize(
    ("captured", "last_day"),
    [
        pytest.param("2025-03-15", "2027-03-15", id="two years"),
        pytest.param("2024-02-29", "2026-02-28", id="from a leap day: Feb 28"),
        pytest.param("2025-09-29", "2027-09-29", id="not moved by holidays"),
    ],
)
def test_a_decision_on_the_last_day_of_the_two_years_is_allowed(captured: str, last_day: str) -> None:
    case = dates(captured, captured)
    check("decide", last_day, case)
    day_after = date.fromordinal(D(last_day).toordinal() + 1).isoformat()
    assert refusal("decide", day_after, case) == "limitation_passed"


def test_the_limitation_is_for_penalties_only() -> None:
    case = dates("2024-02-29", "2024-02-29")
    check("decide_no_penalty", "2026-03-01", case)
    check("withdraw", "2026-03-01", case)


# --- court enforcement (行政强制法 Art. 53–54, 行政诉讼法 Art. 46) ---------------------------------------------
# Decision delivered Mon 2025-03-31: the 6-month time to sue ends Tue 2025-09-30; the court may be asked
# from 2025-10-01, within 3 months: until Tue 2025-12-30.
COURT = {"decided_on": "2025-03-31"}


@pytest.mark.parametrize(
    ("reminded", "on", "code"),
    [
        # A reminder on Mon 2025-09-01; its 10 working days end Mon 2025-09-15: the reminder is no obstacle
        # from Sep 16, but the time to sue has not run out before Oct 1.
        pytest.param("2025-09-01", "2025-09-30", "court_too_early", id="on the last day of the 6 months"),
        pytest.param("2025-09-01", "2025-10-01", None, id="the day after the 6 months"),
        pytest.param("2025-09-01", "2025-12-30", None, id="on the last day of the 3 months"),
        pytest.param("2025-09-01", "2025-12-31", "court_window_closed", id="the day after the 3 months"),
        # A reminder on Fri 2025-09-26: working days Sun 28 (make-up), Mon 29, Tue 30, then after National Day
        # Thu Oct 9, Fri 10, Sat 11 (make-up), Mon 13, Tue 14, Wed 15, Thu 16: the 10th is Oct 16.
        pytest.param("2025-09-26", "2025-10-16", "court_too_early", id="on the 10th working day after the reminder"),
        pytest.param("2025-09-26", "2025-10-17", None, id="after the 10 working days"),
        pytest.param("2025-09-26", "2025-10-10", "court_too_early", id="open window, reminder too recent"),
    ],
)
def test_court_enforcement_dates(reminded: str, on: str, code: str | None) -> None:
    case = dates(**COURT, reminded_on=reminded)
    if code is None:
        check("apply_court_enforcement", on, case)
    else:
        assert refusal("apply_court_enforcement", on, case) == code


def test_the_time_to_sue_ending_on_a_holiday_runs_past_it() -> None:
    # Delivered Tue 2025-04-01: 6 months end on 2025-10-01 (National Day) → Thu 2025-10-09.
    case = dates(decided_on="2025-04-01", reminded_on="2025-09-01")
    assert refusal("apply_court_enforcement", "2025-10-09", case) == "court_too_early"
    check("apply_court_enforcement", "2025-10-10", case)


# --- missing dates and a missing calendar year ----------------------------------------------------------------


@pytest.mark.parametrize(
    ("action", "case"),
    [
        pytest.param("report_window_passed", dates(), id="report window without the notice date"),
        pytest.param("statement_window_passed", dates(notified_on="2025-01-06"), id="statement without notice"),
        pytest.param("payment_overdue", dates(pre_decision_on="2025-02-03"), id="payment without the decision"),
        pytest.param("apply_court_enforcement", dates(decided_on="2025-03-31"), id="court without the reminder"),
        pytest.param("apply_court_enforcement", dates(reminded_on="2025-09-01"), id="court without the decision"),
    ],
)
def test_a_missing_date_is_refused(action: str, case: CaseDates) -> None:
    assert refusal(action, "2025-12-01", case) == "date_missing"


@pytest.mark.parametrize(
    ("action", "steps", "on"),
    [
        # 2026-12-20 + 15 = 2027-01-04: whether that is a working day is in the missing 2027 calendar.
        pytest.param("report_window_passed", {"notified_on": "2026-12-20"}, "2027-01-10", id="report"),
        pytest.param("payment_overdue", {"decided_on": "2026-12-20"}, "2027-01-10", id="payment"),
        # 5 working days after Mon 2026-12-28: Dec 29, 30, 31, then 2027.
        pytest.param("statement_window_passed", {"pre_decision_on": "2026-12-28"}, "2027-01-10", id="statement"),
        pytest.param("apply_court_enforcement", {"decided_on": "2026-06-01", "reminded_on": "2026-12-24"},
                     "2027-01-20", id="court"),
    ],
)
def test_a_year_missing_from_the_calendar_is_refused_not_guessed(action: str, steps: dict[str, Any], on: str) -> None:
    case = dates("2026-06-01", "2026-06-01", **steps)
    with pytest.raises(CalendarMissing) as missing:
        check(action, on, case)
    assert missing.value.code == "calendar_missing" and missing.value.year == 2027


# --- next_deadline per state ------------------------------------------------------------------------------------
# A case opened Thu 2025-07-03 must be decided within 90 days: 2025-10-01, National Day → Thu 2025-10-09.
OPENED = {"captured": "2025-07-02", "opened": "2025-07-03"}


@pytest.mark.parametrize(
    ("state", "steps", "non_local", "expected", "kind"),
    [
        *(pytest.param(state, {}, False, "2025-10-09", "decision", id=f"{state}: 90 days to decide")
          for state in ("valid", "reported", "report_overdue", "statement", "legal_review", "legal_approved")),
        # 2025-09-16 + 15 days = Oct 1 → Oct 9.
        pytest.param("notified", {"notified_on": "2025-09-16"}, False, "2025-10-09", "report", id="notified"),
        # 5 working days after Mon 2025-09-29 (see above): Mon 2025-10-13.
        pytest.param("pre_decision", {"pre_decision_on": "2025-09-29"}, False, "2025-10-13", "statement",
                     id="pre_decision"),
        # 2025-01-20 + 15 = Feb 4 (Spring Festival) → Wed 2025-02-05.
        pytest.param("decided", {"decided_on": "2025-01-20"}, False, "2025-02-05", "payment", id="decided"),
        # Delivered 2025-04-01: the time to sue ends Thu 2025-10-09 (after National Day); the reminder's
        # deadline is that last day of the time to sue, so the court can be asked as soon as it ends.
        pytest.param("late_fee", {"decided_on": "2025-04-01"}, False, "2025-10-09", "reminder", id="late_fee"),
        # ... and the court must be asked by Oct 9 + 3 months = Fri 2026-01-09.
        pytest.param("reminded", {"decided_on": "2025-04-01", "reminded_on": "2025-09-01"}, False, "2026-01-09",
                     "court", id="reminded"),
        # 7 working days after Tue 2025-09-30: Oct 9, 10, 11 (make-up Saturday), 13, 14, 15, 16.
        pytest.param("closed", {"closed_on": "2025-09-30"}, True, "2025-10-16", "transfer", id="closed, non-local"),
        pytest.param("closed", {"closed_on": "2025-09-30"}, False, None, None, id="closed, local: no transfer"),
        *(pytest.param(state, {"decided_on": "2025-01-20", "closed_on": "2025-09-30"}, True, None, None,
                       id=f"{state}: nothing due")
          for state in ("paid", "court_enforcement", "transferred", "no_penalty", "withdrawn", "referred_police")),
    ],
)
def test_the_next_deadline_of_each_state(state: str, steps: dict[str, str], non_local: bool, expected: str | None,
                                         kind: str | None) -> None:
    case = dates(OPENED["captured"], OPENED["opened"], **steps)
    assert next_deadline(state, case, non_local=non_local, holidays=CN) == (
        None if expected is None else D(expected), kind)


def test_the_next_statement_deadline_follows_the_setting() -> None:
    # 10 working days after Mon 2025-09-29: Sep 30, Oct 9, 10, 11, 13, 14, 15, 16, 17, 20.
    case = dates(pre_decision_on="2025-09-29")
    assert next_deadline("pre_decision", case, non_local=False, holidays=CN, statement_days=10) == (
        D("2025-10-20"), "statement")


@pytest.mark.parametrize(
    ("state", "steps", "non_local", "expected", "kind"),
    [
        # Opened Thu 2026-11-26: + 90 days = Wed 2027-02-24.
        pytest.param("valid", {}, False, "2027-02-24", "decision", id="decision"),
        # Fri 2026-12-18 + 15 = Sat 2027-01-02 → Mon 2027-01-04 by weekends alone.
        pytest.param("notified", {"notified_on": "2026-12-18"}, False, "2027-01-04", "report",
                     id="report ending on a Saturday"),
        # Thu 2026-12-17 + 15 = Fri 2027-01-01: New Year's Day is unknown without the 2027 calendar, so the
        # reminder comes on the day itself (earlier, never later, than the real deadline).
        pytest.param("notified", {"notified_on": "2026-12-17"}, False, "2027-01-01", "report",
                     id="a holiday the calendar lacks counts as a working day"),
        # Sun 2026-12-20 + 15 = Mon 2027-01-04.
        pytest.param("decided", {"decided_on": "2026-12-20"}, False, "2027-01-04", "payment", id="payment"),
        # 5 working days after Mon 2026-12-28: Dec 29, 30, 31, Fri Jan 1, Mon Jan 4.
        pytest.param("pre_decision", {"pre_decision_on": "2026-12-28"}, False, "2027-01-04", "statement",
                     id="statement"),
        # Delivered 2026-11-26: time to sue ends Wed 2027-05-26; the court window opens 2027-05-27 and closes
        # 3 months after the time to sue, Thu 2027-08-26.
        pytest.param("late_fee", {"decided_on": "2026-11-26"}, False, "2027-05-26", "reminder", id="reminder"),
        pytest.param("reminded", {"decided_on": "2026-11-26", "reminded_on": "2027-01-04"}, False, "2027-08-26",
                     "court", id="court"),
        # 7 working days after Mon 2026-12-28: Dec 29, 30, 31, Jan 1, 4, 5, 6.
        pytest.param("closed", {"closed_on": "2026-12-28"}, True, "2027-01-06", "transfer", id="transfer"),
    ],
)
def test_without_the_calendar_year_the_next_deadline_counts_weekends_only(
        state: str, steps: dict[str, str], non_local: bool, expected: str, kind: str) -> None:
    assert 2027 not in CN.years, "the calendar now has 2027: pick a year it lacks"
    case = dates("2026-11-26", "2026-11-26", **steps)
    assert next_deadline(state, case, non_local=non_local, holidays=CN) == (D(expected), kind)


def test_the_fallback_does_not_change_the_calendar() -> None:
    next_deadline("notified", dates("2026-11-26", "2026-11-26", notified_on="2026-12-18"), non_local=False,
                  holidays=CN)
    assert 2027 not in CN.years
    with pytest.raises(CalendarMissing):
        check("report_window_passed", "2027-01-10", dates("2026-11-26", "2026-11-26", notified_on="2026-12-18"))
