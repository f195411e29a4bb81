"""The party pages (当事方页面) of 一超四罚: a vehicle with its owner, enterprises, drivers and freight sources
(services/four_parties.py), or one driver, enterprise or freight source; each with its registry entry, its
cases, its penalised overloads in the rolling year against Art. 66, and its sanctions. Reads only: a
leader decides sanctions on /sanctions.

A plate in any form (浙d·12345, 黄浙D12345) finds its vehicle; an unknown party is the console's 404 page.
"""

from __future__ import annotations

from datetime import date
from typing import Any
from zoneinfo import ZoneInfo

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse, Response

from zhichao.bootstrap import Container
from zhichao.domain.errors import ZhichaoError
from zhichao.domain.parties import DRIVER, ENTERPRISE, SOURCE
from zhichao.domain.sanctions import FLEET_SHARE, MAX_PER_YEAR, VEHICLE
from zhichao.services import accidents as accident_service
from zhichao.services import four_parties, personal_data
from zhichao.services.ports import User
from zhichao.web.api.cases import CASE_ROLES
from zhichao.web.console import party_view as V
from zhichao.web.console import sanction_view as S
from zhichao.web.console.accident_pages import row_view as accident_row
from zhichao.web.console.pages import _gate, _render, error_page
from zhichao.web.deps import container, log_personal_read
from zhichao.web.errors import status_of

router = APIRouter(include_in_schema=False)


def today_of(c: Container) -> date:
    """Today where the sanction rules count days (the rolling year ends today)."""
    return c.clock().astimezone(c.sanctions.tz).date()


@router.get("/parties")
def find_vehicle(request: Request, plate: str = "") -> Response:
    """The plate search: to the vehicle's page, whatever form the plate was typed in."""
    user = _gate(request)
    if isinstance(user, Response):
        return user
    if not plate.strip():
        return RedirectResponse("/registries", status_code=303)
    try:
        key = four_parties.party_key(VEHICLE, plate)
    except ZhichaoError as refused:
        return error_page(request, status_of(refused), refused.message)
    return RedirectResponse(V.party_url(VEHICLE, key), status_code=303)


def _heading(kind: str, page: dict[str, Any]) -> tuple[str, str]:
    """The page's name and the key as shown (a driver's number masked for roles that may not see it)."""
    entry = page["entry"] or {}
    if kind == VEHICLE:
        return "", page["key"]
    if kind == DRIVER:
        return entry.get("name") or "", str(entry.get("id_number") or page["key"])
    return entry.get("name") or "", page["key"]


def _context(c: Container, user: User, kind: str, page: dict[str, Any]) -> dict[str, Any]:
    tz = ZoneInfo(c.settings.display_timezone)
    name, key = _heading(kind, page)
    entry = page["entry"] if page["registered"] else None
    out: dict[str, Any] = {
        "user": user, "nav": "registries", "kind": kind, "kind_label": page["kind_label"], "name": name, "key": key,
        "registered": page["registered"], "cases": V.case_rows(page["cases"], user.role in CASE_ROLES),
        "sanctions": S.rows(page["sanctions"], S.party_names(c.registries, page["sanctions"]), user.role),
        "masked": not V.sees_personal(user.role), "year": None, "fleet": None,
    }  # fmt: skip
    if kind == VEHICLE:
        out["facts"] = V.vehicle_facts(entry, page["parties"][ENTERPRISE], user.role)
        out["cards"] = V.party_cards(page["parties"], user.role)
        out["accidents"] = [accident_row(r, tz) for r in accident_service.of_vehicle(c.accidents, page["key"])]
    else:
        codes = V.unit_codes([entry] if entry else [])
        units = {code: str(e["name"]) for code, e in c.registries.many(ENTERPRISE, codes).items()}
        out["facts"] = V.facts(kind, entry, tz, units)
    if kind in (VEHICLE, DRIVER, SOURCE):
        out["year"] = V.year_count(page, c.sanctions.source_max_per_year if kind == SOURCE else MAX_PER_YEAR)
    if kind == ENTERPRISE:
        share = round(FLEET_SHARE * 100)
        out["fleet"] = V.fleet_share(entry, page["fleet_registered"], page["overloading_vehicles"], share)
        out["fleet_rows"] = V.fleet_rows(page["fleet"], page["overloading_vehicles"])
        registered = {v["plate"] for v in page["fleet"]}
        out["overloading"] = [{"plate": p, "href": V.party_url(VEHICLE, p), "in_fleet": p in registered}
                              for p in page["overloading_vehicles"]]
        out["year_from"] = page["year_from"]
    return out


@router.get("/parties/{kind}/{key}")
def party_page(kind: str, key: str, request: Request) -> Response:
    user = _gate(request)
    if isinstance(user, Response):
        return user
    c = container(request)
    try:
        page = four_parties.party_page(c.sanctions, c.registries, kind, key, today_of(c), user.role)
    except ZhichaoError as missing:
        return error_page(request, status_of(missing), missing.message)
    context = _context(c, user, kind, page)
    log_personal_read(request, user, "console", personal_data.subject_of_party(kind, page["key"]),
                      personal_data.party_page_shown(page, user.role, fleet_owners=False))
    return _render(request, "party.html", context)
