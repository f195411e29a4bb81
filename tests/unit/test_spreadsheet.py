"""The spreadsheet writers (adapters/documents/spreadsheet.py): CSV bytes Excel opens as UTF-8, workbooks read
back with openpyxl, a table longer than a sheet continued on the next, and times refused unless local and naive."""

from __future__ import annotations

import csv
import io
import tempfile
from datetime import UTC, date, datetime
from pathlib import Path
from unittest import mock

import openpyxl
import pytest

from zhichao.adapters.documents import spreadsheet
from zhichao.adapters.documents.spreadsheet import DATE, DATETIME, INT, NUMBER, Column, Sheet, csv_stream, write_xlsx

COLUMNS = (Column("车牌"), Column("总重 kg", INT), Column("超限率 %", NUMBER), Column("时间", DATETIME),
           Column("日期", DATE))
ROW = ("浙D12345", 60320, 23.1, datetime(2026, 11, 26, 14, 2, 27), date(2026, 11, 26))


def read_back(path: Path) -> dict[str, list[tuple[object, ...]]]:
    book = openpyxl.load_workbook(path, read_only=True)
    return {ws.title: [tuple(r) for r in ws.iter_rows(values_only=True)] for ws in book.worksheets}


def test_csv_starts_with_the_byte_order_mark_and_writes_local_times_as_text() -> None:
    data = b"".join(csv_stream(COLUMNS, [ROW, ("未识别", 0, None, None, None)]))
    assert data.startswith(b"\xef\xbb\xbf")
    assert list(csv.reader(io.StringIO(data[3:].decode("utf-8")))) == [
        ["车牌", "总重 kg", "超限率 %", "时间", "日期"],
        ["浙D12345", "60320", "23.1", "2026-11-26 14:02:27", "2026-11-26"],
        ["未识别", "0", "", "", ""],
    ]


def test_csv_comes_in_chunks_of_rows_not_all_at_once() -> None:
    chunks = list(spreadsheet.csv_chunks([Column("n", INT)], ((i,) for i in range(2500)), chunk_rows=1000))
    assert len(chunks) == 3 and b"".join(chunks).count(b"\r\n") == 2501


def test_a_workbook_holds_the_rows_with_their_types() -> None:
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "out.xlsx"
        assert write_xlsx(path, [Sheet("过车记录", COLUMNS, iter([ROW]))]) == 1
        assert read_back(path) == {"过车记录": [tuple(c.title for c in COLUMNS),
                                             ROW[:4] + (datetime(2026, 11, 26),)]}


def test_a_table_longer_than_a_sheet_goes_on_in_numbered_sheets() -> None:
    with tempfile.TemporaryDirectory() as folder, mock.patch.object(spreadsheet, "XLSX_MAX_ROWS", 4):
        path = Path(folder) / "out.xlsx"
        assert write_xlsx(path, [Sheet("过车记录", [Column("n", INT)], ((i,) for i in range(7)))]) == 7
        sheets = read_back(path)
    assert list(sheets) == ["过车记录", "过车记录 (2)", "过车记录 (3)"]
    assert [rows[0] for rows in sheets.values()] == [("n",)] * 3  # every part has the headings
    assert [r[0] for rows in sheets.values() for r in rows[1:]] == list(range(7))


def test_an_empty_table_still_has_its_headings() -> None:
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "out.xlsx"
        assert write_xlsx(path, [Sheet("案件", COLUMNS, [])]) == 0
        assert read_back(path) == {"案件": [tuple(c.title for c in COLUMNS)]}


AWARE = datetime(2026, 11, 26, 6, 2, 27, tzinfo=UTC)


def test_an_aware_time_is_refused_in_csv() -> None:
    with pytest.raises(ValueError, match="local and naive"):
        b"".join(csv_stream(COLUMNS, [("浙D12345", 1, 1.0, AWARE, None)]))


def test_an_aware_time_is_refused_in_a_workbook() -> None:
    with tempfile.TemporaryDirectory() as folder, pytest.raises(ValueError, match="local and naive"):
        write_xlsx(Path(folder) / "out.xlsx", [Sheet("t", COLUMNS, [("浙D12345", 1, 1.0, AWARE, None)])])


@pytest.mark.parametrize(("name", "part", "expected"), [
    ("过车记录", 1, "过车记录"),
    ("过车记录", 2, "过车记录 (2)"),
    ("a/b[c]:d*e?f\\g", 1, "a_b_c__d_e_f_g"),
    ("x" * 40, 1, "x" * 31),
    ("x" * 40, 12, "x" * 26 + " (12)"),
    ("", 1, "Sheet"),
])
def test_sheet_names_are_legal_and_at_most_31_characters(name: str, part: int, expected: str) -> None:
    assert spreadsheet.sheet_name(name, part) == expected
