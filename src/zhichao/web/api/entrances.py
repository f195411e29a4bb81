"""Highway entrances and freight sources over the API: refusals (劝返), KPI 6, source statistics."""

from __future__ import annotations

import dataclasses
from datetime import date
from typing import Annotated, Any

from fastapi import APIRouter, Query, Request

from zhichao.services import entrance, sources
from zhichao.services.auth import READ_ROLES
from zhichao.web.deps import container, user_with_role

router = APIRouter(prefix="/api/v1", tags=["entrances and sources (入口与源头)"])


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
