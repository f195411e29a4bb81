"""The console's 入口与源头 pages over HTTP, on both databases: KPI 6 and the refusals with the truck that
entered through another entrance; the freight sources' counts and one source's overloaded departures."""

from __future__ import annotations

from fastapi.testclient import TestClient

from tests.e2e.test_case_pages import visible
from tests.e2e.test_party_pages import console
from tests.e2e.test_sources_api import SourceDesk, desk  # noqa: F401 — the fixture
from tests.integration.test_entrance import entrance_scale, weigh


def test_the_entrance_page_shows_kpi_6_and_a_truck_that_entered_elsewhere(desk: SourceDesk) -> None:  # noqa: F811
    c = desk.c
    entrance_scale(c, "H1")
    entrance_scale(c, "H2")
    weigh(c, "H1", "a1", "浙D12345", "2026-11-25T09:00:00", 60320)
    weigh(c, "H2", "b1", "浙D12345", "2026-11-25T11:00:00", 45000)
    weigh(c, "H1", "a2", "浙D22222", "2026-11-25T09:05:00", 40000)
    weigh(c, "H2", "b2", "浙D33333", "2026-11-25T10:00:00", 52000)  # 106 %: refused, never entered
    page = console(desk, "boss").get("/entrances?start=2026-11-20&end=2026-11-26")
    assert page.status_code == 200
    text = visible(page.text)
    assert "2 辆 / 称重货车 4 辆" in text and "50.00%" in text and "年度目标 ≤ 0.2%" in text and "未达标" in text
    assert "2 条，其中 1 辆劝返后从其他入口驶入" in text
    assert "高速入口 H2 · 11:00" in text and "超过限值105%，劝返" in text
    only = visible(console(desk, "boss").get("/entrances?start=2026-11-20&end=2026-11-26&evaded=1").text)
    assert "浙D12345" in only and "浙D33333" not in only
    empty = visible(console(desk, "boss").get("/entrances?start=2026-10-01&end=2026-10-02").text)
    assert "期间内没有劝返记录" in empty and "期间内高速入口称重点没有数据" in empty
    reversed_ = console(desk, "boss").get("/entrances?start=2026-11-26&end=2026-11-20")
    assert reversed_.status_code == 400 and "结束日期不能早于开始日期" in reversed_.text


def test_the_sources_page_counts_departures_and_lists_a_sources_overloads(desk: SourceDesk) -> None:  # noqa: F811
    desk.depart("d1", "2026-11-20T06:00:00", 60320)
    desk.depart("d2", "2026-11-20T07:00:00", 45000, plate="浙D22222")
    client: TestClient = console(desk, "boss")
    text = visible(client.get("/sources?start=2026-10-01&end=2026-11-26").text)
    assert "柯桥区钱清石料厂 重点源头" in text and "未接入" in text and "50.00%" in text
    listed = visible(client.get("/sources?start=2026-10-01&end=2026-11-26&code=SX-SRC-001").text)
    assert "柯桥区钱清石料厂 超限出场记录 1 条" in listed and "浙D12345" in listed and "浙D22222" not in listed
    assert client.get("/sources?code=SX-SRC-404").status_code == 404
