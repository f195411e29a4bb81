"""Evidence photos for simulated passages: real JPEGs, unique per record, cheap enough for bulk traffic.

A station names each image in the record by its SHA-256 and uploads the bytes separately (API.md §2),
and the platform accepts only JPEG, PNG and MP4 whose bytes match the hash and the declared type. The
simulator makes hundreds of thousands of records, and a record's hashes are part of it, so no picture
is rendered per record. Once per process one base JPEG is rendered per kind (a dark roadside scene with
a truck, captioned 「模拟…照片」) and one plate crop per plate colour; a record's image is its base with a
JPEG comment segment (COM: station, record id, time, plate, gross) inserted after the JFIF header. Every
decoder shows the base picture, the bytes and hash are unique per record, and ``evidence_files(record)``
rebuilds exactly the bytes a record names.

The plate crop does not show the plate's characters: rendering them costs ~0.5 ms per plate (measured:
0.46 ms for 280×90 with Noto Sans CJK and JPEG encoding, 0.09 ms of it the encoding alone), ~10 s per
100 000 passages, four times the simulator's whole budget; the crop shows 「模拟车牌」 in the plate's colours.

Hashes are stable within a build of Pillow, libjpeg and the font; another build may encode the bases to
other bytes, so simulated records made elsewhere carry other hashes (the record ids are unchanged).
"""

from __future__ import annotations

import functools
import hashlib
import io
import struct
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from PIL import Image, ImageDraw, ImageFont

CONTENT_TYPE = "image/jpeg"
KIND_LABELS = {"plate": "车牌", "front": "车头", "side": "侧面", "rear": "车尾", "overview": "全景"}
KIND_ASCII = {"plate": "PLATE", "front": "FRONT", "side": "SIDE", "rear": "REAR", "overview": "OVERVIEW"}
CJK_FONT = Path("/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc")
SCENE_SIZE, PLATE_SIZE = (640, 360), (280, 90)
# Plate background and character colours by ``plate_color`` (GA 36: blue 小型, yellow 大型, black 外籍/港澳,
# white 警用, green / yellow-green 新能源 small / large).
PLATE_STYLES = {
    "blue": ((0, 70, 170), (245, 245, 245)), "yellow": ((246, 190, 0), (20, 20, 20)),
    "black": ((25, 25, 25), (245, 245, 245)), "white": ((238, 238, 238), (20, 20, 20)),
    "green": ((110, 200, 120), (20, 20, 20)), "yellow_green": ((170, 205, 60), (20, 20, 20)),
    "unknown": ((70, 72, 76), (150, 150, 150)),
}
_QUALITY = 70


@dataclass(frozen=True, slots=True)
class EvidenceFile:
    kind: str
    sha256: str
    content_type: str
    content: bytes


@functools.cache
def _font(size: int) -> ImageFont.FreeTypeFont | ImageFont.ImageFont:
    if CJK_FONT.exists():
        return ImageFont.truetype(str(CJK_FONT), size, index=2)  # index 2: Noto Sans CJK SC
    return ImageFont.load_default(size)


def _caption(chinese: str, ascii_text: str) -> str:
    return chinese if CJK_FONT.exists() else ascii_text


def _road(draw: ImageDraw.ImageDraw) -> None:
    width, height = SCENE_SIZE
    draw.rectangle((0, 0, width, height), fill=(18, 22, 30))
    draw.polygon([(0, height), (width, height), (380, 150), (260, 150)], fill=(52, 54, 58))
    for i in range(6):  # dashed centre line, closer dashes further away
        top = 150 + i * 36
        draw.line([(320, top), (320, top + 20)], fill=(200, 200, 190), width=2 + i)


def _truck_front(draw: ImageDraw.ImageDraw) -> None:
    draw.rectangle((235, 120, 405, 300), fill=(120, 36, 32))
    draw.rectangle((250, 135, 390, 195), fill=(40, 55, 70))  # windscreen
    for x in (262, 378):
        draw.ellipse((x - 12, 250, x + 12, 274), fill=(250, 236, 160))  # headlights


def _truck_side(draw: ImageDraw.ImageDraw) -> None:
    draw.rectangle((60, 130, 170, 270), fill=(120, 36, 32))  # cab
    draw.rectangle((180, 110, 600, 270), fill=(84, 92, 104))  # load box
    for x in (110, 250, 300, 480, 530, 580):
        draw.ellipse((x - 22, 252, x + 22, 296), fill=(12, 12, 12))


def _truck_rear(draw: ImageDraw.ImageDraw) -> None:
    draw.rectangle((225, 100, 415, 300), fill=(84, 92, 104))
    draw.line([(320, 100), (320, 300)], fill=(60, 66, 76), width=3)  # rear doors
    for x in (240, 400):
        draw.rectangle((x - 10, 280, x + 10, 292), fill=(220, 30, 30))  # tail lights


def _truck_overview(draw: ImageDraw.ImageDraw) -> None:
    draw.rectangle((285, 170, 355, 240), fill=(120, 36, 32))
    draw.rectangle((296, 245, 344, 252), fill=(200, 170, 60))  # the WIM strip across the lane


_TRUCKS: dict[str, Callable[[ImageDraw.ImageDraw], None]] = {
    "front": _truck_front, "side": _truck_side, "rear": _truck_rear, "overview": _truck_overview}


def _encode(image: Image.Image) -> tuple[bytes, bytes]:
    """The JPEG split where a record's comment goes: after SOI and the JFIF APP0 segment, which JFIF
    requires to come first (any decoder also accepts the comment right after SOI)."""
    buffer = io.BytesIO()
    image.save(buffer, "JPEG", quality=_QUALITY, optimize=True)
    data = buffer.getvalue()
    cut = 4 + struct.unpack_from(">H", data, 4)[0] if data[2:4] == b"\xff\xe0" else 2
    return data[:cut], data[cut:]


@functools.cache
def _scene(kind: str) -> tuple[bytes, bytes]:
    image = Image.new("RGB", SCENE_SIZE)
    draw = ImageDraw.Draw(image)
    _road(draw)
    _TRUCKS[kind](draw)
    text = _caption(f"模拟{KIND_LABELS[kind]}照片", f"SIMULATED {KIND_ASCII[kind]} PHOTO")
    draw.text((16, 12), text, font=_font(22), fill=(225, 225, 225))
    return _encode(image)


@functools.cache
def _plate(colour: str) -> tuple[bytes, bytes]:
    background, ink = PLATE_STYLES.get(colour, PLATE_STYLES["unknown"])
    image = Image.new("RGB", PLATE_SIZE, (30, 30, 30))
    draw = ImageDraw.Draw(image)
    draw.rounded_rectangle((6, 6, 273, 83), radius=8, fill=background, outline=ink, width=3)
    text = _caption("模拟车牌", "SIMULATED") if colour != "unknown" else _caption("车牌未识别", "UNREAD")
    left, top, right, bottom = draw.textbbox((0, 0), text, font=_font(40))  # centred, for any font
    draw.text(((PLATE_SIZE[0] - right - left) / 2, (PLATE_SIZE[1] - bottom - top) / 2), text,
              font=_font(40), fill=ink)
    return _encode(image)


def _base(kind: str, plate_color: str) -> tuple[bytes, bytes]:
    return _plate(plate_color) if kind == "plate" else _scene(kind)


def card_body(station_id: str, record_id: str, captured_at: str, plate: str, gross_kg: int) -> bytes:
    """The JPEG comment segment (FF FE, length, UTF-8 text) shared by every image of one passage."""
    text = (f"zhichao simulated evidence; station={station_id}; record={record_id}; captured_at={captured_at}; "
            f"plate={plate or '未识别'}; gross_kg={gross_kg}").encode()
    return b"\xff\xfe" + struct.pack(">H", len(text) + 2) + text


def image_refs(kinds: Sequence[str], body: bytes, plate_color: str = "unknown") -> list[dict[str, str]]:
    """The record's `images` entries for the photos of `kinds` carrying comment `body`."""
    refs = []
    for kind in kinds:
        head, tail = _base(kind, plate_color)
        refs.append({"kind": kind, "sha256": hashlib.sha256(head + body + tail).hexdigest(),
                     "content_type": CONTENT_TYPE})
    return refs


def evidence_files(record: Mapping[str, object]) -> list[EvidenceFile]:
    """Rebuild the bytes of every image a simulated record names."""
    images = record.get("images")
    if not isinstance(images, list):
        return []
    gross = record["gross_weight_kg"]
    assert isinstance(gross, int)
    body = card_body(str(record["station_id"]), str(record["record_id"]), str(record["captured_at"]),
                     str(record["plate"]), gross)
    colour = str(record.get("plate_color", "unknown"))
    files = []
    for image in images:
        head, tail = _base(image["kind"], colour)
        content = head + body + tail
        files.append(EvidenceFile(image["kind"], hashlib.sha256(content).hexdigest(), CONTENT_TYPE, content))
    return files
