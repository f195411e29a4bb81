"""Review endpoints: the queue, one record's review, decisions, the reviewer's day."""

from __future__ import annotations

from typing import Any, Literal

from fastapi import APIRouter, Query, Request
from pydantic import BaseModel, Field

from zhichao.domain.review import OPEN_STATES, PENDING_FIRST, PENDING_SECOND, REJECT_REASONS, Decision
from zhichao.services import reviews as review_service
from zhichao.services.ports import ReviewFilter
from zhichao.web.deps import container, user_with_role

router = APIRouter(prefix="/api/v1/reviews", tags=["reviews (审核)"])
REVIEW_ROLES = frozenset({"reviewer"})
VIEW_ROLES = frozenset({"reviewer", "legal", "leader", "admin", "officer"})
_STATES = {"pending_first": (PENDING_FIRST,), "pending_second": (PENDING_SECOND,), "open": tuple(sorted(OPEN_STATES)),
           "approved": ("approved",), "rejected": ("rejected",)}


class DecisionBody(BaseModel):
    action: Literal["approve", "reject", "send_back"]
    version: int = Field(ge=0, description="the item's version as last read; a stale one is answered 409")
    reason_code: str | None = Field(None, description="required to reject: one of GET /api/v1/reviews/reasons")
    note: str | None = Field(None, max_length=500)


@router.get("", summary="审核队列（最早的在前）")
def queue(request: Request, state: Literal["pending_first", "pending_second", "open", "approved", "rejected"] = "open",
          station: str | None = None, county: str | None = None, min_band: int | None = Query(None, ge=0, le=10),
          flag: str | None = None, limit: int = Query(100, ge=1, le=500)) -> dict[str, Any]:
    user_with_role(request, VIEW_ROLES)
    c = container(request)
    f = ReviewFilter(_STATES[state], station, county, min_band, flag, limit)
    return {"items": review_service.queue(c.reviews, f)}


@router.get("/reasons", summary="作废原因列表")
def reasons(request: Request) -> list[dict[str, str]]:
    user_with_role(request, VIEW_ROLES)
    return [{"code": code, "label": label} for code, label in REJECT_REASONS.items()]


@router.get("/me/today", summary="本人今日审核量")
def my_day(request: Request) -> dict[str, int]:
    user = user_with_role(request, REVIEW_ROLES)
    c = container(request)
    return review_service.my_day(c.reviews, user, c.clock())


@router.get("/{station_id}/{record_id}", summary="一条记录的审核详情")
def detail(station_id: str, record_id: str, request: Request) -> dict[str, Any]:
    user_with_role(request, VIEW_ROLES)
    return review_service.detail(container(request).reviews, station_id, record_id)


@router.post("/{station_id}/{record_id}/decision", summary="初审或复审决定")
def decide(station_id: str, record_id: str, body: DecisionBody, request: Request) -> dict[str, Any]:
    user = user_with_role(request, REVIEW_ROLES)
    c = container(request)
    decision = Decision(body.action, user.id, body.reason_code, (body.note or "").strip() or None)
    return review_service.review(c.reviews, user, station_id, record_id, decision, version=body.version,
                                 now=c.clock(), origin=request.client.host if request.client else "unknown")
