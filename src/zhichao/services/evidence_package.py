"""The evidence package of one record: photos, the verdict and its computation, the station and its
certificate, the screening flags and the review trail, with a SHA-256 manifest — one zip file.

``manifest.json`` lists every other file with its hash and size; ``manifest.sha256`` holds the same
hashes in ``sha256sum`` format (it covers ``manifest.json`` too), so anyone can check the package
with ordinary tools: ``sha256sum -c manifest.sha256``.
"""

from __future__ import annotations

import hashlib
import io
import json
import zipfile
from dataclasses import asdict, dataclass
from datetime import datetime
from typing import Any

from zhichao.domain.evidence import KIND_LABELS
from zhichao.domain.explain import explain_verdict
from zhichao.domain.rulesets import get_rule_set
from zhichao.services.errors import NotFound
from zhichao.services.evidence import EvidenceContext
from zhichao.services.ports import StationRepository, User, UserRepository

_EXTENSIONS = {"image/jpeg": "jpg", "image/png": "png", "video/mp4": "mp4"}


@dataclass(frozen=True, slots=True)
class PackageContext:
    evidence: EvidenceContext
    stations: StationRepository
    users: UserRepository


def _json(value: Any) -> bytes:
    return json.dumps(value, ensure_ascii=False, indent=2, default=str).encode()


def _photos(ctx: PackageContext, record: dict[str, Any]) -> tuple[list[tuple[str, bytes]], list[dict[str, str]]]:
    files, missing = [], []
    named = [(i["kind"], i["sha256"]) for i in record.get("images") or []]
    if record.get("video"):
        named.append(("video", record["video"]["sha256"]))
    for kind, sha in named:
        info = ctx.evidence.registry.info(sha)
        if info is None:
            missing.append({"kind": kind, "label": KIND_LABELS.get(kind, kind), "sha256": sha})
            continue
        files.append((f"photos/{kind}-{sha[:12]}.{_EXTENSIONS[info['content_type']]}", ctx.evidence.store.get(sha)))
    return files, missing


def _review(ctx: PackageContext, station_id: str, record_id: str) -> dict[str, Any]:
    repo = ctx.evidence.reviews.repo
    events = repo.events(station_id, record_id)
    names = ctx.users.display_names(sorted({e["actor_id"] for e in events}))
    trail = [{**e, "actor": names.get(e["actor_id"], str(e["actor_id"]))} for e in events]
    return {"item": repo.item(station_id, record_id), "trail": trail, "case": repo.case_for(station_id, record_id),
            "flags": repo.flags(station_id, record_id)}


def build_package(ctx: PackageContext, station_id: str, record_id: str, *, now: datetime,
                  requested_by: User) -> bytes:
    record = ctx.evidence.records.one(station_id, record_id)
    if record is None:
        raise NotFound("record_not_found", f"站点 {station_id} 没有编号为 {record_id} 的过车记录")
    station = ctx.stations.get(station_id)
    verdict = record["verdict"]
    explanation = explain_verdict(record["gross_weight_kg"], verdict, get_rule_set(verdict["rule_set"]))
    photos, missing = _photos(ctx, record)
    files = [("record.json", _json(record)), ("verdict.txt", ("\n".join(explanation) + "\n").encode()),
             ("station.json", _json(asdict(station) if station else None)),
             ("review.json", _json(_review(ctx, station_id, record_id))), *photos]
    manifest = {"station_id": station_id, "record_id": record_id, "generated_at": now.isoformat(),
                "generated_by": requested_by.username, "missing_evidence": missing,
                "files": [{"path": p, "sha256": hashlib.sha256(b).hexdigest(), "size_bytes": len(b)} for p, b in files]}
    files.append(("manifest.json", _json(manifest)))
    sums = "".join(f"{hashlib.sha256(b).hexdigest()}  {p}\n" for p, b in files)
    files.append(("manifest.sha256", sums.encode()))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        for path, data in files:
            method = zipfile.ZIP_STORED if path.startswith("photos/") else zipfile.ZIP_DEFLATED
            archive.writestr(zipfile.ZipInfo(path, date_time=now.timetuple()[:6]), data, compress_type=method)
    return out.getvalue()
