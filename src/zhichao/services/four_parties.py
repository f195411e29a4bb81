"""The four-party pages (一超四罚): a vehicle with its owner, enterprise, drivers and freight sources, and the
page of any one party — its registry entry, the cases linked to it, its sanctions. Personal data is
masked for roles that do not prepare cases (domain/parties.py)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date, datetime, tzinfo
from typing import Any, Protocol

from zhichao.domain.cases import PENALISED_STATES, STATE_LABELS
from zhichao.domain.parties import DRIVER, ENTERPRISE, FULL_VIEW_ROLES, OWNER, SOURCE, masked
from zhichao.domain.plates import normalize_plate
from zhichao.domain.sanctions import PARTY_KINDS, PARTY_LABELS, VEHICLE, year_back
from zhichao.services.errors import InvalidInput, NotFound
from zhichao.services.sanctions import SanctionContext, party_sanctions
from zhichao.services.sanctions import shown_to as sanctions_shown_to


class RegistryReader(Protocol):
    def get(self, kind: str, key: str) -> dict[str, Any] | None: ...

    def many(self, kind: str, keys: Sequence[str]) -> dict[str, dict[str, Any]]: ...

    def fleet_of(self, enterprise_code: str, limit: int = 500) -> list[dict[str, Any]]: ...

    def fleet_size(self, enterprise_code: str) -> int: ...


def party_key(kind: str, raw: str) -> str:
    """The registry key of a party as typed (a plate in any form; codes in any case), or ``InvalidInput``."""
    if kind not in PARTY_KINDS:
        raise InvalidInput("unknown_party_kind", f"未知的当事方：{kind}（可选 {'、'.join(PARTY_KINDS)}）")
    if kind == VEHICLE:
        plate = normalize_plate(raw)
        if not plate.well_formed:
            raise InvalidInput("invalid_plate", f"车牌号格式不正确：{raw[:32]}")
        return plate.text
    key = raw.strip().upper() if kind != SOURCE else raw.strip()
    if not key or len(key) > 32:
        raise InvalidInput("invalid_party_key", f"{PARTY_LABELS[kind]}编号不正确：{raw[:32]}")
    return key


def _case_row(case: Mapping[str, Any], tz: tzinfo) -> dict[str, Any]:
    rate = case.get("overload_rate_x100")
    captured: datetime = case["captured_at"]
    return {"id": case["id"], "plate": case["plate"], "station_id": case["station_id"],
            "station_name": case.get("station_name") or case["station_id"], "record_id": case["record_id"],
            "captured_at": captured.astimezone(tz).isoformat(), "act_on": case["act_on"].isoformat(),
            "state": case["state"], "state_label": STATE_LABELS.get(case["state"], case["state"]),
            "penalised": case["state"] in PENALISED_STATES, "fine_yuan": case["fine_yuan"],
            "overload_rate_pct": None if rate is None else rate / 100}


def _person(row: Mapping[str, Any] | None, key: str, viewer_role: str) -> dict[str, Any]:
    """A driver's registry entry (or just the key) as ``viewer_role`` may see it."""
    shown = {"role": DRIVER, "name": (row or {}).get("name") or "", "id_number": key,
             "phone": (row or {}).get("phone")}
    view = masked(shown, viewer_role)
    return {**dict(row or {}), "id_number": view["id_number"], "name": view["name"], "phone": view["phone"],
            "key": key, "registered": row is not None}


def _unit(row: Mapping[str, Any] | None, key: str) -> dict[str, Any]:
    return {**dict(row or {}), "key": key, "registered": row is not None}


def _year_count(cases: Sequence[Mapping[str, Any]], today: date) -> int:
    start = year_back(today)
    return sum(1 for c in cases if c["penalised"] and start <= date.fromisoformat(c["act_on"]) <= today)


def party_page(ctx: SanctionContext, registries: RegistryReader, kind: str, raw_key: str, today: date,
               viewer_role: str) -> dict[str, Any]:
    """One party: its registry entry, its cases, its sanctions; a vehicle with its other three parties."""
    key = party_key(kind, raw_key)
    entry = registries.get(kind, key)
    cases = [_case_row(c, ctx.tz) for c in ctx.repo.party_cases(kind, key)]
    if entry is None and not cases:
        raise NotFound("party_not_found", f"名录和案件中都没有{PARTY_LABELS[kind]} {key}")
    page: dict[str, Any] = {"kind": kind, "kind_label": PARTY_LABELS[kind], "key": key,
                            "entry": _person(entry, key, viewer_role) if kind == DRIVER else entry,
                            "registered": entry is not None, "cases": cases,
                            "penalised_in_year": _year_count(cases, today), "year_from": year_back(today).isoformat()}
    parties = [(kind, key)]
    if kind == VEHICLE:
        page["parties"] = _vehicle_parties(ctx, registries, entry, cases, viewer_role)
        parties += [(k, p["key"]) for k, found in page["parties"].items() if k != OWNER for p in found]
    if kind == ENTERPRISE:
        fleet = registries.fleet_of(key)
        start = year_back(today)
        page["fleet"] = fleet
        page["fleet_registered"] = registries.fleet_size(key)  # the table shows the first 500
        page["overloading_vehicles"] = sorted({c["plate"] for c in cases if c["penalised"]
                                               and start <= date.fromisoformat(c["act_on"]) <= today})
    page["sanctions"] = party_sanctions(ctx, parties, today)
    return page


def _vehicle_parties(ctx: SanctionContext, registries: RegistryReader, vehicle: Mapping[str, Any] | None,
                     cases: Sequence[Mapping[str, Any]], viewer_role: str) -> dict[str, list[dict[str, Any]]]:
    """The owner (from the vehicle registry), and the enterprises, drivers and sources its cases link to,
    the registry's enterprise first; each with how many of the vehicle's cases name it."""
    counts: dict[tuple[str, str], int] = {}
    for _, kind, key in ctx.repo.links_of([c["id"] for c in cases]):
        if kind != VEHICLE:
            counts[(kind, key)] = counts.get((kind, key), 0) + 1
    registered = (vehicle or {}).get("enterprise_code")
    if registered:
        counts.setdefault((ENTERPRISE, registered), 0)
    out: dict[str, list[dict[str, Any]]] = {OWNER: [], ENTERPRISE: [], DRIVER: [], SOURCE: []}
    if vehicle and vehicle.get("owner_name"):
        owner = masked({"role": OWNER, "name": vehicle["owner_name"], "id_number": vehicle.get("owner_id")},
                       viewer_role)
        out[OWNER].append({"name": owner["name"], "id_number": owner.get("id_number"), "key": None,
                           "registered": True, "cases": len(cases)})
    for kind in (ENTERPRISE, DRIVER, SOURCE):
        keys = sorted((k for (kd, k) in counts if kd == kind), key=lambda k: (k != registered, k))
        rows = registries.many(kind, keys)
        for k in keys:
            shown = _person(rows.get(k), k, viewer_role) if kind == DRIVER else _unit(rows.get(k), k)
            out[kind].append({**shown, "cases": counts[(kind, k)]})
    return out



def _owner_shown(vehicle: Mapping[str, Any], viewer_role: str) -> dict[str, Any]:
    """A vehicle's registry row with its owner's name and number masked as ``viewer_role`` may see them."""
    if not vehicle.get("owner_name") and not vehicle.get("owner_id"):
        return dict(vehicle)
    view = masked({"role": OWNER, "name": vehicle.get("owner_name"), "id_number": vehicle.get("owner_id")},
                  viewer_role)
    return {**vehicle, "owner_name": view["name"], "owner_id": view.get("id_number")}


def shown_to(page: Mapping[str, Any], viewer_role: str) -> dict[str, Any]:
    """The page as ``viewer_role`` may read it over the API: the drivers' keys (identity numbers) masked
    like their numbers, and the owners of the vehicle and of an enterprise's fleet masked, for roles that do
    not prepare cases. (The console masks as it renders.)"""
    out = dict(page)
    if viewer_role in FULL_VIEW_ROLES:
        return out
    if out.get("kind") == VEHICLE and out.get("entry"):
        out["entry"] = _owner_shown(out["entry"], viewer_role)
    if "fleet" in out:
        out["fleet"] = [_owner_shown(v, viewer_role) for v in out["fleet"]]
    if "parties" in out:
        out["parties"] = {kind: [{**p, "key": p.get("id_number")} if kind == DRIVER else p for p in found]
                          for kind, found in out["parties"].items()}
    out["sanctions"] = sanctions_shown_to(out["sanctions"], viewer_role)
    return out
