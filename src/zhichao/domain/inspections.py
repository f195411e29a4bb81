"""On-site inspections (检查记录) and KPI 2, the share recorded with handheld enforcement; pure.

An officer who stops a truck records where, when, what was found (``RESULTS``), the weight on a portable
scale if one was used, photos and the party's signature. ``channel`` says how the record reached the
platform: ``handheld`` from the officers' mobile page (掌上执法), ``desk`` typed in by desk staff from
paper. KPI 2 (KPIS.md):

    掌上执法检查占比 = inspections recorded through the mobile page ÷ all inspections recorded

``check_inspection`` refuses a field with ``InvalidInspection`` (a stable ``code``, a Chinese message); it
reads no clock: ``now`` is an argument. A phone's queue may send a record days later, so a handheld record
may be up to ``MAX_AGE[HANDHELD]`` old; desk staff enter paper records up to ``MAX_AGE[DESK]`` old.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from zhichao.domain.errors import DomainError
from zhichao.domain.kpis import KpiValue, target
from zhichao.domain.plates import normalize_plate

HANDHELD, DESK = "handheld", "desk"
CHANNELS = {HANDHELD: "掌上执法", DESK: "案头录入"}
RESULTS = {"compliant": "合规", "unloaded": "超限已卸载", "overload_case": "超限已立案",
           "not_found": "未找到车辆", "other": "其他"}
HANDHELD_SHARE = "handheld_inspection_share"
HANDHELD_RULE = "通过掌上执法页面记录的现场检查数 ÷ 记录的全部现场检查数"
MAX_AGE = {HANDHELD: timedelta(days=7), DESK: timedelta(days=90)}
FUTURE_SKEW = timedelta(minutes=5)  # a phone's clock may run a little ahead
MAX_PLACE_CHARS, MAX_CARGO_CHARS, MAX_NOTE_CHARS = 128, 64, 1000
MAX_WEIGHT_KG = 200_000  # no road vehicle weighs more; a larger figure is a typing slip (kg for t)
MAX_PHOTOS = 4
_CLIENT_ID = re.compile(r"[A-Za-z0-9-]{8,64}")
_SHA256 = re.compile(r"[0-9a-f]{64}")


class InvalidInspection(DomainError):
    """An inspection field cannot be accepted; ``code`` says which and why."""

    code = "invalid_inspection"

    def __init__(self, code: str, message: str, details: dict[str, object] | None = None) -> None:
        super().__init__(message)
        self.code = code
        self.details = details


@dataclass(frozen=True, slots=True)
class Inspection:
    """An inspection as recorded (what the client sent, normalised); the service adds who, where and when."""

    client_id: str
    channel: str
    plate: str
    plate_raw: str
    inspected_at: datetime
    place: str
    result: str
    measured_weight_kg: int | None
    cargo: str | None
    note: str | None
    photos: tuple[str, ...]
    signature_sha256: str | None
    lat: float | None
    lon: float | None


def _text(value: str | None, field: str, label: str, limit: int, *, required: bool = False) -> str | None:
    text = (value or "").strip()
    if required and not text:
        raise InvalidInspection(f"invalid_{field}", f"请填写{label}")
    if len(text) > limit:
        raise InvalidInspection(f"invalid_{field}", f"{label}最多 {limit} 个字，现有 {len(text)} 个字",
                                {"chars": len(text), "max_chars": limit})
    return text or None


def _when(at: datetime, channel: str, now: datetime) -> datetime:
    if at.tzinfo is None:
        raise InvalidInspection("invalid_time", "检查时间须带时区，如 2026-11-26T14:00:00+08:00")
    if at > now + FUTURE_SKEW:
        raise InvalidInspection("inspected_in_future", "检查时间晚于当前时间，请核对手机时间")
    if at < now - MAX_AGE[channel]:
        days = MAX_AGE[channel].days
        raise InvalidInspection("inspected_too_long_ago",
                                f"检查时间早于 {days} 天前，{CHANNELS[channel]}不能补录这么早的记录",
                                {"max_age_days": days})
    return at.replace(microsecond=0)


def _position(lat: float | None, lon: float | None) -> None:
    if (lat is None) != (lon is None):
        raise InvalidInspection("invalid_position", "经纬度须同时提供")
    if lat is not None and lon is not None and not (-90 <= lat <= 90 and -180 <= lon <= 180):
        raise InvalidInspection("invalid_position", "经纬度超出范围", {"lat": lat, "lon": lon})


def check_weight(weight_kg: int | None) -> int | None:
    """The portable scale's reading in kg (None when no scale was used)."""
    if weight_kg is not None and not 0 < weight_kg <= MAX_WEIGHT_KG:
        raise InvalidInspection("invalid_weight",
                                f"称重结果应为 1–{MAX_WEIGHT_KG} 千克（最多 200 吨），收到 {weight_kg}",
                                {"measured_weight_kg": weight_kg, "max_kg": MAX_WEIGHT_KG})
    return weight_kg


def check_inspection(*, client_id: str, channel: str, plate: str, inspected_at: datetime, place: str, result: str,
                     now: datetime, measured_weight_kg: int | None = None, cargo: str | None = None,
                     note: str | None = None, photos: Sequence[str] = (), signature_sha256: str | None = None,
                     lat: float | None = None, lon: float | None = None) -> Inspection:
    """The inspection normalised, or ``InvalidInspection`` for the first field that is wrong."""
    if not _CLIENT_ID.fullmatch(client_id):
        raise InvalidInspection("invalid_client_id", "client_id 应为 8–64 位字母、数字或连字符")
    if channel not in CHANNELS:
        raise InvalidInspection("invalid_channel", "channel 须为 handheld（掌上执法）或 desk（案头录入）")
    read = normalize_plate(plate)
    if not read.well_formed:
        raise InvalidInspection("invalid_plate", f"车牌号格式不正确：{plate[:32]}，如 浙D12345", {"plate": plate[:32]})
    if result not in RESULTS:
        raise InvalidInspection("invalid_result", f"检查结果须为：{'、'.join(RESULTS.values())}",
                                {"result": result[:32]})
    if len(photos) > MAX_PHOTOS:
        raise InvalidInspection("too_many_photos", f"最多 {MAX_PHOTOS} 张现场照片，收到 {len(photos)} 张")
    if any(not _SHA256.fullmatch(p) for p in photos) or (signature_sha256 and not _SHA256.fullmatch(signature_sha256)):
        raise InvalidInspection("invalid_sha256", "照片或签名的 SHA-256 应为 64 位小写十六进制")
    _position(lat, lon)
    return Inspection(
        client_id, channel, read.text, plate.strip()[:32], _when(inspected_at, channel, now),
        _text(place, "place", "检查地点", MAX_PLACE_CHARS, required=True) or "", result,
        check_weight(measured_weight_kg),
        _text(cargo, "cargo", "货物", MAX_CARGO_CHARS), _text(note, "note", "备注", MAX_NOTE_CHARS),
        tuple(dict.fromkeys(photos)), signature_sha256, lat, lon)


def handheld_share(handheld: int, desk: int, year: int) -> KpiValue:
    """KPI 2: handheld inspections ÷ all inspections; None when none were recorded. The target is the
    plan's for ``year`` (a lower bound: the share should reach it)."""
    total = handheld + desk
    return KpiValue(HANDHELD_SHARE, handheld / total if total else None, target(HANDHELD_SHARE, year), handheld,
                    total, rule=HANDHELD_RULE)
