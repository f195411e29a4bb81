"""Entering and importing the registers screening consults: oversize-transport permits and on-site
handlings. Input is checked whole before anything is stored: one bad row stores nothing."""

from __future__ import annotations

import csv
import io
from collections.abc import Mapping, Sequence
from datetime import date, datetime
from typing import Any, Protocol

from zhichao.domain.plates import normalize_plate
from zhichao.services.errors import InvalidInput

# The columns an import must have, by register (the others are optional).
REQUIRED = {"permit": ("number", "plate", "valid_from", "valid_to"), "onsite": ("reference", "plate", "handled_at")}


class Registers(Protocol):
    def permit_numbers(self, numbers: Sequence[str]) -> set[str]: ...

    def add_permits(self, rows: Sequence[Mapping[str, Any]]) -> None: ...

    def handling_references(self, references: Sequence[str]) -> set[str]: ...

    def add_handlings(self, rows: Sequence[Mapping[str, Any]]) -> None: ...


def _plate(value: Any, errors: list[dict[str, Any]], row: int) -> str:
    text = normalize_plate(str(value or "")).text
    if not text:
        errors.append({"row": row, "field": "plate", "message": "车牌不能为空"})
    return text


def _date(value: Any, field: str, errors: list[dict[str, Any]], row: int) -> date | None:
    try:
        return date.fromisoformat(str(value))
    except ValueError:
        errors.append({"row": row, "field": field, "message": "日期格式应为 YYYY-MM-DD"})
        return None


def _permit(raw: Mapping[str, Any], row: int, errors: list[dict[str, Any]], now: datetime) -> dict[str, Any]:
    number = str(raw.get("number") or "").strip()
    if not number or len(number) > 64:
        errors.append({"row": row, "field": "number", "message": "许可证号不能为空，最多 64 个字符"})
    start = _date(raw.get("valid_from"), "valid_from", errors, row)
    end = _date(raw.get("valid_to"), "valid_to", errors, row)
    if start and end and end < start:
        errors.append({"row": row, "field": "valid_to", "message": "有效期止不能早于有效期起"})
    roads = raw.get("roads") or []
    if isinstance(roads, str):
        roads = [r.strip() for r in roads.replace("；", ";").split(";") if r.strip()]
    max_gross = raw.get("max_gross_kg")
    if max_gross not in (None, ""):
        try:
            max_gross = int(max_gross)
        except (TypeError, ValueError):
            errors.append({"row": row, "field": "max_gross_kg", "message": "核定总质量必须是整数（kg）"})
    return {"number": number, "plate": _plate(raw.get("plate"), errors, row), "valid_from": start, "valid_to": end,
            "roads": list(roads), "max_gross_kg": max_gross or None, "issuer": raw.get("issuer") or None,
            "created_at": now}


def add_permits(registers: Registers, entries: Sequence[Mapping[str, Any]], *, now: datetime) -> int:
    """Store permits; all or nothing. Returns how many were stored."""
    errors: list[dict[str, Any]] = []
    rows = [_permit(e, i + 1, errors, now) for i, e in enumerate(entries)]
    numbers = [r["number"] for r in rows]
    for number in sorted({n for n in numbers if numbers.count(n) > 1} | registers.permit_numbers(numbers)):
        errors.append({"row": numbers.index(number) + 1, "field": "number",
                       "message": f"许可证号 {number} 重复或已登记"})
    if errors:
        raise InvalidInput("invalid_permits", f"{len(errors)} 处错误，未导入任何许可", errors)
    if not rows:
        raise InvalidInput("empty_import", "没有可导入的许可")
    registers.add_permits(rows)
    return len(rows)


def _handling(raw: Mapping[str, Any], row: int, errors: list[dict[str, Any]], now: datetime) -> dict[str, Any]:
    reference = str(raw.get("reference") or "").strip()
    if not reference or len(reference) > 64:
        errors.append({"row": row, "field": "reference", "message": "现场处理文书号不能为空，最多 64 个字符"})
    handled: datetime | None
    try:
        handled = datetime.fromisoformat(str(raw.get("handled_at")))
        if handled.tzinfo is None:
            raise ValueError
    except ValueError:
        errors.append({"row": row, "field": "handled_at",
                       "message": "处理时间应为带时区的时间，如 2026-11-26T10:00:00+08:00"})
        handled = None
    return {"reference": reference, "plate": _plate(raw.get("plate"), errors, row), "handled_at": handled,
            "place": raw.get("place") or None, "created_at": now}


def add_handlings(registers: Registers, entries: Sequence[Mapping[str, Any]], *, now: datetime) -> int:
    """Store on-site handlings; all or nothing."""
    errors: list[dict[str, Any]] = []
    rows = [_handling(e, i + 1, errors, now) for i, e in enumerate(entries)]
    refs = [r["reference"] for r in rows]
    for ref in sorted({r for r in refs if refs.count(r) > 1} | registers.handling_references(refs)):
        errors.append({"row": refs.index(ref) + 1, "field": "reference", "message": f"文书号 {ref} 重复或已登记"})
    if errors:
        raise InvalidInput("invalid_handlings", f"{len(errors)} 处错误，未导入任何记录", errors)
    if not rows:
        raise InvalidInput("empty_import", "没有可导入的记录")
    registers.add_handlings(rows)
    return len(rows)


def csv_text(data: bytes) -> str:
    """An uploaded CSV file's text: UTF-8, with or without the byte-order mark spreadsheet programs write."""
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise InvalidInput("csv_encoding", "CSV 文件须为 UTF-8 编码（Excel 另存为“CSV UTF-8”）") from None


def read_csv(text: str, fields: Sequence[str]) -> list[dict[str, str]]:
    """Rows of a CSV file with a header line naming (at least) the required ``fields``."""
    reader = csv.DictReader(io.StringIO(text.lstrip("\ufeff")))
    missing = [f for f in fields if f not in (reader.fieldnames or [])]
    if missing:
        raise InvalidInput("csv_header", f"CSV 表头缺少列：{'、'.join(missing)}", {"expected": list(fields)})
    return [dict(row) for row in reader]


def add_entries(registers: Registers, register: str, entries: Sequence[Mapping[str, Any]], *, now: datetime) -> int:
    """Store entries of ``register`` (``permit`` or ``onsite``); all or nothing."""
    store = add_permits if register == "permit" else add_handlings
    return store(registers, entries, now=now)
