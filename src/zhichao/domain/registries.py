"""The registries of 一超四罚 (LEGAL.md §5): vehicles, drivers, transport enterprises and freight sources, as
rows checked one by one; pure.

Each kind has a key (a vehicle's normalised plate, a driver's resident identity number, an enterprise's
unified social credit code, a source's code), required and optional columns, and a check that returns the
row cleaned or what is wrong with it, field by field, in Chinese. Plates in any form a station or a
register writes them (LEGAL.md §7) resolve to the same vehicle; identity numbers and credit codes must
carry a correct check character.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from zhichao.domain.parties import is_credit_code, is_phone, is_resident_id
from zhichao.domain.plates import normalize_plate

VEHICLE, DRIVER, ENTERPRISE, SOURCE = "vehicle", "driver", "enterprise", "source"
KINDS = (VEHICLE, DRIVER, ENTERPRISE, SOURCE)
KIND_LABELS: Mapping[str, str] = {VEHICLE: "车辆", DRIVER: "驾驶人", ENTERPRISE: "道路运输企业", SOURCE: "货运源头"}
KEYS: Mapping[str, str] = {VEHICLE: "plate", DRIVER: "id_number", ENTERPRISE: "credit_code", SOURCE: "code"}
REQUIRED: Mapping[str, tuple[str, ...]] = {
    VEHICLE: ("plate",), DRIVER: ("id_number", "name"), ENTERPRISE: ("credit_code", "name"), SOURCE: ("code", "name"),
}
OPTIONAL: Mapping[str, tuple[str, ...]] = {
    VEHICLE: ("vehicle_type", "axle_count", "owner_name", "owner_id", "transport_cert", "enterprise_code",
              "engineering"),
    DRIVER: ("phone", "qualification_no", "employer_code"),
    ENTERPRISE: ("licence_no", "fleet_size", "county_code", "address", "phone"),
    SOURCE: ("address", "county_code", "key_source", "scale", "enterprise_code", "station_id"),
}
LABELS: Mapping[str, str] = {
    "plate": "车牌号", "vehicle_type": "车辆类型", "axle_count": "轴数", "owner_name": "车辆所有人",
    "owner_id": "所有人证件号码", "transport_cert": "道路运输证号", "enterprise_code": "所属企业统一社会信用代码",
    "engineering": "工程运输车", "id_number": "公民身份号码", "name": "名称", "phone": "联系电话",
    "qualification_no": "从业资格证号", "employer_code": "所属企业统一社会信用代码", "credit_code": "统一社会信用代码",
    "licence_no": "道路运输经营许可证号", "fleet_size": "货运车辆数", "county_code": "区县代码", "address": "地址",
    "code": "源头编号", "key_source": "重点货运源头", "scale": "称重设备", "station_id": "接入站点编号",
}  # fmt: skip
_MAX_TEXT = {"name": 128, "owner_name": 128, "address": 256, "scale": 128, "vehicle_type": 32, "transport_cert": 64,
             "qualification_no": 64, "licence_no": 64, "code": 32}
_COUNTY = re.compile(r"\d{6}")
_CODE = re.compile(r"[A-Za-z0-9_-]{1,32}")
_YES, _NO = frozenset({"是", "1", "true", "yes", "y"}), frozenset({"否", "0", "false", "no", "n", ""})


@dataclass(frozen=True, slots=True)
class RowError:
    field: str
    message: str


def _flag(text: str, field: str, errors: list[RowError]) -> bool | None:
    value = text.lower()
    if value in _YES:
        return True
    if value in _NO:
        return False
    errors.append(RowError(field, f"{LABELS[field]}应填“是”或“否”：{text}"))
    return None


def _int(text: str, field: str, low: int, high: int, errors: list[RowError]) -> int | None:
    if not text:
        return None
    if not text.isdigit() or not low <= int(text) <= high:
        errors.append(RowError(field, f"{LABELS[field]}应为 {low}–{high} 的整数：{text}"))
        return None
    return int(text)


def _unit(text: str, field: str, errors: list[RowError]) -> str | None:
    code = text.upper()
    if code and not is_credit_code(code):
        errors.append(RowError(field, f"{LABELS[field]}不正确（校验位不符）：{text}"))
    return code or None


def _field(kind: str, field: str, text: str, errors: list[RowError]) -> Any:
    if field == "plate":
        plate = normalize_plate(text)
        if not plate.well_formed:
            errors.append(RowError(field, f"车牌号格式不正确：{text or '（空）'}"))
        return plate.text
    if field in ("engineering", "key_source"):
        return _flag(text, field, errors)
    if field == "axle_count":
        return _int(text, field, 2, 8, errors)
    if field == "fleet_size":
        return _int(text, field, 1, 100_000, errors)
    if field in ("credit_code", "enterprise_code", "employer_code"):
        return _unit(text, field, errors)
    if field == "id_number":
        if not is_resident_id(text.upper()):
            errors.append(RowError(field, f"公民身份号码不正确（校验位不符）：{text}"))
        return text.upper()
    if field == "owner_id":
        number = text.upper()
        if number and not (is_resident_id(number) or is_credit_code(number)):
            errors.append(RowError(field, f"所有人证件号码应为公民身份号码或统一社会信用代码：{text}"))
        return number or None
    if field == "phone":
        if text and not is_phone(text):
            errors.append(RowError(field, f"联系电话格式不正确：{text}（手机号11位，或区号-号码）"))
        return text or None
    if field == "county_code":
        if text and not _COUNTY.fullmatch(text):
            errors.append(RowError(field, f"区县代码应为 6 位数字（GB/T 2260）：{text}"))
        return text or None
    if field == "code" and not _CODE.fullmatch(text):
        errors.append(RowError(field, f"源头编号只能由 1–32 位字母、数字、- 或 _ 组成：{text}"))
    if field == "station_id" and text and not _CODE.fullmatch(text):
        errors.append(RowError(field, f"接入站点编号只能由 1–32 位字母、数字、- 或 _ 组成：{text}"))
    limit = _MAX_TEXT.get(field, 64)
    if len(text) > limit:
        errors.append(RowError(field, f"{LABELS[field]}过长（最多 {limit} 个字符）"))
    return text or None


def check_row(kind: str, raw: Mapping[str, Any]) -> tuple[dict[str, Any], list[RowError]]:
    """The row of ``kind`` cleaned (keys: its columns), and what is wrong with it (empty when nothing)."""
    errors: list[RowError] = []
    row: dict[str, Any] = {}
    for field in REQUIRED[kind]:
        text = str(raw.get(field) or "").strip()
        if not text:
            errors.append(RowError(field, f"{LABELS[field]}不能为空"))
            row[field] = None
            continue
        row[field] = _field(kind, field, text, errors)
    for field in OPTIONAL[kind]:
        row[field] = _field(kind, field, str(raw.get(field) or "").strip(), errors)
    return row, errors
