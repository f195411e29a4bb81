"""Joint punishment over the API: the partner check (contract §2), sanctions and leaders' decisions, the
four-party pages, the registries' import, the partner call log, highway entrance refusals and KPI 6."""

from __future__ import annotations

import dataclasses
from datetime import date
from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from pydantic import BaseModel, Field
from starlette.concurrency import run_in_threadpool

from zhichao.domain.registries import KINDS
from zhichao.services import entrance, four_parties, partner_check, registries, sanctions, sources
from zhichao.services.auth import CHECK_ROLES, READ_ROLES
from zhichao.services.errors import InvalidInput
from zhichao.web.api.owner import client_of
from zhichao.web.deps import container, read_body, user_with_role

router = APIRouter(prefix="/api/v1", tags=["joint punishment (一超四罚)"])
IMPORT_ROLES = frozenset({"officer", "legal", "leader", "admin"})
MAX_IMPORT_BYTES = 32 * 1024 * 1024


@router.get("/check/{plate}", summary="车辆核查（高速入口、年审、过户、通行证）")
def check(plate: str, request: Request) -> dict[str, Any]:
    c = container(request)
    user = user_with_role(request, CHECK_ROLES)
    return partner_check.check(c.checks, user, plate, c.clock())


def _today(request: Request) -> Any:
    c = container(request)
    return c.clock().astimezone(c.sanctions.tz).date()


@router.get("/sanctions", summary="处罚建议与严重失信名单（listed=true：今日公布中的）")
def list_sanctions(request: Request, state: str | None = None, kind: str | None = None, listed: bool = False,
                   limit: int = Query(200, ge=1, le=1000)) -> dict[str, Any]:
    user_with_role(request, READ_ROLES)
    c = container(request)
    return {"sanctions": sanctions.listing(c.sanctions, _today(request), state=state, kind=kind, listed=listed,
                                          limit=limit)}


class DecisionBody(BaseModel):
    note: str | None = Field(None, max_length=500, description="the reason (required to reject or lift)")


@router.post("/sanctions/{sanction_id}/{action}", summary="领导确认、不予采纳或撤出名单（confirm / reject / lift）")
def decide(sanction_id: int, action: str, body: DecisionBody, request: Request) -> dict[str, Any]:
    user = user_with_role(request, READ_ROLES)
    c = container(request)
    return sanctions.decide(c.sanctions, user, sanction_id, action, now=c.clock(), note=body.note,
                            origin=client_of(request))


@router.post("/sanctions/sweep", summary="立即按规则生成处罚建议（系统每小时也会运行）")
def sweep(request: Request) -> dict[str, Any]:
    user_with_role(request, frozenset({"leader", "admin"}))
    c = container(request)
    new = sanctions.sweep(c.sanctions, _today(request), c.clock())
    return {"proposed": len(new)}


@router.get("/parties/{kind}/{key}", summary="当事方页面（车辆、驾驶人、企业、货运源头）：名录、案件、处罚")
def party(kind: str, key: str, request: Request) -> dict[str, Any]:
    user = user_with_role(request, READ_ROLES)
    c = container(request)
    return four_parties.party_page(c.sanctions, c.registries, kind, key, _today(request), user.role)


@router.post("/registries/{kind}", summary="导入名录（CSV，UTF-8，首行为列名；全部无误才导入）")
async def import_registry(kind: str, request: Request) -> dict[str, int]:
    await run_in_threadpool(user_with_role, request, IMPORT_ROLES)
    if kind not in KINDS:
        raise InvalidInput("unknown_registry", f"未知的名录：{kind}（可选 {'、'.join(KINDS)}）")
    body = await read_body(request, MAX_IMPORT_BYTES)
    try:
        text = body.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise InvalidInput("csv_encoding", "CSV 文件须为 UTF-8 编码") from None
    c = container(request)
    return await run_in_threadpool(registries.import_registry, c.registries, kind, text, now=c.clock())


@router.get("/partner-calls", summary="合作方调用记录（管理员）")
def partner_calls(request: Request, partner_id: int | None = None,
                  limit: int = Query(200, ge=1, le=1000)) -> dict[str, Any]:
    user_with_role(request, frozenset({"admin", "leader"}))
    c = container(request)
    c.checks.calls.flush()
    tz = c.sanctions.tz
    return {"calls": [{**row, "at": row["at"].astimezone(tz).isoformat()}
                      for row in c.checks.checks.calls(partner_id, limit)]}


@router.get("/entrance-refusals", summary="高速入口劝返记录（entered_elsewhere=true：劝返后从其他入口驶入）")
def entrance_refusals(request: Request, from_: Annotated[date, Query(alias="from")], to: date,
                      station: str | None = None, entered_elsewhere: bool | None = None,
                      limit: int = Query(500, ge=1, le=5000)) -> dict[str, Any]:
    user_with_role(request, READ_ROLES)
    return {"refusals": entrance.refusal_list(container(request).entrance, from_, to, station_id=station,
                                              entered_elsewhere=entered_elsewhere, limit=limit)}


@router.get("/kpis/highway", summary="高速公路平均超限率（KPI 6）")
def highway_kpi(request: Request, from_: Annotated[date, Query(alias="from")], to: date,
                county: Annotated[str | None, Query(pattern=r"^\d{6}$")] = None) -> dict[str, Any]:
    user_with_role(request, READ_ROLES)
    value = entrance.highway_kpi(container(request).entrance, from_, to, county)
    return {"from": from_.isoformat(), "to": to.isoformat(), "county": county,
            "kpis": [{**dataclasses.asdict(value), "excluded": [],
                      "by_station": [{"station_id": s, "numerator": n, "denominator": d}
                                     for s, n, d in value.by_station]}]}


@router.get("/sources/stats", summary="货运源头统计：出场车辆、超限出场、关联的路面案件")
def source_stats(request: Request, from_: Annotated[date, Query(alias="from")], to: date) -> dict[str, Any]:
    user_with_role(request, READ_ROLES)
    return {"from": from_.isoformat(), "to": to.isoformat(),
            "sources": sources.source_stats(container(request).sources, from_, to)}


@router.get("/sources/{code}/departures", summary="某货运源头的出场称重记录（默认只列超限出场）")
def source_departures(code: str, request: Request, from_: Annotated[date, Query(alias="from")], to: date,
                      overloaded: bool | None = True, limit: int = Query(500, ge=1, le=5000)) -> dict[str, Any]:
    user_with_role(request, READ_ROLES)
    return {"departures": sources.departures(container(request).sources, code, from_, to, overloaded=overloaded,
                                             limit=limit)}
