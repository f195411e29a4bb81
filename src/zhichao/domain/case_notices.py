"""Who a case action notifies, through which channel, saying what. Pure: the case service writes the
returned messages to the outbox in the same transaction as the move (STYLE.md rule 5).

The owner is told by SMS when a mobile number is known and by post when an address is known (浙江省公路条例
Art. 40: app, SMS or post); a letter carries the document the action issued. A transfer goes by post to
the registration region's authority. Each message's ``dedupe_key`` names the case, the action, the
case version it moved from and the channel, so a retried transaction never queues a second copy.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from zhichao.domain.cases import (
    DECIDE,
    DECIDE_NO_PENALTY,
    SEND_NOTICE,
    SEND_PRE_DECISION,
    SEND_REMINDER,
    TRANSFER,
    CaseRefused,
)
from zhichao.domain.parties import MOBILE as _MOBILE
from zhichao.domain.parties import OWNER

_TEXTS: Mapping[str, str] = {
    SEND_NOTICE: "您的车辆{plate}于{when}在{station}经检测超限，请自收到通知之日起15日内接受处理。"
                 "可凭查询码{code}在{portal}查看证据、下载通知书并提交陈述。",
    SEND_PRE_DECISION: "关于车辆{plate}的超限案件，本机关拟作出行政处罚，行政处罚事先告知书已寄送，"
                       "您有权陈述、申辩。查询码{code}，网址{portal}。",
    DECIDE: "关于车辆{plate}的超限案件，行政处罚决定书（{number}）已作出，请于15日内通过银行或电子缴款缴纳罚款，"
            "逾期每日加处3%罚款。查询码{code}。",
    DECIDE_NO_PENALTY: "车辆{plate}的超限行为情节轻微，本机关决定不予行政处罚并予以批评教育，请依法装载。",
    SEND_REMINDER: "车辆{plate}的罚款逾期未缴纳，催告书（{number}）已寄送，请于10日内履行，逾期将申请法院强制执行。",
}
NOTIFYING_ACTIONS = frozenset(_TEXTS) | {TRANSFER}


@dataclass(frozen=True, slots=True)
class Notice:
    channel: str
    recipient: str
    subject: str
    body: str
    dedupe_key: str
    payload: Mapping[str, Any] = field(default_factory=dict)


def owner_of(parties: Sequence[Mapping[str, Any]]) -> Mapping[str, Any] | None:
    return next((p for p in parties if p.get("role") == OWNER), None)


def require_owner_contact(parties: Sequence[Mapping[str, Any]]) -> None:
    """A notice needs somebody to send it to: the owner's mobile (SMS) or address (post); a landline takes
    neither, so it does not count (``owner_contact_missing`` otherwise)."""
    owner = owner_of(parties)
    if owner is None or not (_MOBILE.fullmatch(str(owner.get("phone") or "")) or owner.get("address")):
        raise CaseRefused("owner_contact_missing", "请先录入车辆所有人及其手机号码或邮寄地址，再送达通知")


def notices_for(action: str, case: Mapping[str, Any], parties: Sequence[Mapping[str, Any]], *,
                subject: str, facts: Mapping[str, str], document: Mapping[str, Any] | None,
                authority: str | None = None) -> list[Notice]:
    """The messages ``action`` sends for ``case`` (its id, version before the move and plate).

    ``facts`` fills the texts: when, station, code, portal, number. ``authority`` is the transfer's
    addressee.
    """
    if action not in NOTIFYING_ACTIONS:
        return []
    key = f"case:{case['id']}:{action}:v{case['version']}"
    letter: dict[str, Any] = {"case_id": case["id"], "action": action}
    if document is not None:
        letter.update(document_id=document["id"], document_number=document["number"])
    if action == TRANSFER:
        return [Notice("post", authority or "", subject, f"抄告车辆{case['plate']}的超限违法案件，请依法处理。",
                       f"{key}:post", letter)]
    values = {"plate": case["plate"], "number": "", **facts}
    text = _TEXTS[action].format(**values)
    owner = owner_of(parties) or {}
    out = []
    if _MOBILE.fullmatch(str(owner.get("phone") or "")):  # a landline takes no SMS
        out.append(Notice("sms", str(owner["phone"]), subject, text, f"{key}:sms", {"case_id": case["id"]}))
    if owner.get("address") and document is not None:
        post = {**letter, "addressee": owner.get("name")}
        out.append(Notice("post", str(owner["address"]), subject, text, f"{key}:post", post))
    return out
