"""The console: login, 实时过车 (latest passages), 站点 (station registry), and error pages.

Pages are rendered on the server (they work without JavaScript); ``static/console.js`` then keeps the
passages table live by polling ``/api/v1/records``. Stored codes become Chinese only here, through
``labels``. Only reading roles may use the console; a partner system may only call the check API.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Annotated, Any
from urllib.parse import quote, urlsplit
from zoneinfo import ZoneInfo

from fastapi import APIRouter, Form, Request
from fastapi.responses import RedirectResponse, Response
from fastapi.templating import Jinja2Templates
from sqlalchemy.exc import DBAPIError

from zhichao.domain.errors import ZhichaoError
from zhichao.services.auth import READ_ROLES, log_in, token_hash
from zhichao.services.exports import local_span
from zhichao.services.ports import Station, User
from zhichao.services.records import latest_records
from zhichao.services.stations import health
from zhichao.web.console import labels as L
from zhichao.web.console.list_filters import filter_query, passage_filter
from zhichao.web.deps import SESSION_COOKIE, container, current_user
from zhichao.web.login_throttle import LoginThrottle

HERE = Path(__file__).resolve().parent
TEMPLATES = Jinja2Templates(directory=HERE / "templates")
# Until Settings carries a city, the product name's city is this template variable's default.
DEFAULT_CITY = "绍兴市"
PAGE_SIZE = 50
CERT_WARNING = timedelta(days=30)  # certificates this close to their end are flagged 即将到期
BAD_CREDENTIALS = "用户名或密码错误"
PARTNER_REFUSED = "合作系统账号只能调用车辆核查接口（GET /api/v1/check/{车牌}），不能使用管理控制台。"
_STATUS_TITLES = {400: "请求有误", 401: "需要登录", 403: "无权访问", 404: "页面不存在",
                  405: "不支持该请求方法", 409: "数据冲突", 413: "请求过大", 500: "系统内部错误",
                  503: "服务暂时不可用", 507: "存储空间不足"}
# No CDN, no inline script: everything the console loads comes from this server.
_HEADERS = {
    "Cache-Control": "no-store",
    "Content-Security-Policy": (
        "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; connect-src 'self'; "
        "frame-ancestors 'none'; form-action 'self'; base-uri 'none'"
    ),
    "X-Content-Type-Options": "nosniff",
}


def _static_version() -> str:
    digest = hashlib.sha256()
    for name in ("console.css", "console.js", "cases.css", "parties.css"):
        path = HERE / "static" / name
        digest.update(path.read_bytes() if path.exists() else b"")
    return digest.hexdigest()[:10]


TEMPLATES.env.globals["static_version"] = _static_version()
router = APIRouter(include_in_schema=False)


def safe_next(target: str | None) -> str:
    """``target`` if it is a path on this site, else ``/``: never an open redirect to another host."""
    if not target or not target.startswith("/") or target.startswith(("//", "/\\")):
        return "/"
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or any(ord(ch) < 0x20 or ch == "\\" for ch in target):
        return "/"
    return target


def _render(request: Request, template: str, context: dict[str, Any], status: int = 200) -> Response:
    user: User | None = context.get("user")
    base = {"city": DEFAULT_CITY, "user": user, "role_label": L.label(L.ROLES, user.role) if user else ""}
    return TEMPLATES.TemplateResponse(request, template, {**base, **context}, status_code=status,
                                      headers=_HEADERS)


def error_page(request: Request, status: int, message: str, *, anonymous: bool = False) -> Response:
    """The console's page for an error (the app's one error handler calls it for browser requests);
    ``anonymous`` draws it without looking the user up (the database may be out of reach)."""
    try:
        user = None if anonymous else current_user(request)
    except (ZhichaoError, DBAPIError):  # the page of an error must not fail for want of the database
        user = None
    title = _STATUS_TITLES.get(status, "出错了")
    context = {"user": user, "status": status, "title": title, "message": message}
    return _render(request, "error.html", context, status)


def _gate(request: Request) -> User | Response:
    """The logged-in console user, or the response to send instead (to the login page, or a 403)."""
    user = current_user(request)
    if user is None:
        here = request.url.path + (f"?{request.url.query}" if request.url.query else "")
        return RedirectResponse(f"/login?next={quote(here, safe='')}", status_code=303)
    if user.role not in READ_ROLES:
        return error_page(request, 403, PARTNER_REFUSED)
    return user


@router.get("/login")
def login_form(request: Request, next: str | None = None) -> Response:
    target = safe_next(next)
    if current_user(request) is not None:
        return RedirectResponse(target, status_code=303)
    return _render(request, "login.html", {"next": target, "username": "", "error": None})


@router.post("/login")
def login(request: Request, username: Annotated[str, Form()] = "", password: Annotated[str, Form()] = "",
          next: Annotated[str, Form()] = "/") -> Response:
    c = container(request)
    target = safe_next(next)
    throttle: LoginThrottle = request.app.state.login_throttle
    address = request.client.host if request.client else "unknown"
    throttle.check(username.strip(), address)  # 429 login_throttled, before the password is even looked at
    try:
        _, session = log_in(c.users, c.hasher, username.strip(), password, now=c.clock(),
                            ttl=timedelta(seconds=c.settings.session_ttl_s))
    except ZhichaoError:
        throttle.failed(username.strip(), address)
        # One message for an unknown user, a wrong password or a disabled account alike.
        context = {"next": target, "username": username, "error": BAD_CREDENTIALS}
        return _render(request, "login.html", context, 401)
    throttle.succeeded(username.strip(), address)
    response = RedirectResponse(target, status_code=303)
    response.set_cookie(SESSION_COOKIE, session, max_age=c.settings.session_ttl_s, httponly=True,
                        samesite="lax", secure=c.settings.cookie_secure, path="/")
    return response


@router.post("/logout")
def logout(request: Request) -> Response:
    c = container(request)
    session = request.cookies.get(SESSION_COOKIE)
    if session:
        c.users.drop_session(token_hash(session))
    response = RedirectResponse("/login", status_code=303)
    response.delete_cookie(SESSION_COOKIE, path="/", httponly=True, samesite="lax",
                           secure=c.settings.cookie_secure)
    return response


@dataclass(frozen=True, slots=True)
class Passage:
    """One row of 实时过车, every cell already formatted."""

    id: int
    captured_at: str
    time: str
    station_id: str
    station_name: str
    lane: int
    plate: str
    plate_colour: str
    plate_colour_label: str
    axles: int
    axle_groups: str
    vehicle_type: str
    gross_t: str
    limit_t: str
    limit_basis: str
    rate: str
    kind: str
    verdict: str
    fine_yuan: int
    sizes: tuple[str, ...]
    speed: str


def _passage(record: Mapping[str, Any], names: Mapping[str, str], tz: ZoneInfo) -> Passage:
    v = record["verdict"]
    return Passage(
        id=record["id"], captured_at=record["captured_at"],
        time=L.short_time(datetime.fromisoformat(record["captured_at"]), tz),
        station_id=record["station_id"], station_name=names.get(record["station_id"], record["station_id"]),
        lane=record["lane"], plate=record["plate"], plate_colour=record["plate_color"],
        plate_colour_label=L.label(L.PLATE_COLOURS, record["plate_color"]),
        axles=record["axle_count"], axle_groups=record["axle_groups"] or "",
        vehicle_type=L.label(L.VEHICLE_TYPES, record["vehicle_type"], ""),
        gross_t=L.tonnes(record["gross_weight_kg"]), limit_t=L.tonnes_short(v["limit_kg"]),
        limit_basis=v["limit_basis"],
        rate=L.percent(v["overload_rate_pct"]) if v["overloaded"] else L.NOTHING,
        kind=L.verdict_kind(v), verdict=L.verdict_label(v), fine_yuan=v["fine_yuan"],
        sizes=tuple(L.label(L.SIZE_VIOLATIONS, s) for s in record["size_violations"]),
        speed=L.speed(record["speed_kmh"]),
    )  # fmt: skip


def _counts(rows: Sequence[Passage]) -> dict[str, int]:
    kinds = [r.kind for r in rows]
    return {"shown": len(rows), "overloaded": sum(k != "normal" for k in kinds),
            "actionable": kinds.count("actionable"), "warning": kinds.count("warning"),
            "unread": sum(not r.plate for r in rows)}


def _county_key(s: Station) -> tuple[int, str, str]:
    return (s.county_code is None, s.county_code or "", s.station_id)


def _station_options(stations: Sequence[Station]) -> list[tuple[str, list[Station]]]:
    groups: dict[str, list[Station]] = {}
    for s in sorted(stations, key=_county_key):
        groups.setdefault(L.label(L.COUNTIES, s.county_code, L.NO_COUNTY), []).append(s)
    return list(groups.items())


@router.get("/")
def passages(request: Request) -> Response:
    user = _gate(request)
    if isinstance(user, Response):
        return user
    c = container(request)
    tz = ZoneInfo(c.settings.display_timezone)
    f = passage_filter(request.query_params)
    since, until = local_span(tz, f.start, f.end)
    stations = c.stations.all()
    names = {s.station_id: s.name for s in stations}
    records = latest_records(c.records, limit=PAGE_SIZE, overloaded=True if f.overloaded else None,
                             station_id=f.station_id or None, since=since, until=until)
    rows = [_passage(r, names, tz) for r in records]
    # A chosen period is a look back: new passages would not belong in it, so the table is not kept live.
    live = None if f.start or f.end else {
        "limit": PAGE_SIZE, "overloaded": f.overloaded, "station": f.station_id or None, "timezone": str(tz),
        "stations": names, "labels": L.js_labels()}
    return _render(request, "passages.html", {
        "user": user, "nav": "passages", "rows": rows, "counts": _counts(rows), "live": live,
        "only_overloaded": f.overloaded, "station_id": f.station_id, "f": f,
        "export": {"name": "records", "query": filter_query(f)},
        "station_groups": _station_options(stations), "page_size": PAGE_SIZE,
        "timezone_label": "北京时间" if str(tz) == "Asia/Shanghai" else str(tz),
    })  # fmt: skip


@dataclass(frozen=True, slots=True)
class StationRow:
    """One row of 站点, every cell already formatted; ``*_code`` fields pick the badge colour."""

    station_id: str
    name: str
    road: str
    stake: str
    lanes: int
    state_code: str
    state: str
    health_code: str
    health: str
    last_record: str
    cert_number: str
    cert_valid_to: str
    cert_code: str
    cert: str
    accuracy: str


def cert_state(valid_from: date | None, valid_to: date | None, number: str | None, today: date) -> str:
    """The verification certificate's state on ``today`` (the display time zone's date)."""
    if not number or valid_to is None:
        return "missing"
    if valid_from is not None and today < valid_from:
        return "not_yet_valid"
    if valid_to < today:
        return "expired"
    return "expiring" if valid_to - today <= CERT_WARNING else "valid"


def _station_row(s: Station, now: datetime, tz: ZoneInfo, health_code: str) -> StationRow:
    cert = cert_state(s.cert_valid_from, s.cert_valid_to, s.cert_number, now.astimezone(tz).date())
    return StationRow(
        station_id=s.station_id, name=s.name, road=s.road or L.NOTHING, stake=s.stake or "", lanes=s.lanes,
        state_code=s.state, state=L.label(L.STATION_STATES, s.state),
        health_code=health_code, health=L.label(L.HEALTH, health_code),
        last_record=L.full_time(s.last_record_at, tz) if s.last_record_at else L.NOTHING,
        cert_number=s.cert_number or L.NOTHING,
        cert_valid_to=s.cert_valid_to.isoformat() if s.cert_valid_to else L.NOTHING,
        cert_code=cert, cert=L.label(L.CERT_STATES, cert),
        accuracy=f"{s.accuracy_class} 级" if s.accuracy_class else L.NOTHING,
    )  # fmt: skip


@router.get("/stations")
def stations_page(request: Request) -> Response:
    user = _gate(request)
    if isinstance(user, Response):
        return user
    c = container(request)
    tz, now = ZoneInfo(c.settings.display_timezone), c.clock()
    groups: list[tuple[str, list[StationRow]]] = []
    for county, members in _station_options(c.stations.all()):
        groups.append((county, [_station_row(s, now, tz, health(s, now, c.health_policy)) for s in members]))
    rows = [r for _, members in groups for r in members]
    summary = {
        "stations": len(rows), "lanes": sum(r.lanes for r in rows),
        "health": {code: sum(r.health_code == code for r in rows) for code in L.HEALTH},
        "states": {code: sum(r.state_code == code for r in rows) for code in L.STATION_STATES},
        "expired": sum(r.cert_code in {"expired", "missing", "not_yet_valid"} for r in rows),
        "today": now.astimezone(tz).date().isoformat(),
    }  # fmt: skip
    return _render(request, "stations.html", {"user": user, "nav": "stations", "groups": groups,
                                              "summary": summary, "export": {"name": "stations", "query": ""}})
