"""The two-step review (初审 → 复审) as a state table (行政处罚法 Art. 41: records are evidence only
after people have reviewed them).

    pending_first ──approve──▶ pending_second ──approve──▶ approved   (a valid case is opened)
          │                        │  │
          └──reject──▶ rejected ◀──┘  └──send_back──▶ pending_first

Rules beyond the table, checked by ``decide``:
- the second review is done by someone other than the first reviewer;
- a record with a blocking screening flag can only be rejected;
- a rejection names a reason from ``REJECT_REASONS``; a send-back says why in a note.
An illegal move raises ``ReviewRefused`` and changes nothing.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from zhichao.domain.errors import DomainError

PENDING_FIRST = "pending_first"
PENDING_SECOND = "pending_second"
APPROVED = "approved"
REJECTED = "rejected"
STATES = (PENDING_FIRST, PENDING_SECOND, APPROVED, REJECTED)
OPEN_STATES = frozenset({PENDING_FIRST, PENDING_SECOND})

APPROVE, REJECT, SEND_BACK = "approve", "reject", "send_back"
ACTIONS = (APPROVE, REJECT, SEND_BACK)

TRANSITIONS: Mapping[tuple[str, str], str] = {
    (PENDING_FIRST, APPROVE): PENDING_SECOND,
    (PENDING_FIRST, REJECT): REJECTED,
    (PENDING_SECOND, APPROVE): APPROVED,
    (PENDING_SECOND, REJECT): REJECTED,
    (PENDING_SECOND, SEND_BACK): PENDING_FIRST,
}

# Why a record is not evidence (the list a reviewer picks from; free text may follow).
REJECT_REASONS: Mapping[str, str] = {
    "plate_misread": "车牌识别错误",
    "plate_unclear": "车牌不清或被遮挡",
    "not_a_truck": "非载货车辆或特种车辆",
    "weighing_fault": "称重数据异常",
    "abnormal_driving": "跨道、异常加减速等异常行驶",
    "double_capture": "重复抓拍",
    "permit_holder": "持有超限运输许可",
    "handled_on_site": "已现场处理",
    "evidence_incomplete": "证据不全",
    "device_invalid": "设备检定无效",
    "other": "其他",
}


class ReviewRefused(DomainError):
    """A review action that the state table or the review rules do not allow."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code


@dataclass(frozen=True, slots=True)
class Decision:
    action: str
    reviewer_id: int
    reason_code: str | None = None
    note: str | None = None


def decide(state: str, decision: Decision, *, first_reviewer: int | None, blocked: bool) -> str:
    """The state after ``decision``, or ``ReviewRefused``. Pure: the caller stores the result."""
    target = TRANSITIONS.get((state, decision.action))
    if target is None:
        raise ReviewRefused("illegal_transition", f"当前状态（{state}）不能执行该操作（{decision.action}）")
    if state == PENDING_SECOND and decision.reviewer_id == first_reviewer:
        raise ReviewRefused("same_reviewer", "复审须由初审以外的审核员进行")
    if decision.action == APPROVE and blocked:
        raise ReviewRefused("blocked_by_screening", "该记录有阻断性筛查标记，只能作废，不能通过")
    if decision.action == REJECT and decision.reason_code not in REJECT_REASONS:
        raise ReviewRefused("reason_required", "作废须从原因列表中选择一项")
    if decision.action == SEND_BACK and not (decision.note or "").strip():
        raise ReviewRefused("note_required", "退回初审须写明原因")
    return target
