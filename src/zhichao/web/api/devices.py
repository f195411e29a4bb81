"""Device health over the API: the board, a station's health, repair tickets, certificates, calibration checks,
and KPI 1 (docs/api.md, "Device health")."""

from __future__ import annotations

import dataclasses
from datetime import date
from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from pydantic import BaseModel, Field
from starlette.concurrency import run_in_threadpool

from zhichao.services.auth import READ_ROLES
from zhichao.services.errors import InvalidInput
from zhichao.web.api.params import RowId
from zhichao.web.deps import container, user_with_role

router = APIRouter(prefix="/api/v1", tags=["devices (设备运行)"])
TICKET_ROLES = frozenset({"officer", "admin"})
ADMIN_ROLES = frozenset({"admin"})
TICKET_STATES = ("open", "assigned", "closed")


def _plain(value: Any) -> Any:
    """Dataclasses as JSON-able dicts (dates and times become ISO text through FastAPI's encoder)."""
    return dataclasses.asdict(value) if dataclasses.is_dataclass(value) and not isinstance(value, type) else value


@router.get("/devices/board", summary="设备运行总览：每个站点的在线状态、数据质量与证书")
def get_board(request: Request) -> list[Any]:
    user_with_role(request, READ_ROLES)
    c = container(request)
    return [_plain(s) for s in c.devices.board(c.clock())]


@router.get("/stations/{station_id}/health", summary="站点设备详情：每日汇总、漂移、比对、事件、报修与证书")
def get_station_health(station_id: str, request: Request, days: int = Query(30, ge=1, le=400)) -> Any:
    user_with_role(request, READ_ROLES)
    c = container(request)
    return _plain(c.devices.station_detail(station_id, c.clock(), days))


class TicketBody(BaseModel):
    fault: str = Field(max_length=2000, description="the fault as seen (故障描述)")


class AssignBody(BaseModel):
    assignee: str = Field(max_length=64)
    version: int = Field(ge=1, description="the ticket's version as last read; a stale one is answered 409")


class CloseBody(BaseModel):
    resolution: str = Field(max_length=2000)
    version: int = Field(ge=1)


@router.get("/tickets", summary="报修单")
def get_tickets(request: Request, state: str | None = None) -> list[Any]:
    user_with_role(request, READ_ROLES)
    if state is not None and state not in TICKET_STATES:
        raise InvalidInput("invalid_state", f"state 必须是 {'、'.join(TICKET_STATES)} 之一", {"state": state})
    c = container(request)
    return [_plain(t) for t in c.devices.tickets(state, c.clock())]


@router.post("/stations/{station_id}/tickets", status_code=201, summary="报修：站点进入维修，不计入设备在线率")
async def post_ticket(station_id: str, body: TicketBody, request: Request) -> dict[str, int]:
    user = await run_in_threadpool(user_with_role, request, TICKET_ROLES)
    c = container(request)
    ticket_id = await run_in_threadpool(c.devices.open_ticket, station_id, body.fault, user.display_name, c.clock())
    return {"id": ticket_id}


@router.post("/tickets/{ticket_id}/assign", summary="派单")
def assign_ticket(ticket_id: RowId, body: AssignBody, request: Request) -> dict[str, bool]:
    user = user_with_role(request, ADMIN_ROLES)
    c = container(request)
    c.devices.assign_ticket(ticket_id, body.assignee, user.display_name, body.version, c.clock())
    return {"ok": True}


@router.post("/tickets/{ticket_id}/close", summary="关闭报修单：站点恢复启用")
def close_ticket(ticket_id: RowId, body: CloseBody, request: Request) -> dict[str, bool]:
    user = user_with_role(request, ADMIN_ROLES)
    c = container(request)
    c.devices.close_ticket(ticket_id, body.resolution, user.display_name, body.version, c.clock())
    return {"ok": True}


class CertificateBody(BaseModel):
    number: str = Field(max_length=64)
    body: str = Field("", max_length=128, description="the verifying body (检定机构)")
    accuracy_class: str = Field("", max_length=8, description="JJG 907 class: 0.2, 0.5, 1, 2, 5 or 10")
    valid_from: date
    valid_to: date


@router.put("/stations/{station_id}/certificate", summary="登记新的检定证书：解除暂停，重新建立漂移基线")
def put_certificate(station_id: str, body: CertificateBody, request: Request) -> dict[str, bool]:
    user = user_with_role(request, ADMIN_ROLES)
    c = container(request)
    c.devices.record_certificate(station_id, body.number, body.body, body.accuracy_class, body.valid_from,
                                 body.valid_to, user.display_name, c.clock())
    return {"ok": True}


class CheckBody(BaseModel):
    on: date
    result: str = Field(description="passed (核查合格) or adjusted (已调整)", max_length=16)
    note: str = Field("", max_length=2000)


@router.post("/stations/{station_id}/calibration-checks", summary="登记标定核查：解除暂停，重新建立漂移基线")
def post_check(station_id: str, body: CheckBody, request: Request) -> dict[str, bool]:
    user = user_with_role(request, ADMIN_ROLES)
    c = container(request)
    c.devices.record_check(station_id, body.on, body.result, body.note, user.display_name, c.clock())
    return {"ok": True}


@router.get("/kpis/devices", summary="设备在线率与正常率（KPI 1）")
def get_device_kpis(request: Request, from_: Annotated[date, Query(alias="from")], to: date,
                    county: Annotated[str | None, Query(pattern=r"^\d{6}$")] = None) -> dict[str, Any]:
    user_with_role(request, READ_ROLES)
    c = container(request)
    values = c.devices.kpis(from_, to, county, c.clock())
    return {"from": from_.isoformat(), "to": to.isoformat(), "county": county,
            "kpis": [{"id": v.id, "value": v.value, "target": v.target, "numerator": v.numerator,
                      "denominator": v.denominator, "rule": v.rule,
                      "excluded": [dataclasses.asdict(e) for e in v.excluded],
                      "by_station": [{"station_id": s, "numerator": n, "denominator": d} for s, n, d in v.by_station]}
                     for v in values]}
