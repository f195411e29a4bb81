"""Accept a batch of WIM records: validate each, judge it, store it with its counters, in one commit.

Every ingest path — HTTP, MQTT, file import, the simulator — calls ``accept_batch`` with the raw
bytes it received. A batch is acknowledged (the function returns) only after its transaction has
committed; rejected records are committed in the same transaction, with their raw bytes and reasons.
"""

from __future__ import annotations

import time
from collections import defaultdict
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field, fields
from datetime import UTC, datetime, timedelta, tzinfo
from zoneinfo import ZoneInfo

import msgspec

from zhichao.domain.entrance import Entry, entered_elsewhere, refusal_reason
from zhichao.domain.judge import judge, over_highway_line
from zhichao.domain.limits import size_violations
from zhichao.domain.plates import normalize_plate
from zhichao.domain.rulesets import RuleSet
from zhichao.domain.screening import ScreeningPolicy
from zhichao.domain.vehicles import Vehicle, parse_axle_groups
from zhichao.services.errors import FieldError, InvalidInput, NotFound, PayloadTooLarge
from zhichao.services.ports import (
    CountKey,
    Counts,
    DayKey,
    FlagRow,
    IngestStore,
    IngestTransaction,
    NewRecord,
    Rejection,
    StationInfo,
)
from zhichao.services.screening import context_flags, device_of, flag_rows, record_flags
from zhichao.services.wire import FIELD_RULES, WireRecord, control_characters, decode_record

_envelope = msgspec.json.Decoder(list[msgspec.Raw])
_ONE_OR_MANY = msgspec.json.Decoder(msgspec.Raw)
GROSS_100T_KG = 100_000  # 百吨王: a headline statistic (LEGAL.md §2)
GROSS_80T_KG = 80_000  # the province asks what share of trucks of 80 t or more was reviewed (KPIS.md)
SHANGHAI = ZoneInfo("Asia/Shanghai")


@dataclass(frozen=True, slots=True)
class IngestPolicy:
    rules: RuleSet
    max_batch_records: int = 1000
    future_skew: timedelta = timedelta(minutes=10)
    screening: ScreeningPolicy = field(default_factory=ScreeningPolicy)
    tz: tzinfo = SHANGHAI  # where "the capture date" is reckoned (certificate validity)
    entrance_window: timedelta = timedelta(hours=24)  # a refused truck entering elsewhere within it is flagged
    # called after each commit that stored records (the live alert engine's wake-up); must return at once
    after_commit: Callable[[], None] | None = None
    # called with (source, result, seconds) after each batch that was stored (the process's metrics); must not raise
    on_result: Callable[[str, BatchResult, float], None] | None = None


@dataclass(slots=True)
class BatchResult:
    accepted: int = 0
    duplicates: int = 0
    rejected: list[dict[str, object]] = field(default_factory=list)
    # record_ids stored by this batch (not part of the answer): MQTT splits a merged batch's counts per message
    stored: list[str] = field(default_factory=list)

    def as_contract(self) -> dict[str, object]:
        return {"accepted": self.accepted, "duplicates": self.duplicates, "rejected": self.rejected}


def split_batch(body: bytes, *, allow_single: bool = False) -> list[bytes]:
    """The records of a batch body, each as its raw bytes. MQTT may send one record, not an array."""
    stripped = body.lstrip()
    try:
        if allow_single and stripped[:1] == b"{":
            return [bytes(_ONE_OR_MANY.decode(body))]
        return [bytes(raw) for raw in _envelope.decode(body)]
    except (msgspec.DecodeError, msgspec.ValidationError):
        raise InvalidInput("not_a_json_array", "请求体必须是 JSON 数组，每个元素是一条过车记录") from None


def mpe_permille(accuracy_class: str | None) -> int:
    """The in-service maximum permissible error of a JJG 907-2006 class, in tenths of a percent.

    Class N is taken as ±N % of the gross (class 5 → 50 ‰, class 0.5 → 5 ‰). Used only when the
    rule set deducts it (default off; LEGAL.md §3 [L]). An unknown class deducts nothing.
    """
    try:
        return round(float(accuracy_class or 0) * 10)
    except ValueError:
        return 0


def _cross_field_errors(rec: WireRecord, station: StationInfo, now: datetime, skew: timedelta) -> list[FieldError]:
    errors: list[FieldError] = []
    if rec.station_id != station.station_id:
        errors.append(FieldError("station_id", f"与请求路径中的站点 {station.station_id} 不一致", "mismatch"))
    if rec.lane > station.lanes:
        errors.append(FieldError("lane", f"该站点只有 {station.lanes} 条车道", "unknown_lane"))
    if len(rec.axle_weights_kg) != rec.axle_count:
        errors.append(FieldError("axle_weights_kg", "轴重个数必须等于 axle_count", "mismatch"))
    if rec.axle_groups is not None and sum(parse_axle_groups(rec.axle_groups)) != rec.axle_count:
        errors.append(FieldError("axle_groups", "各轴组轴数之和必须等于 axle_count", "mismatch"))
    if rec.axle_spacings_mm is not None and len(rec.axle_spacings_mm) != rec.axle_count - 1:
        errors.append(FieldError("axle_spacings_mm", "轴距个数必须等于 axle_count − 1", "mismatch"))
    if rec.captured_at - now > skew:
        errors.append(FieldError("captured_at", "过车时间晚于接收时间，请检查设备时钟", "in_future"))
    errors += [FieldError(name, FIELD_RULES[name], "invalid") for name in control_characters(rec)]
    return errors


def judged_row(rec: WireRecord, now: datetime, rules: RuleSet, mpe: int) -> NewRecord:
    """The row stored for a valid record: what the station sent, normalised, with its verdict."""
    plate = normalize_plate(rec.plate)
    groups = parse_axle_groups(rec.axle_groups) if rec.axle_groups else None
    vehicle = Vehicle(
        rec.axle_count, rec.gross_weight_kg, groups, rec.vehicle_type, rec.drive_axle,
        rec.length_mm, rec.width_mm, rec.height_mm,
    )
    v = judge(vehicle, rules, mpe)
    sizes = size_violations(rec.length_mm, rec.width_mm, rec.height_mm)
    return NewRecord(
        rec.station_id, rec.record_id, rec.lane, rec.captured_at.astimezone(UTC), now,
        plate.text, rec.plate, rec.plate_color or plate.color or "unknown", rec.plate_confidence,
        rec.speed_kmh, rec.axle_count, rec.axle_weights_kg, rec.gross_weight_kg,
        rec.axle_groups, rec.vehicle_type, rec.drive_axle, rec.axle_spacings_mm,
        rec.length_mm, rec.width_mm, rec.height_mm, rec.direction,
        msgspec.to_builtins(rec.images) if rec.images else None,
        msgspec.to_builtins(rec.video) if rec.video else None,
        rec.flags or None, ",".join(sizes) or None,
        v.rule_set, v.limit_kg, v.limit_basis, v.limit_inferred, v.overload_kg, v.overload_rate_x100,
        v.overloaded, v.actionable, v.fine_yuan, v.warning_only, v.legal_basis, v.band,
    )


def count_rows(rows: list[NewRecord]) -> dict[CountKey, Counts]:
    """Counter deltas for stored rows, keyed by station × UTC hour × axle count × band."""
    counts: dict[tuple[str, int, int, int], Counts] = defaultdict(Counts)
    for r in rows:
        # Whole hours since the epoch: UTC hours, cheaper than building a datetime per row.
        c = counts[(r.station_id, int(r.captured_at.timestamp()) // 3600, r.axle_count, r.band)]
        c.trucks += 1
        c.overloaded += r.overloaded
        c.actionable += r.actionable
        c.over_highway_line += over_highway_line(r.gross_weight_kg, r.limit_kg)
        c.gross_100t += r.gross_weight_kg >= GROSS_100T_KG
        c.gross_80t += r.gross_weight_kg >= GROSS_80T_KG
        c.plate_unread += not r.plate
        c.gross_kg_sum += r.gross_weight_kg
        c.overload_kg_sum += r.overload_kg
    return {CountKey(s, datetime.fromtimestamp(h * 3600, UTC), a, b): c for (s, h, a, b), c in counts.items()}


_COUNT_NAMES = tuple(f.name for f in fields(Counts))


def day_counts(hourly: Mapping[CountKey, Counts], tz: tzinfo) -> dict[DayKey, Counts]:
    """The hourly deltas summed by station × local day × band: a quarter of them is a hundred thousand
    rows where the hourly ones are millions (docs/benchmarks.md, "KPI dashboard")."""
    days: dict[DayKey, Counts] = defaultdict(Counts)
    local = {hour: hour.astimezone(tz).date() for hour in {k.hour for k in hourly}}
    for key, c in hourly.items():
        d = days[DayKey(key.station_id, local[key.hour], key.band)]
        for name in _COUNT_NAMES:
            setattr(d, name, getattr(d, name) + getattr(c, name))
    return dict(days)


def _rejection(station_id: str, now: datetime, source: str, index: int, raw: bytes,
               errors: list[FieldError]) -> tuple[Rejection, dict[str, object]]:
    record_id = _record_id_of(raw)
    shown = [e.as_dict() for e in errors]
    stored = Rejection(station_id, now, source, index, record_id, raw, shown)
    return stored, {"index": index, "record_id": record_id, "errors": shown}


def _record_id_of(raw: bytes) -> str | None:
    try:
        value = msgspec.json.decode(raw)
    except msgspec.DecodeError:
        return None
    rid = value.get("record_id") if isinstance(value, dict) else None
    # echoed in the answer and kept as a column; a control character (NUL cannot be stored) is dropped, the raw
    # bytes keep it
    return "".join(ch for ch in rid[:64] if ch.isprintable()) if isinstance(rid, str) else None


@dataclass(slots=True)
class _Batch:
    """One batch on its way through ``accept_batch``: what has been judged, refused and repeated."""

    station: StationInfo
    now: datetime
    policy: IngestPolicy
    source: str
    result: BatchResult = field(default_factory=BatchResult)
    rejections: list[Rejection] = field(default_factory=list)
    flags: dict[str, list[FlagRow]] = field(default_factory=dict)
    judged: int = 0

    def rows(self, raws: list[bytes]) -> Iterator[NewRecord]:
        """The valid, judged rows, produced lazily so the database can take each one as it comes."""
        seen: set[str] = set()
        mpe = mpe_permille(self.station.accuracy_class)
        device, screening, tz = device_of(self.station), self.policy.screening, self.policy.tz
        for index, raw in enumerate(raws):
            rec = decode_record(raw)
            errors = rec if isinstance(rec, list) else _cross_field_errors(
                rec, self.station, self.now, self.policy.future_skew)
            if errors:
                self._reject(index, raw, errors)
            elif isinstance(rec, WireRecord) and rec.record_id in seen:
                self.result.duplicates += 1
            elif isinstance(rec, WireRecord):
                seen.add(rec.record_id)
                self.judged += 1
                row = judged_row(rec, self.now, self.policy.rules, mpe)
                found = record_flags(row, device, screening, tz)
                # Every record is screened; the flags are kept with the records people will review.
                # For the others they follow from the record and the registry whenever asked
                # (services/records.get_record), so storing them would only slow ingest.
                if found and row.actionable:
                    self.flags[row.record_id] = flag_rows(row.station_id, row.record_id, found)
                yield row

    def _reject(self, index: int, raw: bytes, errors: list[FieldError]) -> None:
        stored, shown = _rejection(self.station.station_id, self.now, self.source, index, raw, errors)
        self.rejections.append(stored)
        self.result.rejected.append(shown)


def accept_batch(store: IngestStore, station_id: str, body: bytes, *, now: datetime,
                 policy: IngestPolicy, source: str = "http", allow_single: bool = False) -> BatchResult:
    """Validate, judge and store one batch; return what was accepted, duplicated and rejected.

    Records are decoded and judged while the transaction streams them to the database, so on
    PostgreSQL the server indexes one row while Python prepares the next.
    """
    started = time.perf_counter()
    station = store.station(station_id)
    if station is None:
        raise NotFound("unknown_station", f"站点 {station_id} 未登记")
    try:
        raws = _records_of(body, policy, allow_single)
    except (InvalidInput, PayloadTooLarge) as exc:
        _keep_unreadable(store, station_id, body, exc, now=now, source=source)
        raise
    batch = _Batch(station, now, policy, source)
    with store.transaction() as tx:
        new_rows = tx.insert_new_records(batch.rows(raws))
        if new_rows:
            hourly = count_rows(new_rows)
            tx.add_counts(hourly)
            tx.add_day_counts(day_counts(hourly, policy.tz))
            _screen_new(tx, batch, new_rows)
        if batch.rejections:
            tx.add_rejections(batch.rejections)
        latest = max((r.captured_at for r in new_rows), default=None)
        tx.touch_station(station_id, latest, now)
    if new_rows and policy.after_commit is not None:
        policy.after_commit()
    batch.result.accepted = len(new_rows)
    batch.result.stored = [r.record_id for r in new_rows]
    batch.result.duplicates += batch.judged - len(new_rows)
    if policy.on_result is not None:
        policy.on_result(source, batch.result, time.perf_counter() - started)
    return batch.result


def _screen_new(tx: IngestTransaction, batch: _Batch, new_rows: list[NewRecord]) -> None:
    """Flags of the records stored just now, and the review queue for the actionable ones — at enforcement
    sites only: an entrance scale turns overloaded trucks back on the spot, a freight source's scale
    records departures; neither makes off-site cases."""
    if batch.station.kind == "highway":
        _entrance(tx, batch, new_rows)
    if batch.station.kind != "site":
        return
    flags = [f for r in new_rows for f in batch.flags.get(r.record_id, ())]
    actionable = [r for r in new_rows if r.actionable]
    flags += context_flags(tx, actionable, batch.station, batch.policy.screening, batch.policy.tz)
    if flags:
        tx.add_flags(flags, batch.now)
    if actionable:
        tx.queue_reviews(actionable, batch.now)


def _entrance(tx: IngestTransaction, batch: _Batch, new_rows: list[NewRecord]) -> None:
    """Refusals (劝返) of the trucks over the entrance line, and the refused trucks that entered here."""
    refused, entries = [], []
    for r in new_rows:
        reason = refusal_reason(r.gross_weight_kg, r.limit_kg, r.flags)
        if reason:
            refused.append({"station_id": r.station_id, "record_id": r.record_id, "plate": r.plate,
                            "captured_at": r.captured_at, "reason": reason, "gross_weight_kg": r.gross_weight_kg,
                            "limit_kg": r.limit_kg})
        elif reason is None and r.plate:
            entries.append(Entry(r.station_id, r.record_id, r.plate, r.captured_at))
    tx.add_refusals(refused)
    if entries:
        window = batch.policy.entrance_window
        first, last = min(e.at for e in entries), max(e.at for e in entries)
        found = tx.open_refusals([e.plate for e in entries], first - window, last)
        tx.mark_entered(entered_elsewhere(found, entries, window))


def _records_of(body: bytes, policy: IngestPolicy, allow_single: bool) -> list[bytes]:
    raws = split_batch(body, allow_single=allow_single)
    if not raws:
        raise InvalidInput("empty_batch", "批次中没有记录（每批 1–1000 条）")
    if len(raws) > policy.max_batch_records:
        raise PayloadTooLarge("too_many_records", f"每批最多 {policy.max_batch_records} 条记录，收到 {len(raws)} 条")
    return raws


def _keep_unreadable(store: IngestStore, station_id: str, body: bytes, error: InvalidInput | PayloadTooLarge,
                     *, now: datetime, source: str) -> None:
    """Keep a batch that was refused as a whole, with its reason, for audit."""
    reason = [{"field": "", "message": error.message, "code": error.code}]
    with store.transaction() as tx:
        tx.add_rejections([Rejection(station_id, now, source, None, None, body, reason)])
