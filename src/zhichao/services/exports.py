"""Exports of the console's lists (导出, docs/exports.md): the rows of a list with its page's filter, streamed
from the database, and the audit entry that names who exported which list with which filter.

The rows are iterators over the database's cursor: nothing here collects them, so an export of a million
rows holds a few thousand at a time. The caller turns them into cells (labels, local times) and writes them
out; what the page masks the export never reads.

An export is audited before its first row is read (``log_export``): the entry names the user, the list, the
format and the filter as applied. A download cut short is still logged: the entry records that the rows were
asked for and began to leave, which is what an access log of personal data must show.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from datetime import date, datetime, tzinfo
from typing import Any, Protocol

from zhichao.services.entrance import day_span
from zhichao.services.inspections import _check_period as check_inspection_period
from zhichao.services.ports import CaseQuery, User

EXPORT_ACTION = "list.export"


class ExportReader(Protocol):
    """Each list's rows in its page's order, streamed; and the audit log's append."""

    def records(self, since: datetime | None, until: datetime | None, overloaded: bool | None,
                station_id: str | None) -> Iterator[Mapping[str, Any]]: ...

    def cases(self, query: CaseQuery) -> Iterator[Mapping[str, Any]]: ...

    def inspections(self, start: datetime, end: datetime, county: str | None,
                    channel: str | None) -> Iterator[Mapping[str, Any]]: ...

    def transfers(self, state: str | None, long_triangle: bool | None) -> Iterator[Mapping[str, Any]]: ...

    def log(self, *, at: datetime, actor: str, origin: str, action: str, subject: str,
            details: Mapping[str, Any]) -> None: ...


@dataclass(frozen=True, slots=True)
class ListExports:
    reader: ExportReader
    tz: tzinfo


def log_export(ctx: ListExports, user: User, list_name: str, fmt: str, filters: Mapping[str, str], *,
               now: datetime, origin: str) -> None:
    """The audit entry ``list.export`` on ``list:<name>``: who, the format and the filter as applied."""
    details = {"list": list_name, "format": fmt, "filters": dict(filters), "username": user.username,
               "role": user.role}
    ctx.reader.log(at=now, actor=f"user:{user.id}", origin=origin, action=EXPORT_ACTION,
                   subject=f"list:{list_name}", details=details)


def local_span(tz: tzinfo, start: date | None, end: date | None) -> tuple[datetime | None, datetime | None]:
    """The UTC instants from the start of local day ``start`` to the end of local day ``end``; an open end
    stays None."""
    since = day_span(tz, start, start)[0] if start else None
    until = day_span(tz, end, end)[1] if end else None
    return since, until


def record_rows(ctx: ListExports, *, start: date | None, end: date | None, overloaded: bool | None,
                station_id: str | None) -> Iterator[Mapping[str, Any]]:
    """实时过车's passages captured on the local days ``start``–``end`` (either may be open), newest first."""
    since, until = local_span(ctx.tz, start, end)
    return ctx.reader.records(since, until, overloaded, station_id)


def case_rows(ctx: ListExports, query: CaseQuery) -> Iterator[Mapping[str, Any]]:
    return ctx.reader.cases(query)


def inspection_rows(ctx: ListExports, *, start: date, end: date, county: str | None,
                    channel: str | None) -> Iterator[Mapping[str, Any]]:
    check_inspection_period(start, end)  # the list's own limit on the period
    lo, hi = day_span(ctx.tz, start, end)
    return ctx.reader.inspections(lo, hi, county, channel)


def transfer_rows(ctx: ListExports, *, state: str | None,
                  long_triangle: bool | None) -> Iterator[Mapping[str, Any]]:
    return ctx.reader.transfers(state, long_triangle)
