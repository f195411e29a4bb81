"""The case workflow (立案 → 通知 → 告知 → 决定 → 执行 → 结案) as one state table; docs/cases.md is its
human copy and a test keeps the two equal.

    valid ─send_notice─▶ notified ─owner_reported──────▶ reported ───────┐
                            └──report_window_passed─▶ report_overdue ─┴─send_pre_decision─▶ pre_decision
    pre_decision ─receive_statement / statement_window_passed─▶ statement
    statement ─decide (not major)──────────────────────────────────────────────▶ decided
    statement ─request_legal_review─▶ legal_review ─approve─▶ legal_approved ─decide─▶ decided
                                          └─return_legal_review─▶ statement
    decided ─record_payment─▶ paid ─close─▶ closed ─transfer─▶ transferred   (non-local vehicles)
    decided ─payment_overdue─▶ late_fee ─send_reminder─▶ reminded ─apply_court_enforcement─▶ court_enforcement
    court_enforcement ─close─▶ closed
    branches: decide_no_penalty ▶ no_penalty; refer_police ▶ referred_police; withdraw ▶ withdrawn

Outcomes are told apart by final state, never by a flag: ``closed`` and ``transferred`` are reached only
after a penalty decision; a withdrawal ends in ``withdrawn``, a non-penalty in ``no_penalty``.

Rules beyond the table, checked by ``act``: the role may take the action (``ROLE_ACTIONS``); a withdrawal
states a reason; a major decision (行政处罚法 Art. 58) is decided only after legal review approval.
Dates (15-day windows, 90-day decision limit, ...) are checked by the caller with ``deadlines``.
An illegal move raises ``CaseRefused`` and changes nothing.
"""

from __future__ import annotations

from collections.abc import Mapping

from zhichao.domain.errors import DomainError

VALID, NOTIFIED, REPORTED, REPORT_OVERDUE = "valid", "notified", "reported", "report_overdue"
PRE_DECISION, STATEMENT, LEGAL_REVIEW, LEGAL_APPROVED = "pre_decision", "statement", "legal_review", "legal_approved"
DECIDED, PAID, LATE_FEE, COURT_ENFORCEMENT = "decided", "paid", "late_fee", "court_enforcement"
REMINDED = "reminded"
NO_PENALTY, WITHDRAWN, TRANSFERRED, REFERRED_POLICE = "no_penalty", "withdrawn", "transferred", "referred_police"
CLOSED = "closed"

STATE_LABELS: Mapping[str, str] = {
    VALID: "有效案件",
    NOTIFIED: "违法行为通知已送达",
    REPORTED: "当事人已接受处理",
    REPORT_OVERDUE: "逾期未接受处理（可依据记录作出决定）",
    PRE_DECISION: "行政处罚事先告知已送达",
    STATEMENT: "陈述申辩（已提出或期限届满）",
    LEGAL_REVIEW: "法制审核中",
    LEGAL_APPROVED: "法制审核通过",
    DECIDED: "处罚决定已送达",
    PAID: "罚款已缴纳",
    LATE_FEE: "逾期加处罚款中",
    REMINDED: "催告书已送达",
    COURT_ENFORCEMENT: "已申请法院强制执行",
    NO_PENALTY: "不予处罚（已批评教育）",
    WITHDRAWN: "已撤销",
    TRANSFERRED: "已结案并抄告登记地",
    REFERRED_POLICE: "已移送公安",
    CLOSED: "已结案",
}
STATES = tuple(STATE_LABELS)

SEND_NOTICE, OWNER_REPORTED, REPORT_WINDOW_PASSED = "send_notice", "owner_reported", "report_window_passed"
SEND_PRE_DECISION, RECEIVE_STATEMENT = "send_pre_decision", "receive_statement"
STATEMENT_WINDOW_PASSED = "statement_window_passed"
REQUEST_LEGAL_REVIEW, APPROVE_LEGAL_REVIEW = "request_legal_review", "approve_legal_review"
RETURN_LEGAL_REVIEW, DECIDE, DECIDE_NO_PENALTY = "return_legal_review", "decide", "decide_no_penalty"
RECORD_PAYMENT, PAYMENT_OVERDUE = "record_payment", "payment_overdue"
APPLY_COURT_ENFORCEMENT, CLOSE, SEND_REMINDER = "apply_court_enforcement", "close", "send_reminder"
WITHDRAW, TRANSFER, REFER_POLICE = "withdraw", "transfer", "refer_police"
ACTIONS = (
    SEND_NOTICE, OWNER_REPORTED, REPORT_WINDOW_PASSED, SEND_PRE_DECISION, RECEIVE_STATEMENT,
    STATEMENT_WINDOW_PASSED, REQUEST_LEGAL_REVIEW, APPROVE_LEGAL_REVIEW, RETURN_LEGAL_REVIEW, DECIDE,
    DECIDE_NO_PENALTY, RECORD_PAYMENT, PAYMENT_OVERDUE, SEND_REMINDER, APPLY_COURT_ENFORCEMENT, CLOSE,
    WITHDRAW, TRANSFER, REFER_POLICE,
)  # fmt: skip

# What people read for each action, and for the trail entries that are not moves of the table.
ACTION_LABELS: Mapping[str, str] = {
    SEND_NOTICE: "送达违法行为通知", OWNER_REPORTED: "当事人到案接受处理",
    REPORT_WINDOW_PASSED: "15日期限届满未到案", SEND_PRE_DECISION: "送达行政处罚事先告知书",
    RECEIVE_STATEMENT: "记录陈述申辩", STATEMENT_WINDOW_PASSED: "陈述申辩期限届满",
    REQUEST_LEGAL_REVIEW: "提请法制审核", APPROVE_LEGAL_REVIEW: "法制审核通过",
    RETURN_LEGAL_REVIEW: "法制审核退回", DECIDE: "作出处罚决定", DECIDE_NO_PENALTY: "不予处罚（批评教育）",
    PAYMENT_OVERDUE: "逾期未缴纳（加处罚款）", SEND_REMINDER: "送达催告书",
    APPLY_COURT_ENFORCEMENT: "申请法院强制执行", CLOSE: "结案", TRANSFER: "抄告登记地",
    REFER_POLICE: "移送公安", WITHDRAW: "撤销案件", RECORD_PAYMENT: "缴纳罚款",
    "partial_payment": "部分缴款", "owner_statement": "当事人提交陈述", "statement_file": "上传陈述申辩书",
}  # fmt: skip

# Final: nothing but ``transfer`` (a duty after closing, 超限规定 Art. 44) leaves them.
FINAL_STATES = frozenset({CLOSED, TRANSFERRED, NO_PENALTY, WITHDRAWN, REFERRED_POLICE})
OPEN_STATES = frozenset(STATES) - FINAL_STATES
# A penalty was decided (and not withdrawn): closed/transferred are reachable only through ``decided``.
PENALISED_STATES = frozenset({DECIDED, PAID, LATE_FEE, REMINDED, COURT_ENFORCEMENT, CLOSED, TRANSFERRED})
# KPI 3 counts a case as disposed once the authority has decided it: a penalty, or a decision not to
# penalise (不予处罚决定, 行政处罚法 Art. 57). Withdrawn and referred cases are not disposals.
DISPOSED_STATES = PENALISED_STATES | {NO_PENALTY}

# Before a decision, the authority may still send the case to the police (行政处罚法 Art. 27: a suspected
# crime is transferred) or decide not to penalise (浙江省公路条例 Art. 53: ≤ 20 % → 批评教育).
_BEFORE_DECISION = (VALID, NOTIFIED, REPORTED, REPORT_OVERDUE, PRE_DECISION, STATEMENT, LEGAL_REVIEW, LEGAL_APPROVED)
_NO_PENALTY_FROM = (VALID, REPORTED, REPORT_OVERDUE, STATEMENT, LEGAL_APPROVED)

TRANSITIONS: Mapping[tuple[str, str], str] = {
    (VALID, SEND_NOTICE): NOTIFIED,  # 浙江省公路条例 Art. 40
    (NOTIFIED, OWNER_REPORTED): REPORTED,
    (NOTIFIED, REPORT_WINDOW_PASSED): REPORT_OVERDUE,  # 15 days, then decided from the records (Art. 40)
    (REPORTED, SEND_PRE_DECISION): PRE_DECISION,  # 行政处罚法 Art. 44
    (REPORT_OVERDUE, SEND_PRE_DECISION): PRE_DECISION,
    (PRE_DECISION, RECEIVE_STATEMENT): STATEMENT,  # Art. 45: the party is heard before any decision
    (PRE_DECISION, STATEMENT_WINDOW_PASSED): STATEMENT,
    (STATEMENT, REQUEST_LEGAL_REVIEW): LEGAL_REVIEW,  # Art. 58
    (LEGAL_REVIEW, APPROVE_LEGAL_REVIEW): LEGAL_APPROVED,
    (LEGAL_REVIEW, RETURN_LEGAL_REVIEW): STATEMENT,
    (STATEMENT, DECIDE): DECIDED,  # Art. 57, 60–61; refused when major (legal review first)
    (LEGAL_APPROVED, DECIDE): DECIDED,
    (DECIDED, RECORD_PAYMENT): PAID,  # Art. 67
    (DECIDED, PAYMENT_OVERDUE): LATE_FEE,  # Art. 72
    (LATE_FEE, RECORD_PAYMENT): PAID,
    (LATE_FEE, SEND_REMINDER): REMINDED,  # 行政强制法 Art. 54: a written reminder (催告) first
    (REMINDED, RECORD_PAYMENT): PAID,
    (REMINDED, APPLY_COURT_ENFORCEMENT): COURT_ENFORCEMENT,  # Art. 53–54: 10 days after the reminder
    (COURT_ENFORCEMENT, RECORD_PAYMENT): PAID,
    (COURT_ENFORCEMENT, CLOSE): CLOSED,
    (PAID, CLOSE): CLOSED,
    (CLOSED, TRANSFER): TRANSFERRED,  # 超限规定 Art. 44: within 7 working days after closing
    **{(state, DECIDE_NO_PENALTY): NO_PENALTY for state in _NO_PENALTY_FROM},
    **{(state, REFER_POLICE): REFERRED_POLICE for state in _BEFORE_DECISION},
    **{(state, WITHDRAW): WITHDRAWN for state in STATES if state not in FINAL_STATES},  # Art. 75
}

# Reviewers (初审/复审) act on records, not cases: they hold no role here. Payments arrive through a bank
# or e-payment (Art. 67, never cash): officers or admins record the bank's confirmation.
_TIMERS = frozenset({REPORT_WINDOW_PASSED, STATEMENT_WINDOW_PASSED, PAYMENT_OVERDUE})
ROLE_ACTIONS: Mapping[str, frozenset[str]] = {
    "officer": frozenset({
        SEND_NOTICE, OWNER_REPORTED, SEND_PRE_DECISION, RECEIVE_STATEMENT, REQUEST_LEGAL_REVIEW,
        RECORD_PAYMENT, SEND_REMINDER, CLOSE, TRANSFER,
    }) | _TIMERS,
    "legal": frozenset({APPROVE_LEGAL_REVIEW, RETURN_LEGAL_REVIEW}),
    # The head of the authority signs decisions, court applications, transfers to police and withdrawals.
    "leader": frozenset({DECIDE, DECIDE_NO_PENALTY, APPLY_COURT_ENFORCEMENT, REFER_POLICE, WITHDRAW}),
    "admin": frozenset({RECORD_PAYMENT}) | _TIMERS,
}  # fmt: skip


class CaseRefused(DomainError):
    """A case action that the state table, the roles or the case rules do not allow."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code


def act(state: str, action: str, *, role: str, reason: str | None = None, major: bool = False) -> str:
    """The state after ``action``, or ``CaseRefused``. Pure: the caller stores the result and the event.

    ``major`` says the rule set marks the decision as major (行政处罚法 Art. 58: legal review first).
    """
    target = TRANSITIONS.get((state, action))
    what = ACTION_LABELS.get(action, f"未知操作 {action}")
    if target is None:
        label = STATE_LABELS.get(state, state)
        raise CaseRefused("illegal_transition", f"案件当前为「{label}」，不能「{what}」")
    if action not in ROLE_ACTIONS.get(role, frozenset()):
        raise CaseRefused("role_not_allowed", f"你的角色无权「{what}」")
    if action == WITHDRAW and not (reason or "").strip():
        raise CaseRefused("reason_required", "撤销案件须写明理由")
    if action == DECIDE and major and state != LEGAL_APPROVED:
        raise CaseRefused("legal_review_required", "重大行政处罚决定须经法制审核通过后方可作出")
    return target
