"""The device pages show the read models as people read them: counts, groups, filters, formats, and the
three templates render with Chinese labels (built from constructed read models; no service, no database)."""

from __future__ import annotations

import dataclasses
from datetime import UTC, date, datetime, timedelta
from types import SimpleNamespace
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from zhichao.services.device_views import (
    BaselineView,
    Certificate,
    DayPoint,
    FindingView,
    StationDetail,
    StationEvent,
    StationStatus,
    Ticket,
)
from zhichao.web.console import device_pages  # noqa: F401  (sets the device_roles template global)
from zhichao.web.console import device_view as V
from zhichao.web.console import labels as L
from zhichao.web.console import station_view as S
from zhichao.web.console.pages import TEMPLATES

TZ = ZoneInfo("Asia/Shanghai")
NOW = datetime(2026, 11, 26, 6, 0, tzinfo=UTC)


def station(station_id: str = "S1", **changes: Any) -> StationStatus:
    base = StationStatus(
        station_id=station_id, name=f"{station_id} 治超检测点", kind="site", county_code="330602", road="G104",
        stake="K1+000", lat=30.0, lon=120.6, lanes=2, state="enabled", health="up", health_reason=None,
        health_since=NOW - timedelta(days=1), quality="ok", suspended_since=None, findings=(),
        cert_number="浙量检字[2026]第1号", cert_valid_to=date(2027, 1, 1), cert_status="valid",
        last_record_at=NOW - timedelta(minutes=3), last_heartbeat_at=NOW - timedelta(seconds=20),
        clock_offset_s=0.4, open_ticket=None, drift_pct=0.5, read_rate=0.95)
    return dataclasses.replace(base, **changes)


def finding(code: str, level: str, value: float, threshold: float) -> FindingView:
    return FindingView(code, level, f"{code} {level}", value, threshold)


BOARD = [
    station("S1"),
    station("S2", health="down", health_reason="silent", open_ticket=7),
    station("S3", health="late", health_reason="heartbeat_late", county_code="330681"),
    station("S4", state="repair", health="down", county_code=None),
    station("S5", quality="alarm", suspended_since=NOW - timedelta(days=1), cert_status="expiring",
            findings=(finding("calibration_drift", "alarm", -5.8, 5.0),)),
    station("S6", quality="warn", cert_status="expired", lat=None, lon=None),
]


def test_the_headline_counts_add_up_and_link_to_their_filter() -> None:
    counts = {h.label: (h.count, h.href) for h in V.headlines(BOARD, V.BoardFilter())}
    assert counts["在线"][0] == 3 and counts["延迟"][0] == 1 and counts["离线"][0] == 1
    assert counts["维修"][0] == 1 and counts["停用"][0] == 0
    assert sum(counts[k][0] for k in L.CONDITIONS.values()) == len(BOARD)
    assert counts["质量告警"] == (1, "/console/board?quality=alarm") and counts["质量预警"][0] == 1
    assert counts["暂停执法"] == (1, "/console/board?suspended=1")
    assert counts["证书即将到期"][0] == 1 and counts["证书已过期"][0] == 1


@pytest.mark.parametrize(("query", "ids"), [
    pytest.param({"health": "down"}, ["S2"], id="down: not the one in repair"),
    pytest.param({"health": "repair"}, ["S4"], id="repair"),
    pytest.param({"quality": "alarm"}, ["S5"], id="quality alarm"),
    pytest.param({"suspended": "1"}, ["S5"], id="suspended"),
    pytest.param({"cert": "expired"}, ["S6"], id="certificate expired"),
    pytest.param({"health": "bogus", "quality": "<x>"}, ["S1", "S2", "S3", "S4", "S5", "S6"], id="unusable: ignored"),
])
def test_the_board_filters_by_query_string(query: dict[str, str], ids: list[str]) -> None:
    f = V.BoardFilter.parse(**query)
    assert [s.station_id for s in BOARD if f.matches(s)] == ids


def test_a_filter_round_trips_through_its_query_and_is_described_in_chinese() -> None:
    f = V.BoardFilter.parse(health="down", quality="alarm")
    assert f.query() == "health=down&quality=alarm"
    assert f.describe() == "离线 · 数据质量告警"


def test_rows_are_grouped_by_county_in_code_order_with_no_county_last() -> None:
    groups = V.board_groups(BOARD, NOW, TZ)
    assert [name for name, _ in groups] == ["越城区", "诸暨市", L.NO_COUNTY]
    assert [r.station_id for r in groups[0][1]] == ["S1", "S2", "S5", "S6"]


def test_the_worst_finding_is_an_alarm_before_a_warning_then_the_furthest_past_its_threshold() -> None:
    warn_far = finding("read_rate_low", "warn", 0.5, 0.9)
    alarm = finding("calibration_drift", "alarm", 5.2, 5.0)
    assert V.worst_finding([warn_far, alarm]) == alarm
    near, far = finding("a", "warn", 2.6, 2.5), finding("b", "warn", -4.0, 2.5)
    assert V.worst_finding([near, far]) == far
    assert V.worst_finding([]) is None


def test_a_board_row_says_in_words_what_the_colours_say() -> None:
    row = V.board_row(BOARD[1], NOW, TZ)
    assert (row.condition, row.reason, row.ticket_url) == ("离线", "长时间无数据", "/console/tickets#ticket-7")
    assert row.since == "2026-11-25 14:00:00"
    s5 = V.board_row(BOARD[4], NOW, TZ)
    assert s5.quality == "告警" and s5.quality_text == "calibration_drift alarm" and s5.suspended
    assert s5.drift_level == "alarm" and s5.cert == "即将到期"
    assert V.board_row(BOARD[3], NOW, TZ).condition == "维修"


@pytest.mark.parametrize(("hours", "text"), [
    (0.2, "不足 1 小时"), (7.2, "7 小时"), (24.0, "1 天 0 小时"), (28.5, "1 天 4 小时"), (69.9, "2 天 22 小时"),
])
def test_out_of_service_time_is_days_and_hours(hours: float, text: str) -> None:
    assert V.duration(hours) == text


@pytest.mark.parametrize(("seconds", "text", "level"), [
    (None, "—", "none"), (0.4, "+0.4 秒", "ok"), (-4.25, "−4.2 秒", "warn"), (-75.0, "−1 分 15 秒", "bad"),
    (7440.0, "+2 小时 4 分", "bad"),
])
def test_clock_offsets_are_signed_and_graded(seconds: float | None, text: str, level: str) -> None:
    assert V.clock_offset(seconds) == (text, level)


def test_times_since_are_said_in_words() -> None:
    assert [V.ago(NOW - d, NOW) for d in (timedelta(seconds=5), timedelta(minutes=12), timedelta(hours=3),
                                         timedelta(days=5))] == ["刚刚", "12 分钟前", "3 小时前", "5 天前"]
    assert V.ago(None, NOW) == "—"


def test_the_map_places_stations_with_coordinates_and_rings_quality_problems() -> None:
    m = V.network(BOARD, V.BoardFilter(health="down"))
    assert [d.station_id for d in m.dots] == ["S1", "S2", "S3", "S4", "S5"] and m.unplaced == 1
    by_id = {d.station_id: d for d in m.dots}
    assert (by_id["S2"].fill, by_id["S4"].fill, by_id["S5"].ring) == ("down", "grey", "bad")
    assert not by_id["S2"].dimmed and by_id["S1"].dimmed
    assert {c.text for c in m.counties} == {"越城区", "诸暨市"}
    assert all(0 <= d.x <= m.width and 0 <= d.y <= m.height for d in m.dots)


def ticket(ticket_id: int, state: str, out_hours: float = 5.0) -> Ticket:
    closed = NOW if state == "closed" else None
    opened = NOW - timedelta(hours=out_hours)
    return Ticket(ticket_id, "S2", "S2 治超检测点", state, "称重传感器 <无输出>", opened, "李明",
                  "张工" if state != "open" else None, NOW if state != "open" else None, closed,
                  "王建国" if closed else None, "更换传感器" if closed else None, out_hours, 3)


TICKETS = [ticket(9, "open"), ticket(8, "assigned", 30.0), ticket(7, "closed", 50.0)]


def detail() -> StationDetail:
    s = BOARD[4]
    days = [DayPoint(date(2026, 11, 1) + timedelta(days=i), 800 + i, 0.93, 6900.0, -0.2 * i, -1.0, True, True)
            for i in range(29)]
    days.append(DayPoint(date(2026, 11, 30), 0, None, None, None, None, False, False, s.findings,
                         tuple(range(24)), {1: 10, 2: 0}))
    return StationDetail(
        status=s, days=days, baseline=BaselineView(date(2026, 9, 1), date(2026, 9, 30), 6900.0, 6400.0, 5000),
        mpe_pct=5.0, pairs={"S1": (-5.6, 400), "S3": (-1.0, 20)},
        events=[StationEvent(NOW, "suspension", None, "suspended", "calibration_drift", "暂停执法使用", None),
                StationEvent(NOW, "health", "up", "down", "silent", "离线", None)],
        tickets=TICKETS[:1], certificates=[Certificate("浙量检字[2026]第1号", "检测院", "10", date(2026, 1, 1),
                                                      date(2027, 1, 1), NOW, "王建国")],
        heartbeat_status={"firmware": "3.2"})


def test_the_station_page_says_why_enforcement_is_suspended_and_orders_neighbours_by_difference() -> None:
    page = S.station_page(detail(), NOW, TZ)
    assert page.suspension.startswith("暂停执法使用：自 2026-11-25 14:00:00 起新记录不作为执法证据，待检定/核查")
    assert [p.station_id for p in page.pairs] == ["S1", "S3"] and page.pairs[0].level == "bad"
    assert page.events[0].reason == "计量漂移" and page.events[1].change == "在线 → 离线"
    assert page.open_ticket is not None and page.open_ticket.id == 9
    assert [c.id for c in page.charts] == ["volume", "read-rate", "steer", "drift", "pairs", "hours", "lanes"]
    assert page.certificates[0].current


def test_tickets_are_formatted_and_counted() -> None:
    row = V.ticket_row(TICKETS[1], TZ)
    assert (row.state, row.out, row.assignee, row.closed) == ("已派单", "1 天 6 小时", "张工", "—")
    assert V.ticket_counts(TICKETS) == {"open": 1, "assigned": 1, "closed": 1}
    assert V.ticket_state_filter("closed") == "closed" and V.ticket_state_filter("x") == ""


USER = SimpleNamespace(display_name="王建国", role="admin", id=1)


def render(template: str, **context: Any) -> str:
    base = {"city": "绍兴市", "user": USER, "role_label": "管理员", "message": None, "done": None, "drafts": {}}
    return str(TEMPLATES.env.get_template(template).render({**base, **context}))


def test_the_board_renders_with_its_map_table_and_menu() -> None:
    f = V.BoardFilter()
    html = render("board.html", nav="board", headlines=V.headlines(BOARD, f), map=V.network(BOARD, f),
                  groups=V.board_groups(BOARD, NOW, TZ), total=len(BOARD), shown=len(BOARD), filter="", now="x")
    for text in ("设备运行", "站点分布", "越城区", "诸暨市", "长时间无数据", "暂停执法", "检定证书有效期", "报修单 7",
                 'href="/console/board"', 'href="/console/tickets"', "<title>S2 治超检测点 · 离线</title>"):
        assert text in html, text


def test_the_station_page_renders_its_charts_banner_and_admin_forms() -> None:
    html = render("station.html", nav="board", p=S.station_page(detail(), NOW, TZ), today="2026-11-26",
                  can_open_ticket=True, can_admin=True, check_results=L.CHECK_RESULTS, days=30)
    for text in ("暂停执法使用", "每日货车流量", "车牌识别率", "计量漂移", "分车道流量", "登记新的检定证书",
                 "登记检定 / 核查结果", "合格", "已调整", "称重传感器 &lt;无输出&gt;", "<svg"):
        assert text in html, text
    assert "称重传感器 <无输出>" not in html


def test_the_ticket_list_renders_with_forms_that_carry_the_version() -> None:
    html = render("tickets.html", nav="tickets", rows=[V.ticket_row(t, TZ) for t in TICKETS], state="",
                  states=L.TICKET_STATES, counts=V.ticket_counts(TICKETS), total=3, can_admin=True)
    for text in ("报修", "待处理", "已派单", "已关闭", "1 天 6 小时", 'name="version" value="3"', "派单", "改派"):
        assert text in html, text
    assert html.count('action="/console/tickets/7/') == 0  # a closed ticket has no forms
