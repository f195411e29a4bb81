"""Reading records: one passage, a vehicle's history, the latest passages, and the partner check."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any

from zhichao.domain.plates import normalize_plate
from zhichao.services.errors import InvalidInput, NotFound
from zhichao.services.ports import RecordReader

MAX_PAGE = 500


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
                   station_id: str | None = None, since: datetime | None = None,
                   until: datetime | None = None) -> list[dict[str, Any]]:
    """The latest passages, newest first; ``since`` and ``until`` bound the capture time, [since, until)."""
    return reader.latest(_page_size(limit), overloaded, station_id, since, until)
