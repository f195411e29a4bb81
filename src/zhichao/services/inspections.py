"""On-site inspections (检查记录): recorded once per ``client_id``, listed, counted for KPI 2; and the plate
read from a photo for the officers' mobile page.

A phone queues what an officer records and sends it until an answer arrives, so the same inspection may
arrive twice (the answer to the first send was lost). ``record_inspection`` stores it once: a resend with
the same ``client_id`` and the same content answers the stored row with ``duplicate`` true; the same
``client_id`` with other content is a 409 ``client_id_conflict``. Photos (JPEG) and the party's signature
(PNG) arrive base64-encoded; they are checked by their bytes and put in the evidence store under their
SHA-256 before the transaction (write-once, so a refused or rolled-back record leaves at most an
unreferenced copy). The row and its audit entry ``inspection.record`` commit together.

Who: officers, leaders and admins record both channels; reviewers (desk staff) only ``desk`` records.
``handheld`` is accepted only when the caller declares it came from the mobile page (the page's script
sends ``X-Zhichao-Client: mobile``). That header is a declaration, not a proof: it is written to the
audit entry, so a handheld count built by scripts can be found afterwards.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import re
from collections.abc import Mapping, Sequence
from contextlib import AbstractContextManager
from dataclasses import dataclass, field
from datetime import date, datetime, tzinfo
from typing import Any, Protocol

from zhichao.domain.errors import ZhichaoError
from zhichao.domain.evidence import JPEG, PNG, EvidenceLimits, InvalidEvidence, check_evidence
from zhichao.domain.inspections import CHANNELS, DESK, HANDHELD, RESULTS, check_inspection, handheld_share
from zhichao.domain.kpis import KpiValue
from zhichao.domain.plate_check import best_plate
from zhichao.services.entrance import day_span
from zhichao.services.errors import Conflict, InvalidInput, NotFound, PermissionDenied, ServiceError
from zhichao.services.plate_check import PlateReader
from zhichao.services.ports import EvidenceStore, User

RECORD_ROLES = frozenset({"officer", "leader", "admin", "reviewer"})
HANDHELD_ROLES = frozenset({"officer", "leader", "admin"})  # the mobile pages' users
KiB = 1024
MAX_PHOTO_BYTES = 3 * 1024 * KiB  # the page sends photos scaled to 1280 px, some 200 KB
MAX_SIGNATURE_BYTES = 512 * KiB
MAX_BODY_BYTES = (4 * MAX_PHOTO_BYTES + MAX_SIGNATURE_BYTES) * 4 // 3 + 64 * KiB  # base64 + the JSON fields
MAX_OCR_BYTES = 8 * 1024 * KiB
_COUNTY = re.compile(r"\d{6}")
_SAME = ("channel", "officer_id", "plate", "inspected_at", "place", "result", "measured_weight_kg", "cargo", "note",
         "photos", "signature_sha256", "station_id", "lat", "lon", "alert_id")


class InspectionTransaction(Protocol):
    def add(self, row: Mapping[str, Any]) -> int | None: ...

    def by_client_id(self, client_id: str) -> dict[str, Any] | None: ...

    def audit(self, *, at: datetime, actor: str, origin: str, action: str, subject: str,
              details: Mapping[str, Any]) -> None: ...


class InspectionRepository(Protocol):
    def transaction(self) -> AbstractContextManager[InspectionTransaction]: ...

    def station_county(self, station_id: str) -> tuple[bool, str | None]: ...

    def duty(self, user_id: int) -> tuple[bool, str | None]: ...

    def duty_county(self, user_id: int) -> str | None: ...

    def inspection(self, inspection_id: int) -> dict[str, Any] | None: ...

    def inspections(self, start: datetime, end: datetime, county: str | None, channel: str | None,
                    officer_id: int | None, limit: int) -> list[dict[str, Any]]: ...

    def channel_counts(self, start: datetime, end: datetime, county: str | None) -> dict[str, int]: ...


@dataclass(frozen=True, slots=True)
class InspectionContext:
    repo: InspectionRepository
    store: EvidenceStore
    tz: tzinfo
    ocr: PlateReader | None = None


@dataclass(frozen=True, slots=True)
class InspectionRequest:
    """What a client sends (API: ``POST /api/v1/inspections``); checked by ``record_inspection``."""

    client_id: str
    plate: str
    place: str
    inspected_at: datetime
    result: str
    channel: str
    measured_weight_kg: int | None = None
    cargo: str | None = None
    note: str | None = None
    station_id: str | None = None
    county: str | None = None
    lat: float | None = None
    lon: float | None = None
    alert_id: int | None = None
    signature_png_base64: str | None = None
    photos_jpeg_base64: Sequence[str] = field(default=())


class OcrUnavailable(ServiceError):
    status = 503


def _decode(text: str, what: str) -> bytes:
    payload = text.split(",", 1)[1] if text.startswith("data:") else text  # a canvas gives a data: URL
    try:
        return base64.b64decode(payload, validate=True)
    except (binascii.Error, ValueError):
        raise InvalidInput("invalid_base64", f"{what}不是有效的 base64 编码") from None


def _image(data: bytes, content_type: str, what: str, limit: int, code: str) -> str:
    digest = hashlib.sha256(data).hexdigest()
    try:
        check_evidence(data, digest, content_type, "overview", EvidenceLimits(max_image_bytes=limit))
    except InvalidEvidence as refused:
        details: dict[str, object] = {"reason": refused.code}
        if isinstance(refused.details, dict):
            details.update(refused.details)
        raise InvalidInput(code, f"{what}：{refused.message}", details) from None
    return digest


def _files(req: InspectionRequest) -> list[tuple[str, bytes, str]]:
    """(sha256, bytes, content type) of the photos, then the signature; checked, not yet stored."""
    out = []
    for n, text in enumerate(req.photos_jpeg_base64[:4], 1):
        data = _decode(text, f"第 {n} 张照片")
        out.append((_image(data, JPEG, f"第 {n} 张照片不是有效的 JPEG", MAX_PHOTO_BYTES, "invalid_photo"), data, JPEG))
    if req.signature_png_base64:
        data = _decode(req.signature_png_base64, "签名")
        out.append((_image(data, PNG, "签名不是有效的 PNG", MAX_SIGNATURE_BYTES, "invalid_signature"), data, PNG))
    return out


def _county(ctx: InspectionContext, req: InspectionRequest, user: User) -> str | None:
    """The station's county, else the officer's duty area, else the county given."""
    if req.station_id:
        known, county = ctx.repo.station_county(req.station_id)
        if not known:
            raise InvalidInput("unknown_station", f"站点 {req.station_id[:32]} 不存在")
        return county
    on_duty = ctx.repo.duty_county(user.id)
    if on_duty:
        return on_duty
    if req.county and not _COUNTY.fullmatch(req.county):
        raise InvalidInput("invalid_county", "区县代码应为 6 位数字", {"county": req.county[:16]})
    return req.county or None


def _allowed(user: User, channel: str, from_mobile: bool) -> None:
    if user.role not in RECORD_ROLES:
        raise PermissionDenied("role_not_allowed", "该角色无权录入检查记录")
    if channel == HANDHELD and user.role not in HANDHELD_ROLES:
        raise PermissionDenied("role_not_allowed", "审核员只能案头录入检查记录（channel=desk）")
    if channel == HANDHELD and not from_mobile:
        raise InvalidInput("handheld_needs_mobile", "掌上执法记录只能从掌上执法页面提交；案头录入请用 channel=desk")


def record_inspection(ctx: InspectionContext, user: User, req: InspectionRequest, *, from_mobile: bool,
                      now: datetime, origin: str) -> tuple[dict[str, Any], bool]:
    """Store the inspection once; answers its view and whether it was a duplicate of a stored one.
    Every refusal (400 with the field's code, 403, 409 ``client_id_conflict``) stores nothing."""
    _allowed(user, req.channel, from_mobile)
    if len(req.photos_jpeg_base64) > 4:
        raise InvalidInput("too_many_photos", f"最多 4 张现场照片，收到 {len(req.photos_jpeg_base64)} 张")
    files = _files(req)
    signature = files[-1][0] if req.signature_png_base64 else None
    photos = [sha for sha, _, kind in files if kind == JPEG]
    found = check_inspection(client_id=req.client_id, channel=req.channel, plate=req.plate,
                             inspected_at=req.inspected_at, place=req.place, result=req.result, now=now,
                             measured_weight_kg=req.measured_weight_kg, cargo=req.cargo, note=req.note,
                             photos=photos, signature_sha256=signature, lat=req.lat, lon=req.lon)
    row = {"client_id": found.client_id, "channel": found.channel, "officer_id": user.id, "plate": found.plate,
           "plate_raw": found.plate_raw, "inspected_at": found.inspected_at, "place": found.place,
           "county_code": _county(ctx, req, user), "station_id": req.station_id or None, "lat": found.lat,
           "lon": found.lon, "result": found.result, "measured_weight_kg": found.measured_weight_kg,
           "limit_kg": None, "cargo": found.cargo, "note": found.note, "photos": list(found.photos),
           "signature_sha256": found.signature_sha256, "alert_id": req.alert_id, "created_at": now}
    for sha, data, kind in files:
        ctx.store.put(sha, data, kind)
    with ctx.repo.transaction() as tx:
        new_id = tx.add(row)
        stored = tx.by_client_id(found.client_id)
        if stored is None:  # cannot happen: the insert or an earlier one left it
            raise RuntimeError(f"inspection {found.client_id} neither inserted nor found")
        if new_id is None:
            if any(_norm(stored[k]) != _norm(row[k]) for k in _SAME):
                raise Conflict("client_id_conflict", "该 client_id 已用于另一条内容不同的检查记录，请勿重复使用",
                               {"client_id": found.client_id, "id": stored["id"]})
            return view(ctx, stored), True
        tx.audit(at=now, actor=f"user:{user.id}", origin=origin, action="inspection.record",
                 subject=f"inspection:{new_id}",
                 details={"client_id": found.client_id, "channel": found.channel, "plate": found.plate,
                          "result": found.result, "declared_client": "mobile" if from_mobile else "other",
                          "photos": len(found.photos), "signature": found.signature_sha256})
    return view(ctx, stored), False


def _norm(value: Any) -> Any:
    return value.timestamp() if isinstance(value, datetime) else value


def view(ctx: InspectionContext, row: Mapping[str, Any]) -> dict[str, Any]:
    """An inspection as the API shows it: local times, labels, the files' addresses."""
    base = f"/api/v1/inspections/{row['id']}/files/"
    out = {k: v for k, v in row.items() if k != "created_at"}
    out.update(inspected_at=row["inspected_at"].astimezone(ctx.tz).isoformat(),
               created_at=row["created_at"].astimezone(ctx.tz).isoformat(),
               result_label=RESULTS.get(row["result"], row["result"]),
               channel_label=CHANNELS.get(row["channel"], row["channel"]),
               photo_urls=[base + sha for sha in row["photos"]],
               signature_url=base + row["signature_sha256"] if row["signature_sha256"] else None)
    return out


def _check_period(start: date, end: date) -> None:
    if end < start or (end - start).days > 366:
        raise InvalidInput("invalid_period", "统计区间应为 1–367 天，且结束日期不早于开始日期")


def list_inspections(ctx: InspectionContext, start: date, end: date, *, county: str | None = None,
                     channel: str | None = None, officer_id: int | None = None, limit: int = 500
                     ) -> list[dict[str, Any]]:
    _check_period(start, end)
    if channel is not None and channel not in CHANNELS:
        raise InvalidInput("invalid_channel", "channel 须为 handheld 或 desk")
    lo, hi = day_span(ctx.tz, start, end)
    return [view(ctx, r) for r in ctx.repo.inspections(lo, hi, county, channel, officer_id, limit)]


def handheld_kpi(ctx: InspectionContext, start: date, end: date, county: str | None) -> KpiValue:
    """KPI 2 for the local days ``start``–``end`` and a county (None: the whole city)."""
    _check_period(start, end)
    lo, hi = day_span(ctx.tz, start, end)
    counts = ctx.repo.channel_counts(lo, hi, county)
    return handheld_share(counts.get(HANDHELD, 0), counts.get(DESK, 0), end.year)


def inspection_file(ctx: InspectionContext, inspection_id: int, sha256: str) -> tuple[bytes, str]:
    """A photo (JPEG) or the signature (PNG) of this inspection."""
    inspection = ctx.repo.inspection(inspection_id)
    if inspection is None:
        raise NotFound("inspection_not_found", f"检查记录 {inspection_id} 不存在")
    if sha256 in inspection["photos"]:
        return ctx.store.get(sha256), JPEG
    if sha256 == inspection["signature_sha256"]:
        return ctx.store.get(sha256), PNG
    raise NotFound("file_not_found", "该检查记录没有这个文件")


def read_plate(ctx: InspectionContext, image: bytes) -> dict[str, Any]:
    """The plate read from a photo by OCR (``plate`` None when nothing plate-like was read); 503
    ``ocr_not_installed`` on a machine without the optional OCR extra."""
    if not image:
        raise InvalidInput("empty_file", "照片为空，请重新拍摄")
    if len(image) > MAX_OCR_BYTES:
        raise InvalidInput("too_large", "照片超过 8 MB，请重新拍摄")
    unavailable = OcrUnavailable("ocr_not_installed", "本机未安装车牌识别，请手工输入")
    if ctx.ocr is None:
        raise unavailable
    try:
        lines = ctx.ocr.read(image)
    except ZhichaoError as missing:
        if missing.code == "ocr_not_installed":
            raise unavailable from None
        raise
    except OSError:
        raise InvalidInput("unreadable_image", "无法读取这张照片，请重新拍摄或手工输入") from None
    found = best_plate(lines)
    return {"plate": found[0] if found else None, "confidence": found[1] if found else None}
