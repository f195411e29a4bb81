"""The device pages (设备): the station board, one station's page with its charts, and repair tickets (报修).

Thin routes over ``c.devices`` (the device-health service); everything they show is built by
``device_view`` from the read models of ``services/device_views.py``. Like the case pages they work without
JavaScript: every change is a plain form POST that calls the service and redirects back (POST/redirect/GET);
a refusal changes nothing and shows the page again, up to date, with the reason in a banner.

Everyone who may read the console may view; officers and admins may open a ticket; admins assign and close
tickets and record certificates and calibration checks.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import Annotated, Any
from urllib.parse import quote
from zoneinfo import ZoneInfo

from fastapi import APIRouter, Form, Request
from fastapi.responses import RedirectResponse, Response

from zhichao.bootstrap import Container
from zhichao.domain.errors import ZhichaoError
from zhichao.services.auth import READ_ROLES
from zhichao.services.errors import InvalidInput, PermissionDenied
from zhichao.services.ports import User
from zhichao.web.api.params import RowId
from zhichao.web.console import device_view as V
from zhichao.web.console import labels as L
from zhichao.web.console import station_view as S
from zhichao.web.console.pages import TEMPLATES, _gate, _render
from zhichao.web.deps import container, current_user
from zhichao.web.errors import status_of

TICKET_ROLES = frozenset({"officer", "admin"})  # may open a repair ticket
DEVICE_ADMIN_ROLES = frozenset({"admin"})  # may assign / close tickets, record certificates and checks
HISTORY_DAYS = 30
TEMPLATES.env.globals["device_roles"] = READ_ROLES  # base.html shows 设备 and 报修 in the menu to these roles
router = APIRouter(include_in_schema=False)

_DONE = {
    "ticket": "已提交报修。", "certificate": "已登记检定证书。", "check": "已登记检定/核查结果。",
    "assign": "已派单。", "close": "已关闭报修单。",
}  # fmt: skip


def _poster(request: Request, back: str) -> User | Response:
    """The user a form route acts for; not logged in: log in, then back to the page (not to the POST)."""
    if current_user(request) is None:
        return RedirectResponse("/login?next=" + quote(back, safe=""), 303)
    return _gate(request)


def _require(user: User, roles: frozenset[str], what: str) -> None:
    if user.role not in roles:
        raise PermissionDenied("role_not_allowed", f"当前角色（{L.label(L.ROLES, user.role)}）无权{what}。")


def _day(text: str, what: str) -> date:
    try:
        return date.fromisoformat(text.strip())
    except ValueError:
        raise InvalidInput("invalid_date", f"{what}格式不正确：{text or '（空）'}") from None


# --- the board --------------------------------------------------------------------------------------


@router.get("/console/board")
def board_page(request: Request, health: str = "", quality: str = "", cert: str = "",
               suspended: str = "") -> Response:
    user = _gate(request)
    if isinstance(user, Response):
        return user
    c = container(request)
    tz, now = ZoneInfo(c.settings.display_timezone), c.clock()
    statuses = c.devices.board(now)
    f = V.BoardFilter.parse(health, quality, cert, suspended)
    shown = [s for s in statuses if f.matches(s)]
    return _render(request, "board.html", {
        "user": user, "nav": "board", "headlines": V.headlines(statuses, f), "map": V.network(statuses, f),
        "groups": V.board_groups(shown, now, tz), "total": len(statuses), "shown": len(shown),
        "filter": f.describe(), "now": L.full_time(now, tz),
    })  # fmt: skip


# --- one station ------------------------------------------------------------------------------------


def _station_page(request: Request, user: User, station_id: str, *, message: str | None = None,
                  status: int = 200, done: str = "", drafts: dict[str, Any] | None = None) -> Response:
    c = container(request)
    tz, now = ZoneInfo(c.settings.display_timezone), c.clock()
    detail = c.devices.station_detail(station_id, now, HISTORY_DAYS)
    return _render(request, "station.html", {
        "user": user, "nav": "board", "p": S.station_page(detail, now, tz), "message": message,
        "done": _DONE.get(done), "drafts": drafts or {}, "today": now.astimezone(tz).date().isoformat(),
        "can_open_ticket": user.role in TICKET_ROLES, "can_admin": user.role in DEVICE_ADMIN_ROLES,
        "check_results": L.CHECK_RESULTS, "days": HISTORY_DAYS,
    }, status)  # fmt: skip


def station_url(station_id: str, done: str = "", anchor: str = "") -> str:
    return f"/console/stations/{quote(station_id, safe='')}" + (f"?done={done}" if done else "") + anchor


@router.get("/console/stations/{station_id}")
def station_page(station_id: str, request: Request, done: str = "") -> Response:
    user = _gate(request)
    if isinstance(user, Response):
        return user
    return _station_page(request, user, station_id, done=done)


@router.post("/console/stations/{station_id}/tickets")
def open_ticket(station_id: str, request: Request, fault: Annotated[str, Form()] = "") -> Response:
    user = _poster(request, station_url(station_id))
    if isinstance(user, Response):
        return user
    c = container(request)
    try:
        _require(user, TICKET_ROLES, "报修")
        c.devices.open_ticket(station_id, fault, user.display_name, c.clock())
    except ZhichaoError as refused:
        return _station_page(request, user, station_id, message=refused.message, status=status_of(refused),
                             drafts={"fault": fault})
    return RedirectResponse(station_url(station_id, "ticket", "#tickets"), status_code=303)


@router.post("/console/stations/{station_id}/certificates")
def record_certificate(station_id: str, request: Request, number: Annotated[str, Form()] = "",
                       body: Annotated[str, Form()] = "", accuracy_class: Annotated[str, Form()] = "",
                       valid_from: Annotated[str, Form()] = "", valid_to: Annotated[str, Form()] = "") -> Response:
    user = _poster(request, station_url(station_id))
    if isinstance(user, Response):
        return user
    c = container(request)
    drafts = {"cert": {"number": number, "body": body, "accuracy_class": accuracy_class, "valid_from": valid_from,
                       "valid_to": valid_to}}
    try:
        _require(user, DEVICE_ADMIN_ROLES, "登记检定证书")
        start, end = _day(valid_from, "有效期起"), _day(valid_to, "有效期至")
        c.devices.record_certificate(station_id, number.strip(), body.strip(), accuracy_class.strip(), start, end,
                                     user.display_name, c.clock())
    except ZhichaoError as refused:
        return _station_page(request, user, station_id, message=refused.message, status=status_of(refused),
                             drafts=drafts)
    return RedirectResponse(station_url(station_id, "certificate", "#certificates"), status_code=303)


@router.post("/console/stations/{station_id}/checks")
def record_check(station_id: str, request: Request, on: Annotated[str, Form()] = "",
                 result: Annotated[str, Form()] = "", note: Annotated[str, Form()] = "") -> Response:
    user = _poster(request, station_url(station_id))
    if isinstance(user, Response):
        return user
    c = container(request)
    drafts = {"check": {"on": on, "result": result, "note": note}}
    try:
        _require(user, DEVICE_ADMIN_ROLES, "登记检定/核查")
        c.devices.record_check(station_id, _day(on, "核查日期"), result, note, user.display_name,
                               c.clock())
    except ZhichaoError as refused:
        return _station_page(request, user, station_id, message=refused.message, status=status_of(refused),
                             drafts=drafts)
    return RedirectResponse(station_url(station_id, "check", "#history"), status_code=303)


# --- tickets ----------------------------------------------------------------------------------------


def _tickets_page(request: Request, user: User, state: str, *, message: str | None = None, status: int = 200,
                  done: str = "", drafts: dict[str, Any] | None = None) -> Response:
    c = container(request)
    tz = ZoneInfo(c.settings.display_timezone)
    state = V.ticket_state_filter(state)
    every = c.devices.tickets(None, now=c.clock())
    shown = [t for t in every if not state or t.state == state]
    return _render(request, "tickets.html", {
        "user": user, "nav": "tickets", "rows": [V.ticket_row(t, tz) for t in shown], "state": state,
        "states": L.TICKET_STATES, "counts": V.ticket_counts(every), "total": len(every), "message": message,
        "done": _DONE.get(done), "drafts": drafts or {}, "can_admin": user.role in DEVICE_ADMIN_ROLES,
    }, status)  # fmt: skip


@router.get("/console/tickets")
def tickets_page(request: Request, state: str = "", done: str = "") -> Response:
    user = _gate(request)
    if isinstance(user, Response):
        return user
    return _tickets_page(request, user, state, done=done)


def _tickets_url(state: str, done: str, ticket_id: int) -> str:
    query = "&".join(p for p in (f"state={state}" if V.ticket_state_filter(state) else "", f"done={done}") if p)
    return f"/console/tickets?{query}#ticket-{ticket_id}"


def _move_ticket(request: Request, ticket_id: int, state: str, done: str, what: str, field: str, text: str,
                 move: Callable[[Container, User], None]) -> Response:
    """A ticket form (assign, close): admins only; a refusal shows the list again with what was typed."""
    user = _poster(request, "/console/tickets")
    if isinstance(user, Response):
        return user
    try:
        _require(user, DEVICE_ADMIN_ROLES, what)
        move(container(request), user)
    except ZhichaoError as refused:
        return _tickets_page(request, user, state, message=f"报修单 {ticket_id}：{refused.message}",
                             status=status_of(refused), drafts={"id": ticket_id, field: text})
    return RedirectResponse(_tickets_url(state, done, ticket_id), status_code=303)


@router.post("/console/tickets/{ticket_id}/assign")
def assign_ticket(ticket_id: RowId, request: Request, version: Annotated[int, Form()],
                  assignee: Annotated[str, Form()] = "", state: Annotated[str, Form()] = "") -> Response:
    return _move_ticket(request, ticket_id, state, "assign", "派单", "assignee", assignee, lambda c, user: (
        c.devices.assign_ticket(ticket_id, assignee, user.display_name, version, c.clock())))


@router.post("/console/tickets/{ticket_id}/close")
def close_ticket(ticket_id: RowId, request: Request, version: Annotated[int, Form()],
                 resolution: Annotated[str, Form()] = "", state: Annotated[str, Form()] = "") -> Response:
    return _move_ticket(request, ticket_id, state, "close", "关闭报修单", "resolution", resolution, lambda c, user: (
        c.devices.close_ticket(ticket_id, resolution, user.display_name, version, c.clock())))
