"""The console over HTTP: login and logout, who may see which page, and what the pages say."""

from __future__ import annotations

import json
import re
from datetime import date, timedelta
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from zhichao.web.console import labels
from zhichao.web.console.pages import cert_state, safe_next

SRC = Path(__file__).resolve().parents[2] / "src" / "zhichao"
STATIC = SRC / "web" / "console" / "static"
NETWORK_FILE = SRC / "data" / "shaoxing_stations.json"


class _Rows(HTMLParser):
    """(class of the <tr>, text of each cell) for every body row of the table with ``table_id``."""

    def __init__(self, table_id: str) -> None:
        super().__init__()
        self.table_id, self.inside, self.in_head, self.rows = table_id, False, False, []
        self.cell: list[str] | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        found = dict(attrs)
        if tag == "table" and found.get("id") == self.table_id:
            self.inside = True
        elif self.inside and tag == "thead":
            self.in_head = True
        elif self.inside and tag == "tr" and not self.in_head:
            self.rows.append((found.get("class") or "", []))
        elif self.inside and tag in {"td", "th"} and self.rows:
            self.cell = []

    def handle_endtag(self, tag: str) -> None:
        if tag == "table":
            self.inside = False
        elif tag == "thead":
            self.in_head = False
        elif tag in {"td", "th"} and self.cell is not None:
            self.rows[-1][1].append(" ".join("".join(self.cell).split()))
            self.cell = None

    def handle_data(self, data: str) -> None:
        if self.cell is not None:
            self.cell.append(data)


def rows_of(html: str, table_id: str) -> list[tuple[str, list[str]]]:
    parser = _Rows(table_id)
    parser.feed(html)
    return [(cls, cells) for cls, cells in parser.rows if cells]


def row_with(html: str, text: str, table_id: str = "passages") -> tuple[str, list[str]]:
    found = [row for row in rows_of(html, table_id) if any(text in cell for cell in row[1])]
    assert len(found) == 1, f"{text!r} in {len(found)} rows"
    return found[0]


# --- logging in and out ---------------------------------------------------------------------


@pytest.mark.parametrize("path", ["/", "/stations", "/?station=T-YC-01&overloaded=1"])
def test_a_visitor_is_sent_to_the_login_page_with_the_page_asked_for(client: TestClient, path: str) -> None:
    response = client.get(path)
    assert response.status_code == 303
    location = response.headers["location"]
    assert location.startswith("/login?next=")
    assert client.get(location).text.count(f'name="next" value="{path.replace("&", "&amp;")}"') == 1


def test_the_login_form_is_chinese_with_labelled_fields(client: TestClient) -> None:
    page = client.get("/login").text
    assert '<html lang="zh-CN">' in page
    assert '<label for="username">用户名</label>' in page and 'id="username"' in page
    assert '<label for="password">密码</label>' in page and 'type="password"' in page
    assert "绍兴市治超非现场执法平台" in page


def test_a_correct_login_sets_a_safe_session_cookie_and_goes_home(client: TestClient, console: Any) -> None:
    form = {"username": "reviewer1", "password": console.passwords["reviewer1"]}
    response = client.post("/login", data=form)
    assert response.status_code == 303
    assert response.headers["location"] == "/"
    cookie = response.headers["set-cookie"]
    assert cookie.startswith("zhichao_session=zss_")
    assert "HttpOnly" in cookie and "SameSite=lax" in cookie and "Path=/" in cookie
    assert f"Max-Age={console.container.settings.session_ttl_s}" in cookie
    assert "Secure" not in cookie
    assert client.get("/").status_code == 200


@pytest.mark.parametrize("console_options", [{"cookie_secure": True}])
def test_the_session_cookie_is_secure_when_served_over_https(client: TestClient, console: Any) -> None:
    form = {"username": "reviewer1", "password": console.passwords["reviewer1"]}
    response = client.post("/login", data=form)
    assert "Secure" in response.headers["set-cookie"]


@pytest.mark.parametrize(("username", "password"), [("reviewer1", "wrong"), ("nobody", "wrong"), ("", "")])
def test_a_failed_login_says_the_same_thing_whatever_was_wrong(client: TestClient, username: str,
                                                               password: str) -> None:
    response = client.post("/login", data={"username": username, "password": password, "next": "/stations"})
    assert response.status_code == 401
    assert "用户名或密码错误" in response.text
    assert 'role="alert"' in response.text and 'name="next" value="/stations"' in response.text
    assert "set-cookie" not in response.headers


def test_login_returns_to_the_local_page_that_was_asked_for(client: TestClient, console: Any) -> None:
    form = {"username": "reviewer1", "password": console.passwords["reviewer1"], "next": "/?station=T-YC-01"}
    response = client.post("/login", data=form)
    assert response.headers["location"] == "/?station=T-YC-01"


@pytest.mark.parametrize("target", ["https://evil.example/", "//evil.example/x", "/\\evil.example",
                                    "javascript:alert(1)", "http:/evil.example", "", "/\r\nSet-Cookie:x=1"])
def test_login_never_redirects_to_another_site(client: TestClient, console: Any, target: str) -> None:
    form = {"username": "reviewer1", "password": console.passwords["reviewer1"], "next": target}
    response = client.post("/login", data=form)
    assert response.status_code == 303
    assert response.headers["location"] == "/"
    assert safe_next(target) == "/"


def test_a_logged_in_user_opening_the_login_page_goes_on_to_the_page_asked_for(
        client: TestClient, console: Any) -> None:
    console.log_in(client)
    assert client.get("/login?next=/stations").headers["location"] == "/stations"
    assert client.get("/login?next=https://evil.example").headers["location"] == "/"


def test_logout_ends_the_session_and_clears_the_cookie(client: TestClient, console: Any) -> None:
    console.log_in(client)
    session = client.cookies["zhichao_session"]
    response = client.post("/logout")
    assert response.status_code == 303 and response.headers["location"] == "/login"
    cleared = response.headers["set-cookie"]
    assert 'zhichao_session=""' in cleared and "Max-Age=0" in cleared
    assert client.get("/").status_code == 303
    client.cookies.set("zhichao_session", session)  # the old cookie, replayed, no longer works
    assert client.get("/").status_code == 303


def test_an_expired_session_goes_back_to_the_login_page(client: TestClient, console: Any) -> None:
    console.log_in(client)
    console.clock.now += timedelta(seconds=console.container.settings.session_ttl_s + 1)
    assert client.get("/").headers["location"] == "/login?next=%2F"


def test_a_partner_system_gets_a_clear_403_page(client: TestClient, console: Any) -> None:
    console.log_in(client, "partner1")
    for path in ("/", "/stations"):
        response = client.get(path)
        assert response.status_code == 403
        assert "合作系统账号只能调用车辆核查接口" in response.text and "/api/v1/check/" in response.text
        assert "退出" in response.text and "实时过车</a>" not in response.text


# --- 实时过车 --------------------------------------------------------------------------------


def test_the_passages_page_shows_the_latest_passages_in_chinese(client: TestClient, console: Any) -> None:
    console.log_in(client)
    page = client.get("/").text
    assert "<title>实时过车 · 绍兴市治超非现场执法平台</title>" in page
    assert "王审核" in page and "审核员" in page and ">退出</button>" in page
    assert 'aria-current="page">实时过车</a>' in page and 'href="/docs"' in page
    plates = [cells[3] for _, cells in rows_of(page, "passages")]
    assert plates == ["浙D12345", "皖K1234挂", "浙DA6789", "未识别"]
    _, cells = row_with(page, "浙D12345")
    # time (Shanghai), station name, lane, plate, axles, gross t, limit t, rate, verdict, speed
    assert cells == ["11-26 14:02:27", "G104 越城东湖 测试站", "1", "浙D12345", "6 轴", "60.32", "49",
                     "23.10%", "超限 可处罚 罚款 456 元", "62.5"]
    assert row_with(page, "皖K1234挂")[1][4] == "5 轴 1+1+3"
    assert row_with(page, "皖K1234挂")[1][8] == "超限（≤20% 批评教育）"
    assert row_with(page, "浙DA6789")[1][7:] == ["—", "正常", "48.0"]
    assert '<span class="plate-unread">未识别</span>' in page


def test_overloaded_rows_are_marked_actionable_ones_more_strongly(client: TestClient, console: Any) -> None:
    console.log_in(client)
    page = client.get("/").text
    marks = {cells[3]: cls for cls, cells in rows_of(page, "passages")}
    assert marks == {"浙D12345": "row-actionable", "皖K1234挂": "row-warning", "浙DA6789": "row-normal",
                     "未识别": "row-normal"}
    css = (STATIC / "console.css").read_text(encoding="utf-8")
    assert ".passages tr.row-actionable > td { background-color: var(--bad-bg); }" in css


def test_the_counters_count_the_rows_on_screen(client: TestClient, console: Any) -> None:
    console.log_in(client)
    page = client.get("/").text
    counts = dict(re.findall(r'data-count="(\w+)">(\d+)<', page))
    assert counts == {"shown": "4", "overloaded": "2", "actionable": "1", "warning": "1", "unread": "1"}


def test_the_overloaded_filter_shows_only_overloaded_passages(client: TestClient, console: Any) -> None:
    console.log_in(client)
    page = client.get("/?overloaded=1").text
    assert [cells[3] for _, cells in rows_of(page, "passages")] == ["浙D12345", "皖K1234挂"]
    assert 'name="overloaded" value="1" checked' in page


def test_the_station_filter_shows_one_station(client: TestClient, console: Any) -> None:
    console.ingest("T-KQ-01", [console.passage("KQ-1", "浙D55555", [7000, 11000, 11000],
                                               station_id="T-KQ-01")])
    console.log_in(client)
    page = client.get("/?station=T-KQ-01").text
    assert [cells[1] for _, cells in rows_of(page, "passages")] == ["G329 柯桥钱清 测试站"]
    assert '<option value="T-KQ-01" selected>G329 柯桥钱清 测试站</option>' in page
    assert '<optgroup label="柯桥区">' in page


def test_an_empty_selection_says_so(client: TestClient, console: Any) -> None:
    console.log_in(client)
    assert "暂无过车记录" in client.get("/?station=T-XC-01").text


def test_the_page_hands_the_live_script_its_filters_and_labels(client: TestClient, console: Any) -> None:
    console.log_in(client)
    page = client.get("/?overloaded=1&station=T-YC-01").text
    found = re.search(r'<script type="application/json" id="live-config">(.*?)</script>', page, re.S)
    assert found is not None
    config = json.loads(found[1])
    assert config["limit"] == 50 and config["overloaded"] is True and config["station"] == "T-YC-01"
    assert config["timezone"] == "Asia/Shanghai"
    assert config["stations"]["T-KQ-01"] == "G329 柯桥钱清 测试站"
    assert config["labels"]["verdict"]["warning"]["ZJ-2020"] == "超限（≤20% 批评教育）"
    assert '<script src="/static/console.js?v=' in page


# --- 站点 ------------------------------------------------------------------------------------


def test_the_stations_page_lists_every_station_by_county_then_id(client: TestClient, console: Any) -> None:
    console.log_in(client)
    page = client.get("/stations").text
    rows = rows_of(page, "stations")
    assert [cells[0] for cls, cells in rows if cls == "group"] == [
        "越城区 1 个站点", "柯桥区 1 个站点", "新昌县 1 个站点", "诸暨市 1 个站点"]
    assert [cells[0] for cls, cells in rows if cls != "group"] == ["T-YC-01", "T-KQ-01", "T-XC-01", "T-ZJ-01"]
    summary = " ".join(re.search(r'<p class="summary">(.*?)</p>', page, re.S)[1].split())
    summary = re.sub(r"<[^>]+>", "", summary)
    assert summary.startswith("4 个站点 · 16 条车道 · 在线 1 · 延迟 0 · 离线 3 · 维修 1 · 停用 1")


def test_each_station_shows_its_state_health_and_certificate(client: TestClient, console: Any) -> None:
    console.log_in(client)
    page = client.get("/stations").text
    cells = {row[1][0]: row[1] for row in rows_of(page, "stations") if row[0] != "group"}
    assert cells["T-YC-01"][1:] == ["G104 越城东湖 测试站", "G104 K1552+300", "4", "启用", "在线",
                                    "2026-11-26 14:02:27", "浙量检字[2026]第0001号", "2027-05-01", "5 级"]
    assert cells["T-KQ-01"][4:6] == ["启用", "离线"] and cells["T-KQ-01"][8] == "2026-06-30 已过期"
    assert cells["T-ZJ-01"][4] == "维修" and cells["T-ZJ-01"][8] == "2028-01-01 未生效"
    assert cells["T-XC-01"][4] == "停用" and cells["T-XC-01"][6:] == ["—", "—", "— 无证书", "—"]
    assert '<a href="/?station=T-YC-01"' in page


@pytest.mark.skipif(not NETWORK_FILE.exists(), reason="the demo station network file is not written yet")
@pytest.mark.parametrize("console_options", [{"network": True}])
def test_the_demo_network_is_counted_in_the_summary(client: TestClient, console: Any) -> None:
    network = json.loads(NETWORK_FILE.read_text(encoding="utf-8"))["stations"]
    console.log_in(client)
    page = client.get("/stations").text
    stations, lanes = len(network) + 4, sum(s["lanes"] for s in network) + 16
    assert f"<strong>{stations}</strong> 个站点 · <strong>{lanes}</strong> 条车道" in page
    assert len([r for r in rows_of(page, "stations") if r[0] != "group"]) == stations


# --- layout, errors, assets -----------------------------------------------------------------


def test_an_unknown_page_is_a_chinese_error_page_in_the_layout(client: TestClient, console: Any) -> None:
    console.log_in(client)
    response = client.get("/no-such-page", headers={"accept": "text/html"})
    assert response.status_code == 404
    assert '<html lang="zh-CN">' in response.text and "页面不存在" in response.text
    assert '<p class="error-status">404</p>' in response.text and "王审核" in response.text


def test_the_console_loads_nothing_from_other_hosts(client: TestClient, console: Any) -> None:
    pages = [client.get("/login")]
    console.log_in(client)
    pages += [client.get("/"), client.get("/stations")]
    for response in pages:
        assert response.status_code == 200
        assert "default-src 'self'" in response.headers["content-security-policy"]
        assert response.headers["cache-control"] == "no-store"
        for link in re.findall(r'(?:src|href)="([^"]*)"', response.text):
            assert link.startswith(("/", "#")), link
    css = (STATIC / "console.css").read_text(encoding="utf-8")
    assert '"Noto Sans CJK SC", "Source Han Sans SC", "Microsoft YaHei", "PingFang SC", sans-serif' in css
    assert "@import" not in css and "url(" not in css and "@font-face" not in css
    for name in ("console.css", "console.js", "favicon.svg"):
        assert client.get(f"/static/{name}").status_code == 200


# --- formats, as the pages show them --------------------------------------------------------


@pytest.mark.parametrize(("kg", "shown", "short"), [
    (60320, "60.32", "60.32"), (60325, "60.33", "60.33"), (49000, "49.00", "49"), (42500, "42.50", "42.5"),
    (4, "0.00", "0"), (5, "0.01", "0.01"), (100_004, "100.00", "100"),
])  # fmt: skip
def test_weights_are_shown_in_tonnes_rounded_half_up(kg: int, shown: str, short: str) -> None:
    assert labels.tonnes(kg) == shown and labels.tonnes_short(kg) == short


TODAY = date(2026, 11, 26)


@pytest.mark.parametrize(("number", "valid_from", "valid_to", "state"), [
    ("A1", date(2026, 1, 1), date(2027, 1, 1), "valid"),
    ("A1", date(2026, 1, 1), date(2026, 12, 27), "valid"),
    ("A1", date(2026, 1, 1), date(2026, 12, 26), "expiring"),  # 30 days left
    ("A1", date(2026, 1, 1), TODAY, "expiring"),  # valid through its last day
    ("A1", date(2025, 1, 1), date(2026, 11, 25), "expired"),
    ("A1", date(2026, 11, 27), date(2027, 11, 27), "not_yet_valid"),
    (None, date(2026, 1, 1), date(2027, 1, 1), "missing"),
    ("A1", None, None, "missing"),
])  # fmt: skip
def test_a_certificate_state_is_judged_on_the_display_date(number: str | None, valid_from: date | None,
                                                          valid_to: date | None, state: str) -> None:
    assert cert_state(valid_from, valid_to, number, TODAY) == state


@pytest.mark.parametrize(("kmh", "shown"), [(62.5, "62.5"), (48, "48.0"), (62.25, "62.3"), (0.15, "0.2"),
                                           (119.96, "120.0")])
def test_speeds_are_shown_with_one_decimal_rounded_half_up(kmh: float, shown: str) -> None:
    assert labels.speed(kmh) == shown


def test_an_unknown_code_is_shown_as_itself() -> None:
    assert labels.label(labels.COUNTIES, "330681") == "诸暨市"
    assert labels.label(labels.COUNTIES, "330999") == "330999"
    assert labels.label(labels.ROLES, None) == "—"
