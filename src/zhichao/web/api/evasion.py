"""Evasion findings over the API (逃避检测): cloned and covered plates, detours, straddling and crawling; the
sweep on demand."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any

from fastapi import APIRouter, Query, Request

from zhichao.services import evasion
from zhichao.services.auth import READ_ROLES
from zhichao.web.deps import container, user_with_role

router = APIRouter(prefix="/api/v1", tags=["evasion (逃避检测)"])
SWEEP_ROLES = frozenset({"leader", "admin"})


@router.get("/evasion", summary="逃避检测发现：套牌、遮挡号牌、绕行（观察名单）、跨道行驶、低速碾压")
def findings(request: Request, from_: Annotated[date, Query(alias="from")], to: date, kind: str | None = None,
             limit: int = Query(500, ge=1, le=5000)) -> dict[str, Any]:
    user_with_role(request, READ_ROLES)
    return {"findings": evasion.finding_list(container(request).evasion, from_, to, kind, limit)}


@router.post("/evasion/sweep", summary="对一段时间的过车记录运行逃避检测（重复运行不会重复记录）")
def sweep(request: Request, from_: Annotated[date, Query(alias="from")], to: date) -> dict[str, Any]:
    user_with_role(request, SWEEP_ROLES)
    c = container(request)
    return {"from": from_.isoformat(), "to": to.isoformat(), "new": evasion.sweep(c.evasion, from_, to, c.clock())}
