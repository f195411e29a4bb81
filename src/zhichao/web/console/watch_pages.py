"""The watchlist page (布控): the plates officers are watching, with the reason, the area and the end, a form
to watch a plate and one to lift a watch, and the alerts each watch has raised. Every change is a form POST
calling the same service as the API, then a redirect back (POST/redirect/GET); a refusal shows the page
again with the reason and the input kept."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Annotated
from urllib.parse import urlencode

from fastapi import APIRouter, Form, Request
from fastapi.responses import RedirectResponse, Response

from zhichao.domain.alerts import ALERT_ROLES
from zhichao.domain.errors import ZhichaoError
from zhichao.services import alerts
from zhichao.services.errors import InvalidInput
from zhichao.services.ports import User
from zhichao.web.api.params import RowId
from zhichao.web.console import labels as L
from zhichao.web.console.device_pages import _poster
from zhichao.web.console.pages import _gate, _render
from zhichao.web.console.party_pages import today_of
from zhichao.web.console.party_view import party_url
from zhichao.web.deps import container
from zhichao.web.errors import status_of

router = APIRouter(include_in_schema=False)
DEFAULT_DAYS = 30
_DONE = {"add": "已布控：该车经过任何检测站点时将立即告警。", "lift": "已撤销布控。"}


def _when(text: str | None) -> str:
    return text[:16].replace("T", " ") if text else ""


def _page(request: Request, user: User, *, done: str | None = None, message: str | None = None,
          status: int = 200, draft: dict[str, str] | None = None) -> Response:
    c = container(request)
    now, today = c.clock(), today_of(c)
    shown = alerts.watches(c.alerts, now, active=True)
    raised = {a["details"]["watches"][0]["id"]: a for a in reversed(
        alerts.list_alerts(c.alerts, limit=500)) if a["rule"] == "watchlist" and a["details"].get("watches")}
    rows = [{**w, "created": _when(w["created_at"]), "ends": _when(w["ends_at"]),
             "county": L.COUNTIES.get(w["county_code"] or "", "全市"), "href": party_url("vehicle", w["plate"]),
             "track": "/command/trajectory?" + urlencode({"plate": w["plate"]}),
             "last_alert": raised.get(w["id"])} for w in shown]
    return _render(request, "watchlist.html", {
        "user": user, "nav": "command", "tab": "watchlist", "rows": rows, "done": done, "message": message,
        "draft": draft or {"ends_on": (today + timedelta(days=DEFAULT_DAYS)).isoformat()},
        "can_watch": user.role in ALERT_ROLES, "counties": L.COUNTIES, "today": today.isoformat(),
        "window_min": c.settings.alert_window_s // 60,
    }, status)  # fmt: skip


@router.get("/command/watchlist")
def watchlist_page(request: Request, done: str = "") -> Response:
    user = _gate(request)
    if isinstance(user, Response):
        return user
    return _page(request, user, done=_DONE.get(done))


@router.post("/command/watchlist")
def add_watch(request: Request, plate: Annotated[str, Form()] = "", reason: Annotated[str, Form()] = "",
              ends_on: Annotated[str, Form()] = "", county: Annotated[str, Form()] = "") -> Response:
    user = _poster(request, "/command/watchlist")
    if isinstance(user, Response):
        return user
    c = container(request)
    draft = {"plate": plate, "reason": reason, "ends_on": ends_on, "county": county}
    try:
        try:
            end = date.fromisoformat(ends_on.strip())
        except ValueError:
            raise InvalidInput("invalid_end", "请填写布控截止日期（YYYY-MM-DD）") from None
        alerts.add_watch(c.alerts, user, plate, reason, end, county or None, c.clock(), _origin(request))
    except ZhichaoError as refused:
        return _page(request, user, message=f"未布控：{refused.message}", status=status_of(refused), draft=draft)
    return RedirectResponse("/command/watchlist?done=add", status_code=303)


@router.post("/command/watchlist/{watch_id}/lift")
def lift_watch(watch_id: RowId, request: Request, reason: Annotated[str, Form()] = "") -> Response:
    user = _poster(request, "/command/watchlist")
    if isinstance(user, Response):
        return user
    c = container(request)
    try:
        alerts.lift_watch(c.alerts, user, watch_id, reason, c.clock(), _origin(request))
    except ZhichaoError as refused:
        return _page(request, user, message=f"第 {watch_id} 条未撤销：{refused.message}", status=status_of(refused))
    return RedirectResponse("/command/watchlist?done=lift", status_code=303)


def _origin(request: Request) -> str:
    return request.client.host if request.client else "unknown"
