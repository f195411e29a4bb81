"""The command centre over the API: live alerts (list, event stream, handling), the watchlist (布控) and the
officers on duty."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from fastapi.responses import StreamingResponse
from pydantic import BaseModel, Field
from starlette.concurrency import run_in_threadpool

from zhichao.domain.alerts import ACTIONS, ALERT_ROLES
from zhichao.services import alerts
from zhichao.services.auth import READ_ROLES
from zhichao.services.errors import NotFound
from zhichao.web.alert_stream import AlertHub, Event, encode
from zhichao.web.api.owner import client_of
from zhichao.web.api.params import RowId
from zhichao.web.deps import container, user_with_role

router = APIRouter(prefix="/api/v1", tags=["command centre (指挥中心)"])
County = Annotated[str | None, Query(pattern=r"^\d{6}$")]
REPLAY_LIMIT = 200


@router.get("/alerts", summary="告警列表（state=active：未处置的；新的在前；在岗执法人员默认只看本区域）")
def list_alerts(request: Request, state: str | None = None, county: County = None,
                limit: int = Query(100, ge=1, le=1000)) -> dict[str, Any]:
    user = user_with_role(request, READ_ROLES)
    c = container(request)
    if county is None and user.role == "officer":
        county = alerts.duty_area(c.alerts, user)
    return {"alerts": alerts.list_alerts(c.alerts, state=state, county=county, limit=limit)}


@router.get("/alerts/stream", summary="告警实时推送（text/event-stream；事件 alert、alert_update）",
            response_class=StreamingResponse,
            description="Server-sent events: `event: alert` for a new alert, `event: alert_update` after a state "
                        "change; `id:` is the alert id. A reconnect with `Last-Event-ID` first replays the alerts "
                        "raised since (at most 200); so does `after` (the newest id a page has listed), which "
                        "closes the gap between reading the list and opening the stream. An officer on duty "
                        "without `county` receives their area's.")
async def stream_alerts(request: Request, county: County = None,
                        after: Annotated[int | None, Query(ge=0)] = None) -> StreamingResponse:
    user = await run_in_threadpool(user_with_role, request, READ_ROLES)
    c = container(request)
    if county is None and user.role == "officer":
        county = await run_in_threadpool(alerts.duty_area, c.alerts, user)
    hub: AlertHub = request.app.state.alert_hub
    last = request.headers.get("last-event-id", "")
    after = int(last) if last.isdigit() else after
    sub = hub.subscribe(county)

    async def missed() -> list[Event]:
        if after is None:
            return []
        rows = await run_in_threadpool(alerts.list_alerts, c.alerts, county=county, after_id=after,
                                       limit=REPLAY_LIMIT)
        return [("alert", int(v["id"]), encode(v)) for v in reversed(rows)]

    return StreamingResponse(hub.stream(sub, missed), media_type="text/event-stream",
                             headers={"Cache-Control": "no-store", "X-Accel-Buffering": "no"})


class AlertAction(BaseModel):
    officer_id: int | None = Field(None, description="assign: the officer dispatched")
    outcome: str | None = Field(None, description="resolve: intercepted / inspected / not_found / false_alarm")
    note: str | None = Field(None, max_length=500)
    version: int | None = Field(None, description="the version read; a stale one is refused with 409")


@router.post("/alerts/{alert_id}/{action}",
              summary="处理告警：ack 确认 / assign 指派 / accept 接受指派 / resolve 处置结果")
def act_on_alert(alert_id: RowId, action: str, request: Request, body: AlertAction | None = None) -> dict[str, Any]:
    user = user_with_role(request, ALERT_ROLES)
    if action not in ACTIONS:
        raise NotFound("unknown_action", f"未知的告警操作：{action}")
    c = container(request)
    given = body.model_dump(exclude_none=True) if body else {}
    return alerts.act_on_alert(c.alerts, user, alert_id, action, given, c.clock(), client_of(request))


class WatchBody(BaseModel):
    plate: str = Field(..., max_length=32)
    reason: str = Field(..., max_length=500)
    ends_on: date
    county: str | None = Field(None, pattern=r"^\d{6}$")


class LiftBody(BaseModel):
    reason: str = Field(..., max_length=500)


@router.get("/watchlist", summary="布控车辆（active=false：含已到期和已撤销的）")
def list_watches(request: Request, active: bool = True, plate: str | None = None,
                 limit: int = Query(500, ge=1, le=5000)) -> dict[str, Any]:
    user_with_role(request, READ_ROLES)
    c = container(request)
    return {"watches": alerts.watches(c.alerts, c.clock(), active=active, plate=plate, limit=limit)}


@router.post("/watchlist", status_code=201, summary="布控一辆车（号牌、原因、截止日期）")
def add_watch(body: WatchBody, request: Request) -> dict[str, Any]:
    user = user_with_role(request, ALERT_ROLES)
    c = container(request)
    return alerts.add_watch(c.alerts, user, body.plate, body.reason, body.ends_on, body.county, c.clock(),
                            client_of(request))


@router.post("/watchlist/{watch_id}/lift", summary="撤销布控")
def lift_watch(watch_id: RowId, body: LiftBody, request: Request) -> dict[str, Any]:
    user = user_with_role(request, ALERT_ROLES)
    c = container(request)
    return alerts.lift_watch(c.alerts, user, watch_id, body.reason, c.clock(), client_of(request))


class DutyBody(BaseModel):
    on: bool
    county: str | None = Field(None, pattern=r"^\d{6}$")


@router.get("/duty", summary="在岗执法人员")
def list_duty(request: Request) -> dict[str, Any]:
    user_with_role(request, READ_ROLES)
    return {"officers": alerts.on_duty(container(request).alerts)}


@router.post("/duty", summary="上岗 / 下岗（county：负责的区县，空为全市）")
def set_duty(body: DutyBody, request: Request) -> dict[str, Any]:
    user = user_with_role(request, ALERT_ROLES)
    c = container(request)
    return alerts.set_duty(c.alerts, user, body.on, body.county, c.clock())
