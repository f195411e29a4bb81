"""Tables written row by row: CSV as a stream of bytes, Excel (xlsx) into a file.

Neither keeps the rows in memory, so a million-row export costs what one row costs. CSV starts with
a UTF-8 byte-order mark, without which Excel reads Chinese as GBK. Excel is written by XlsxWriter in
``constant_memory`` mode, which flushes each row to a temporary file as soon as the next one starts;
a sheet holds at most 1 048 576 rows, so a longer table goes on into "name (2)", "name (3)", ….

Times are written as given: callers pass local, naive datetimes (an aware one is refused, because
Excel has no time zones and a silent UTC would put every hour eight hours off).
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import Any

import xlsxwriter  # type: ignore[import-untyped]

XLSX_MAX_ROWS = 1_048_576
CSV_CHUNK_ROWS = 1000
TEXT, INT, NUMBER, PERCENT, DATETIME, DATE = "text", "int", "number", "percent", "datetime", "date"
_FORMATS = {INT: "0", NUMBER: "0.00", PERCENT: "0.00%", DATETIME: "yyyy-mm-dd hh:mm:ss", DATE: "yyyy-mm-dd"}
_BAD_SHEET_CHARS = str.maketrans({c: "_" for c in "[]:*?/\\"})


@dataclass(frozen=True, slots=True)
class Column:
    """A column's heading, its kind (how Excel shows it) and its width in characters."""

    title: str
    kind: str = TEXT
    width: float = 14


@dataclass(frozen=True, slots=True)
class Sheet:
    """One table; ``rows`` may be a generator and is read once."""

    name: str
    columns: Sequence[Column]
    rows: Iterable[Sequence[Any]]


def _check_time(value: Any) -> Any:
    if isinstance(value, datetime) and value.tzinfo is not None:
        raise ValueError("spreadsheet times must be local and naive")
    return value


def _csv_text(value: Any) -> Any:
    value = _check_time(value)
    if isinstance(value, datetime):
        return value.strftime("%Y-%m-%d %H:%M:%S")
    if isinstance(value, date):
        return value.isoformat()
    return "" if value is None else value


def csv_chunks(columns: Sequence[Column], rows: Iterable[Sequence[Any]],
               chunk_rows: int = CSV_CHUNK_ROWS) -> Iterator[bytes]:
    """The table as CSV bytes, a chunk of ``chunk_rows`` rows at a time, header first."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow([c.title for c in columns])
    pending = 0
    for row in rows:
        writer.writerow([_csv_text(v) for v in row])
        pending += 1
        if pending >= chunk_rows:
            yield _take(buffer)
            pending = 0
    yield _take(buffer)


def _take(buffer: io.StringIO) -> bytes:
    text = buffer.getvalue()
    buffer.seek(0)
    buffer.truncate()
    return text.encode("utf-8")


def csv_stream(columns: Sequence[Column], rows: Iterable[Sequence[Any]]) -> Iterator[bytes]:
    """``csv_chunks`` preceded by the byte-order mark."""
    yield "\ufeff".encode()
    yield from csv_chunks(columns, rows)


def sheet_name(name: str, part: int = 1) -> str:
    """A legal, at most 31-character sheet name; parts after the first are numbered."""
    suffix = f" ({part})" if part > 1 else ""
    return (name.translate(_BAD_SHEET_CHARS)[: 31 - len(suffix)] or "Sheet") + suffix


def write_xlsx(path: Path, sheets: Iterable[Sheet]) -> int:
    """Write ``sheets`` into a workbook at ``path``; returns the number of data rows written."""
    book = xlsxwriter.Workbook(str(path), {"constant_memory": True, "tmpdir": str(path.parent)})
    try:
        header = book.add_format({"bold": True, "bg_color": "#E8EEF5", "border": 1})
        formats = {kind: book.add_format({"num_format": f}) for kind, f in _FORMATS.items()}
        total = 0
        for sheet in sheets:
            total += _write_sheet(book, sheet, header, formats)
    finally:
        book.close()
    return total


def _write_sheet(book: Any, sheet: Sheet, header: Any, formats: dict[str, Any]) -> int:
    kinds = [formats.get(c.kind) for c in sheet.columns]
    part, row_no, written = 1, XLSX_MAX_ROWS, 0
    ws = None
    for row in sheet.rows:
        if row_no >= XLSX_MAX_ROWS:
            ws = _new_sheet(book, sheet, part, header)
            part, row_no = part + 1, 1
        for col, value in enumerate(row):
            value = _check_time(value)
            if value is None:
                continue
            fmt = kinds[col] if col < len(kinds) else None
            if isinstance(value, datetime):
                ws.write_datetime(row_no, col, value, fmt)  # type: ignore[union-attr]
            elif isinstance(value, date):
                ws.write_datetime(row_no, col, datetime(value.year, value.month, value.day), fmt)  # type: ignore[union-attr]
            elif isinstance(value, (int, float)) and not isinstance(value, bool):
                ws.write_number(row_no, col, value, fmt)  # type: ignore[union-attr]
            else:
                ws.write_string(row_no, col, str(value))  # type: ignore[union-attr]
        row_no, written = row_no + 1, written + 1
    if ws is None:
        _new_sheet(book, sheet, part, header)  # an empty table still has its headings
    return written


def _new_sheet(book: Any, sheet: Sheet, part: int, header: Any) -> Any:
    ws = book.add_worksheet(sheet_name(sheet.name, part))
    for col, column in enumerate(sheet.columns):
        ws.set_column(col, col, column.width)
        ws.write_string(0, col, column.title, header)
    ws.freeze_panes(1, 0)
    return ws
