"""Exports of the console's lists (导出) over HTTP, on both databases: the CSV and the workbook hold the rows
the filtered page lists (same count, same plates, same order), through the links the page shows; filters,
roles and bad input are applied as on the page; every export leaves an audit entry and a refusal leaves
nothing.

Workbooks are read back with openpyxl; CSV with the stdlib reader after its byte-order mark.
"""

from __future__ import annotations

import csv
import html
import io
import re
from datetime import datetime
from typing import Any
from urllib.parse import unquote

import openpyxl
import pytest
from fastapi.testclient import TestClient

from tests.conftest import FixedClock
from tests.e2e.case_workflow import WorkflowDesk
from tests.e2e.conftest import NOW, Console
from tests.e2e.test_case_pages import Pages
from tests.e2e.test_cases_api import PATH
from zhichao.bootstrap import Container
from zhichao.web.console.export_sheets import LISTS

HTML = {"accept": "text/html"}
FORMATS = ("csv", "xlsx")


def table(answer: Any, fmt: str) -> list[dict[str, Any]]:
    """The exported rows as dicts keyed by the column headings."""
    assert answer.status_code == 200, answer.text[:500]
    if fmt == "csv":
        assert answer.content.startswith(b"\xef\xbb\xbf") and answer.headers["content-type"].startswith("text/csv")
        lines = list(csv.reader(io.StringIO(answer.content[3:].decode("utf-8"))))
    else:
        book = openpyxl.load_workbook(io.BytesIO(answer.content), read_only=True)
        lines = [list(r) for sheet in book.worksheets for r in sheet.iter_rows(values_only=True)]
    header, *rows = lines
    return [dict(zip(header, row, strict=True)) for row in rows]


def export(client: TestClient, name: str, fmt: str, query: str = "") -> list[dict[str, Any]]:
    return table(client.get(f"/console/export/{name}.{fmt}" + (f"?{query}" if query else "")), fmt)


def links(page: str) -> dict[str, str]:
    """The page's 导出 Excel / 导出 CSV addresses, by format."""
    found = dict(re.findall(r'id="export-(xlsx|csv)" href="([^"]+)"', page))
    assert set(found) == {"xlsx", "csv"}, "the page shows no export links"
    return {fmt: html.unescape(url) for fmt, url in found.items()}


def passage_plates(page: str) -> list[str]:
    rows = re.findall(r'<tr class="row-\w+" data-id="\d+">(.*?)</tr>', page, re.S)
    return [m.group(1) for r in rows if (m := re.search(r'class="plate[^"]*"[^>]*>([^<]+)<', r))]


def audits(c: Container, name: str) -> list[Any]:
    return c.audit.for_subject(f"list:{name}")


@pytest.fixture
def passages(console: Console) -> Console:
    """The first batch (four passages at T-YC-01, an hour ago at most) and three more: one at another station,
    two the days before."""
    console.ingest("T-KQ-01", [console.passage("KQ-1", "浙D55555", [7000, 11000, 11000, 10440, 10440, 10440],
                                               station_id="T-KQ-01", ago_s=600)])
    console.ingest("T-YC-01", [console.passage("OLD-1", "浙D77777", [7000, 11000], ago_s=86_400),
                               console.passage("OLD-2", "浙D88888", [7000, 11000], ago_s=2 * 86_400)])
    return console


@pytest.mark.parametrize("query", ["", "overloaded=1", "station=T-KQ-01", "start=2026-11-26",
                                   "start=2026-11-24&end=2026-11-25", "overloaded=1&station=T-YC-01"])
def test_the_records_export_holds_what_the_filtered_page_lists(passages: Console, client: TestClient,
                                                               query: str) -> None:
    passages.log_in(client)
    page = client.get("/" + (f"?{query}" if query else "")).text
    listed = passage_plates(page)
    assert listed, "a filter of this table lists something"
    for fmt, url in links(page).items():
        assert url == f"/console/export/records.{fmt}" + (f"?{query}" if query else "")
        assert [r["车牌"] for r in table(client.get(url), fmt)] == listed


def test_filters_narrow_the_records_export(passages: Console, client: TestClient) -> None:
    passages.log_in(client)
    everything = export(client, "records", "csv")
    assert len(everything) == 7
    over = [r["车牌"] for r in export(client, "records", "csv", "overloaded=1")]
    assert over == ["浙D12345", "皖K1234挂", "浙D55555"]
    assert [r["车牌"] for r in export(client, "records", "xlsx", "end=2026-11-25")] == ["浙D77777", "浙D88888"]
    assert export(client, "records", "xlsx", "station=NO-SUCH") == []


@pytest.mark.parametrize("fmt", FORMATS)
def test_a_record_row_carries_what_a_reviewer_checks(passages: Console, client: TestClient, fmt: str) -> None:
    passages.log_in(client)
    row = next(r for r in export(client, "records", fmt) if r["车牌"] == "浙D12345")
    at = row["过车时间"] if fmt == "xlsx" else datetime.fromisoformat(row["过车时间"])
    assert at == datetime(2026, 11, 26, 14, 2, 27)  # NOW − 60 s, Shanghai time, no zone
    numbers = {k: row[k] if fmt == "xlsx" else float(row[k]) for k in ("总重 kg", "限值 kg", "超限量 kg", "超限率 %")}
    assert numbers == {"总重 kg": 60320, "限值 kg": 49000, "超限量 kg": 11320, "超限率 %": 23.1}
    assert (row["站点"], row["车牌颜色"], row["结论"], str(row["罚款 元"]), str(row["轴数"])) == (
        "G104 越城东湖 测试站", "黄", "超限 可处罚", "456", "6")
    unread = next(r for r in export(client, "records", fmt) if r["记录编号"] == "UNREAD-1")
    assert unread["车牌"] == "未识别"


@pytest.mark.parametrize("fmt", FORMATS)
def test_the_file_is_named_in_chinese_with_the_date_and_an_ascii_fallback(console: Console, client: TestClient,
                                                                        fmt: str) -> None:
    console.log_in(client)
    disposition = client.get(f"/console/export/records.{fmt}").headers["content-disposition"]
    found = re.fullmatch(r'attachment; filename="([ -~]+)"; filename\*=UTF-8\'\'(\S+)', disposition)
    assert found is not None, disposition
    fallback, encoded = found.groups()
    assert fallback == f"records-2026-11-26.{fmt}" and unquote(encoded) == f"过车记录-2026-11-26.{fmt}"


def test_the_workbook_is_written_under_the_data_directory_and_deleted_once_sent(console: Console,
                                                                               client: TestClient) -> None:
    console.log_in(client)
    tmp = console.container.settings.data_dir / "tmp"
    assert len(table(client.get("/console/export/records.xlsx"), "xlsx")) == 4
    assert tmp.is_dir() and list(tmp.iterdir()) == []


def test_an_export_is_audited_with_the_user_the_list_and_the_filter(passages: Console, client: TestClient) -> None:
    c = passages.container
    passages.log_in(client)
    export(client, "records", "xlsx", "overloaded=1&start=2026-11-20&station=")
    [entry] = audits(c, "records")
    assert (entry.action, entry.actor, entry.at) == ("list.export", "user:1", NOW)
    assert entry.details == {"list": "records", "format": "xlsx", "username": "reviewer1", "role": "reviewer",
                             "filters": {"overloaded": "1", "start": "2026-11-20"}}
    export(client, "stations", "csv")
    assert [e.details["format"] for e in audits(c, "stations")] == ["csv"]


BAD = [
    ("records.csv?start=2026-13-01", "invalid_date"),
    ("records.xlsx?end=yesterday", "invalid_date"),
    ("records.csv?start=2026-11-26&end=2026-11-20", "period_reversed"),
    ("inspections.xlsx?start=2026-11-26&end=2026-11-01", "period_reversed"),
    ("inspections.csv?start=26.11.2026", "invalid_date"),
    ("inspections.csv?start=2024-01-01&end=2026-11-26", "invalid_period"),
    ("passengers.csv", "unknown_list"),
    ("records.pdf", "unknown_format"),
    ("records", "unknown_format"),
]


@pytest.mark.parametrize(("path", "code"), BAD)
def test_bad_input_is_refused_in_chinese_and_writes_nothing(console: Console, client: TestClient, path: str,
                                                            code: str) -> None:
    c = console.container
    console.log_in(client)
    before = len(list(c.audit.entries()))
    answer = client.get(f"/console/export/{path}")
    error = answer.json()["error"]
    assert (answer.status_code, error["code"]) == (400, code)
    assert re.search(r"[\u4e00-\u9fff]", error["message"]), error["message"]
    page = client.get(f"/console/export/{path}", headers=HTML)
    assert page.status_code == 400 and error["message"] in html.unescape(page.text)
    assert len(list(c.audit.entries())) == before
    tmp = c.settings.data_dir / "tmp"
    assert not tmp.exists() or not any(tmp.iterdir())


def test_a_malformed_date_on_the_page_is_refused_as_on_its_export(console: Console, client: TestClient) -> None:
    console.log_in(client)
    page = client.get("/?start=2026-02-30", headers=HTML)
    assert page.status_code == 400 and "日期格式不正确" in page.text


@pytest.mark.parametrize("name", sorted(LISTS))
def test_the_page_gate_applies_to_its_export(console: Console, client: TestClient, name: str) -> None:
    url = f"/console/export/{name}.csv"
    anonymous = client.get(url)
    assert anonymous.status_code == 303 and anonymous.headers["location"].startswith("/login?next=")
    console.log_in(client, "partner1")
    assert client.get(url).status_code == 403
    console.log_in(client, "reviewer1")  # a reviewer reads the lists, but not cases and transfers
    assert client.get(url).status_code == (403 if name in {"cases", "transfers"} else 200)
    assert len(audits(console.container, name)) == (0 if name in {"cases", "transfers"} else 1)


@pytest.mark.parametrize("fmt", FORMATS)
def test_the_stations_export_lists_the_registry_in_the_page_order(console: Console, client: TestClient,
                                                                 fmt: str) -> None:
    console.log_in(client)
    page = client.get("/stations").text
    listed = re.findall(r'<td class="mono">([^<]+)</td>', page)
    rows = table(client.get(links(page)[fmt]), fmt)
    assert [r["站点编号"] for r in rows] == listed and len(listed) == 4
    kq = next(r for r in rows if r["站点编号"] == "T-KQ-01")
    assert (kq["区县"], kq["状态"], kq["证书状态"], str(kq["车道数"])) == ("柯桥区", "启用", "已过期", "6")


def inspect(client: TestClient, n: int, plate: str, at: str, county: str) -> None:
    form = {"client_id": f"desk-{n:04d}", "plate": plate, "place": "G104 越城东湖段", "inspected_at": at,
            "result": "compliant", "county": county}
    assert client.post("/console/inspections", data=form).status_code == 303


@pytest.mark.parametrize("query", ["", "start=2026-11-01&end=2026-11-26&county=330602",
                                   "start=2026-11-20&end=2026-11-26", "start=2026-09-01&end=2026-09-30"])
def test_the_inspections_export_holds_what_the_filtered_page_lists(console: Console, client: TestClient,
                                                                   query: str) -> None:
    console.log_in(client)
    inspect(client, 1, "浙D12345", "2026-11-25T09:30", "330602")
    inspect(client, 2, "浙D54321", "2026-11-10T10:00", "330603")
    inspect(client, 3, "皖K12345", "2026-09-15T08:00", "330602")
    page = client.get("/console/inspections" + (f"?{query}" if query else "")).text
    listed = re.findall(r'<tr><td class="time">[^<]*</td><td><span class="plate">([^<]+)</span>', page)
    for fmt, url in links(page).items():
        rows = table(client.get(url), fmt)
        assert [r["车牌"] for r in rows] == listed
    expected = {"": ["浙D12345", "浙D54321"], "start=2026-11-20&end=2026-11-26": ["浙D12345"],
                "start=2026-09-01&end=2026-09-30": ["皖K12345"]}.get(query, ["浙D12345"])
    assert listed == expected
    first = rows[0]
    assert (first["结果"], first["来源"], first["记录人"], first["签名"]) == ("合规", "案头录入", "王审核", "否")


@pytest.fixture
def desk(container: Container) -> Pages:
    return Pages(container)


@pytest.mark.parametrize("query", ["", "plate=皖K12345", "state=notified", "due=30"])
def test_the_cases_export_holds_what_the_filtered_page_lists(desk: Pages, query: str) -> None:
    first = desk.approved_case("r1")
    desk.approved_case("r2", plate="皖K12345", captured_at="2026-11-26T13:40:00+08:00")
    assert desk.act("wang", first, "send_notice").status_code == 200
    with desk.browser("wang") as client:
        page = client.get("/console/cases" + (f"?{query}" if query else "")).text
        ids = [int(i) for i in re.findall(r'data-case="(\d+)"', page)]
        assert ids, "a filter of this list lists something"
        for fmt, url in links(page).items():
            rows = table(client.get(url), fmt)
            assert [int(r["案件编号"]) for r in rows] == ids
        assert {r["车牌"] for r in rows} <= {"浙D12345", "皖K12345"}
    with desk.browser("zhang") as reviewer:
        assert reviewer.get("/console/export/cases.csv").status_code == 403


@pytest.fixture
def workflow(container: Container, clock: FixedClock) -> WorkflowDesk:
    return WorkflowDesk(container, clock)


@pytest.mark.parametrize("query", ["", "region=long_triangle", "state=sent"])
def test_the_transfers_export_holds_what_the_filtered_page_lists(workflow: WorkflowDesk, query: str) -> None:
    case_id = workflow.approved_case("r2", plate="苏E12345", captured_at="2026-11-26T13:40:00+08:00")
    for who, action, _ in PATH:
        workflow.ok(who, case_id, action)
    assert workflow.ok("wang", case_id, "transfer")["state"] == "transferred"
    officer = {"Authorization": f"Bearer {workflow.users['wang'][2]}"}
    page = workflow.client.get("/console/transfers" + (f"?{query}" if query else ""), headers=officer).text
    assert [int(i) for i in re.findall(r'<tr data-case="(\d+)">', page)] == [case_id]
    for fmt, url in links(page).items():
        [row] = table(workflow.client.get(url, headers=officer), fmt)
        assert (int(row["案件编号"]), row["车牌"], row["车籍地"], row["接收机关"], row["长三角"], row["状态"]) == (
            case_id, "苏E12345", "苏E", "苏州市交通运输局", "是", "已抄告，待对方回复")
