"""Highway entrances and freight sources in the console (入口与源头): KPI 6 with each entrance scale's share,
the trucks turned back (劝返) and those that entered through another entrance; each freight source's
departures, overloaded departures and the road cases linked to it, and one source's overloaded departures.
Reads only."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from datetime import date, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from fastapi import APIRouter, Request
from fastapi.responses import Response

from zhichao.domain.errors import ZhichaoError
from zhichao.domain.parties import SOURCE
from zhichao.domain.sanctions import VEHICLE
from zhichao.services import entrance, sources
from zhichao.web.console import labels as L
from zhichao.web.console.pages import _gate, _render, error_page
from zhichao.web.console.party_view import party_url
from zhichao.web.deps import container
from zhichao.web.errors import status_of

router = APIRouter(include_in_schema=False)
LIST_LIMIT = 200
ENTRANCE_DAYS = 7


def day_or(text: str, default: date) -> date:
    """A day from a filter field, or ``default`` when it is empty or not a date (a list page never fails on it)."""
    try:
        return date.fromisoformat(text) if text else default
    except ValueError:
        return default


def _pct(part: int, whole: int) -> str:
    return f"{part * 100 / whole:.2f}%" if whole else L.NOTHING


def _quarter_start(day: date) -> date:
    return date(day.year, 3 * ((day.month - 1) // 3) + 1, 1)


def _period(request: Request, start: str, end: str, default_start: Callable[[date], date]
            ) -> tuple[date, date, dict[str, str]]:
    """The period asked for (``end`` defaults to today, ``start`` to ``default_start(end)``) and the
    stations' names."""
    c = container(request)
    today = c.clock().astimezone(ZoneInfo(c.settings.display_timezone)).date()
    last = day_or(end, today)
    return day_or(start, default_start(last)), last, {s.station_id: s.name for s in c.stations.all()}


@router.get("/entrances")
def entrances_page(request: Request, start: str = "", end: str = "", evaded: str = "") -> Response:
    user = _gate(request)
    if isinstance(user, Response):
        return user
    c = container(request)
    first, last, names = _period(request, start, end, lambda last: last - timedelta(days=ENTRANCE_DAYS - 1))
    try:
        kpi = entrance.highway_kpi(c.entrance, first, last, None)
        refusals = entrance.refusal_list(c.entrance, first, last, entered_elsewhere=True if evaded else None,
                                         limit=LIST_LIMIT)
    except ZhichaoError as refused:
        return error_page(request, status_of(refused), refused.message)
    rows = [{"at": r["captured_at"][:16].replace("T", " "), "station": names.get(r["station_id"], r["station_id"]),
             "plate": r["plate"] or "未识别", "href": party_url(VEHICLE, r["plate"]) if r["plate"] else "",
             "gross": f"{r['gross_weight_kg'] / 1000:.2f}", "limit": f"{r['limit_kg'] / 1000:.1f}",
             "over": f"{r['over_pct']:.2f}%", "reason": r["reason_label"],
             "entered": (f"{names.get(r['entered_station_id'], r['entered_station_id'])} · "
                         f"{r['entered_at'][11:16]}") if r["entered_at"] else ""}
            for r in refusals]
    stations = [{"name": names.get(s, s), "over": over, "trucks": trucks, "rate": _pct(over, trucks)}
                for s, over, trucks in kpi.by_station]
    return _render(request, "entrances.html", {
        "user": user, "nav": "gates", "tab": "entrances", "start": first.isoformat(), "end": last.isoformat(),
        "evaded": bool(evaded), "rows": rows, "stations": stations, "limit": LIST_LIMIT,
        "kpi": {"value": _pct(kpi.numerator, kpi.denominator), "target": f"{kpi.target * 100:g}%" if kpi.target else
                L.NOTHING, "numerator": kpi.numerator, "denominator": kpi.denominator, "rule": kpi.rule,
                "met": kpi.value is not None and kpi.target is not None and kpi.value <= kpi.target},
        "entered_count": sum(1 for r in rows if r["entered"]),
    })


def _source_rows(stats: Sequence[Mapping[str, Any]], names: Mapping[str, str]) -> list[dict[str, Any]]:
    return [{"code": s["code"], "href": party_url(SOURCE, s["code"]), "name": s["name"],
             "county": L.label(L.COUNTIES, s["county_code"]), "key_source": bool(s["key_source"]),
             "station": names.get(s["station_id"] or "", s["station_id"] or ""), "connected": s["connected"],
             "departures": s["departures"], "overloaded": s["overloaded_departures"],
             "share": _pct(s["overloaded_departures"], s["departures"]), "road_cases": s["road_cases"],
             "penalised": s["penalised_cases"]} for s in stats]


@router.get("/sources")
def sources_page(request: Request, start: str = "", end: str = "", code: str = "") -> Response:
    user = _gate(request)
    if isinstance(user, Response):
        return user
    c = container(request)
    first, last, names = _period(request, start, end, _quarter_start)
    try:
        rows = _source_rows(sources.source_stats(c.sources, first, last), names)
        departures = sources.departures(c.sources, code, first, last, limit=LIST_LIMIT) if code else []
    except ZhichaoError as refused:
        return error_page(request, status_of(refused), refused.message)
    shown = [{"at": d["captured_at"][:16].replace("T", " "), "plate": d["plate"] or "未识别",
              "href": party_url(VEHICLE, d["plate"]) if d["plate"] else "", "axles": d["axle_count"],
              "gross": f"{d['gross_weight_kg'] / 1000:.2f}", "limit": f"{d['limit_kg'] / 1000:.1f}",
              "over": f"{d['overload_rate_pct']:.2f}%"} for d in departures]
    return _render(request, "sources.html", {
        "user": user, "nav": "gates", "tab": "sources", "start": first.isoformat(), "end": last.isoformat(),
        "rows": rows, "code": code, "departures": shown,
        "source_name": next((r["name"] for r in rows if r["code"] == code), code),
        "totals": {"departures": sum(r["departures"] for r in rows), "overloaded": sum(r["overloaded"] for r in rows),
                   "road_cases": sum(r["road_cases"] for r in rows)},
    })
