"""The WIM record on the wire (contract §1), decoded with msgspec.

Fast path: one typed decode per record (~4 µs). Only a record that fails it takes the slow path,
which looks at every field and says, in Chinese, what is wrong with each (``explain``).

Leniencies, documented in docs/api.md: unknown fields are ignored (forward compatibility);
``null`` for an optional field means absent; an integer written with a zero fraction (``18000.0``)
is an integer, as JSON Schema 2020-12 says.
"""

from __future__ import annotations

import re
from datetime import datetime
from typing import Annotated, Any, Literal

import msgspec
from msgspec import Meta, Struct

from zhichao.services.errors import FieldError

RECORD_ID_PATTERN = r"^[A-Za-z0-9._:-]{1,64}$"
SHA256_PATTERN = r"^[0-9a-f]{64}$"
PlateColor = Literal["blue", "yellow", "black", "white", "green", "yellow_green", "unknown"]
VehicleTypeCode = Literal["rigid_truck", "centre_axle_train", "articulated_train", "full_trailer_train", "other"]
ImageKind = Literal["plate", "front", "side", "rear", "overview"]
# Upper bounds the schema leaves open, so that absurd values get a field error instead of failing in the
# database: 1 000 t is far above any road vehicle; 100 m is far above any vehicle dimension.
MAX_KG = 1_000_000
MAX_MM = 100_000
Kilograms = Annotated[int, Meta(ge=0, le=MAX_KG)]
# Free text may hold no control character (U+0000–U+001F, U+007F): none belongs in a plate, a direction or a
# content type, and PostgreSQL cannot store NUL at all (one would fail the whole batch in the database).
# Checked after the decode (``control_characters``): a pattern in the schema costs each record 2 µs.
_CONTROL = re.compile("[\x00-\x1f\x7f]")
Millimetres = Annotated[int, Meta(ge=0, le=MAX_MM)]


class WireImage(Struct, frozen=True):
    kind: ImageKind
    sha256: Annotated[str, Meta(pattern=SHA256_PATTERN)]
    content_type: Annotated[str, Meta(max_length=64)]


class WireVideo(Struct, frozen=True):
    sha256: Annotated[str, Meta(pattern=SHA256_PATTERN)]
    content_type: Annotated[str, Meta(max_length=64)]


class WireRecord(Struct, frozen=True):
    record_id: Annotated[str, Meta(pattern=RECORD_ID_PATTERN)]
    station_id: Annotated[str, Meta(min_length=1, max_length=32)]
    lane: Annotated[int, Meta(ge=1, le=16)]
    captured_at: Annotated[datetime, Meta(tz=True)]
    plate: Annotated[str, Meta(max_length=16)]
    speed_kmh: Annotated[float, Meta(ge=0, le=200)]
    axle_count: Annotated[int, Meta(ge=2, le=12)]
    axle_weights_kg: Annotated[list[Kilograms], Meta(min_length=2, max_length=12)]
    gross_weight_kg: Annotated[int, Meta(gt=0, le=MAX_KG)]
    plate_color: PlateColor | None = None
    plate_confidence: Annotated[float, Meta(ge=0, le=1)] | None = None
    axle_groups: Annotated[str, Meta(pattern=r"^[1-3](\+[1-3])*$")] | None = None
    vehicle_type: VehicleTypeCode | None = None
    drive_axle: Literal["single", "tandem"] | None = None
    axle_spacings_mm: Annotated[list[Millimetres], Meta(max_length=11)] | None = None
    length_mm: Millimetres | None = None
    width_mm: Millimetres | None = None
    height_mm: Millimetres | None = None
    direction: Annotated[str, Meta(max_length=32)] | None = None
    images: Annotated[list[WireImage], Meta(max_length=8)] | None = None
    video: WireVideo | None = None
    flags: Annotated[list[Annotated[str, Meta(max_length=64)]], Meta(max_length=16)] | None = None


_record_decoder = msgspec.json.Decoder(WireRecord)
_any_decoder = msgspec.json.Decoder()

INTEGER_FIELDS = ("lane", "axle_count", "gross_weight_kg", "length_mm", "width_mm", "height_mm")
INTEGER_LIST_FIELDS = ("axle_weights_kg", "axle_spacings_mm")
REQUIRED = (
    "record_id", "station_id", "lane", "captured_at", "plate", "speed_kmh",
    "axle_count", "axle_weights_kg", "gross_weight_kg",
)

# What each field must look like, in the words a station integrator reads (contract §1).
FIELD_RULES: dict[str, str] = {
    "record_id": "必须是 1–64 位字母、数字或 . _ : - 组成的字符串",
    "station_id": "必须是 1–32 个字符的字符串",
    "lane": "必须是 1–16 的整数",
    "captured_at": "必须是带时区偏移的 RFC 3339 时间，如 2026-11-26T08:30:00+08:00",
    "plate": "必须是字符串（未识别时为空字符串），最多 16 个字符，不含控制字符",
    "plate_color": "必须是 blue、yellow、black、white、green、yellow_green、unknown 之一",
    "plate_confidence": "必须是 0–1 之间的数",
    "speed_kmh": "必须是 0–200 之间的数（km/h）",
    "axle_count": "必须是 2–12 的整数",
    "axle_weights_kg": "必须是 2–12 个 0–1000000 的整数（kg）组成的数组",
    "gross_weight_kg": "必须是 1–1000000 的整数（kg）",
    "axle_groups": "必须形如 1+2+3（每组 1–3 轴）",
    "vehicle_type": "必须是 rigid_truck、centre_axle_train、articulated_train、full_trailer_train、other 之一",
    "drive_axle": "必须是 single 或 tandem",
    "axle_spacings_mm": "必须是最多 11 个 0–100000 的整数（mm）组成的数组",
    "length_mm": "必须是 0–100000 的整数（mm）",
    "width_mm": "必须是 0–100000 的整数（mm）",
    "height_mm": "必须是 0–100000 的整数（mm）",
    "direction": "必须是最多 32 个字符的字符串，不含控制字符",
    "images": ("最多 8 项，每项含 kind（plate/front/side/rear/overview）、sha256（64 位小写十六进制）、"
               "content_type（不含控制字符）"),
    "video": "必须含 sha256（64 位小写十六进制）与 content_type（不含控制字符）",
    "flags": "最多 16 个字符串，每个最多 64 个字符，不含控制字符",
}


def control_characters(rec: WireRecord) -> list[str]:
    """The free-text fields of a decoded record that hold a control character (the station id needs no check:
    it must equal the path's, which cannot hold one)."""
    found = [name for name, text in (("plate", rec.plate), ("direction", rec.direction))
             if text and _CONTROL.search(text)]
    if rec.flags and any(_CONTROL.search(f) for f in rec.flags):
        found.append("flags")
    if rec.images and any(_CONTROL.search(i.content_type) for i in rec.images):
        found.append("images")
    if rec.video and _CONTROL.search(rec.video.content_type):
        found.append("video")
    return found


def decode_record(raw: bytes) -> WireRecord | list[FieldError]:
    """Decode one record, or say what is wrong with it (every field, not just the first)."""
    try:
        return _record_decoder.decode(raw)
    except (msgspec.ValidationError, msgspec.DecodeError):
        return explain(raw)


def _integral_floats_to_int(obj: dict[str, Any]) -> None:
    for name in INTEGER_FIELDS:
        value = obj.get(name)
        if isinstance(value, float) and value.is_integer():
            obj[name] = int(value)
    for name in INTEGER_LIST_FIELDS:
        value = obj.get(name)
        if isinstance(value, list):
            obj[name] = [int(v) if isinstance(v, float) and v.is_integer() else v for v in value]


def _field_error(name: str) -> FieldError:
    return FieldError(name, FIELD_RULES.get(name, "取值无效"), "invalid")


def _check_each_field(obj: dict[str, Any]) -> list[FieldError]:
    errors = [FieldError(name, "缺少必填字段", "missing") for name in REQUIRED if obj.get(name) is None]
    for name in FIELD_RULES:
        if obj.get(name) is None:
            continue
        try:
            msgspec.convert({name: obj[name]}, _SINGLE_FIELD[name])
        except msgspec.ValidationError:
            errors.append(_field_error(name))
    return errors


def explain(raw: bytes) -> WireRecord | list[FieldError]:
    """The slow path: decode loosely, then check every field on its own."""
    try:
        obj = _any_decoder.decode(raw)
    except msgspec.DecodeError:
        return [FieldError("", "不是有效的 JSON", "invalid_json")]
    if not isinstance(obj, dict):
        return [FieldError("", "每条记录必须是 JSON 对象", "not_an_object")]
    _integral_floats_to_int(obj)
    errors = _check_each_field(obj)
    if errors:
        return errors
    try:
        record: WireRecord = msgspec.convert(obj, WireRecord)
    except msgspec.ValidationError as exc:  # a rule the per-field check did not cover
        return [FieldError(_path_of(str(exc)), str(exc), "invalid")]
    return record


def _path_of(message: str) -> str:
    marker = "at `$."
    start = message.find(marker)
    if start < 0:
        return ""
    return message[start + len(marker):].split("`")[0].split("[")[0]


def _single_field_types() -> dict[str, type]:
    """A one-field Struct per field, so each can be checked on its own with the same constraints."""
    hints = WireRecord.__annotations__
    types: dict[str, type] = {}
    for name in FIELD_RULES:
        types[name] = msgspec.defstruct(f"Only_{name}", [(name, hints[name])], module=__name__)
    return types


_SINGLE_FIELD = _single_field_types()
