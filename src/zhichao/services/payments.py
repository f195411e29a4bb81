"""Payments of fines: from a bank or e-payment notification (a signed webhook) or entered by finance with
a receipt number — never cash to the officer (行政处罚法 Art. 67). Late fees are computed to the day of
payment (Art. 72: 3 % a day, at most the fine).

A payment is stored once per (method, reference): a notification sent twice answers ``duplicate`` and
changes nothing. When what was paid covers the fine and the late fee owed on the day of payment, the case
moves to ``paid`` in the same transaction; a part payment is recorded and the case waits for the rest.
"""

from __future__ import annotations

import hashlib
import hmac
from datetime import date, datetime
from typing import Any

from zhichao.domain import deadlines
from zhichao.domain.cases import (
    COURT_ENFORCEMENT,
    DECIDED,
    LATE_FEE,
    RECORD_PAYMENT,
    REMINDED,
    STATE_LABELS,
    CaseRefused,
    act,
)
from zhichao.domain.deadlines import CalendarMissing
from zhichao.services.cases import CaseContext
from zhichao.services.errors import Conflict, InvalidInput, NotAuthenticated, NotFound
from zhichao.services.ports import User

METHODS = {"bank": "银行缴款通知", "epay": "电子缴款通知", "finance": "财务登记（收款凭证）"}
PAYABLE_STATES = frozenset({DECIDED, LATE_FEE, REMINDED, COURT_ENFORCEMENT})
SIGNATURE_MAX_AGE_S = 300
# Far above any fine with its late fee (at most 30 000 + 30 000 yuan, LEGAL.md §4 and Art. 72), far below the
# integer columns' limit: a larger amount is a typing or a bank error, not a payment of a case.
MAX_AMOUNT_YUAN = 1_000_000


def amount_owed(ctx: CaseContext, case: dict[str, Any], on: date) -> dict[str, Any] | None:
    """What the party owes on day ``on``: the fine, the late fee to that day, what was paid, the rest."""
    if not case.get("decided_on"):
        return None
    try:
        due = deadlines.payment_due(case["decided_on"], ctx.holidays)
    except CalendarMissing:
        return None
    fee = deadlines.late_fee(case["fine_yuan"], due, on) if case["state"] in PAYABLE_STATES else case["late_fee_yuan"]
    total = case["fine_yuan"] + fee
    return {"on": on, "payment_due": due, "fine_yuan": case["fine_yuan"], "late_fee_yuan": fee, "total_yuan": total,
            "paid_yuan": case["paid_yuan"], "outstanding_yuan": max(0, total - case["paid_yuan"])}


def verify_signature(secret: str, timestamp: str, body: bytes, signature: str, now: datetime) -> None:
    """Check a notification's ``X-Signature`` (hex HMAC-SHA256 of ``timestamp + "." + body``) and its age."""
    if not secret:
        raise NotAuthenticated("payments_not_configured", "未配置缴款通知密钥，拒绝接收缴款通知")
    try:
        age = abs(now.timestamp() - int(timestamp))
    except ValueError:
        raise NotAuthenticated("bad_signature", "缴款通知的时间戳无效") from None
    expected = hmac.new(secret.encode(), timestamp.encode() + b"." + body, hashlib.sha256).hexdigest()
    # bytes, not str: compare_digest refuses non-ASCII text, and a header may carry any latin-1 character
    if not hmac.compare_digest(expected.encode(), signature.removeprefix("sha256=").encode()):
        raise NotAuthenticated("bad_signature", "缴款通知签名不正确")
    if age > SIGNATURE_MAX_AGE_S:
        raise NotAuthenticated("stale_signature",
                               f"缴款通知已过期（时间相差 {int(age)} 秒，上限 {SIGNATURE_MAX_AGE_S} 秒）")


def _actor(user: User, method: str) -> str:
    return f"user:{user.id}" if user.id else f"notify:{method}"


def _checked(method: str, reference: str, amount_yuan: int, paid_on: date, today: date) -> str:
    if method not in METHODS:
        raise InvalidInput("invalid_method", f"未知的缴款方式：{method}（可选 {'、'.join(METHODS)}）")
    reference = reference.strip()
    if not reference or len(reference) > 64:
        raise InvalidInput("invalid_reference", "缴款流水号或收款凭证号必填，最多64个字符")
    if not 0 < amount_yuan <= MAX_AMOUNT_YUAN:
        raise InvalidInput("invalid_amount", f"缴款金额必须大于0元且不超过{MAX_AMOUNT_YUAN}元（收到 {amount_yuan}）")
    if paid_on > today:
        raise InvalidInput("date_in_future", f"缴款日期 {paid_on.isoformat()} 晚于今天")
    return reference


def record_payment(ctx: CaseContext, *, case_id: int, method: str, reference: str, amount_yuan: int, paid_on: date,
                   user: User, now: datetime, origin: str, payload: dict[str, Any] | None = None) -> dict[str, Any]:
    """Store a payment and, when the case is paid in full, move it to ``paid``. Idempotent per reference."""
    today = now.astimezone(ctx.tz).date()
    reference = _checked(method, reference, amount_yuan, paid_on, today)
    with ctx.repo.transaction() as tx:
        earlier = tx.payment(method, reference)
        if earlier is not None:
            current = tx.case(earlier["case_id"])
            return {"id": earlier["case_id"], "state": current["state"], "version": current["version"],
                    "duplicate": True}
        current = tx.case(case_id)
        if current is None:
            raise NotFound("case_not_found", f"案件 {case_id} 不存在")
        state, version = current["state"], current["version"]
        if state not in PAYABLE_STATES:
            again = tx.payment(method, reference)  # paid a moment ago by the same notification, sent twice at once
            if again is not None and again["case_id"] == case_id:
                return {"id": case_id, "state": state, "version": version, "duplicate": True}
            raise CaseRefused("not_payable", f"案件当前为「{STATE_LABELS[state]}」，作出处罚决定后才能登记缴款")
        if paid_on < current["decided_on"]:
            raise InvalidInput("date_before_previous", f"缴款日期早于处罚决定日期 {current['decided_on'].isoformat()}")
        owed = amount_owed(ctx, {**current}, paid_on)
        if owed is None:
            raise CaseRefused("calendar_missing", "节假日日历缺少数据，无法计算缴款期限")
        paid = current["paid_yuan"] + amount_yuan
        full = paid >= owed["total_yuan"]
        target = act(state, RECORD_PAYMENT, role=user.role) if full else state
        stored = tx.add_payment({"case_id": case_id, "method": method, "reference": reference,
                                 "amount_yuan": amount_yuan, "late_fee_yuan": owed["late_fee_yuan"], "paid_on": paid_on,
                                 "recorded_at": now, "recorded_by": _actor(user, method), "payload": payload})
        if not stored:  # the same notification, stored by a concurrent request a moment ago
            return {"id": case_id, "state": state, "version": version, "duplicate": True}
        values: dict[str, Any] = {"paid_yuan": paid, "late_fee_yuan": owed["late_fee_yuan"]}
        if full:
            values.update(paid_on=paid_on, due_on=None, due_kind=None)
        if not tx.move(case_id, version, state, target, values):
            raise Conflict("already_changed", "该案件已被他人处理，请刷新后再看")
        action = RECORD_PAYMENT if full else "partial_payment"
        note = f"{METHODS[method]} {reference}：{amount_yuan} 元（应缴 {owed['total_yuan']} 元，含加处罚款 " \
               f"{owed['late_fee_yuan']} 元）"
        tx.add_event({"case_id": case_id, "at": now, "actor_id": user.id, "role": user.role, "action": action,
                      "from_state": state, "to_state": target, "reason": None, "note": note})
        tx.audit(at=now, actor=_actor(user, method), origin=origin,
                 action=f"case.{action}", subject=f"case:{case_id}",
                 details={"from_state": state, "to_state": target, "method": method, "reference": reference,
                          "amount_yuan": amount_yuan, "late_fee_yuan": owed["late_fee_yuan"],
                          "paid_on": paid_on.isoformat()})
    return {"id": case_id, "state": target, "version": version + 1, "duplicate": False,
            "owed_yuan": owed["total_yuan"], "paid_yuan": paid}
