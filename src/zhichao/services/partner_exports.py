"""Reminder lists for partners (the plan: 年审、过户 consult the record), on demand and on a schedule.

- ``inspection`` (车辆年审提醒名单): plates with unresolved cases — the annual inspection asks the owner to
  settle them first.
- ``transfer`` (过户限制名单): plates with unresolved cases or on the dishonesty list — ownership may not be
  transferred while they stand.

Both are read from the partner check's table (one row per plate with something against it), never by
scanning records. A partner fetches a list only when its account carries the list's scope; the serving
process also writes both lists to dated CSV files every day (``EXPORT_DIR``), for partners that collect
files rather than call the API.
"""

from __future__ import annotations

import csv
import io
import logging
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime, tzinfo
from pathlib import Path
from typing import Any, Protocol

from zhichao.services.errors import InvalidInput

log = logging.getLogger(__name__)
KINDS: Mapping[str, str] = {"inspection": "车辆年审提醒名单", "transfer": "过户限制名单"}
COLUMNS = ("plate", "unresolved_cases", "fines_yuan", "oldest_case_on", "listed_until")
HEADINGS = ("车牌号", "未结案件数", "未结案件罚款合计（元）", "最早未结案件日期", "失信名单公布期至")
KEEP_FILES = 30  # dated files kept per list


class CheckTable(Protocol):
    def rows(self, today: date) -> list[dict[str, Any]]:
        """Every plate with unresolved cases or a listing in force on ``today``."""


@dataclass(frozen=True, slots=True)
class ExportContext:
    table: CheckTable
    tz: tzinfo
    directory: Path | None


def _row(check: Mapping[str, Any], today: date) -> dict[str, Any]:
    cases = [e for e in check["entries"] if e["code"] == "unresolved_case"]
    until = [e["until"] for e in check["entries"] if e["code"] == "dishonesty_list"
             and e["since"] <= today.isoformat() <= e["until"]]
    return {"plate": check["plate"], "unresolved_cases": int(check["unresolved_cases"]),
            "fines_yuan": sum(int(e["fine_yuan"]) for e in cases),
            "oldest_case_on": min((e["captured_at"][:10] for e in cases), default=None),
            "listed_until": max(until, default=None)}


def export_list(ctx: ExportContext, kind: str, today: date) -> list[dict[str, Any]]:
    if kind not in KINDS:
        raise InvalidInput("unknown_export", f"未知的名单：{kind}（可选 {'、'.join(KINDS)}）")
    rows = [_row(check, today) for check in ctx.table.rows(today)]
    wanted = [r for r in rows if r["unresolved_cases"] > 0 or (kind == "transfer" and r["listed_until"])]
    return sorted(wanted, key=lambda r: r["plate"])


def as_csv(rows: list[dict[str, Any]]) -> str:
    """UTF-8 CSV with a byte-order mark (so that spreadsheet programs read the Chinese headings)."""
    out = io.StringIO()
    out.write("\ufeff")
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(HEADINGS)
    for r in rows:
        writer.writerow(["" if r[c] is None else r[c] for c in COLUMNS])
    return out.getvalue()


def write_files(ctx: ExportContext, now: datetime) -> list[Path]:
    """Write today's lists to ``{directory}/{kind}-{YYYY-MM-DD}.csv`` (atomically) and keep the last
    ``KEEP_FILES`` of each; nothing when no directory is set."""
    if ctx.directory is None:
        return []
    today = now.astimezone(ctx.tz).date()
    ctx.directory.mkdir(parents=True, exist_ok=True)
    written = []
    for kind in KINDS:
        target = ctx.directory / f"{kind}-{today.isoformat()}.csv"
        partial = target.with_suffix(".csv.partial")
        partial.write_text(as_csv(export_list(ctx, kind, today)), encoding="utf-8", newline="")
        partial.replace(target)
        written.append(target)
        for old in sorted(ctx.directory.glob(f"{kind}-*.csv"))[:-KEEP_FILES]:
            old.unlink()
    log.info("partner lists written: %s", ", ".join(p.name for p in written))
    return written
