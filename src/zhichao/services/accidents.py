"""The accident register (事故登记): imported from the traffic police's CSV export, listed, and read by plates
and period for the quarterly analysis (accidents involving violating vehicles).

An import is checked whole first (domain/accidents.py, every row, every field): a file with any error
stores nothing, and the error lists each one with its line (the header is line 1) and column. Rows are
kept by their accident number: a second import of the same file changes nothing, a changed row is
updated. An import that changes something writes the audit entry ``accident.import`` in its transaction.

Who imports: officers, legal reviewers, leaders and admins (the same roles as the registries' import);
every role that reads the console may read.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from contextlib import AbstractContextManager
from dataclasses import dataclass
from datetime import date, datetime, tzinfo
from typing import Any, Protocol

from zhichao.domain.accidents import COLUMNS, REQUIRED, SEVERITY_LABELS, check_row, county_of, severity_of
from zhichao.domain.plates import normalize_plate
from zhichao.services.entrance import day_span
from zhichao.services.errors import InvalidInput, PermissionDenied
from zhichao.services.ports import User
from zhichao.services.registers import read_csv

IMPORT_ROLES = frozenset({"officer", "legal", "leader", "admin"})
MAX_ROWS = 50_000
MAX_ERRORS = 200  # listed; a file with more has the first ones listed and the count given
MAX_LIMIT = 5000


class AccidentTransaction(Protocol):
    def upsert(self, rows: Sequence[Mapping[str, Any]], now: datetime, by: int | None) -> tuple[int, int, int]: ...

    def audit(self, *, at: datetime, actor: str, origin: str, action: str, subject: str,
              details: Mapping[str, Any]) -> None: ...


class AccidentStore(Protocol):
    def transaction(self) -> AbstractContextManager[AccidentTransaction]: ...

    def listing(self, start: datetime | None, end: datetime | None, plate: str | None, county: str | None,
                severity: str | None, limit: int) -> list[dict[str, Any]]: ...

    def accidents_of(self, plates: Sequence[str], start: datetime, end: datetime) -> list[dict[str, Any]]: ...

    def count(self) -> int: ...


@dataclass(frozen=True, slots=True)
class AccidentContext:
    repo: AccidentStore
    tz: tzinfo  # the register's local time


def checked_rows(text: str, *, tz: tzinfo, now: datetime) -> list[dict[str, Any]]:
    """The file's rows cleaned, or ``InvalidInput`` ``invalid_rows`` listing every error as ``{"row", "field",
    "message"}`` (``row`` is the line in the file: the header is line 1)."""
    raw_rows = read_csv(text, REQUIRED)
    if not raw_rows:
        raise InvalidInput("empty_import", "文件中没有事故记录（首行为列名，从第 2 行起每行一起事故）")
    if len(raw_rows) > MAX_ROWS:
        raise InvalidInput("too_many_rows", f"一次最多导入 {MAX_ROWS} 行，文件有 {len(raw_rows)} 行")
    seen: dict[str, int] = {}
    errors: list[dict[str, Any]] = []
    rows = []
    for line, raw in enumerate(raw_rows, start=2):
        row, problems = check_row(raw, tz=tz, now=now)
        errors += [{"row": line, "field": p.field, "message": p.message} for p in problems]
        ref = row["ref"]
        if ref and ref in seen:
            errors.append({"row": line, "field": "ref", "message": f"事故编号 {ref} 与第 {seen[ref]} 行重复"})
        elif ref:
            seen[ref] = line
        rows.append(row)
    if errors:
        raise InvalidInput("invalid_rows", f"事故登记文件有 {len(errors)} 处错误，未导入任何一行", errors[:MAX_ERRORS])
    return rows


def import_accidents(ctx: AccidentContext, user: User, text: str, *, now: datetime,
                     origin: str) -> dict[str, int]:
    """Store the file's accidents, all or nothing: ``{"rows", "inserted", "updated", "unchanged"}``."""
    if user.role not in IMPORT_ROLES:
        raise PermissionDenied("role_not_allowed", "当前角色无权导入事故登记")
    rows = checked_rows(text, tz=ctx.tz, now=now)
    with ctx.repo.transaction() as tx:
        inserted, updated, unchanged = tx.upsert(rows, now, user.id)
        if inserted or updated:
            tx.audit(at=now, actor=f"user:{user.id}", origin=origin, action="accident.import", subject="accidents",
                     details={"rows": len(rows), "inserted": inserted, "updated": updated, "unchanged": unchanged})
    return {"rows": len(rows), "inserted": inserted, "updated": updated, "unchanged": unchanged}


@dataclass(frozen=True, slots=True)
class AccidentFilter:
    """The list's filters as given (empty: any); ``checked`` turns them into stored codes or refuses them."""

    start: date | None = None
    end: date | None = None
    plate: str = ""
    county: str = ""
    severity: str = ""


def _checked(f: AccidentFilter) -> tuple[str | None, str | None, str | None]:
    plate = normalize_plate(f.plate) if f.plate.strip() else None
    if plate is not None and not plate.well_formed:
        raise InvalidInput("invalid_plate", f"车牌号格式不正确：{f.plate.strip()[:32]}")
    county = county_of(f.county) if f.county.strip() else None
    if f.county.strip() and county is None:
        raise InvalidInput("invalid_county", f"区县应为绍兴市的区县代码或名称：{f.county.strip()[:32]}")
    severity = severity_of(f.severity) if f.severity.strip() else None
    if f.severity.strip() and severity is None:
        raise InvalidInput("invalid_severity", f"事故等级应为 {'、'.join(SEVERITY_LABELS)} 之一："
                                               f"{f.severity.strip()[:32]}")
    if f.start and f.end and f.end < f.start:
        raise InvalidInput("period_reversed", "结束日期不能早于开始日期",
                           {"from": f.start.isoformat(), "to": f.end.isoformat()})
    return (plate.text if plate else None), county, severity


def listing(ctx: AccidentContext, f: AccidentFilter, limit: int = 500) -> list[dict[str, Any]]:
    """The accidents matching ``f`` (days inclusive, in the register's time zone), newest first, at most
    ``limit``; ``InvalidInput`` names a wrong filter."""
    if not 1 <= limit <= MAX_LIMIT:
        raise InvalidInput("invalid_limit", f"limit 必须是 1–{MAX_LIMIT} 的整数")
    plate, county, severity = _checked(f)
    start = day_span(ctx.tz, f.start, f.start)[0] if f.start else None
    end = day_span(ctx.tz, f.end, f.end)[1] if f.end else None
    return ctx.repo.listing(start, end, plate, county, severity, limit)


def accidents_of(ctx: AccidentContext, plates: Iterable[str], start: date, end: date) -> list[dict[str, Any]]:
    """The accidents of these vehicles from ``start`` to ``end`` (days inclusive, in the register's time zone),
    by time: the quarterly analysis's read. Plates in any form are normalised; unreadable ones are skipped."""
    if end < start:
        raise InvalidInput("period_reversed", "结束日期不能早于开始日期",
                           {"from": start.isoformat(), "to": end.isoformat()})
    normalised = sorted({p.text for p in map(normalize_plate, plates) if p.text})
    if not normalised:
        return []
    return ctx.repo.accidents_of(normalised, *day_span(ctx.tz, start, end))


def of_vehicle(ctx: AccidentContext, plate: str, limit: int = 100) -> list[dict[str, Any]]:
    """A vehicle's accidents, newest first (none for a plate that is not well formed): its party page."""
    found = normalize_plate(plate)
    return ctx.repo.listing(None, None, found.text, None, None, limit) if found.well_formed else []


def shown(row: Mapping[str, Any], tz: tzinfo) -> dict[str, Any]:
    """A stored accident as the API answers it: times in ``tz``, the severity's label beside its code."""
    return {"id": row["id"], **{c: row[c] for c in COLUMNS},
            "occurred_at": row["occurred_at"].astimezone(tz).isoformat(),
            "severity_label": SEVERITY_LABELS.get(row["severity"], row["severity"]),
            "imported_at": row["imported_at"].astimezone(tz).isoformat(), "imported_by": row["imported_by"]}

