"""Case endpoints: the case list, one case with its trail, and actions on a case (docs/cases.md)."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Query, Request
from pydantic import BaseModel, Field

from zhichao.domain.cases import ACTIONS, ROLE_ACTIONS
from zhichao.services import cases as case_service
from zhichao.web.deps import container, user_with_role

router = APIRouter(prefix="/api/v1/cases", tags=["cases (案件)"])
# Reviewers act on records, not cases, and partners only call the check API: both are refused (403).
CASE_ROLES = frozenset(ROLE_ACTIONS)
VIEW_ROLES = CASE_ROLES


class ActionBody(BaseModel):
    action: str = Field(description=f"one of: {', '.join(ACTIONS)}", max_length=32)
    version: int = Field(ge=0, description="the case's version as last read; a stale one is answered 409")
    reason: str | None = Field(None, max_length=500, description="required to withdraw")
    note: str | None = Field(None, max_length=500)
    major: bool = Field(False, description="a major decision (行政处罚法 Art. 58): legal review first")


@router.get("", summary="案件列表（最新的在前）")
def list_cases(request: Request, state: str | None = None, plate: str | None = None,
               limit: int = Query(100, ge=1, le=500)) -> dict[str, Any]:
    user_with_role(request, VIEW_ROLES)
    return {"items": case_service.list_cases(container(request).cases, state, plate, limit)}


@router.get("/{case_id}", summary="一个案件及其处理记录")
def detail(case_id: int, request: Request) -> dict[str, Any]:
    user_with_role(request, VIEW_ROLES)
    return case_service.case_detail(container(request).cases, case_id)


@router.post("/{case_id}/actions", summary="案件处理操作")
def take_action(case_id: int, body: ActionBody, request: Request) -> dict[str, Any]:
    user = user_with_role(request, CASE_ROLES)
    c = container(request)
    return case_service.act_on_case(c.cases, user, case_id, body.action, version=body.version, now=c.clock(),
                                    reason=body.reason, note=body.note, major=body.major,
                                    origin=request.client.host if request.client else "unknown")
