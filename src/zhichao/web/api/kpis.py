"""The bureau's KPIs over the API (contract: ``GET /api/v1/kpis``), the dashboard's data, and the targets."""

from __future__ import annotations

import dataclasses
from datetime import date
from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from pydantic import BaseModel, ConfigDict

from zhichao.domain import kpis as K
from zhichao.services import kpis
from zhichao.services.auth import READ_ROLES
from zhichao.web.deps import container, user_with_role

router = APIRouter(prefix="/api/v1", tags=["kpis (考核指标)"])
County = Annotated[str | None, Query(pattern=r"^\d{6}$", description="区县代码（6 位）；不填为全市")]
From = Annotated[date, Query(alias="from", description="起始日（含），YYYY-MM-DD")]
To = Annotated[date, Query(description="结束日（含），YYYY-MM-DD；今天之后的日子不计")]


def kpi_json(value: K.KpiValue) -> dict[str, Any]:
    """One KPI as the contract has it, with what explains it: the rule, the parts, the stations."""
    spec = K.SPEC_BY_ID[value.id]
    return {"id": value.id, "value": value.value, "target": value.target, "numerator": value.numerator,
            "denominator": value.denominator, "excluded": [dataclasses.asdict(e) for e in value.excluded],
            "label": spec.label, "goal": spec.number, "direction": spec.direction, "rule": value.rule,
            "status": K.status(value.id, value.value, value.target), "parts": dict(value.parts),
            "by_station": [{"station_id": s, "numerator": n, "denominator": d} for s, n, d in value.by_station]}


def report_json(report: kpis.KpiReport) -> dict[str, Any]:
    return {"from": report.start.isoformat(), "to": report.end.isoformat(), "counted_to": report.last.isoformat(),
            "county": report.county, "trucks_weighed": report.trucks_weighed,
            "kpis": [kpi_json(v) for v in report.values]}


@router.get("/kpis", summary="考核指标（六项目标）：期间、区县；数值为比例，分母为 0 时为 null")
def get_kpis(request: Request, from_: From, to: To, county: County = None) -> dict[str, Any]:
    user_with_role(request, READ_ROLES)
    c = container(request)
    return report_json(kpis.kpis(c.kpis, from_, to, county, c.clock()))


@router.get("/kpis/dashboard", summary="考核看板数据：期间指标、逐月趋势、相关统计")
def get_dashboard(request: Request, from_: From, to: To, county: County = None) -> dict[str, Any]:
    user_with_role(request, READ_ROLES)
    c = container(request)
    board = kpis.dashboard(c.kpis, from_, to, county, c.clock())
    return {**report_json(board.report),
            "months": [{"month": first.strftime("%Y-%m"), "kpis": [kpi_json(v) for v in values]}
                       for first, values in board.months],
            "statistics": board.statistics, "sites": board.site_names}


@router.get("/kpis/targets", summary="各年度考核目标（规划目标与本局设定）")
def get_targets(request: Request) -> dict[str, Any]:
    user_with_role(request, READ_ROLES)
    merged = kpis.targets(container(request).kpis)
    return {"targets": [{"id": s.id, "label": s.label, "direction": s.direction,
                         "years": {str(y): v for y, v in sorted(merged.get(s.id, {}).items())}} for s in K.SPECS]}


class TargetIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    target: float | None  # a fraction (0.9 = 90 %); null removes the bureau's target for the year


@router.put("/kpis/targets/{kpi}/{year}", summary="设定某年度考核目标（领导、管理员）")
def put_target(kpi: str, year: int, body: TargetIn, request: Request) -> dict[str, bool]:
    user = user_with_role(request, READ_ROLES)
    c = container(request)
    kpis.set_target(c.kpis, user, kpi, year, body.target, c.clock())
    return {"ok": True}
