"""Partner systems over the API: the check (contract §2), the reminder lists, and the call log."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Query, Request
from fastapi.responses import Response

from zhichao.services import partner_check, partner_exports
from zhichao.services.auth import CHECK_ROLES
from zhichao.services.errors import ServiceError
from zhichao.web.api.params import QueryRowId
from zhichao.web.deps import container, user_with_role

router = APIRouter(prefix="/api/v1", tags=["partners (合作方核查)"])


@router.get("/check/{plate}", summary="车辆核查（高速入口、年审、过户、通行证）")
def check(plate: str, request: Request) -> dict[str, Any]:
    c = container(request)
    user = user_with_role(request, CHECK_ROLES)
    return partner_check.check(c.checks, user, plate, c.clock())


@router.get("/exports/{kind}", summary="合作方提醒名单：inspection 年审、transfer 过户（format=csv 或 json）")
def export(kind: str, request: Request, format: str = Query("json", pattern="^(json|csv)$")) -> Any:
    c = container(request)
    user = user_with_role(request, CHECK_ROLES)
    now = c.clock()
    today = now.astimezone(c.exports.tz).date()
    try:
        if kind in partner_exports.KINDS:
            partner_check.require_scope(user, kind)
        rows = partner_exports.export_list(c.exports, kind, today)
    except ServiceError as exc:
        if user.role == "partner":
            partner_check.log_call(c.checks, user, f"*{kind}", now, exc.status, None)
        raise
    if user.role == "partner":
        partner_check.log_call(c.checks, user, f"*{kind}", now, 200, {"unresolved_cases": len(rows)})
    if format == "csv":
        name = f"{kind}-{today.isoformat()}.csv"
        return Response(partner_exports.as_csv(rows), media_type="text/csv; charset=utf-8",
                        headers={"Content-Disposition": f'attachment; filename="{name}"'})
    return {"kind": kind, "title": partner_exports.KINDS[kind], "on": today.isoformat(), "plates": rows}


@router.get("/partner-calls", summary="合作方调用记录（管理员）")
def partner_calls(request: Request, partner_id: QueryRowId = None,
                  limit: int = Query(200, ge=1, le=1000)) -> dict[str, Any]:
    user_with_role(request, frozenset({"admin", "leader"}))
    c = container(request)
    c.checks.calls.flush()
    tz = c.sanctions.tz
    return {"calls": [{**row, "at": row["at"].astimezone(tz).isoformat()}
                      for row in c.checks.checks.calls(partner_id, limit)]}
