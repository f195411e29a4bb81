"""Transfers (抄告) of closed cases on non-local vehicles to the authority where the vehicle is registered
(超限规定 Art. 44): the package sent, the list of transfers and the outcome the other side reports.

The package is one zip: the transfer letter (抄告函, PDF), the record's evidence package (itself a zip with
its SHA-256 manifest) and ``transfer.json`` with the fields LEGAL.md §6.9 lists — plate, vehicle type,
enterprise, transport certificate, driver, freight-source unit, decision — so the receiving system can
read it without parsing the letter.
"""

from __future__ import annotations

import io
import json
import zipfile
from datetime import datetime
from typing import Any

from zhichao.domain.parties import DRIVER, ENTERPRISE, OWNER, SOURCE
from zhichao.services.cases import CaseContext
from zhichao.services.errors import InvalidInput, NotFound
from zhichao.services.evidence_package import PackageContext, build_package
from zhichao.services.ports import RecordReader, User

OUTCOMES = {"received": "对方已接收", "handled": "对方已处理", "returned": "对方退回"}
STATES = ("sent", *OUTCOMES)


def _party(parties: list[dict[str, Any]], role: str) -> dict[str, Any] | None:
    found = next((p for p in parties if p["role"] == role), None)
    return None if found is None else {k: found.get(k) for k in ("name", "id_number", "licence", "phone", "address")}


def transfer_facts(ctx: CaseContext, records: RecordReader, case_id: int) -> dict[str, Any]:
    """The machine-readable transfer (LEGAL.md §6.9)."""
    case = ctx.repo.case(case_id)
    transfer = ctx.repo.transfer(case_id)
    if case is None or transfer is None:
        raise NotFound("transfer_not_found", f"案件 {case_id} 没有抄告记录")
    parties = ctx.repo.parties(case_id)
    record = records.one(case["station_id"], case["record_id"]) or {}
    decision = next((d for d in ctx.repo.documents(case_id) if d["kind"] == "decision"), None)
    letter = next((d for d in ctx.repo.documents(case_id) if d["kind"] == "transfer_letter"), None)
    enterprise = _party(parties, ENTERPRISE)
    return {
        "format": "zhichao-transfer/1",
        "from_authority": ctx.authority,
        "to_authority": transfer["authority"], "to_region": transfer["region"],
        "long_triangle": transfer["long_triangle"],
        "letter_number": letter["number"] if letter else None,
        "plate": case["plate"], "plate_color": record.get("plate_color"),
        "vehicle_type": record.get("vehicle_type"), "axle_count": record.get("axle_count"),
        "owner": _party(parties, OWNER), "enterprise": enterprise,
        "transport_certificate": (_party(parties, OWNER) or {}).get("licence"),
        "driver": _party(parties, DRIVER), "source_unit": _party(parties, SOURCE),
        "violation": {"station_id": case["station_id"], "record_id": case["record_id"],
                      "station_name": case.get("station_name"), "captured_at": case["captured_at"].isoformat(),
                      "gross_weight_kg": record.get("gross_weight_kg"), "verdict": record.get("verdict")},
        "decision": {"number": decision["number"] if decision else None,
                     "decided_on": case["decided_on"].isoformat() if case["decided_on"] else None,
                     "fine_yuan": case["fine_yuan"], "late_fee_yuan": case["late_fee_yuan"],
                     "paid_yuan": case["paid_yuan"],
                     "closed_on": case["closed_on"].isoformat() if case["closed_on"] else None},
    }


def transfer_package(ctx: CaseContext, packages: PackageContext, case_id: int, *, now: datetime,
                     requested_by: User) -> bytes:
    facts = transfer_facts(ctx, packages.evidence.records, case_id)
    case = ctx.repo.case(case_id)
    assert case is not None
    letter = next((d for d in ctx.repo.documents(case_id) if d["kind"] == "transfer_letter"), None)
    evidence = build_package(packages, case["station_id"], case["record_id"], now=now, requested_by=requested_by)
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("transfer.json", json.dumps(facts, ensure_ascii=False, indent=2, default=str))
        z.writestr("evidence-package.zip", evidence)
        if letter is not None:
            z.writestr(f"抄告函-{letter['number']}.pdf", packages.evidence.store.get(letter["sha256"]))
    return out.getvalue()


def record_outcome(ctx: CaseContext, user: User, case_id: int, outcome: str, note: str | None, *,
                   now: datetime, origin: str) -> dict[str, Any]:
    """What the receiving authority answered: received, handled or returned (with its note)."""
    if outcome not in OUTCOMES:
        raise InvalidInput("invalid_outcome", f"未知的抄告结果：{outcome}（可选 {'、'.join(OUTCOMES)}）")
    transfer = ctx.repo.transfer(case_id)
    if transfer is None:
        raise NotFound("transfer_not_found", f"案件 {case_id} 没有抄告记录")
    text = (note or "").strip() or OUTCOMES[outcome]
    with ctx.repo.transaction() as tx:
        tx.set_transfer_outcome(transfer["id"], {"state": outcome, "outcome": text, "outcome_at": now})
        tx.audit(at=now, actor=f"user:{user.id}", origin=origin, action="case.transfer_outcome",
                 subject=f"case:{case_id}", details={"outcome": outcome, "note": text})
    return {"case_id": case_id, "state": outcome, "outcome": text}
