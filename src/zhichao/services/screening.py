"""Screening at ingest: every record gets the record-only rules; actionable records also get the
rules that need context (double capture, permits, on-site handlings) and enter the review queue.

The rules themselves are pure functions in ``zhichao.domain.screening``; this module only gathers
their inputs and stores what they say, inside the ingest transaction.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta, tzinfo
from typing import Any

from zhichao.domain.screening import (
    Device,
    Flag,
    NearbyPassage,
    Passage,
    ScreeningPolicy,
    double_capture,
    handled_on_site,
    permit,
    screen,
)
from zhichao.services.ports import FlagRow, IngestTransaction, NewRecord, StationInfo


def device_of(station: StationInfo) -> Device:
    return Device(station.cert_valid_from, station.cert_valid_to, station.speed_min_kmh, station.speed_max_kmh,
                  station.suspended_since)


def passage_of(row: NewRecord, tz: tzinfo) -> Passage:
    """The rules' view of a stored row (built for every ingested record: kept to plain tuple work)."""
    images = row.images
    return Passage(
        row.station_id, row.lane, row.captured_at, row.captured_at.astimezone(tz).date(),
        row.plate, row.plate_raw, row.plate_confidence, row.speed_kmh, row.gross_weight_kg,
        tuple(row.axle_weights_kg), tuple(row.flags) if row.flags else (),
        tuple([i["kind"] for i in images]) if images else (), row.video is not None,
    )


def record_flags(row: NewRecord, device: Device, policy: ScreeningPolicy, tz: tzinfo) -> tuple[Flag, ...]:
    """The record-only rules (certificate, plate, speed, controller flags, weights)."""
    return screen(passage_of(row, tz), device, policy)


def flag_rows(station_id: str, record_id: str, flags: Sequence[Flag]) -> list[FlagRow]:
    return [FlagRow(station_id, record_id, f.code, f.blocking, f.detail) for f in flags]


def _rows(row: NewRecord, flags: Sequence[Flag]) -> list[FlagRow]:
    return flag_rows(row.station_id, row.record_id, flags)


def passage_of_view(record: dict[str, Any], tz: tzinfo) -> Passage:
    """A ``Passage`` from a record as the API shows it (``RecordReader.one``)."""
    captured = datetime.fromisoformat(record["captured_at"])
    return Passage(
        record["station_id"], record["lane"], captured, captured.astimezone(tz).date(), record["plate"],
        record["plate_raw"], record["plate_confidence"], record["speed_kmh"], record["gross_weight_kg"],
        tuple(record["axle_weights_kg"]), tuple(record["flags"] or ()),
        tuple(i["kind"] for i in record["images"] or ()), record["video"] is not None,
    )


def context_flags(tx: IngestTransaction, rows: Sequence[NewRecord], station: StationInfo,
                  policy: ScreeningPolicy, tz: tzinfo) -> list[FlagRow]:
    """The rules that look beyond the record, for the actionable ones among ``rows`` (all stored)."""
    if not rows:
        return []
    plates = sorted({r.plate for r in rows if r.plate})
    if not plates:
        return []
    first, last = min(r.captured_at for r in rows), max(r.captured_at for r in rows)
    twin, same_act = timedelta(seconds=policy.double_capture_window_s), timedelta(seconds=policy.onsite_window_s)
    nearby = tx.nearby(station.station_id, plates, first - twin, last + twin)
    permits = tx.permits_for(plates)
    handlings = tx.onsite_for(plates, first - same_act, last + same_act)
    out: list[FlagRow] = []
    for row in rows:
        p = passage_of(row, tz)
        found = [permit(p, [x for x in permits if x.plate == row.plate], station.road),
                 handled_on_site(p, [h for h in handlings if h.plate == row.plate], policy)]
        out += _rows(row, [f for f in found if f is not None])
        out += _double_captures(row, [n for n in nearby if n.plate == row.plate], policy, tz)
    return out


def _double_captures(row: NewRecord, same_plate: Sequence[Any], policy: ScreeningPolicy,
                     tz: tzinfo) -> list[FlagRow]:
    """Of two captures of one crossing, the later one is the double, whichever arrived first."""
    out: list[FlagRow] = []
    this = passage_of(row, tz)
    for other in same_plate:
        if other.record_id == row.record_id:
            continue
        seen = NearbyPassage(f"{other.station_id}/{other.record_id}", other.lane, other.captured_at, other.plate)
        if (other.captured_at, other.record_id) < (row.captured_at, row.record_id):
            flag = double_capture(this, [seen], policy)
            flagged = (row.station_id, row.record_id)
        else:  # the stored one is the later capture: it is the double, judged against this record
            mine = NearbyPassage(f"{row.station_id}/{row.record_id}", row.lane, row.captured_at, row.plate)
            flag = double_capture(this._replace(lane=other.lane, captured_at=other.captured_at), [mine], policy)
            flagged = (other.station_id, other.record_id)
        if flag is not None:
            out += flag_rows(*flagged, [flag])
    return out


def flags_of_view(record: dict[str, Any], station: StationInfo | None, policy: ScreeningPolicy,
                  tz: tzinfo) -> list[dict[str, Any]]:
    """The record-only rules' flags for a record as the API shows it."""
    device = device_of(station) if station else Device(None, None, None, None)
    return [{"code": f.code, "blocking": f.blocking, "detail": f.detail}
            for f in screen(passage_of_view(record, tz), device, policy)]
