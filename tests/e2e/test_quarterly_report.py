"""The quarterly report over HTTP and from the command line, on the simulated quarter of
tests/simulated_quarter.py: the PDF (turned into page images with pdftoppm, its text read back with pdftotext),
the workbook read back with openpyxl against the JSON, the refusals, the console page (季度分析) and its
generate button. The PDF's pages are kept in tests/e2e/screenshots/reports/."""

from __future__ import annotations

import io
import json
import os
import re
import shutil
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import openpyxl
import pytest
from fastapi.testclient import TestClient

from tests.conftest import FixedClock
from tests.simulated_quarter import NOW, populate
from zhichao.bootstrap import Container, build
from zhichao.config import Settings
from zhichao.services.auth import add_user
from zhichao.web.app import create_app

SCREENSHOTS = Path(__file__).resolve().parent / "screenshots" / "reports"
API = "/api/v1/reports/quarterly"


@dataclass
class World:
    container: Container
    client: TestClient
    tokens: dict[str, str]
    passwords: dict[str, str]

    def get(self, path: str, role: str = "leader") -> Any:
        return self.client.get(path, headers={"Authorization": f"Bearer {self.tokens[role]}"})

    def log_in(self, role: str) -> None:
        done = self.client.post("/login", data={"username": role, "password": self.passwords[role]})
        assert done.status_code == 303, done.text


@pytest.fixture
def world(settings: Settings) -> Iterator[World]:
    c = build(settings, clock=FixedClock(NOW))
    populate(c)
    tokens, passwords = {}, {}
    for role in ("leader", "officer", "reviewer"):
        _, passwords[role], tokens[role] = add_user(c.users, c.hasher, role, role, now=NOW, display_name=role)
    with TestClient(create_app(c), follow_redirects=False, headers={"Origin": "http://testserver"}) as client:
        yield World(c, client, tokens, passwords)
    c.close()


def pages_of(pdf: bytes, tmp: Path) -> list[Path]:
    source = tmp / "report.pdf"
    source.write_bytes(pdf)
    subprocess.run(["pdftoppm", "-r", "60", "-png", str(source), str(tmp / "page")], check=True, timeout=120)
    return sorted(tmp.glob("page-*.png"))


def test_an_ended_quarter_is_a_pdf_whose_pages_show_the_report(world: World, tmp_path: Path) -> None:
    answer = world.get(f"{API}/2026/3.pdf")
    assert answer.status_code == 200, answer.text
    assert answer.headers["content-type"] == "application/pdf"
    assert answer.headers["content-disposition"] == 'attachment; filename="quarterly-2026-Q3.pdf"'
    assert answer.headers["x-zhichao-report"] == "stored"
    pdf = answer.content
    info = subprocess.run(["pdfinfo", "-"], input=pdf, capture_output=True, check=True, timeout=60).stdout.decode()
    pages = int(next(line.split()[-1] for line in info.splitlines() if line.startswith("Pages:")))
    images = pages_of(pdf, tmp_path)
    assert len(images) == pages >= 12
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    for image in images:
        shutil.copyfile(image, SCREENSHOTS / image.name)
    text = subprocess.run(["pdftotext", "-layout", "-", "-"], input=pdf, capture_output=True, check=True,
                          timeout=60).stdout.decode()
    data = world.get(f"{API}/2026/3.json").json()
    trucks = data["tables"]["summary"]["rows"][0]["current"]
    for words in ("绍兴市治超非现场执法", "2026年第三季度", "统计口径", "九、各治超检测点超限情况",
                  "G104 柯桥钱清 测试检测点", f"{trucks:,}"):
        assert words in text, words
    # A4 throughout: portrait, but for the last section's wide table of every site (landscape)
    sizes = subprocess.run(["pdfinfo", "-f", "1", "-l", str(pages), "-"], input=pdf, capture_output=True, check=True,
                           timeout=60).stdout.decode()
    portrait = [float(w) < float(h) for w, h in re.findall(r"^Page +\d+ size: +([\d.]+) x ([\d.]+) pts", sizes, re.M)]
    assert len(portrait) == pages and portrait[0] and not portrait[-1]
    assert "(A4)" in sizes


def test_the_workbook_holds_the_same_tables_as_the_json(world: World) -> None:
    answer = world.get(f"{API}/2026/3.xlsx")
    assert answer.status_code == 200, answer.text
    assert answer.headers["content-type"].startswith("application/vnd.openxmlformats")
    book = openpyxl.load_workbook(io.BytesIO(answer.content))
    data = world.get(f"{API}/2026/Q3.json").json()
    tables = data["tables"]
    assert book.sheetnames == ["说明", *(t["sheet"] for t in tables.values())]
    for t in tables.values():
        sheet = book[t["sheet"]]
        got = [list(row) for row in sheet.iter_rows(values_only=True)]
        assert got[0] == [c["title"] for c in t["columns"]]
        want = [[row[c["key"]] for c in t["columns"]] for row in t["rows"]]
        assert [[_plain(v) for v in row] for row in got[1:]] == [[_plain(v) for v in row] for row in want], t["sheet"]
    rates = book["各检测点超限情况"]
    assert rates.cell(row=2, column=8).number_format == "0.00%"
    about = {row[0]: row[1] for row in book["说明"].iter_rows(min_row=2, values_only=True)}
    assert about["统计期间"] == "2026年7月1日至2026年9月30日"


def _plain(value: Any) -> Any:
    """A cell as JSON has it: times as ISO text, numbers rounded past float noise, empty as None."""
    if hasattr(value, "isoformat"):
        return value.isoformat()
    if isinstance(value, float):
        return round(value, 9)
    return None if value == "" else value


@pytest.mark.parametrize(("path", "status", "code"), [
    (f"{API}/2026/1.pdf", 404, "quarter_no_data"),
    (f"{API}/2027/1.pdf", 400, "quarter_in_future"),
    (f"{API}/2026/4.xlsx?refresh=1", 200, None),  # running: made now, never stored
    (f"{API}/2026/5.pdf", 400, "invalid_quarter"),
    (f"{API}/26/3.pdf", 400, "invalid_year"),
    (f"{API}/2026/3.docx", 400, "invalid_format"),
    (f"{API}/2026/3", 400, "invalid_quarter"),
])  # fmt: skip
def test_bad_requests_are_refused_with_a_code_and_change_nothing(world: World, path: str, status: int,
                                                                  code: str | None) -> None:
    answer = world.get(path)
    assert answer.status_code == status, answer.text
    if code:
        error = answer.json()["error"]
        assert error["code"] == code and error["message"]
    else:
        assert answer.headers["x-zhichao-report"] == "generated"
    assert not world.container.quarterly.directory.exists()


def test_an_empty_quarter_says_so_in_chinese(world: World) -> None:
    error = world.get(f"{API}/2026/1.json").json()["error"]
    assert error == {"code": "quarter_no_data", "message": "2026年第一季度没有过车记录，无法生成季度分析报告",
                     "details": {"quarter": "2026-Q1"}}


def test_roles(world: World) -> None:
    assert world.get(f"{API}/2026/3.json", "reviewer").status_code == 403
    assert world.get(f"{API}/2026/3.json", "officer").status_code == 200
    assert world.get(f"{API}/2026/3.json?refresh=1", "officer").json()["error"]["code"] == "role_not_allowed"
    listed = world.get(API, "officer").json()["quarters"]
    assert [q["quarter"] for q in listed[:3]] == ["2026-Q4", "2026-Q3", "2026-Q2"]
    assert listed[1]["files"]["pdf"]["name"] == "quarterly-2026-Q3.pdf"  # stored by the request before


def test_the_console_lists_quarters_and_generates_one(world: World) -> None:
    world.log_in("leader")
    page = world.client.get("/reports")
    assert page.status_code == 200 and 'href="/reports"' in page.text and "季度分析" in page.text
    assert "2026年第三季度" in page.text and "未生成" in page.text
    done = world.client.post("/reports/generate", data={"year": "2026", "quarter": "3"})
    assert done.status_code == 303 and done.headers["location"] == "/reports?done=2026-Q3"
    page = world.client.get(done.headers["location"])
    assert "2026年第三季度的分析报告已生成并保存" in page.text and f"{API}/2026/3.pdf" in page.text
    empty = world.client.post("/reports/generate", data={"year": "2026", "quarter": "1"})
    assert empty.status_code == 404 and "2026年第一季度没有过车记录" in empty.text


def test_reviewers_see_no_reports(world: World) -> None:
    world.log_in("reviewer")
    assert 'href="/reports"' not in world.client.get("/").text
    assert world.client.get("/reports").status_code == 403


def test_the_command_writes_the_three_files(world: World, tmp_path: Path) -> None:
    settings, out = world.container.settings, tmp_path / "out"
    env = {k: v for k, v in os.environ.items() if not k.startswith("ZHICHAO_")}
    env.update(ZHICHAO_DATA_DIR=str(settings.data_dir), ZHICHAO_DATABASE_URL=settings.database_url)
    done = subprocess.run([sys.executable, "-m", "zhichao.cli", "report", "quarterly", "--year", "2026",
                           "--quarter", "3", "--out", str(out)], capture_output=True, text=True, env=env,
                          timeout=300)
    assert done.returncode == 0, done.stderr
    assert sorted(p.name for p in out.iterdir()) == [
        "quarterly-2026-Q3.json", "quarterly-2026-Q3.pdf", "quarterly-2026-Q3.xlsx"]
    assert "2026年第三季度分析报告已生成" in done.stdout
    assert json.loads((out / "quarterly-2026-Q3.json").read_text("utf-8"))["tables"]["site_overload"]["rows"]
    bad = subprocess.run([sys.executable, "-m", "zhichao.cli", "report", "quarterly", "--year", "2026",
                          "--quarter", "9"], capture_output=True, text=True, env=env, timeout=120)
    assert bad.returncode == 2 and "错误 [invalid_quarter]" in bad.stderr


@pytest.mark.browser
def test_the_reports_page_in_a_browser(world: World, browser: Any) -> None:
    from tests.e2e.browser import log_in, open_page, serve, shot

    errors: list[str] = []
    with serve(world.client.app) as url:
        page = open_page(browser, errors)
        page.goto(f"{url}/reports")
        log_in(page, "leader", world.passwords["leader"])
        page.wait_for_url(f"{url}/reports")
        page.get_by_role("row", name="2026年第三季度").get_by_role("button", name="立即生成").click()
        page.wait_for_url(f"{url}/reports?done=2026-Q3")
        assert page.locator("#done").inner_text() == "2026年第三季度的分析报告已生成并保存。"
        assert page.get_by_role("navigation", name="主导航").get_by_role("link", name="统计分析").is_visible()
        assert page.get_by_role("navigation", name="统计分析").get_by_role("link", name="季度分析").is_visible()
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        shot(page, "reports/console-reports.png", full_page=True)
    assert errors == []
