"""Evidence files: a station uploads the bytes a record names; people view them and take them away
as a package. Evidence is checked (hash, type from the bytes, size, structure) before it is stored,
and never overwritten: the database keeps the hash, the store keeps the bytes."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Protocol

from zhichao.domain.evidence import VIDEO_KIND, EvidenceLimits, check_evidence, normalise_content_type
from zhichao.services import plate_check, reviews
from zhichao.services.errors import InvalidInput, NotFound
from zhichao.services.ports import EvidenceStore, RecordReader

GENERIC_TYPES = frozenset({"", "application/octet-stream"})


class EvidenceRegistry(Protocol):
    def register(self, values: dict[str, Any], audit: dict[str, Any] | None = None) -> None: ...

    def info(self, sha256: str) -> dict[str, Any] | None: ...

    def clear_flag(self, station_id: str, record_id: str, code: str, now: datetime) -> None: ...


@dataclass(frozen=True, slots=True)
class EvidenceContext:
    store: EvidenceStore
    registry: EvidenceRegistry
    records: RecordReader
    reviews: reviews.ReviewContext
    limits: EvidenceLimits
    thumbnailer: Callable[[EvidenceStore, str], bytes | None]
    plate_check: plate_check.PlateCheckContext | None = None


def _named(record: dict[str, Any], sha256: str) -> tuple[str, str] | None:
    """(kind, declared content type) of the file ``sha256`` in the record, if it names it."""
    for image in record.get("images") or []:
        if image["sha256"] == sha256:
            return image["kind"], image["content_type"]
    video = record.get("video")
    if video and video["sha256"] == sha256:
        return VIDEO_KIND, video["content_type"]
    return None


def upload(ctx: EvidenceContext, station_id: str, record_id: str, sha256: str, data: bytes,
           header_type: str | None, *, now: datetime, origin: str = "api") -> dict[str, Any]:
    """Check and store one file a record names; answered only once it is stored and registered."""
    record = ctx.records.one(station_id, record_id)
    if record is None:
        raise NotFound("record_not_found", f"站点 {station_id} 没有编号为 {record_id} 的过车记录，请先上传记录")
    named = _named(record, sha256)
    if named is None:
        raise NotFound("evidence_not_named", f"记录 {record_id} 的 images/video 中没有 sha256 为 {sha256} 的文件")
    kind, declared = named
    facts = check_evidence(data, sha256, declared, kind, ctx.limits)
    sent = (header_type or "").split(";")[0].strip().lower()
    if sent not in GENERIC_TYPES and normalise_content_type(sent) != facts.content_type:
        raise InvalidInput("type_mismatch", f"请求头 Content-Type（{sent}）与文件内容（{facts.content_type}）不一致")
    stored = ctx.store.put(sha256, data, facts.content_type)
    audit = {"at": now, "actor": f"station:{station_id}", "origin": origin, "action": "evidence.upload",
             "subject": f"record:{station_id}/{record_id}",
             "details": {"sha256": sha256, "kind": kind, "content_type": facts.content_type,
                         "size_bytes": facts.size_bytes, "newly_stored": stored}}
    ctx.registry.register({"sha256": sha256, "content_type": facts.content_type, "size_bytes": facts.size_bytes,
                           "width": facts.width, "height": facts.height, "station_id": station_id,
                           "record_id": record_id, "received_at": now}, audit)
    if kind == "plate" and ctx.plate_check is not None:
        plate_check.enqueue(ctx.plate_check, station_id, record_id, now=now)
    if not reviews.evidence_flags(ctx.reviews, record, now, final=True):
        ctx.registry.clear_flag(station_id, record_id, "evidence_missing", now)
    return {"sha256": sha256, "kind": kind, "content_type": facts.content_type, "size_bytes": facts.size_bytes,
            "stored": stored}


def read(ctx: EvidenceContext, sha256: str) -> tuple[bytes, str]:
    """The bytes and content type of a registered file."""
    info = ctx.registry.info(sha256)
    if info is None:
        raise NotFound("evidence_not_found", f"没有 sha256 为 {sha256} 的证据文件")
    return ctx.store.get(sha256), str(info["content_type"])


def thumbnail(ctx: EvidenceContext, sha256: str) -> bytes:
    """A small JPEG of a registered image, made once and cached by the store."""
    read(ctx, sha256)  # registered evidence only
    thumb = ctx.thumbnailer(ctx.store, sha256)
    if thumb is None:
        raise NotFound("no_thumbnail", "视频没有缩略图")
    return thumb
