"""How the pages of joint punishment (一超四罚) show registry entries and parties: cells, facts and cards, every
value formatted, personal data masked for roles that do not prepare cases (domain/parties.py).

A driver's registry key is an identity number, so for those roles a driver is never linked by its key (a
link would carry the number in full); an owner is a person or a unit and is masked like a person.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, tzinfo
from typing import Any
from urllib.parse import quote

from zhichao.domain.parties import DRIVER, ENTERPRISE, FULL_VIEW_ROLES, OWNER, SOURCE, masked
from zhichao.domain.registries import KEYS, KINDS, OPTIONAL, REQUIRED, VEHICLE
from zhichao.web.console import labels as L

COLUMNS: Mapping[str, tuple[str, ...]] = {kind: REQUIRED[kind] + OPTIONAL[kind] for kind in KINDS}
UNIT_FIELDS = frozenset({"enterprise_code", "employer_code"})  # credit codes naming a registered enterprise
MONO_FIELDS = frozenset({"plate", "id_number", "credit_code", "code", "owner_id", "phone", *UNIT_FIELDS})
CARD_ROLES = (OWNER, ENTERPRISE, DRIVER, SOURCE)  # the four parties of a vehicle, in the order of 一超四罚


@dataclass(frozen=True, slots=True)
class Cell:
    """One value as shown: its text, and a link when it names a party with a page."""

    text: str
    href: str = ""
    mono: bool = False


def party_url(kind: str, key: str) -> str:
    return f"/parties/{kind}/{quote(key, safe='')}"


def sees_personal(role: str) -> bool:
    return role in FULL_VIEW_ROLES


def shown(kind: str, row: Mapping[str, Any], role: str) -> dict[str, Any]:
    """A registry row as ``role`` may see it: a driver's name, number and phone, a vehicle owner's name and
    number masked for roles that do not prepare cases."""
    out = dict(row)
    if kind == DRIVER:
        view = masked({"role": DRIVER, "name": row.get("name"), "id_number": row.get("id_number"),
                       "phone": row.get("phone")}, role)
        out.update(name=view["name"], id_number=view["id_number"], phone=view["phone"])
    elif kind == VEHICLE and (row.get("owner_name") or row.get("owner_id")):
        view = masked({"role": OWNER, "name": row.get("owner_name"), "id_number": row.get("owner_id")}, role)
        out.update(owner_name=view["name"], owner_id=view["id_number"])
    return out


def cell(field: str, value: Any, units: Mapping[str, str] | None = None) -> Cell:
    """A value as shown; a credit code naming an enterprise links to it, by its name when ``units`` has it."""
    mono = field in MONO_FIELDS
    if value is None or value == "":
        return Cell(L.NOTHING)
    if isinstance(value, bool):
        return Cell(L.YES_NO[value])
    if field in UNIT_FIELDS:
        name = (units or {}).get(str(value))
        return Cell(name or str(value), party_url(ENTERPRISE, str(value)), not name)
    if field == "county_code":
        return Cell(f"{L.label(L.COUNTIES, str(value))}（{value}）" if value in L.COUNTIES else str(value))
    return Cell(str(value), "", mono)


def key_cell(kind: str, key: str, row: Mapping[str, Any], role: str) -> Cell:
    """The entry's key, linked to its party page unless it is a driver's number the role may not see."""
    if kind == DRIVER and not sees_personal(role):
        return Cell(str(row.get("id_number") or key), "", True)
    return Cell(key, party_url(kind, key), kind != VEHICLE)


def unit_codes(rows: Sequence[Mapping[str, Any]]) -> list[str]:
    """The enterprises these rows name (to show them by name)."""
    return sorted({str(r[f]) for r in rows for f in UNIT_FIELDS if r.get(f)})


def registry_row(kind: str, row: Mapping[str, Any], role: str, units: Mapping[str, str]) -> dict[str, Any]:
    """One row of the registry table: its key (linked), then its other columns."""
    seen = shown(kind, row, role)
    key = str(row[KEYS[kind]])
    return {"key": key_cell(kind, key, seen, role), "plate": kind == VEHICLE,
            "cells": [cell(f, seen.get(f), units) for f in COLUMNS[kind][1:]]}


def headers(kind: str) -> list[str]:
    """Column titles; a column of credit codes shows the enterprise it names."""
    return [_UNIT_HEADER if f in UNIT_FIELDS else L.label(L.REGISTRY_COLUMNS, f) for f in COLUMNS[kind]]


_UNIT_HEADER = "所属企业"


def facts(kind: str, entry: Mapping[str, Any] | None, tz: tzinfo,
          units: Mapping[str, str]) -> list[tuple[str, Cell]]:
    """An entry's columns but its key, as label and value, and when the registry last changed it."""
    if entry is None:
        return []
    out = [(L.label(L.REGISTRY_COLUMNS, f), cell(f, entry.get(f), units)) for f in COLUMNS[kind][1:]]
    updated = entry.get("updated_at")
    if isinstance(updated, datetime):
        out.append(("名录更新", Cell(L.full_time(updated, tz))))
    return out


def vehicle_facts(entry: Mapping[str, Any] | None, enterprises: Sequence[Mapping[str, Any]],
                  role: str) -> list[tuple[str, Cell]]:
    """The vehicle card: type, axles, owner, transport certificate, its enterprise (by name), engineering."""
    if entry is None:
        return []
    seen = shown(VEHICLE, entry, role)
    owner = " ".join(str(v) for v in (seen.get("owner_name"), seen.get("owner_id")) if v)
    code = entry.get("enterprise_code")
    unit = next((e for e in enterprises if e["key"] == code), None)
    firm = Cell(L.NOTHING)
    if code:
        firm = Cell(f"{unit.get('name') or code}" if unit and unit["registered"] else f"{code}（未在名录中）",
                    party_url(ENTERPRISE, str(code)))
    axles = entry.get("axle_count")
    return [("车辆类型", cell("vehicle_type", entry.get("vehicle_type"))),
            ("轴数", Cell(f"{axles} 轴" if axles else L.NOTHING)),
            ("车辆所有人", Cell(owner or L.NOTHING)),
            ("道路运输证号", cell("transport_cert", entry.get("transport_cert"))),
            ("所属企业", firm), ("工程运输车", cell("engineering", entry.get("engineering")))]


def _member(role: str, p: Mapping[str, Any], viewer: str) -> dict[str, Any]:
    key = p.get("key")
    if role == DRIVER:
        number, href = str(p.get("id_number") or key), party_url(DRIVER, str(key)) if sees_personal(viewer) else ""
    elif role == OWNER:
        number, href = str(p.get("id_number") or ""), ""
    else:
        number, href = str(key), party_url(role, str(key))
    name = p.get("name") or ""
    extra = [] if role == OWNER else [(L.label(L.REGISTRY_COLUMNS, f), cell(f, p.get(f)).text)
                                      for f in _CARD_FIELDS[role] if p.get(f) not in (None, "")]
    return {"name": name or number, "number": number if name else "", "href": href,
            "registered": bool(p.get("registered")), "cases": int(p.get("cases") or 0), "extra": extra}


_CARD_FIELDS: Mapping[str, tuple[str, ...]] = {
    ENTERPRISE: ("fleet_size", "phone"), DRIVER: ("phone", "qualification_no"), SOURCE: ("address", "key_source"),
}


def party_cards(parties: Mapping[str, Sequence[Mapping[str, Any]]], viewer: str) -> list[dict[str, Any]]:
    """The four cards of a vehicle's page: its owner, enterprises, drivers and freight sources."""
    return [{"role": role, "title": L.label(L.PARTIES, role),
             "members": [_member(role, p, viewer) for p in parties.get(role, ())]} for role in CARD_ROLES]


def case_rows(cases: Sequence[Mapping[str, Any]], can_open: bool) -> list[dict[str, Any]]:
    """The party's cases (four_parties' rows), linked to the case file for roles that may open it."""
    return [{"id": c["id"], "url": f"/console/cases/{c['id']}" if can_open else "", "plate": c["plate"],
             "act_on": c["act_on"], "station": c["station_name"], "state": c["state_label"], "state_code": c["state"],
             "rate": L.NOTHING if c["overload_rate_pct"] is None else L.percent(c["overload_rate_pct"]),
             "fine": c["fine_yuan"], "penalised": c["penalised"]} for c in cases]


def year_count(page: Mapping[str, Any], limit: int) -> dict[str, Any]:
    """Penalised overloads in the rolling year against what Art. 66 tolerates (more than ``limit`` triggers)."""
    count = int(page["penalised_in_year"])
    return {"count": count, "since": page["year_from"], "limit": limit, "over": count > limit}


def fleet_share(entry: Mapping[str, Any] | None, registered: int, overloading: Sequence[str],
                share_pct: int) -> dict[str, Any]:
    """An enterprise's overloading vehicles in the rolling year against its fleet (Art. 66: more than
    ``share_pct`` % triggers). The fleet is the registry's 货运车辆数, as the rule counts it."""
    size = (entry or {}).get("fleet_size") or 0
    n = len(overloading)
    pct = f"{n * 100 / size:.1f}%" if size else L.NOTHING
    # integers, as the rule compares them: n / size > share ⇔ 100 n > share_pct × size
    return {"fleet_size": size, "registered": registered, "overloading": n, "share": pct, "limit_pct": share_pct,
            "over": bool(size) and n * 100 > share_pct * size, "known": bool(size)}


def fleet_rows(fleet: Sequence[Mapping[str, Any]], overloading: Sequence[str]) -> list[dict[str, Any]]:
    hits = set(overloading)
    return [{"plate": v["plate"], "href": party_url(VEHICLE, v["plate"]), "overloading": v["plate"] in hits,
             "cells": [cell(f, v.get(f)).text for f in ("vehicle_type", "axle_count", "transport_cert")]}
            for v in fleet]
