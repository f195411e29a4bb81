"""Repair tickets (报修): open → assigned → closed, each move a conditional update on the ticket's version.

Opening a ticket puts an enabled station into repair: its health is no longer swept or alerted, and the
days the ticket spans are excluded from KPI 1 (domain/device_kpis.py). Closing the station's last open
ticket puts it back to enabled.
"""

from __future__ import annotations

from datetime import datetime

from zhichao.domain.outbox import DINGTALK
from zhichao.services.device_health import DeviceContext
from zhichao.services.errors import Conflict, InvalidInput, NotFound
from zhichao.services.ports import Notice, StationChange

OPEN, ASSIGNED, CLOSED = "open", "assigned", "closed"
TICKET_STATES = (OPEN, ASSIGNED, CLOSED)
MAX_TEXT = 2000
MAX_NAME = 64


def _text(value: str, field: str, label: str, limit: int = MAX_TEXT) -> str:
    text = (value or "").strip()
    if not text:
        raise InvalidInput(f"{field}_required", f"请填写{label}", {"field": field})
    if len(text) > limit:
        raise InvalidInput(f"{field}_too_long", f"{label}不能超过 {limit} 个字", {"field": field, "max": limit})
    return text


def open_ticket(ctx: DeviceContext, station_id: str, fault: str, actor: str, now: datetime) -> int:
    """Open a ticket for the station's fault; refused while the station has one open already."""
    station = ctx.stations.get(station_id)
    if station is None:
        raise NotFound("station_not_found", f"站点 {station_id} 不存在")
    text = _text(fault, "fault", "故障描述")
    if any(t["state"] != CLOSED for t in ctx.repo.tickets(station_id=station_id)):
        raise Conflict("ticket_open", f"站点 {station.name} 已有未关闭的报修单")
    values = {"station_id": station_id, "state": OPEN, "fault": text, "opened_at": now, "opened_by": actor,
              "version": 1}
    change = StationChange("ticket", f"报修：{text}", station.state, "repair", "ticket_opened", actor)
    notice = Notice(DINGTALK, ctx.recipient, f"【设备报修】{station.name}",
                    f"### 设备报修：{station.name}（{station_id}）\n\n- 故障：{text}\n- 报修人：{actor}\n\n"
                    f"{ctx.console_url}/console/tickets", {"station_id": station_id})
    return ctx.repo.open_ticket(values, now, change, notice)


def _move(ctx: DeviceContext, ticket_id: int, version: int, states: tuple[str, ...], values: dict[str, object],
          now: datetime, message: str, actor: str) -> None:
    ticket = ctx.repo.ticket(ticket_id)
    if ticket is None:
        raise NotFound("ticket_not_found", f"报修单 {ticket_id} 不存在")
    if ticket["state"] not in states:
        raise Conflict("ticket_state", "报修单已关闭" if ticket["state"] == CLOSED else "报修单状态不允许此操作",
                       {"state": ticket["state"]})
    change = StationChange("ticket", message, str(ticket["state"]), str(values["state"]), f"ticket_{values['state']}",
                           actor, {"ticket_id": ticket_id})
    if not ctx.repo.move_ticket(ticket_id, version, states, values, now, change):
        raise Conflict("stale_version", "报修单已被他人修改，请刷新后重试", {"ticket_id": ticket_id})


def assign_ticket(ctx: DeviceContext, ticket_id: int, assignee: str, actor: str, version: int, now: datetime) -> None:
    name = _text(assignee, "assignee", "维修负责人", MAX_NAME)
    _move(ctx, ticket_id, version, (OPEN, ASSIGNED), {"state": ASSIGNED, "assignee": name, "assigned_at": now}, now,
          f"报修单 {ticket_id} 派给 {name}", actor)


def close_ticket(ctx: DeviceContext, ticket_id: int, resolution: str, actor: str, version: int, now: datetime) -> None:
    text = _text(resolution, "resolution", "处理结果")
    _move(ctx, ticket_id, version, (OPEN, ASSIGNED),
          {"state": CLOSED, "resolution": text, "closed_at": now, "closed_by": actor}, now,
          f"报修单 {ticket_id} 关闭：{text}", actor)
