"""The accident register (事故登记) over HTTP, on both databases: the console's import (a bad file shows every
row error and stores nothing; the sample file lists its rows; a second import changes nothing), the filters,
the vehicle's party page, who may import, and the API (CSV body or multipart, the list). Then the page in a
real Chromium (SQLite), with screenshots in tests/e2e/screenshots/accidents/."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import UTC, datetime
from importlib import resources
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from tests.conftest import FixedClock
from tests.e2e.browser import log_in, open_page, serve, shot
from tests.e2e.test_case_pages import visible
from zhichao.adapters.db.engine import open_database
from zhichao.adapters.db.migrate import upgrade
from zhichao.adapters.db.tables import accidents, audit_log
from zhichao.bootstrap import Container, build
from zhichao.config import Settings
from zhichao.services.accidents import IMPORT_ROLES
from zhichao.services.auth import ROLES, add_user
from zhichao.services.registries import import_registry
from zhichao.web.api.sanctions import IMPORT_ROLES as REGISTRY_IMPORT_ROLES
from zhichao.web.app import create_app

HTML = {"accept": "text/html", "origin": "http://testserver"}  # a browser names its page (web/csrf.py)
SAMPLE = resources.files("zhichao.data").joinpath("samples").joinpath("accidents.csv").read_bytes()
VEHICLES = resources.files("zhichao.data").joinpath("samples").joinpath("vehicles.csv").read_bytes()
HEADER = "ref,occurred_at,plate,place,severity,deaths,county_code\n"
BAD = (HEADER + "E-1,2026-11-01 08:00,浙D12345,钱清,一般事故,0,330603\n"
       "E-2,2026-11-01 8:00,浙D1234,钱清,一般事故,0,330603\n"  # line 3: the plate
       "E-3,2026-11-01 08:00,浙D12345,钱清,一般事故,1,杭州\n").encode()  # line 4: severity against deaths, county


class Desk:
    """One user of each role, their passwords and API tokens, in front of the app."""

    def __init__(self, c: Container) -> None:
        self.c = c
        self.app = create_app(c)
        self.users = {role: add_user(c.users, c.hasher, role, role, now=c.clock()) for role in ROLES}

    def console(self, role: str) -> TestClient:
        client = TestClient(self.app, follow_redirects=False, headers=HTML)
        answer = client.post("/login", data={"username": role, "password": self.users[role][1]})
        assert answer.status_code == 303, answer.text
        return client

    def api(self, role: str | None) -> TestClient:
        headers = {"Authorization": f"Bearer {self.users[role][2]}"} if role else {}
        return TestClient(self.app, follow_redirects=False, headers=headers)

    def stored(self) -> list[str]:
        with self.c.db.reader.connect() as conn:
            return list(conn.execute(select(accidents.c.ref).order_by(accidents.c.ref)).scalars())

    def audited(self) -> list[str]:
        with self.c.db.reader.connect() as conn:
            return list(conn.execute(select(audit_log.c.action).order_by(audit_log.c.seq)).scalars())


@pytest.fixture
def desk(container: Container) -> Desk:
    return Desk(container)


def upload(client: TestClient, data: bytes, name: str = "accidents.csv") -> Any:
    return client.post("/registries/accidents/import", files={"file": (name, data, "text/csv")})


def squeezed(html: str) -> str:
    """The page's visible text without spaces (``visible`` puts one between elements)."""
    return visible(html).replace(" ", "")


def table_rows(html: str) -> list[str]:
    body = html.split('id="accidents"', 1)[1].split("</tbody>", 1)[0]
    return re.findall(r'<tr data-ref="([^"]+)"', body)


def test_a_bad_file_shows_every_row_error_and_stores_nothing(desk: Desk) -> None:
    answer = upload(desk.console("officer"), BAD, "十一月.csv")
    assert answer.status_code == 400
    text = visible(answer.text)
    assert "事故登记文件有 3 处错误，未导入任何一行" in text and "十一月.csv" in text
    errors = answer.text.split('id="row-errors"', 1)[1].split("</table>", 1)[0]
    assert [(line, column) for line, column in re.findall(r'<td class="num">(\d+)</td><td>([^<]+)', errors)] == [
        ("3", "车牌号 "), ("4", "区县 "), ("4", "事故等级 ")]
    assert "死亡 1 人的事故至少为重大事故" in text
    assert desk.stored() == [] and desk.audited() == []


def test_the_sample_file_imports_lists_its_rows_and_imports_once(desk: Desk) -> None:
    officer = desk.console("officer")
    empty = officer.get("/registries/accidents")
    assert empty.status_code == 200 and "事故登记还是空的" in visible(empty.text)
    assert officer.get("/registries/accidents/sample").content == SAMPLE
    done = upload(officer, SAMPLE)
    assert done.status_code == 303
    page = officer.get(done.headers["location"])
    assert "读取4行，新增4，更新0，未变0" in squeezed(page.text)
    assert table_rows(page.text) == ["330604-2026-00932", "330681-2026-00415", "330603-2026-01204",
                                     "330602-2026-00871"]  # newest first
    row = visible(page.text.split('data-ref="330681-2026-00415"', 1)[1].split("</tr>", 1)[0])
    assert all(part in row for part in ("2026-10-21 05:40", "浙D66601", "诸暨市", "重大事故", "45,000", "是"))
    again = officer.get(upload(officer, SAMPLE).headers["location"])
    assert "读取4行，新增0，更新0，未变4" in squeezed(again.text)
    assert desk.audited() == ["accident.import"]
    tabs = officer.get("/registries").text
    assert re.search(r'href="/registries/accidents" id="accidents-tab">事故登记 <span class="n">4</span>', tabs)


@pytest.mark.parametrize(("query", "refs"), [
    ("plate=黄浙D·12345", ["330602-2026-00871"]),
    ("county=330603", ["330603-2026-01204"]),
    ("severity=minor", ["330604-2026-00932", "330603-2026-01204"]),
    ("start=2026-10-01&end=2026-10-21", ["330681-2026-00415", "330603-2026-01204"]),
])
def test_the_filters_select_rows(desk: Desk, query: str, refs: list[str]) -> None:
    officer = desk.console("officer")
    upload(officer, SAMPLE)
    assert table_rows(officer.get(f"/registries/accidents?{query}").text) == refs


@pytest.mark.parametrize(("query", "message"), [
    ("plate=浙D1", "车牌号格式不正确"), ("severity=较大", "事故等级应为"), ("start=2026-13-01", "开始日期应为日期"),
    ("start=2026-11-02&end=2026-11-01", "结束日期不能早于开始日期"),
])
def test_a_wrong_filter_is_named_on_the_page(desk: Desk, query: str, message: str) -> None:
    page = desk.console("reviewer").get(f"/registries/accidents?{query}")
    assert page.status_code == 400 and message in page.text.split('id="filter-error"', 1)[1]


def test_a_vehicle_s_page_lists_its_accidents(desk: Desk) -> None:
    import_registry(desk.c.registries, "vehicle", VEHICLES.decode(), now=desk.c.clock())
    officer = desk.console("officer")
    assert 'id="accidents"' not in officer.get("/parties/vehicle/浙D12345").text  # none yet: no section
    upload(officer, SAMPLE)
    page = officer.get("/parties/vehicle/浙D12345").text
    section = visible(page.split('id="accidents"', 1)[1].split("</section>", 1)[0])
    assert "事故记录 1 起" in section and "330602-2026-00871" in section and "一般事故" in section
    assert 'id="accidents"' not in officer.get("/parties/vehicle/浙D20206").text


def test_import_roles_are_the_registries_import_roles() -> None:
    assert IMPORT_ROLES == REGISTRY_IMPORT_ROLES


@pytest.mark.parametrize("role", sorted(set(ROLES) - {"partner"}))
def test_every_console_role_reads_and_only_import_roles_import(desk: Desk, role: str) -> None:
    client = desk.console(role)
    page = client.get("/registries/accidents")
    assert page.status_code == 200
    assert ('id="import-form"' in page.text) is (role in IMPORT_ROLES)
    answer = upload(client, SAMPLE)
    assert answer.status_code == (303 if role in IMPORT_ROLES else 403)
    if role not in IMPORT_ROLES:
        assert "无权导入事故登记" in visible(answer.text) and desk.stored() == []
        assert client.get("/registries/accidents/sample").status_code == 403


def test_a_partner_and_a_stranger_see_nothing(desk: Desk) -> None:
    assert desk.console("partner").get("/registries/accidents").status_code == 403
    stranger = TestClient(desk.app, follow_redirects=False, headers=HTML)
    assert stranger.get("/registries/accidents").headers["location"].startswith("/login?next=")
    assert stranger.post("/registries/accidents/import").headers["location"].startswith("/login?next=")
    assert desk.stored() == []


def test_the_api_imports_a_csv_body_or_a_form_and_lists(desk: Desk) -> None:
    leader = desk.api("leader")
    first = leader.post("/api/v1/accidents/import", content=SAMPLE, headers={"content-type": "text/csv"})
    assert first.status_code == 200 and first.json() == {"rows": 4, "inserted": 4, "updated": 0, "unchanged": 0}
    again = leader.post("/api/v1/accidents/import", files={"file": ("a.csv", SAMPLE, "text/csv")})
    assert again.json() == {"rows": 4, "inserted": 0, "updated": 0, "unchanged": 4}
    listed = desk.api("reviewer").get("/api/v1/accidents?from=2026-10-01&to=2026-10-31&county=诸暨市").json()
    assert listed["accidents"] == [{
        "id": listed["accidents"][0]["id"], "ref": "330681-2026-00415", "occurred_at": "2026-10-21T05:40:00+08:00",
        "plate": "浙D66601", "place": "S308 诸暨枫桥段 K40+100", "road": "S308", "county_code": "330681",
        "severity": "major", "severity_label": "重大事故", "deaths": 1, "injuries": 3, "property_loss_yuan": 45000,
        "overloaded": True, "description": "自卸货车下坡制动失效冲出路外\n驾驶人受伤，同乘一人死亡",
        "imported_at": "2026-11-26T14:00:00+08:00", "imported_by": desk.users["leader"][0].id}]


@pytest.mark.parametrize(("role", "method", "path", "body", "status", "code"), [
    ("officer", "POST", "/api/v1/accidents/import", BAD, 400, "invalid_rows"),
    ("officer", "POST", "/api/v1/accidents/import", b"\xff\xfe", 400, "csv_encoding"),
    ("reviewer", "POST", "/api/v1/accidents/import", SAMPLE, 403, "role_not_allowed"),
    ("partner", "GET", "/api/v1/accidents", None, 403, "role_not_allowed"),
    (None, "GET", "/api/v1/accidents", None, 401, "login_required"),
    ("reviewer", "GET", "/api/v1/accidents?severity=较大", None, 400, "invalid_severity"),
    ("reviewer", "GET", "/api/v1/accidents?county=330100", None, 400, "invalid_county"),
    ("reviewer", "GET", "/api/v1/accidents?plate=浙D1", None, 400, "invalid_plate"),
    ("reviewer", "GET", "/api/v1/accidents?from=2026-11-02&to=2026-11-01", None, 400, "period_reversed"),
])
def test_the_api_refuses_by_name_and_changes_nothing(desk: Desk, role: str | None, method: str, path: str,
                                                     body: bytes | None, status: int, code: str) -> None:
    answer = desk.api(role).request(method, path, content=body)
    assert (answer.status_code, answer.json()["error"]["code"]) == (status, code)
    assert answer.json()["error"]["message"]
    assert desk.stored() == []


def test_a_form_without_its_file_is_refused(desk: Desk) -> None:
    answer = desk.api("officer").post("/api/v1/accidents/import", files={"note": (None, "十一月")})
    assert (answer.status_code, answer.json()["error"]["code"]) == (400, "file_missing")


def test_the_api_lists_every_row_error(desk: Desk) -> None:
    answer = desk.api("officer").post("/api/v1/accidents/import", content=BAD)
    assert [(e["row"], e["field"]) for e in answer.json()["error"]["details"]] == [
        (3, "plate"), (4, "county_code"), (4, "severity")]


@pytest.fixture
def sqlite_desk(tmp_path: Path) -> Iterator[Desk]:
    settings = Settings(data_dir=tmp_path / "data")
    db = open_database(settings)
    upgrade(db)
    db.dispose()
    c = build(settings, clock=FixedClock(datetime(2026, 11, 26, 6, 0, tzinfo=UTC)))
    yield Desk(c)
    c.close()


def _shot(page: Any, name: str) -> None:
    Path(__file__).resolve().parent.joinpath("screenshots", "accidents").mkdir(parents=True, exist_ok=True)
    shot(page, f"accidents/{name}", full_page=True)


@pytest.mark.browser
def test_an_officer_imports_the_register_in_a_browser(browser: Any, sqlite_desk: Desk, tmp_path: Path) -> None:
    from playwright.sync_api import expect

    bad, good = tmp_path / "bad.csv", tmp_path / "accidents.csv"
    bad.write_bytes(BAD)
    good.write_bytes(SAMPLE)
    errors: list[str] = []
    import_registry(sqlite_desk.c.registries, "vehicle", VEHICLES.decode(), now=sqlite_desk.c.clock())
    with serve(sqlite_desk.app) as url:
        page = open_page(browser, errors, re.compile(r"Failed to load resource: .* 400"))  # the refused file
        page.goto(url + "/registries")
        log_in(page, "officer", sqlite_desk.users["officer"][1])
        page.locator(".tabs").get_by_role("link", name=re.compile("^事故登记")).click()
        expect(page).to_have_url(url + "/registries/accidents")
        page.locator("#import-file").set_input_files(str(bad))
        page.get_by_role("button", name="导入", exact=True).click()
        expect(page.locator("#row-errors tbody tr")).to_have_count(3)
        _shot(page, "import-errors.png")
        page.locator("#import-file").set_input_files(str(good))
        page.get_by_role("button", name="导入", exact=True).click()
        expect(page.locator("#import-done")).to_contain_text("新增 4")
        expect(page.locator("#accidents tbody tr")).to_have_count(4)
        _shot(page, "register.png")
        page.locator("#a-severity").select_option("major")
        page.get_by_role("button", name="查找").click()
        expect(page.locator("#accidents tbody tr")).to_have_count(1)
        page.locator("#accidents tbody tr a.plate-link").click()
        expect(page.locator("#accident-table tbody tr")).to_have_count(1)
        _shot(page, "vehicle.png")
    assert errors == []
