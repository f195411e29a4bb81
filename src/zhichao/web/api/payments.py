"""The bank / e-payment notification webhook: signed with a shared secret, matched to a case by the
decision's number (决定书文号) the payer quoted. docs/api.md describes the signature."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import msgspec
from fastapi import APIRouter, Request
from starlette.concurrency import run_in_threadpool

from zhichao.services import payments as payment_service
from zhichao.services.errors import InvalidInput, NotFound
from zhichao.services.ports import User
from zhichao.web.deps import container, read_body

router = APIRouter(prefix="/api/v1/payments", tags=["payments (缴款)"])
NOTIFIER = User(id=0, username="payment-notify", display_name="缴款通知", role="admin", active=True)
MAX_NOTIFICATION_BYTES = 16 * 1024


class Notification(msgspec.Struct, forbid_unknown_fields=False):
    reference: str
    decision_number: str
    amount_yuan: int
    paid_at: datetime
    channel: str = "bank"


def _handle(request: Request, body: bytes) -> dict[str, Any]:
    c = container(request)
    now = c.clock()
    payment_service.verify_signature(c.settings.payment_webhook_secret, request.headers.get("x-timestamp", ""),
                                     body, request.headers.get("x-signature", ""), now)
    try:
        note = msgspec.json.decode(body, type=Notification)
    except msgspec.ValidationError as exc:
        raise InvalidInput("invalid_notification", f"缴款通知格式不正确：{exc}") from None
    except msgspec.DecodeError:
        raise InvalidInput("invalid_json", "缴款通知不是有效的 JSON") from None
    if note.channel not in ("bank", "epay"):
        raise InvalidInput("invalid_method", f"缴款通知的渠道只能是 bank 或 epay（收到 {note.channel}）")
    case_id = c.cases.repo.case_for_document("decision", note.decision_number.strip())
    if case_id is None:
        raise NotFound("decision_not_found", f"没有文号为 {note.decision_number} 的处罚决定书")
    # a time without an offset is the bureau's local time, not the server's (``astimezone`` would take the latter)
    paid_at = note.paid_at if note.paid_at.tzinfo else note.paid_at.replace(tzinfo=c.cases.tz)
    paid_on = paid_at.astimezone(c.cases.tz).date()
    return payment_service.record_payment(
        c.cases, case_id=case_id, method=note.channel, reference=note.reference, amount_yuan=note.amount_yuan,
        paid_on=paid_on, user=NOTIFIER, now=now, origin=request.client.host if request.client else "unknown",
        payload=msgspec.to_builtins(note))


@router.post("/notify", summary="银行／电子缴款通知（签名校验）")
async def notify(request: Request) -> dict[str, Any]:
    body = await read_body(request, MAX_NOTIFICATION_BYTES)
    return await run_in_threadpool(_handle, request, body)
