"""The quarterly analysis report (季度分析报告, docs/reports.md): figures gathered from the database, the report
built by the domain, rendered as PDF and Excel, stored under the export directory, served on demand.

    report(ctx, quarter, now)         the Report; 400 malformed / quarter_in_future, 404 quarter_no_data
    document(ctx, quarter, fmt, now)  PDF, xlsx or JSON: the stored file of an ended quarter, else generated
    generate(ctx, quarter, now)       build and store the three files (atomically: temp file, then rename)
    scheduled(ctx, now)               the daily job: the previous quarter's files when missing

Stored files: ``{directory}/quarterly-YYYY-Qn.pdf``, ``.xlsx`` and ``.json``, only for quarters that have
ended (a running quarter's report is made on each request and never stored, so a stored file is always the
whole quarter). Each file is written to a temporary name in the same directory and renamed over the target:
two processes generating at once each publish a whole file, and a reader never sees half of one.
"""

from __future__ import annotations

import json
import logging
import os
import secrets
import tempfile
import threading
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from functools import partial
from pathlib import Path
from typing import Any, Protocol

from zhichao.domain.quarterly import Quarter, as_of, check_begun, comparable, quarter_of
from zhichao.domain.quarterly_figures import (
    AccidentFigures,
    CargoCount,
    Counts,
    HourCount,
    QuarterFigures,
    SiteInfo,
    SourceCount,
    ViolationFigures,
    total,
)  # fmt: skip
from zhichao.domain.quarterly_report import build_report
from zhichao.domain.quarterly_tables import Report, ReportSettings, Table
from zhichao.services.errors import InvalidInput, NotFound
from zhichao.services.sources import SourceContext, source_stats

log = logging.getLogger(__name__)
PDF, XLSX, JSON = "pdf", "xlsx", "json"
CONTENT_TYPES: Mapping[str, str] = {
    PDF: "application/pdf",
    XLSX: "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    JSON: "application/json",
}
STORED = (XLSX, JSON, PDF)  # written in this order: the PDF, which the job checks first, last
LISTED_QUARTERS = 8  # the console lists this many quarters back from the current one


class QuarterlyReader(Protocol):
    def sites(self) -> list[SiteInfo]: ...

    def has_records(self, start: datetime, end: datetime) -> bool: ...

    def site_counts(self, start: datetime, end: datetime) -> dict[str, Counts]: ...

    def hour_counts(self, start: datetime, end: datetime) -> list[HourCount]: ...

    def violating_vehicles(self, start: datetime, end: datetime) -> int: ...

    def violations(self, start: datetime, end: datetime) -> ViolationFigures: ...

    def cargo(self, start: datetime, end: datetime) -> list[CargoCount]: ...

    def accidents(self, start: datetime, end: datetime, since: datetime) -> AccidentFigures: ...


@dataclass(frozen=True)
class QuarterlyContext:
    repo: QuarterlyReader
    sources: SourceContext
    settings: ReportSettings
    directory: Path  # stored reports: EXPORT_DIR/reports
    render_pdf: Callable[[Report], bytes]
    write_xlsx: Callable[[Report, Path], None]
    # one report at a time in a process: a second request for the same files waits rather than doubles the work
    lock: threading.Lock = field(default_factory=threading.Lock, compare=False)


@dataclass(frozen=True, slots=True)
class Document:
    fmt: str
    data: bytes
    filename: str  # quarterly-2026-Q3.pdf
    stored: bool  # served from (or just written to) the stored file

    @property
    def content_type(self) -> str:
        return CONTENT_TYPES[self.fmt]


def today_of(ctx: QuarterlyContext, now: datetime) -> date:
    return now.astimezone(ctx.settings.tz).date()


def file_name(q: Quarter, fmt: str) -> str:
    return f"quarterly-{q.key}.{fmt}"


def stored_path(ctx: QuarterlyContext, q: Quarter, fmt: str) -> Path:
    return ctx.directory / file_name(q, fmt)


def check_format(fmt: str) -> str:
    if fmt not in CONTENT_TYPES:
        raise InvalidInput("invalid_format", f"报告格式应为 {'、'.join(CONTENT_TYPES)} 之一，收到 {fmt[:16]}",
                           {"format": fmt[:16]})
    return fmt


def figures(ctx: QuarterlyContext, q: Quarter, now: datetime) -> QuarterFigures:
    """What the report of ``q`` counts, up to ``now`` while it runs; refuses a quarter not begun or empty."""
    today = today_of(ctx, now)
    check_begun(q, today)
    tz = ctx.settings.tz
    start, end = q.bounds(tz)
    repo = ctx.repo
    if not repo.has_records(start, end):
        raise NotFound("quarter_no_data", f"{q.label}没有过车记录，无法生成季度分析报告",
                       {"quarter": q.key})
    p_start, p_end = q.previous().bounds(tz)
    last = as_of(q, today) or q.last_day
    sources = [SourceCount(x["code"], x["name"], x["county_code"], x["connected"], x["departures"],
                           x["overloaded_departures"], x["road_cases"], x["penalised_cases"])
               for x in source_stats(ctx.sources, q.first_day, last)]
    counts, previous = repo.site_counts(start, end), repo.site_counts(p_start, p_end)
    if not comparable(total(counts).trucks, (last - q.first_day).days + 1, total(previous).trucks,
                      q.previous().days):
        previous = {}
    return QuarterFigures(
        quarter=q, as_of=as_of(q, today), sites=repo.sites(), counts=counts, previous_counts=previous,
        previous_vehicles=repo.violating_vehicles(p_start, p_end) if previous else 0,
        violations=repo.violations(start, end), hours=repo.hour_counts(start, end), cargo=repo.cargo(start, end),
        sources=sources, accidents=repo.accidents(start, end, q.year_before().bounds(tz)[0]),
    )


def report(ctx: QuarterlyContext, q: Quarter, now: datetime) -> Report:
    return build_report(figures(ctx, q, now), ctx.settings, now)


def generate(ctx: QuarterlyContext, q: Quarter, now: datetime, *, only_missing: bool = False) -> Report | None:
    """Build the report of an ended quarter and store its PDF, workbook and JSON (each replaced whole); with
    ``only_missing``, nothing (None) when all three are stored by the time this process's turn comes."""
    with ctx.lock:
        if only_missing and _all_stored(ctx, q):
            return None
        built = report(ctx, q, now)
        if built.as_of is not None:
            raise InvalidInput("quarter_not_ended", f"{q.label}尚未结束，报告不保存，可直接下载截至今日的报告",
                               {"quarter": q.key})
        write_files(ctx, built, ctx.directory)
    log.info("quarterly report %s written to %s", q.key, ctx.directory)
    return built


def write_files(ctx: QuarterlyContext, built: Report, directory: Path) -> list[Path]:
    """The report's PDF, workbook and JSON in ``directory`` (created if need be), each replaced whole."""
    directory.mkdir(parents=True, exist_ok=True)
    paths = [directory / file_name(built.quarter, fmt) for fmt in STORED]
    for path, fmt in zip(paths, STORED, strict=True):
        _publish(path, partial(_write, ctx, built, fmt))
    return paths


def _all_stored(ctx: QuarterlyContext, q: Quarter) -> bool:
    return all(stored_path(ctx, q, fmt).is_file() for fmt in STORED)


def document(ctx: QuarterlyContext, q: Quarter, fmt: str, now: datetime, *, refresh: bool = False) -> Document:
    """The report of ``q`` as ``fmt``: the stored file of an ended quarter (generated and stored first when
    missing or when ``refresh``), or, while the quarter runs, made now and not stored."""
    check_format(fmt)
    today = today_of(ctx, now)
    check_begun(q, today)
    path = stored_path(ctx, q, fmt)
    if as_of(q, today) is None:
        if refresh or not path.is_file():
            generate(ctx, q, now, only_missing=not refresh)
        return Document(fmt, path.read_bytes(), path.name, True)
    built = report(ctx, q, now)
    with tempfile.TemporaryDirectory(prefix="zhichao-report-") as tmp:
        target = Path(tmp) / path.name
        _write(ctx, built, fmt, target)
        return Document(fmt, target.read_bytes(), path.name, False)


def _write(ctx: QuarterlyContext, built: Report, fmt: str, target: Path) -> None:
    if fmt == PDF:
        target.write_bytes(ctx.render_pdf(built))
    elif fmt == XLSX:
        ctx.write_xlsx(built, target)
    else:
        target.write_text(json.dumps(as_json(built), ensure_ascii=False, indent=1), encoding="utf-8")


def _publish(target: Path, write: Callable[[Path], None]) -> None:
    """Write through ``write`` into a temporary file beside ``target``, flush it to disk, rename it over."""
    tmp = target.with_name(f".{target.name}.{os.getpid()}-{secrets.token_hex(4)}.partial")
    try:
        write(tmp)
        with tmp.open("rb+") as handle:
            os.fsync(handle.fileno())
        os.replace(tmp, target)
    finally:
        tmp.unlink(missing_ok=True)


def scheduled(ctx: QuarterlyContext, now: datetime) -> Report | None:
    """From the first day of a quarter on: the previous quarter's report, when one of its files is missing.
    A quarter without records is skipped (and logged) until records arrive; a rerun with the files stored
    does nothing."""
    q = quarter_of(today_of(ctx, now)).previous()
    if _all_stored(ctx, q):
        return None
    try:
        return generate(ctx, q, now, only_missing=True)
    except NotFound as empty:
        log.info("quarterly report %s skipped: %s", q.key, empty.message)
        return None


def listing(ctx: QuarterlyContext, now: datetime, count: int = LISTED_QUARTERS) -> list[dict[str, Any]]:
    """The current quarter and the ``count`` − 1 before it, newest first, with the files stored for each."""
    today = today_of(ctx, now)
    q, out = quarter_of(today), []
    for _ in range(count):
        files = {fmt: _file_facts(stored_path(ctx, q, fmt), ctx) for fmt in (PDF, XLSX, JSON)}
        out.append({"quarter": q.key, "year": q.year, "number": q.number, "label": q.label,
                    "ended": as_of(q, today) is None, "files": {k: v for k, v in files.items() if v}})
        q = q.previous()
    return out


def _file_facts(path: Path, ctx: QuarterlyContext) -> dict[str, Any] | None:
    try:
        stat = path.stat()
    except FileNotFoundError:
        return None
    written = datetime.fromtimestamp(stat.st_mtime, ctx.settings.tz)
    return {"name": path.name, "bytes": stat.st_size, "written_at": written.isoformat(timespec="seconds")}


def as_json(built: Report) -> dict[str, Any]:
    """The report's tables as JSON: each row an object keyed by its columns' keys; times in local ISO form."""
    q = built.quarter
    return {
        "quarter": q.key, "year": q.year, "number": q.number, "label": q.label, "title": built.title,
        "city": built.city, "authority": built.authority, "period": built.period,
        "as_of": built.as_of.isoformat() if built.as_of else None, "partial": built.as_of is not None,
        "generated_at": built.generated_at.isoformat(timespec="seconds"), "method": list(built.method),
        "highlights": [{"label": h.label, "value": h.value, "change": h.change} for h in built.highlights],
        "sections": [{"key": s.key, "title": s.title, "paragraphs": list(s.paragraphs),
                      "tables": [t.key for t in s.tables]} for s in built.sections],
        "tables": {t.key: _table_json(t) for t in built.tables},
    }


def _table_json(t: Table) -> dict[str, Any]:
    keys = [c.key for c in t.columns]
    return {"title": t.title, "sheet": t.sheet, "note": t.note,
            "columns": [{"key": c.key, "title": c.title, "kind": c.kind} for c in t.columns],
            "rows": [{k: (v.isoformat() if isinstance(v, (datetime, date)) else v) for k, v in zip(keys, row,
                                                                                                  strict=True)}
                     for row in t.rows]}
