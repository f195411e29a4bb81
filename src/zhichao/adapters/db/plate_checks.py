"""SQL that keeps the joint-punishment tables true inside the acting transaction: a case's links to its four
parties (``case_links``) and a plate's check row (``plate_checks``), both rewritten from the rows they sum up.

``relink`` runs when a case opens and whenever one of its parties changes; ``refresh`` whenever a case of
the plate moves or opens, and when a sanction on the vehicle is confirmed or lifted (a lifted entry
leaves the row; one that ran its two years is dropped by the reader, which compares its last day). Each reads a handful
of rows by index (a plate's cases, a case's parties), so they cost little in any transaction, and the
check API never has to look anywhere but its own row.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import Connection, and_, delete, insert, select

from zhichao.adapters.db.tables import (
    case_links,
    case_parties,
    cases,
    freight_sources,
    plate_checks,
    records,
    sanctions,
    vehicles,
)
from zhichao.domain.cases import FINAL_STATES
from zhichao.domain.party_links import links
from zhichao.domain.sanctions import VEHICLE

# Acts are dated by the law's day: Beijing time, whatever the console shows.
BEIJING = ZoneInfo("Asia/Shanghai")
CONFIRMED = "confirmed"
MAX_ENTRIES = 50  # a check answer lists at most this many unresolved cases (the count is exact)
# A truck weighed on the road is traced to a freight source it left at most this long before.
TRACE_WINDOW = timedelta(hours=12)


def relink(conn: Connection, case_id: int) -> None:
    """Rewrite the case's links from its plate, its parties and the registries."""
    case = conn.execute(select(cases.c.plate, cases.c.captured_at).where(cases.c.id == case_id)).first()
    if case is None:
        return
    parties = [dict(r._mapping) for r in conn.execute(
        select(case_parties.c.role, case_parties.c.id_number, case_parties.c.licence)
        .where(case_parties.c.case_id == case_id))]
    vehicle_enterprise = conn.execute(
        select(vehicles.c.enterprise_code).where(vehicles.c.plate == case.plate)).scalar()
    licences = [str(p["licence"]).strip() for p in parties if p["licence"]]
    units = [str(p["id_number"]).upper() for p in parties if p["id_number"]]
    codes = {code: code for code in conn.execute(
        select(freight_sources.c.code).where(freight_sources.c.code.in_(licences))).scalars()} if licences else {}
    of_unit: dict[str, list[str]] = {}
    if units:
        for code, unit in conn.execute(select(freight_sources.c.code, freight_sources.c.enterprise_code)
                                       .where(freight_sources.c.enterprise_code.in_(units))):
            of_unit.setdefault(unit, []).append(code)
    departure = last_departure(conn, case.plate, case.captured_at)
    traced = departure["code"] if departure and departure["overloaded"] else None
    found = links(case.plate, parties, vehicle_enterprise, codes, of_unit, traced)
    act_on = case.captured_at.astimezone(BEIJING).date()
    conn.execute(delete(case_links).where(case_links.c.case_id == case_id))
    if found:
        conn.execute(insert(case_links), [{"case_id": case_id, "kind": kind, "key": key, "plate": case.plate,
                                           "act_on": act_on} for kind, key in found.items()])


def last_departure(conn: Connection, plate: str, before: datetime) -> dict[str, Any] | None:
    """The plate's last departure from a registered freight source's scale in the ``TRACE_WINDOW`` before
    ``before``: the source's code and name, the departure record, and whether it left over the limit."""
    if not plate:
        return None
    query = (select(freight_sources.c.code, freight_sources.c.name, records.c.station_id, records.c.record_id,
                    records.c.captured_at, records.c.gross_weight_kg, records.c.limit_kg, records.c.overloaded)
             .join(freight_sources, freight_sources.c.station_id == records.c.station_id)
             .where(records.c.plate == plate, records.c.captured_at >= before - TRACE_WINDOW,
                    records.c.captured_at < before)
             .order_by(records.c.captured_at.desc()).limit(1))
    row = conn.execute(query).first()
    return None if row is None else dict(row._mapping)


def refresh(conn: Connection, plate: str, now: datetime | None = None) -> None:
    """Rewrite the plate's check row: its unresolved cases and its confirmed listings; no row when clear."""
    if not plate:
        return
    key = and_(records.c.station_id == cases.c.station_id, records.c.record_id == cases.c.record_id)
    open_cases = [r._mapping for r in conn.execute(
        select(cases.c.id, cases.c.station_id, cases.c.record_id, cases.c.captured_at, cases.c.state,
               cases.c.fine_yuan, records.c.overload_rate_x100)
        .outerjoin(records, key)
        .where(cases.c.plate == plate, cases.c.state.not_in(sorted(FINAL_STATES)))
        .order_by(cases.c.captured_at.desc()))]
    listings = [r._mapping for r in conn.execute(
        select(sanctions.c.id, sanctions.c.rule, sanctions.c.basis, sanctions.c.confirmed_on,
               sanctions.c.listed_until)
        .where(sanctions.c.party_kind == VEHICLE, sanctions.c.party_key == plate, sanctions.c.state == CONFIRMED)
        .order_by(sanctions.c.id))]
    conn.execute(delete(plate_checks).where(plate_checks.c.plate == plate))
    if not open_cases and not listings:
        return
    entries: list[dict[str, Any]] = [
        {"code": "dishonesty_list", "sanction_id": s["id"], "rule": s["rule"], "basis": s["basis"],
         "since": s["confirmed_on"].isoformat(), "until": s["listed_until"].isoformat()} for s in listings]
    entries += [
        {"code": "unresolved_case", "case_id": c["id"], "station_id": c["station_id"], "record_id": c["record_id"],
         "captured_at": c["captured_at"].astimezone(UTC).isoformat(), "state": c["state"],
         "fine_yuan": c["fine_yuan"], "overload_rate_x100": c["overload_rate_x100"]}
        for c in open_cases[:MAX_ENTRIES]]
    rates = [c["overload_rate_x100"] for c in open_cases if c["overload_rate_x100"] is not None]
    conn.execute(insert(plate_checks).values(
        plate=plate, unresolved_cases=len(open_cases), worst_open_rate_x100=max(rates, default=None),
        listed_until=max((s["listed_until"] for s in listings), default=None), entries=entries,
        updated_at=now or datetime.now(UTC)))


def plate_of_case(conn: Connection, case_id: int) -> str | None:
    return conn.execute(select(cases.c.plate).where(cases.c.id == case_id)).scalar()


def rebuild(conn: Connection, case_ids: Sequence[int] | None = None) -> int:
    """Relink every case (or those given) and refresh every plate with a case or a vehicle listing:
    what an upgrade or a restore runs once. The number of plates refreshed."""
    ids = list(case_ids) if case_ids is not None else list(conn.execute(select(cases.c.id)).scalars())
    for case_id in ids:
        relink(conn, case_id)
    plates = set(conn.execute(select(cases.c.plate).distinct()).scalars())
    plates |= set(conn.execute(select(sanctions.c.party_key).where(sanctions.c.party_kind == VEHICLE)).scalars())
    for plate in sorted(plates):
        refresh(conn, plate)
    return len(plates)

