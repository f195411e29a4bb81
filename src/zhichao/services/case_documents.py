"""The documents case actions issue (docs/cases.md, "Documents"): gathers what a document prints — the
case as it will be after the action, the record, the station, the parties, the photos, the deadlines the
reader is told — renders the PDF and stores it in the evidence store under its SHA-256.

The case service calls ``prepare`` before its transaction with the number the document expects to get,
and records the document in the same transaction as the move (services/cases.py).
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Mapping
from dataclasses import asdict, dataclass
from datetime import date, datetime, tzinfo
from typing import Any

from zhichao.domain import deadlines as periods
from zhichao.domain.case_dates import statement_due
from zhichao.domain.document_context import document_context, photo
from zhichao.domain.documents import (
    ACTION_DOCUMENTS,
    DECISION,
    NOTICE,
    PRE_DECISION,
    REMINDER,
    TRANSFER_LETTER,
    Deadlines,
    DocumentContext,
    Issuer,
    document_number,
)
from zhichao.domain.errors import DomainError
from zhichao.domain.explain import explain_verdict
from zhichao.domain.parties import OWNER
from zhichao.domain.rulesets import get_rule_set
from zhichao.services.ports import EvidenceStore, RecordReader, StationRepository

Renderer = Callable[[str, DocumentContext], bytes]
MAX_PHOTOS = 4


@dataclass(frozen=True, slots=True)
class CaseDocuments:
    """Implements ``services.cases.DocumentIssuer``."""

    repo: Any  # services.cases.CaseRepository (not imported: that module imports this protocol's users)
    records: RecordReader
    stations: StationRepository
    store: EvidenceStore
    render: Renderer
    issuer: Issuer
    number_pattern: str
    holidays: periods.Holidays
    tz: tzinfo
    statement_days: int

    def kind_for(self, action: str) -> str | None:
        return ACTION_DOCUMENTS.get(action)

    def prepare(self, case_id: int, kind: str, year: int, seq: int, issued_on: date,
                extra: dict[str, Any]) -> dict[str, Any]:
        number = document_number(self.number_pattern, kind, year, seq)
        context = self.context(case_id, kind, number, issued_on, extra)
        pdf = self.render(kind, context)
        sha256 = hashlib.sha256(pdf).hexdigest()
        self.store.put(sha256, pdf, "application/pdf")
        return {"number": number, "sha256": sha256, "storage_key": sha256, "size": len(pdf)}

    def context(self, case_id: int, kind: str, number: str, issued_on: date,
                extra: Mapping[str, Any]) -> DocumentContext:
        found = self.repo.case(case_id)
        if found is None:
            raise DomainError(f"案件 {case_id} 不存在")
        case = {**found, **extra.get("values", {})}  # as it will be once the action is taken
        record = _flat(self.records.one(case["station_id"], case["record_id"]))
        station = self.stations.get(case["station_id"])
        parties = self.repo.parties(case_id)
        decision = next((d["number"] for d in self.repo.documents(case_id) if d["kind"] == DECISION), "")
        region = extra.get("region")
        transfer = None
        if kind == TRANSFER_LETTER and region is not None:
            owner: dict[str, Any] = next((p for p in parties if p["role"] == OWNER), {})
            transfer = {"region": region.prefix, "authority": region.authority, "long_triangle": region.long_triangle,
                        "transport_certificate": owner.get("licence") or ""}
        explanation = explain_verdict(record["gross_weight_kg"], record["verdict"],
                                      get_rule_set(record["verdict"]["rule_set"]))
        return document_context(
            kind, number=number, issued_on=issued_on, issuer=self.issuer, case=case, record=record,
            station=asdict(station) if station else {}, parties=parties, explanation=explanation, tz=self.tz,
            photos=self._photos(record), deadlines=self._deadlines(kind, case, issued_on),
            hearing=bool(case.get("major")), decision_number=decision, transfer=transfer)

    def _deadlines(self, kind: str, case: Mapping[str, Any], on: date) -> Deadlines:
        h = self.holidays
        if kind == NOTICE:
            return Deadlines(report_due=periods.report_due(on, h))
        if kind == PRE_DECISION:
            return Deadlines(statement_due=statement_due(on, self.statement_days, h))
        if kind == DECISION:
            return Deadlines(payment_due=periods.payment_due(on, h))
        if kind == REMINDER and case.get("decided_on"):
            return Deadlines(payment_due=periods.payment_due(case["decided_on"], h),
                             court_after=periods.reminder_then_court(on, h))
        return Deadlines()

    def _photos(self, record: Mapping[str, Any]) -> list[Any]:
        out = []
        for image in (record.get("images") or [])[:MAX_PHOTOS]:
            try:
                data = self.store.get(image["sha256"])
            except KeyError:  # not arrived: the record is printed without it
                continue
            content_type = "image/png" if data[:8] == b"\x89PNG\r\n\x1a\n" else "image/jpeg"
            out.append(photo(image["kind"], data, content_type))
        return out


def _flat(record: dict[str, Any] | None) -> dict[str, Any]:
    """A record in the API's shape with its verdict's fields beside it, as a document reads them."""
    if record is None:
        raise DomainError("案件的过车记录不存在")
    verdict = record["verdict"]
    rate = round(float(verdict["overload_rate_pct"]) * 100)
    captured = record["captured_at"]
    return {**record, **verdict, "verdict": verdict, "overload_rate_x100": rate,
            "captured_at": datetime.fromisoformat(captured) if isinstance(captured, str) else captured}
