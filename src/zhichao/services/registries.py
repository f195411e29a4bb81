"""Importing the registries of 一超四罚 from CSV files: every row checked (domain/registries.py), all or
nothing, each error reported with its line and column; an import run twice changes nothing the second time."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any, Protocol

from zhichao.domain.registries import KEYS, KIND_LABELS, KINDS, LABELS, REQUIRED, check_row
from zhichao.services.errors import InvalidInput
from zhichao.services.registers import read_csv

MAX_ROWS = 200_000
MAX_ERRORS = 200  # reported; a file with more has the first ones listed and the count given


class RegistryStore(Protocol):
    def upsert(self, kind: str, rows: Sequence[Mapping[str, Any]], now: datetime) -> tuple[int, int, int]: ...


def checked_rows(kind: str, text: str) -> list[dict[str, Any]]:
    """The file's rows cleaned, or ``InvalidInput`` listing every error as ``{"row", "field", "message"}``
    (``row`` is the line in the file: the header is line 1)."""
    if kind not in KINDS:
        raise InvalidInput("unknown_registry", f"未知的名录：{kind}（可选 {'、'.join(KINDS)}）")
    raw_rows = read_csv(text, REQUIRED[kind])
    if len(raw_rows) > MAX_ROWS:
        raise InvalidInput("too_many_rows", f"一次最多导入 {MAX_ROWS} 行，文件有 {len(raw_rows)} 行")
    key, seen = KEYS[kind], dict[str, int]()
    errors: list[dict[str, Any]] = []
    rows = []
    for line, raw in enumerate(raw_rows, start=2):
        row, problems = check_row(kind, raw)
        errors += [{"row": line, "field": p.field, "message": p.message} for p in problems]
        if not problems:
            if row[key] in seen:
                errors.append({"row": line, "field": key,
                               "message": f"{LABELS[key]} {row[key]} 与第 {seen[row[key]]} 行重复"})
            seen[row[key]] = line
        rows.append(row)
    if errors:
        raise InvalidInput("invalid_rows", f"{KIND_LABELS[kind]}名录有 {len(errors)} 处错误，未导入任何一行",
                           errors[:MAX_ERRORS])
    return rows


def import_registry(store: RegistryStore, kind: str, text: str, *, now: datetime) -> dict[str, int]:
    rows = checked_rows(kind, text)
    inserted, updated, unchanged = store.upsert(kind, rows, now)
    return {"rows": len(rows), "inserted": inserted, "updated": updated, "unchanged": unchanged}


def save_entry(store: RegistryStore, kind: str, key: str, values: Mapping[str, Any], *,
               now: datetime) -> dict[str, Any]:
    """Enter or correct one entry (the console's form, ``PUT /api/v1/registries/{kind}/{key}``): checked like
    an imported row; ``InvalidInput`` lists every wrong field and stores nothing."""
    if kind not in KINDS:
        raise InvalidInput("unknown_registry", f"未知的名录：{kind}（可选 {'、'.join(KINDS)}）")
    row, problems = check_row(kind, {**values, KEYS[kind]: key})
    if problems:
        raise InvalidInput("invalid_entry", f"{KIND_LABELS[kind]}信息有 {len(problems)} 处错误，未保存",
                           [{"field": p.field, "message": p.message} for p in problems])
    inserted, updated, _ = store.upsert(kind, [row], now)
    return {"entry": row, "created": bool(inserted), "changed": bool(inserted or updated)}
