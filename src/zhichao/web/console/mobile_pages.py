"""The officers' mobile pages (掌上执法), phone-first and light: look up a plate (typed, or read from a photo),
see its passages, cases, sanctions and evidence photos; record an on-site inspection with photos and the
party's signature; alerts and dispatches; KPI 2 for the officer's area.

Pages are rendered on the server; ``static/mobile.js`` adds the photo look-up, the signature pad, the
offline queue of inspections (docs/mobile.md), the duty toggle and the live alerts. Officers, leaders and
admins may use them; they log in through the console's login page.
"""

from __future__ import annotations

from datetime import date
from typing import Any
from urllib.parse import quote

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse, Response

from zhichao.bootstrap import Container
from zhichao.domain.errors import ZhichaoError
from zhichao.domain.inspections import HANDHELD_RULE, RESULTS
from zhichao.domain.plates import normalize_plate
from zhichao.domain.sanctions import VEHICLE
from zhichao.services import four_parties, inspections, partner_check
from zhichao.services.ports import User
from zhichao.services.records import vehicle_records
from zhichao.web.console import labels as L
from zhichao.web.console.pages import _render, error_page
from zhichao.web.deps import container, current_user

router = APIRouter(include_in_schema=False)
MOBILE_REFUSED = "掌上执法页面仅供执法员、领导和管理员使用。"
RECENT_PASSAGES = 10
MAX_THUMBNAILS = 6


def _gate(request: Request) -> User | Response:
    user = current_user(request)
    if user is None:
        here = request.url.path + (f"?{request.url.query}" if request.url.query else "")
        return RedirectResponse(f"/login?next={quote(here, safe='')}", status_code=303)
    if user.role not in inspections.HANDHELD_ROLES:
        return error_page(request, 403, MOBILE_REFUSED)
    return user


def _today(c: Container) -> date:
    return c.clock().astimezone(c.inspections.tz).date()


def _page(request: Request, template: str, user: User, tab: str, **context: Any) -> Response:
    return _render(request, template, {"user": user, "tab": tab, **context})


@router.get("/m")
def home(request: Request) -> Response:
    user = _gate(request)
    if isinstance(user, Response):
        return user
    c = container(request)
    on_duty, county = c.inspections.repo.duty(user.id)
    counties = sorted(L.COUNTIES.items())
    return _page(request, "mobile_home.html", user, "plate", on_duty=on_duty, county=county or "",
                 county_label=L.label(L.COUNTIES, county) if county else "全市", counties=counties)


def _passage(r: dict[str, Any], names: dict[str, str]) -> dict[str, Any]:
    v = r["verdict"]
    return {"at": r["captured_at"][5:16].replace("T", " "), "station": names.get(r["station_id"], r["station_id"]),
            "gross": f"{r['gross_weight_kg'] / 1000:.2f}",
            "limit": f"{v['limit_kg'] / 1000:.1f}" if v["limit_kg"] else "",
            "over": f"{v['overload_rate_pct']:.2f}%" if v["overloaded"] else "", "overloaded": v["overloaded"]}


def _photos(c: Container, records: list[dict[str, Any]]) -> list[str]:
    """Thumbnail addresses of the photos of the latest overloaded passages that have arrived."""
    out: list[str] = []
    for r in records:
        if not r["verdict"]["overloaded"]:
            continue
        for image in r.get("images") or []:
            sha = str(image.get("sha256", "")).lower()
            if len(out) < MAX_THUMBNAILS and sha and c.evidence.registry.info(sha) is not None:
                out.append(f"/api/v1/evidence/{sha}/thumbnail")
    return out


@router.get("/m/plate")
def plate_page(request: Request, plate: str = "") -> Response:
    user = _gate(request)
    if isinstance(user, Response):
        return user
    c = container(request)
    read = normalize_plate(plate)
    if not read.well_formed:
        message = f"车牌号格式不正确：{plate[:32]}" if plate.strip() else "请输入车牌号"
        return _page(request, "mobile_home.html", user, "plate", error=message, plate=plate[:32], on_duty=None,
                     county="", county_label="", counties=[])
    today = _today(c)
    records = vehicle_records(c.records, read.text, limit=RECENT_PASSAGES)["records"]
    names = {st.station_id: st.name for st in c.stations.all()}
    check = partner_check.answer(read.text, c.checks.checks.get(read.text), today, c.checks.policy, c.checks.tz)
    try:
        party = four_parties.party_page(c.sanctions, c.registries, VEHICLE, read.text, today, user.role)
    except ZhichaoError:
        party = {"cases": [], "sanctions": [], "entry": None}
    return _page(request, "mobile_plate.html", user, "plate", plate=read.text, check=check,
                 passages=[_passage(r, names) for r in records], photos=_photos(c, records),
                 cases=party["cases"][:10], entry=party.get("entry"))


@router.get("/m/inspect")
def inspect_page(request: Request, plate: str = "", alert: int | None = None) -> Response:
    user = _gate(request)
    if isinstance(user, Response):
        return user
    c = container(request)
    stations = [{"id": s.station_id, "name": s.name} for s in c.stations.all()]
    return _page(request, "mobile_inspect.html", user, "plate", plate=normalize_plate(plate).text or plate[:16],
                 alert_id=alert or "", results=list(RESULTS.items()), stations=stations)


@router.get("/m/alerts")
def alerts_page(request: Request) -> Response:
    user = _gate(request)
    if isinstance(user, Response):
        return user
    return _page(request, "mobile_alerts.html", user, "alerts")


def _kpi(c: Container, start: date, end: date, county: str | None) -> dict[str, Any]:
    value = inspections.handheld_kpi(c.inspections, start, end, county)
    return {"handheld": value.numerator, "total": value.denominator, "desk": value.denominator - value.numerator,
            "share": f"{value.value * 100:.1f}%" if value.value is not None else L.NOTHING,
            "target": f"{value.target * 100:g}%" if value.target is not None else L.NOTHING,
            "met": value.value is not None and value.target is not None and value.value >= value.target,
            "from": start.isoformat(), "to": end.isoformat()}


@router.get("/m/kpi")
def kpi_page(request: Request) -> Response:
    user = _gate(request)
    if isinstance(user, Response):
        return user
    c = container(request)
    today = _today(c)
    _, county = c.inspections.repo.duty(user.id)
    month = _kpi(c, today.replace(day=1), today, county)
    year = _kpi(c, today.replace(month=1, day=1), today, county)
    return _page(request, "mobile_kpi.html", user, "kpi", month=month, year=year,
                 area=L.label(L.COUNTIES, county) if county else "全市", rule=HANDHELD_RULE)
