"""The dates of a case: which action may be taken on which day, which dates an action sets, and the
next deadline of each state. Pure: today, the case's dates and the holiday calendar are passed in.

The state table (``domain/cases.py``) says *whether* an action may follow another; this module says
*when*. Every check raises ``CaseRefused`` with a stable code and changes nothing:

- ``date_in_future`` / ``date_before_previous``: an action is dated today or earlier, never before the
  case's last dated step (a notice cannot be served before the violation, a payment before the decision);
- ``window_not_passed``: ``report_window_passed``, ``statement_window_passed`` and ``payment_overdue``
  only after the 15-day report window, the statement window or the 15-day payment period has ended;
- ``limitation_passed``: no penalty decision after the 2-year limitation (行政处罚法 Art. 36);
- ``court_too_early`` / ``court_window_closed``: court enforcement only 10 working days after the
  reminder, after the 6-month time to sue and within the 3 months that follow (行政强制法 Art. 53–54).

A deadline that needs a year the holiday calendar lacks raises ``calendar_missing`` for the checks (the
law's periods are not guessed); ``next_deadline`` instead falls back to weekends only, which can only
make the authority's own reminder earlier, never a party's period shorter.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace
from datetime import date, timedelta

from zhichao.domain import deadlines as d
from zhichao.domain.cases import (
    APPLY_COURT_ENFORCEMENT,
    CLOSE,
    CLOSED,
    DECIDE,
    DECIDED,
    LATE_FEE,
    LEGAL_APPROVED,
    LEGAL_REVIEW,
    NOTIFIED,
    OWNER_REPORTED,
    PAYMENT_OVERDUE,
    PRE_DECISION,
    RECORD_PAYMENT,
    REMINDED,
    REPORT_OVERDUE,
    REPORT_WINDOW_PASSED,
    REPORTED,
    SEND_NOTICE,
    SEND_PRE_DECISION,
    SEND_REMINDER,
    STATEMENT,
    STATEMENT_WINDOW_PASSED,
    VALID,
    CaseRefused,
)
from zhichao.domain.deadlines import CalendarMissing, Holidays

# The statement window after the pre-decision notice. 行政处罚法 Art. 64 gives 5 days to ask for a
# hearing; the statement period itself is the authority's to set in the notice [L]: a setting. Its days
# are working days (Art. 85: the law's "5 days" exclude holidays), so the window never cuts the hearing right.
DEFAULT_STATEMENT_DAYS = 5

# What each deadline is for, as the console shows it.
DUE_LABELS: Mapping[str, str] = {
    "decision": "作出处罚决定（立案之日起90日）",
    "report": "当事人接受处理（通知送达之日起15日）",
    "statement": "陈述申辩期限届满",
    "payment": "缴纳罚款（决定送达之日起15日）",
    "reminder": "送达催告书（起诉期限届满前）",
    "court": "申请法院强制执行（起诉期限届满后3个月内）",
    "transfer": "抄告登记地（结案后7个工作日）",
}

# The dated column each action sets to the day it was taken.
SETS_DATE: Mapping[str, str] = {
    SEND_NOTICE: "notified_on",
    OWNER_REPORTED: "reported_on",
    SEND_PRE_DECISION: "pre_decision_on",
    DECIDE: "decided_on",
    SEND_REMINDER: "reminded_on",
    RECORD_PAYMENT: "paid_on",
    CLOSE: "closed_on",
}


@dataclass(frozen=True, slots=True)
class CaseDates:
    """The days the law counts from; ``None`` until the step happened."""

    captured_on: date
    opened_on: date
    notified_on: date | None = None
    reported_on: date | None = None
    pre_decision_on: date | None = None
    decided_on: date | None = None
    reminded_on: date | None = None
    paid_on: date | None = None
    closed_on: date | None = None

    def latest(self) -> date:
        return max(day for day in (self.captured_on, self.opened_on, self.notified_on, self.reported_on,
                                   self.pre_decision_on, self.decided_on, self.reminded_on, self.paid_on,
                                   self.closed_on) if day is not None)

    def after(self, action: str, on: date) -> CaseDates:
        """These dates once ``action`` was taken ``on``."""
        column = SETS_DATE.get(action)
        return self if column is None else replace(self, **{column: on})


def statement_due(pre_decision_on: date, days: int, holidays: Holidays) -> date:
    """Last day to state and defend after the pre-decision notice: ``days`` working days (Art. 45, 64, 85)."""
    return d.add_working_days(pre_decision_on, days, holidays)


def _required(day: date | None, what: str) -> date:
    if day is None:
        raise CaseRefused("date_missing", f"案件缺少{what}日期，无法计算期限")
    return day


def _refuse_before(on: date, first_allowed: date, code: str, what: str) -> None:
    if on < first_allowed:
        raise CaseRefused(code, f"{what}（最早 {first_allowed.isoformat()}，所填日期 {on.isoformat()}）")


def check_action_date(action: str, on: date, dates: CaseDates, *, today: date, holidays: Holidays,
                      statement_days: int = DEFAULT_STATEMENT_DAYS) -> None:
    """Raise ``CaseRefused`` unless ``action`` may be dated ``on``; the state table was checked before."""
    if on > today:
        raise CaseRefused("date_in_future", f"操作日期 {on.isoformat()} 晚于今天（{today.isoformat()}）")
    if on < dates.latest():
        raise CaseRefused("date_before_previous",
                          f"操作日期 {on.isoformat()} 早于案件上一步的日期 {dates.latest().isoformat()}")
    if action == REPORT_WINDOW_PASSED:
        due = d.report_due(_required(dates.notified_on, "通知送达"), holidays)
        _refuse_before(on, due + timedelta(days=1), "window_not_passed", "接受处理的15日期限尚未届满")
    elif action == STATEMENT_WINDOW_PASSED:
        due = statement_due(_required(dates.pre_decision_on, "事先告知"), statement_days, holidays)
        _refuse_before(on, due + timedelta(days=1), "window_not_passed", "陈述申辩期限尚未届满")
    elif action == PAYMENT_OVERDUE:
        due = d.payment_due(_required(dates.decided_on, "决定送达"), holidays)
        _refuse_before(on, due + timedelta(days=1), "window_not_passed", "缴纳罚款的15日期限尚未届满")
    elif action == DECIDE:
        ends = d.limitation_ends(dates.captured_on)
        if on > ends:
            raise CaseRefused("limitation_passed",
                              f"违法行为已超过2年追责期限（{ends.isoformat()} 届满），不得给予行政处罚")
    elif action == APPLY_COURT_ENFORCEMENT:
        _refuse_before(on, d.reminder_then_court(_required(dates.reminded_on, "催告"), holidays),
                       "court_too_early", "催告书送达后10个工作日内不得申请强制执行")
        opens, closes = d.court_window(_required(dates.decided_on, "决定送达"), holidays)
        _refuse_before(on, opens, "court_too_early", "当事人的起诉期限（6个月）尚未届满")
        if on > closes:
            raise CaseRefused("court_window_closed",
                              f"申请强制执行的期限已于 {closes.isoformat()} 届满（起诉期限届满后3个月内）")


def _lenient(holidays: Holidays, day: date) -> Holidays:
    """The calendar with any missing years around ``day`` treated as weekends only."""
    missing = {day.year + k for k in range(-1, 3)} - holidays.years
    return replace(holidays, years=holidays.years | missing) if missing else holidays


def next_deadline(state: str, dates: CaseDates, *, non_local: bool, holidays: Holidays,
                  statement_days: int = DEFAULT_STATEMENT_DAYS) -> tuple[date | None, str | None]:
    """The next deadline of a case in ``state`` and what it is for (a ``DUE_LABELS`` key), or (None, None)."""
    try:
        return _next_deadline(state, dates, non_local, holidays, statement_days)
    except CalendarMissing as missing:
        return _next_deadline(state, dates, non_local, _lenient(holidays, date(missing.year, 1, 1)), statement_days)


def _next_deadline(state: str, dates: CaseDates, non_local: bool, holidays: Holidays,
                   statement_days: int) -> tuple[date | None, str | None]:
    if state == NOTIFIED and dates.notified_on:
        return d.report_due(dates.notified_on, holidays), "report"
    if state == PRE_DECISION and dates.pre_decision_on:
        return statement_due(dates.pre_decision_on, statement_days, holidays), "statement"
    if state in (VALID, REPORTED, REPORT_OVERDUE, STATEMENT, LEGAL_REVIEW, LEGAL_APPROVED):
        return d.decision_due(dates.opened_on, holidays), "decision"
    if state == DECIDED and dates.decided_on:
        return d.payment_due(dates.decided_on, holidays), "payment"
    if state == LATE_FEE and dates.decided_on:  # remind while the time to sue runs, to apply when it ends
        return d.court_window(dates.decided_on, holidays)[0] - timedelta(days=1), "reminder"
    if state == REMINDED and dates.decided_on:
        return d.court_window(dates.decided_on, holidays)[1], "court"
    if state == CLOSED and non_local and dates.closed_on:
        return d.transfer_due(dates.closed_on, holidays), "transfer"
    return None, None

