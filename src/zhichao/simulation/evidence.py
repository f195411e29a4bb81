"""Placeholder evidence images for simulated passages.

A station names each image in the record by its SHA-256 and uploads the bytes separately (API.md §2).
The simulator's "photos" are small SVG cards drawn from the record itself, so their bytes can be
rebuilt at any time from the record alone: ``evidence_files(record)`` returns exactly the files the
record names, ready for ``PUT .../evidence/{sha256}``.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

CONTENT_TYPE = "image/svg+xml"
KIND_LABELS = {"plate": "车牌", "front": "车头", "side": "侧面", "rear": "车尾", "overview": "全景"}
# Each card is a fixed head per kind followed by a body shared by all images of the passage, so the
# body is formatted once per record (the simulator must stay fast).
_HEADS = {
    kind: ('<svg xmlns="http://www.w3.org/2000/svg" width="640" height="360">'
           '<rect width="640" height="360" fill="#1f2933"/>'
           f'<text x="24" y="120" fill="#fff" font-size="24">模拟{label}照片</text>').encode()
    for kind, label in KIND_LABELS.items()
}


@dataclass(frozen=True, slots=True)
class EvidenceFile:
    kind: str
    sha256: str
    content_type: str
    content: bytes


def _escape(text: str) -> str:
    if "&" in text or "<" in text or ">" in text:
        return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    return text


def card_body(station_id: str, record_id: str, captured_at: str, plate: str, gross_kg: int) -> bytes:
    """The part of every card of one passage that describes the passage."""
    return (
        f'<text x="24" y="60" fill="#f5d90a" font-size="40">{_escape(plate) or "未识别"}</text>'
        f'<text x="24" y="160" fill="#9aa5b1" font-size="18">{_escape(station_id)} {captured_at} '
        f'{gross_kg} kg</text><text x="24" y="190" fill="#9aa5b1" font-size="14">{_escape(record_id)}'
        "</text></svg>"
    ).encode()


def image_refs(kinds: Sequence[str], body: bytes) -> list[dict[str, str]]:
    """The record's `images` entries for the cards of `kinds` sharing `body`."""
    return [{"kind": kind, "sha256": hashlib.sha256(_HEADS[kind] + body).hexdigest(),
             "content_type": CONTENT_TYPE} for kind in kinds]


def evidence_files(record: Mapping[str, object]) -> list[EvidenceFile]:
    """Rebuild the bytes of every image a simulated record names."""
    images = record.get("images")
    if not isinstance(images, list):
        return []
    gross = record["gross_weight_kg"]
    assert isinstance(gross, int)
    body = card_body(str(record["station_id"]), str(record["record_id"]), str(record["captured_at"]),
                     str(record["plate"]), gross)
    files = []
    for image in images:
        content = _HEADS[image["kind"]] + body
        files.append(EvidenceFile(image["kind"], hashlib.sha256(content).hexdigest(), CONTENT_TYPE, content))
    return files
