"""考核看板: the bureau's six goals for a period and a county against their targets, month by month, with
the numbers behind each one and the province's related statistics; and the targets page, where leaders
set a year's targets (the plan's 2019–2021 stand until the bureau sets its own)."""

from __future__ import annotations

import json
from datetime import date
from typing import Any

from fastapi import APIRouter, Form, Request
from fastapi.responses import RedirectResponse, Response

from zhichao.bootstrap import Container
from zhichao.domain import kpis as K
from zhichao.domain.errors import ZhichaoError
from zhichao.services import kpis
from zhichao.services.errors import InvalidInput
from zhichao.services.ports import User
from zhichao.web.console import kpi_view as V
from zhichao.web.console import labels as L
from zhichao.web.console.device_pages import _poster
from zhichao.web.console.list_filters import day_field
from zhichao.web.console.pages import _gate, _render, error_page
from zhichao.web.deps import container
from zhichao.web.errors import status_of

router = APIRouter(include_in_schema=False)


def _today(c: Container) -> date:
    return c.clock().astimezone(c.kpis.tz).date()


def _period(params: Any, today: date) -> tuple[date, date, str | None]:
    """The period asked for (this quarter so far by default) and the county ("" or unknown: the city)."""
    start, end = day_field(params.get("from", ""), "from"), day_field(params.get("to", ""), "to")
    _, first, last = V.presets(today)[1]
    county = params.get("county", "")
    return start or first, end or (last if start is None else today), county if county in L.COUNTIES else None


def _context(c: Container, user: User, start: date, end: date, county: str | None) -> dict[str, Any]:
    board = kpis.dashboard(c.kpis, start, end, county, c.clock())
    report, today = board.report, _today(c)
    return {"user": user, "nav": "kpis", "start": start.isoformat(), "end": end.isoformat(),
            "last": report.last.isoformat(), "county": county or "", "counties": sorted(L.COUNTIES.items()),
            "county_label": L.label(L.COUNTIES, county, "全市") if county else "全市",
            "presets": [(label, a.isoformat(), b.isoformat()) for label, a, b in V.presets(today)],
            "cards": [V.card(v, start, report.last, county, board.site_names) for v in report.values],
            "trucks": report.trucks_weighed, "sites": V.site_rows(board), "stats": V.statistics(board.statistics),
            "chart_data": json.dumps(V.charts(board), ensure_ascii=False).replace("</", "<\\/"),
            "can_set": user.role in kpis.TARGET_ROLES}


@router.get("/kpis")
def dashboard_page(request: Request) -> Response:
    user = _gate(request)
    if isinstance(user, Response):
        return user
    c = container(request)
    try:
        start, end, county = _period(request.query_params, _today(c))
        context = _context(c, user, start, end, county)
    except ZhichaoError as refused:
        return error_page(request, status_of(refused), refused.message)
    return _render(request, "kpis.html", context)


def _targets_context(c: Container, user: User) -> dict[str, Any]:
    own = {(kpi, year) for kpi, year, _ in c.kpis.reader.targets()}
    merged = kpis.targets(c.kpis)
    years = sorted({y for spec in K.SPECS for y in merged.get(spec.id, {})} | {_today(c).year})
    return {"user": user, "nav": "kpis", "years": years, "can_set": user.role in kpis.TARGET_ROLES,
            "rows": [{"id": s.id, "number": s.number, "label": s.label,
                      "direction": "不低于" if s.direction == K.AT_LEAST else "不高于",
                      "cells": [_cell(K.target(s.id, y, merged), y in merged.get(s.id, {}), (s.id, y) in own)
                                for y in years]} for s in K.SPECS],
            "specs": [(s.id, f"目标{s.number} {s.label}") for s in K.SPECS]}


def _cell(value: float | None, set_for_year: bool, by_bureau: bool) -> dict[str, Any]:
    """A target as the table shows it: the bureau's in bold, one carried from an earlier year marked so."""
    text = L.NOTHING if value is None else f"{value * 100:g}%"
    return {"text": text, "own": by_bureau, "carried": not set_for_year and value is not None}


@router.get("/kpis/targets")
def targets_page(request: Request, done: str = "") -> Response:
    user = _gate(request)
    if isinstance(user, Response):
        return user
    return _render(request, "kpi_targets.html", {**_targets_context(container(request), user), "done": bool(done)})


def _percent(text: str) -> float | None:
    text = text.strip().rstrip("%").strip()
    if not text:
        return None
    try:
        return float(text) / 100
    except ValueError:
        raise InvalidInput("invalid_target", f"目标应为百分数，如 90 或 0.5，而不是 {text[:16]}") from None


@router.post("/kpis/targets")
def set_target(request: Request, kpi: str = Form(""), year: str = Form(""), target: str = Form("")) -> Response:
    user = _poster(request, "/kpis/targets")
    if isinstance(user, Response):
        return user
    c = container(request)
    try:
        if not year.strip().isdigit():
            raise InvalidInput("invalid_year", "请填写年份，如 2026")
        kpis.set_target(c.kpis, user, kpi, int(year), _percent(target), c.clock())
    except ZhichaoError as refused:
        context = {**_targets_context(c, user), "message": refused.message, "form": {"kpi": kpi, "year": year,
                                                                                      "target": target}}
        return _render(request, "kpi_targets.html", context, status_of(refused))
    return RedirectResponse("/kpis/targets?done=1", status_code=303)
