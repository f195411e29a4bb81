"""On-site inspections in the console (检查记录): the list with filters, KPI 2 for the period, and the desk entry
form for inspections recorded on paper (channel ``desk``; the mobile page records ``handheld`` ones).

The form carries a ``client_id`` made when it is shown, so submitting it twice (a double click, the back
button) stores one inspection, as a phone's resend does."""

from __future__ import annotations

import secrets
from datetime import date, datetime
from typing import Annotated, Any

from fastapi import APIRouter, Form, Request
from fastapi.responses import RedirectResponse, Response

from zhichao.bootstrap import Container
from zhichao.domain.errors import ZhichaoError
from zhichao.domain.inspections import CHANNELS, DESK, RESULTS
from zhichao.services import inspections
from zhichao.services.errors import InvalidInput
from zhichao.services.ports import User
from zhichao.web.console import labels as L
from zhichao.web.console.list_filters import InspectionFilter, filter_query, inspection_filter
from zhichao.web.console.pages import _gate, _render, error_page
from zhichao.web.deps import container
from zhichao.web.errors import status_of

router = APIRouter(include_in_schema=False)
LIST_LIMIT = 200
FIELDS = ("plate", "place", "inspected_at", "result", "measured_weight_kg", "cargo", "note", "station_id", "county")


def _context(c: Container, user: User, f: InspectionFilter) -> dict[str, Any]:
    area, kind = f.county or None, f.channel or None
    rows = inspections.list_inspections(c.inspections, f.start, f.end, county=area, channel=kind, limit=LIST_LIMIT)
    kpi = inspections.handheld_kpi(c.inspections, f.start, f.end, area)
    return {"user": user, "nav": "command", "start": f.start.isoformat(), "end": f.end.isoformat(),
            "county": f.county, "channel": f.channel, "counties": sorted(L.COUNTIES.items()),
            "channels": list(CHANNELS.items()), "results": list(RESULTS.items()), "limit": LIST_LIMIT,
            "stations": [{"id": s.station_id, "name": s.name} for s in c.stations.all()],
            "export": {"name": "inspections", "query": filter_query(f)},
            "rows": [{**r, "at": r["inspected_at"][:16].replace("T", " "),
                      "county_label": L.label(L.COUNTIES, r["county_code"]),
                      "weight": f"{r['measured_weight_kg'] / 1000:.2f}" if r["measured_weight_kg"] else ""}
                     for r in rows],
            "kpi": {"share": f"{kpi.value * 100:.1f}%" if kpi.value is not None else L.NOTHING,
                    "target": f"{kpi.target * 100:g}%" if kpi.target is not None else L.NOTHING,
                    "handheld": kpi.numerator, "total": kpi.denominator,
                    "met": kpi.value is not None and kpi.target is not None and kpi.value >= kpi.target},
            "form": {"client_id": secrets.token_hex(16)}, "can_enter": user.role in inspections.RECORD_ROLES}


def _today(c: Container) -> date:
    return c.clock().astimezone(c.inspections.tz).date()


@router.get("/console/inspections")
def inspections_page(request: Request, done: str = "") -> Response:
    user = _gate(request)
    if isinstance(user, Response):
        return user
    c = container(request)
    try:
        context = _context(c, user, inspection_filter(request.query_params, _today(c)))
    except ZhichaoError as refused:
        return error_page(request, status_of(refused), refused.message)
    return _render(request, "inspections.html", {**context, "done": bool(done)})


def _local(text: str, c: Container) -> datetime:
    try:
        at = datetime.fromisoformat(text)
    except ValueError:
        raise InvalidInput("invalid_time", "请填写检查时间，如 2026-11-26 14:00") from None
    return at if at.tzinfo else at.replace(tzinfo=c.inspections.tz)


def _weight(text: str) -> int | None:
    if not text.strip():
        return None
    try:
        return int(text.strip())
    except ValueError:
        raise InvalidInput("invalid_weight", "称重结果应为整数千克") from None


@router.post("/console/inspections")
def enter_inspection(request: Request, client_id: Annotated[str, Form()] = "", plate: Annotated[str, Form()] = "",
                     place: Annotated[str, Form()] = "", inspected_at: Annotated[str, Form()] = "",
                     result: Annotated[str, Form()] = "", measured_weight_kg: Annotated[str, Form()] = "",
                     cargo: Annotated[str, Form()] = "", note: Annotated[str, Form()] = "",
                     station_id: Annotated[str, Form()] = "", county: Annotated[str, Form()] = "") -> Response:
    user = _gate(request)
    if isinstance(user, Response):
        return user
    c = container(request)
    sent = {"client_id": client_id, "plate": plate, "place": place, "inspected_at": inspected_at, "result": result,
            "measured_weight_kg": measured_weight_kg, "cargo": cargo, "note": note, "station_id": station_id,
            "county": county}
    try:
        req = inspections.InspectionRequest(
            client_id=client_id, plate=plate, place=place, inspected_at=_local(inspected_at, c), result=result,
            channel=DESK, measured_weight_kg=_weight(measured_weight_kg), cargo=cargo or None, note=note or None,
            station_id=station_id or None, county=county or None)
        inspections.record_inspection(c.inspections, user, req, from_mobile=False, now=c.clock(),
                                      origin=request.client.host if request.client else "unknown")
    except ZhichaoError as refused:
        context = _context(c, user, inspection_filter({}, _today(c)))
        return _render(request, "inspections.html", {**context, "form": sent, "message": refused.message},
                       status_of(refused))
    return RedirectResponse("/console/inspections?done=1", status_code=303)
