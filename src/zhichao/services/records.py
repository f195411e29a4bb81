"""Reading records: one passage, a vehicle's history, the latest passages, and the partner check."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from zhichao.domain.plates import normalize_plate
from zhichao.domain.review import OPEN_STATES
from zhichao.services.errors import InvalidInput, NotFound
from zhichao.services.ports import RecordReader

MAX_PAGE = 500
CLOSED_CASE_STATES = ("closed",)  # the case workflow adds its final states here


def get_record(reader: RecordReader, station_id: str, record_id: str,
               screening: Callable[[dict[str, Any]], list[dict[str, Any]]] | None = None) -> dict[str, Any]:
    """One record with its screening flags: as stored when it is in review, else as the record-only
    rules say (they are pure functions of the record and the station's registry)."""
    found = reader.one(station_id, record_id)
    if found is None:
        raise NotFound("record_not_found", f"站点 {station_id} 没有编号为 {record_id} 的过车记录")
    stored = reader.stored_flags(station_id, record_id)
    found["screening_flags"] = stored if stored or screening is None else screening(found)
    return found


def _plate_or_error(plate: str) -> str:
    text = normalize_plate(plate).text
    if not text:
        raise InvalidInput("invalid_plate", "请提供车牌号，如 浙D12345", {"plate": plate})
    return text


def _page_size(limit: int) -> int:
    if not 1 <= limit <= MAX_PAGE:
        raise InvalidInput("invalid_limit", f"limit 必须是 1–{MAX_PAGE} 的整数", {"limit": limit})
    return limit


def vehicle_records(reader: RecordReader, plate: str, *, overloaded: bool | None = None, limit: int = 100,
                    before_id: int | None = None) -> dict[str, Any]:
    """A plate's passages, newest first (the plate is normalised as ingest normalises it)."""
    text = _plate_or_error(plate)
    rows = reader.by_plate(text, overloaded, _page_size(limit), before_id)
    return {"plate": text, "records": rows}


def latest_records(reader: RecordReader, *, limit: int = 50, overloaded: bool | None = None,
                   station_id: str | None = None) -> list[dict[str, Any]]:
    return reader.latest(_page_size(limit), overloaded, station_id)


def check_plate(reader: RecordReader, plate: str) -> dict[str, Any]:
    """What a highway entrance, annual inspection or permit desk needs to know about a plate.

    ``unresolved_cases`` counts valid cases (reviewed twice) not yet closed. Overloads still in review
    are listed among the reasons (``pending_review``) but not counted: they are not established yet.
    Entry is refused only for vehicles on the dishonesty list (LEGAL.md §5), which comes with joint
    punishment; until then ``blacklisted`` and ``refuse_entry`` are false.
    """
    text = _plate_or_error(plate)
    open_cases, in_review = reader.open_matters(text, sorted(OPEN_STATES), CLOSED_CASE_STATES)
    reasons = [{"code": "unresolved_case", "case_id": c["id"], "station_id": c["station_id"],
                "record_id": c["record_id"], "captured_at": c["captured_at"], "fine_yuan": c["fine_yuan"],
                "overload_rate_pct": c["overload_rate_pct"],
                "message": f"{c['captured_at'][:10]} 在 {c['station_id']} 超限 {c['overload_rate_pct']:.2f}%，"
                           f"案件未结（罚款 {c['fine_yuan']} 元）"} for c in open_cases]
    reasons += [{"code": "pending_review", "station_id": r["station_id"], "record_id": r["record_id"],
                 "captured_at": r["captured_at"], "overload_rate_pct": r["overload_rate_pct"],
                 "message": f"{r['captured_at'][:10]} 在 {r['station_id']} 超限 {r['overload_rate_pct']:.2f}%，审核中"}
                for r in in_review]
    return {"plate": text, "unresolved_cases": len(open_cases), "blacklisted": False,
            "reasons": reasons, "refuse_entry": False}
