"""What each list's export holds (docs/exports.md): the page that owns it, who may read it, its filter (the
page's own parsing), its columns, and its rows as cells.

Cells are what the page shows, with the same Chinese labels from ``labels`` and nothing the page masks, plus
what a reviewer needs in a spreadsheet: weights in kg and rates as numbers (so they sort and sum), times as
Excel times in the display time zone (naive local times: Excel has no time zones), and the codes that
identify a row (record, station, case). Rows are generators over the database's cursor, read once.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime, tzinfo
from typing import Any
from zoneinfo import ZoneInfo

from fastapi import Request
from fastapi.responses import Response

from zhichao.adapters.documents.spreadsheet import DATE, DATETIME, INT, NUMBER, TEXT, Column
from zhichao.bootstrap import Container
from zhichao.domain.inspections import CHANNELS, RESULTS
from zhichao.services import exports
from zhichao.services.ports import Station, User
from zhichao.services.stations import health
from zhichao.web.console import case_view as V
from zhichao.web.console import labels as L
from zhichao.web.console.case_pages import _viewer
from zhichao.web.console.list_filters import (
    CaseFilter,
    InspectionFilter,
    ListFilter,
    PassageFilter,
    TransferFilter,
    case_filter_of,
    inspection_filter,
    passage_filter,
    transfer_filter,
)
from zhichao.web.console.pages import StationRow, _gate, _station_options, _station_row
from zhichao.web.console.transfer_pages import STATE_LABELS, transfer_row

Cells = Sequence[Any]


@dataclass(frozen=True, slots=True)
class ListExport:
    """One exportable list: ``title`` names the file and the sheet; ``viewer`` is the page's gate (the user,
    or the response to send instead); ``parse`` is the page's filter; ``rows`` yields each row's cells."""

    title: str
    viewer: Callable[[Request], User | Response]
    parse: Callable[[Request, Container], ListFilter]
    columns: Sequence[Column]
    rows: Callable[[Container, Any], Iterator[Cells]]  # checks at once, reads lazily


def local(at: datetime | None, tz: tzinfo) -> datetime | None:
    """A stored (UTC) instant as the naive local time a spreadsheet shows."""
    return at.astimezone(tz).replace(tzinfo=None) if at is not None else None


def _tz(c: Container) -> ZoneInfo:
    return ZoneInfo(c.settings.display_timezone)


def local_today(c: Container) -> date:
    return c.clock().astimezone(_tz(c)).date()


RECORD_COLUMNS = (
    Column("站点", TEXT, 24), Column("站点编号", TEXT, 12), Column("车道", INT, 6), Column("过车时间", DATETIME, 20),
    Column("车牌", TEXT, 12), Column("车牌颜色", TEXT, 8), Column("轴数", INT, 6), Column("轴型", TEXT, 8),
    Column("车型", TEXT, 14), Column("总重 kg", INT, 10), Column("限值 kg", INT, 10), Column("超限量 kg", INT, 10),
    Column("超限率 %", NUMBER, 10), Column("结论", TEXT, 22), Column("罚款 元", INT, 9),
    Column("尺寸超限", TEXT, 10), Column("车速 km/h", NUMBER, 10), Column("限值依据", TEXT, 30),
    Column("规则", TEXT, 10), Column("记录编号", TEXT, 22),
)  # fmt: skip


def record_cells(r: Mapping[str, Any], names: Mapping[str, str], tz: tzinfo) -> Cells:
    sizes = r["size_violations"]
    return (
        names.get(r["station_id"], r["station_id"]), r["station_id"], r["lane"], local(r["captured_at"], tz),
        r["plate"] or L.UNREAD_PLATE, L.label(L.PLATE_COLOURS, r["plate_color"]), r["axle_count"],
        r["axle_groups"] or "", L.label(L.VEHICLE_TYPES, r["vehicle_type"], ""), r["gross_weight_kg"], r["limit_kg"],
        r["overload_kg"], r["overload_rate_x100"] / 100, L.verdict_label(r), r["fine_yuan"],
        "、".join(L.label(L.SIZE_VIOLATIONS, s) for s in sizes.split(",")) if sizes else "", r["speed_kmh"],
        r["limit_basis"], r["rule_set"], r["record_id"],
    )  # fmt: skip


def _records(c: Container, f: PassageFilter) -> Iterator[Cells]:
    tz, names = _tz(c), {s.station_id: s.name for s in c.stations.all()}
    found = exports.record_rows(c.list_exports, start=f.start, end=f.end, overloaded=True if f.overloaded else None,
                                station_id=f.station_id or None)
    return (record_cells(r, names, tz) for r in found)


@dataclass(frozen=True, slots=True)
class NoFilter:
    """A list without a filter (站点: the whole registry)."""

    def params(self) -> dict[str, str]:
        return {}


STATION_COLUMNS = (
    Column("区县", TEXT, 10), Column("站点编号", TEXT, 12), Column("名称", TEXT, 26), Column("道路", TEXT, 8),
    Column("桩号", TEXT, 12), Column("车道数", INT, 8), Column("状态", TEXT, 8), Column("在线状态", TEXT, 10),
    Column("最近过车", DATETIME, 20), Column("检定证书编号", TEXT, 26), Column("证书有效期至", DATE, 14),
    Column("证书状态", TEXT, 10), Column("准确度等级", TEXT, 10),
)  # fmt: skip


def _stations(c: Container, _: NoFilter) -> Iterator[Cells]:
    # The registry holds a few hundred stations at most; the page reads them the same way.
    tz, now = _tz(c), c.clock()
    return (station_cells(county, s, _station_row(s, now, tz, health(s, now, c.health_policy)), tz)
            for county, members in _station_options(c.stations.all()) for s in members)


def station_cells(county: str, s: Station, row: StationRow, tz: tzinfo) -> Cells:
    return (county, s.station_id, s.name, s.road or "", s.stake or "", s.lanes, row.state, row.health,
            local(s.last_record_at, tz), s.cert_number or "", s.cert_valid_to, row.cert, row.accuracy)


CASE_COLUMNS = (
    Column("案件编号", INT, 10), Column("车牌", TEXT, 12), Column("站点", TEXT, 24), Column("过车时间", DATETIME, 20),
    Column("超限率 %", NUMBER, 10), Column("总重 kg", INT, 10), Column("限值 kg", INT, 10), Column("罚款 元", INT, 9),
    Column("状态", TEXT, 18), Column("下一期限", DATE, 12), Column("期限事项", TEXT, 16), Column("期限提示", TEXT, 12),
    Column("立案时间", DATETIME, 20),
)  # fmt: skip


def _cases(c: Container, f: CaseFilter) -> Iterator[Cells]:
    tz, today = _tz(c), local_today(c)
    found = exports.case_rows(c.list_exports, f.query(today, tz, c.cases.local_prefixes))
    return (case_cells(case, today, tz) for case in found)


def case_cells(case: Mapping[str, Any], today: date, tz: tzinfo) -> Cells:
    row, rate = V.case_row(case, today, tz), case["overload_rate_x100"]
    return (case["id"], case["plate"], row.station, local(case["captured_at"], tz),
            None if rate is None else rate / 100, case["gross_weight_kg"], case["limit_kg"], case["fine_yuan"],
            row.state, case["due_on"], row.due.label, row.due.text if case["due_on"] else "",
            local(case["opened_at"], tz))


INSPECTION_COLUMNS = (
    Column("检查时间", DATETIME, 20), Column("车牌", TEXT, 12), Column("地点", TEXT, 24), Column("区县", TEXT, 10),
    Column("站点", TEXT, 24), Column("结果", TEXT, 14), Column("称重 kg", INT, 10), Column("货物", TEXT, 12),
    Column("来源", TEXT, 10), Column("记录人", TEXT, 10), Column("照片 张", INT, 8), Column("签名", TEXT, 6),
)  # fmt: skip


def _inspections(c: Container, f: InspectionFilter) -> Iterator[Cells]:
    tz = _tz(c)
    found = exports.inspection_rows(c.list_exports, start=f.start, end=f.end, county=f.county or None,
                                    channel=f.channel or None)
    return (inspection_cells(r, tz) for r in found)


def inspection_cells(r: Mapping[str, Any], tz: tzinfo) -> Cells:
    return (local(r["inspected_at"], tz), r["plate"], r["place"], L.label(L.COUNTIES, r["county_code"]),
            r["station_name"] or "", RESULTS.get(r["result"], r["result"]), r["measured_weight_kg"],
            r["cargo"] or "", CHANNELS.get(r["channel"], r["channel"]), r["officer_name"] or "",
            len(r["photos"] or ()), L.YES_NO[bool(r["signature_sha256"])])


TRANSFER_COLUMNS = (
    Column("案件编号", INT, 10), Column("车牌", TEXT, 12), Column("车籍地", TEXT, 12), Column("接收机关", TEXT, 30),
    Column("长三角", TEXT, 8), Column("抄告时间", DATETIME, 20), Column("期限", DATE, 12), Column("状态", TEXT, 18),
    Column("逾期抄告", TEXT, 10), Column("对方回复", TEXT, 30), Column("回复时间", DATETIME, 20),
)  # fmt: skip


def _transfers(c: Container, f: TransferFilter) -> Iterator[Cells]:
    tz = _tz(c)
    found = exports.transfer_rows(c.list_exports, state=f.state or None, long_triangle=f.long_triangle)
    return (transfer_cells(t, tz) for t in found)


def transfer_cells(t: Mapping[str, Any], tz: ZoneInfo) -> Cells:
    row = transfer_row(t, tz)
    return (t["case_id"], t["plate"], t["region"], t["authority"], L.YES_NO[bool(t["long_triangle"])],
            local(t["sent_at"], tz), t["due_on"], row["state"], L.YES_NO[row["late"]], row["outcome"],
            local(t["outcome_at"], tz))


LISTS: Mapping[str, ListExport] = {
    "records": ListExport("过车记录", _gate, lambda request, c: passage_filter(request.query_params), RECORD_COLUMNS,
                          _records),
    "stations": ListExport("站点", _gate, lambda request, c: NoFilter(), STATION_COLUMNS, _stations),
    "cases": ListExport("案件", _viewer, lambda request, c: case_filter_of(request.query_params), CASE_COLUMNS, _cases),
    "inspections": ListExport("检查记录", _gate,
                              lambda request, c: inspection_filter(request.query_params, local_today(c)),
                              INSPECTION_COLUMNS, _inspections),
    "transfers": ListExport("抄告", _viewer, lambda request, c: transfer_filter(request.query_params, STATE_LABELS),
                            TRANSFER_COLUMNS, _transfers),
}  # fmt: skip
