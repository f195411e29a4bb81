"""The review workbench in a real Chromium: two new reviewers clear records with the keyboard.

The Done-when of the workbench: 张初审 logs in through the login form, opens 审核 and, with keys only,
approves a clean record (A), rejects one (R 1 Enter), skips one (J), is told why a blocked record
cannot be approved (A does nothing else), zooms a photo (Z, Esc); then 李复审 approves the first
record at second review (A), and exactly one case is opened. Uses the system's /usr/bin/chromium
(Playwright never downloads a browser here); the app is served by uvicorn in a thread, on the console
fixtures' SQLite database and fixed clock. Screenshots go to tests/e2e/screenshots/review-*.png.
"""

from __future__ import annotations

import io
import re
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.e2e.browser import log_in, open_page, serve, shot
from tests.e2e.test_review_pages import Bench, review_app
from zhichao.domain.plates import normalize_plate
from zhichao.domain.review import Decision
from zhichao.services import reviews as review_service

pytestmark = pytest.mark.browser

FONTS = Path("/usr/share/fonts/opentype/noto")
# Chromium logs every 4xx answer as an error; the 409 of a decision someone else made first is meant.
EXPECTED_STATUS = re.compile(r"^Failed to load resource: the server responded with a status of 409\b")


def painted(record_id: str, kind: str, plate: str) -> bytes:
    """A camera-like JPEG: the plate crop with the plate's text, or a road scene with a truck."""
    from PIL import Image, ImageDraw, ImageFont

    def font(size: int) -> Any:
        path = FONTS / "NotoSansCJK-Bold.ttc"
        return ImageFont.truetype(str(path), size) if path.exists() else ImageFont.load_default()

    text = normalize_plate(plate).text
    if kind == "plate":
        image = Image.new("RGB", (520, 160), (54, 58, 62))
        draw = ImageDraw.Draw(image)
        draw.rounded_rectangle((40, 22, 480, 138), 10, fill=(236, 186, 0), outline=(20, 20, 20), width=5)
        draw.text((260, 80), f"{text[:2]}·{text[2:]}", font=font(66), fill=(16, 16, 16), anchor="mm")
        return _jpeg(image)
    image = Image.new("RGB", (1280, 720), (120, 150, 178))
    draw = ImageDraw.Draw(image)
    draw.rectangle((0, 380, 1280, 720), fill=(84, 88, 92))
    for x in range(0, 1280, 160):
        draw.rectangle((x + 20, 560, x + 100, 570), fill=(235, 235, 235))
    if kind in {"side", "overview"}:
        draw.rectangle((180, 250, 400, 470), fill=(26, 86, 160))  # cab
        draw.rectangle((410, 200, 1160, 470), fill=(150, 60, 40))  # body
        for x in (260, 560, 660, 880, 980, 1080):
            draw.ellipse((x - 42, 440, x + 42, 524), fill=(20, 20, 20))
    else:
        draw.rectangle((400, 170, 880, 560), fill=(26, 86, 160) if kind == "front" else (150, 60, 40))
        draw.rectangle((560, 470, 720, 520), fill=(236, 186, 0))
        draw.text((640, 495), text, font=font(26), fill=(16, 16, 16), anchor="mm")
    draw.text((24, 20), f"G104 K1552+300  {record_id}  {kind}", font=font(28), fill=(255, 255, 255))
    return _jpeg(image)


def _jpeg(image: Any) -> bytes:
    out = io.BytesIO()
    image.save(out, "JPEG", quality=82)
    return out.getvalue()


@pytest.fixture
def desk(console: Any) -> Iterator[tuple[str, Bench]]:
    """Four photographed records and the console's OL-1, served with the workbench by uvicorn."""
    bench = Bench(console)
    records = (("A-1", "浙D12345", 900, "T-YC-01"), ("R-1", "浙D22222", 800, "T-YC-01"),
               ("J-1", "浙D33333", 700, "T-YC-01"), ("KQ-1", "浙D44444", 650, "T-KQ-01"))  # KQ: certificate expired
    for record_id, plate, ago_s, station_id in records:
        bench.add(record_id, plate, station_id=station_id, ago_s=ago_s, painter=painted, plate_color="yellow",
                  plate_confidence=0.96)
    with serve(review_app(console.container)) as url:
        yield url, bench


def photos_loaded(page: Any) -> None:
    """Wait until every photo on the page is decoded (wait_for_function would need eval, which the CSP forbids)."""
    deadline = time.monotonic() + 10
    check = "Array.from(document.querySelectorAll('.review-grid img')).every(i => i.complete && i.naturalWidth > 0)"
    while not page.evaluate(check):
        assert time.monotonic() < deadline, "the photos did not load"
        time.sleep(0.05)


def record_url(url: str, record_id: str) -> re.Pattern[str]:
    return re.compile(re.escape(url) + rf"/reviews/T-\w\w-01/{record_id}(\?.*)?$")


def test_two_reviewers_clear_records_with_the_keyboard_and_one_case_is_opened(browser: Any, desk: Any) -> None:
    from playwright.sync_api import expect

    url, bench = desk
    errors: list[str] = []
    page = open_page(browser, errors, EXPECTED_STATUS)
    page.goto(url + "/")
    log_in(page, "zhang", bench.passwords["zhang"])
    page.get_by_role("link", name="审核", exact=True).click()
    expect(page).to_have_url(url + "/reviews")
    expect(page.locator("#today")).to_have_text("今日已审 0：通过 0 · 作废 0 · 退回 0")
    expect(page.locator("#queue tbody tr")).to_have_count(5)
    expect(page.locator("#queue tbody tr", has_text="浙D44444").locator(".badge-flag-blocking")).to_have_text(
        "检定证书无效")
    shot(page, "review-queue.png")

    page.get_by_role("link", name="开始审核").click()
    expect(page).to_have_url(record_url(url, "A-1"))
    expect(page.locator(".position")).to_have_text("第 1 / 5 条")
    expect(page.locator("#plate-text")).to_have_text("浙D12345")
    expect(page.locator("#axle-chart .value")).to_have_text(["7.00", "11.00", "11.00", "10.44", "10.44", "10.44"])
    photos_loaded(page)
    shot(page, "review-first.png")
    page.keyboard.press("?")
    expect(page.locator("#help")).to_be_visible()
    page.keyboard.press("Escape")
    expect(page.locator("#help")).to_be_hidden()

    page.keyboard.press("a")  # approve at first review; the next record opens
    expect(page).to_have_url(record_url(url, "R-1"))
    expect(page.locator(".alert-ok")).to_have_text("上一条已通过，这是下一条。")

    page.keyboard.press("r")  # reject: reason 1 (车牌识别错误), Enter confirms
    page.keyboard.press("1")
    expect(page.locator("input[value=plate_misread]")).to_be_checked()
    page.keyboard.press("Enter")
    expect(page).to_have_url(record_url(url, "J-1"))

    page.locator("#reject-note").click()  # while typing, letters are text, not shortcuts
    page.keyboard.type("aj")
    expect(page.locator("#reject-note")).to_have_value("aj")
    expect(page).to_have_url(record_url(url, "J-1"))
    page.keyboard.press("Escape")
    page.keyboard.press("j")  # skip
    expect(page).to_have_url(record_url(url, "KQ-1"))

    page.keyboard.press("a")  # blocked: nothing is sent, the reason is shown
    expect(page.locator("#review-message")).to_have_text("该记录有阻断性筛查标记，只能作废，不能通过。")
    expect(page.locator("#approve")).to_be_disabled()
    expect(page.locator("#cert-state")).to_have_text("过车时无效（已过期）")
    photos_loaded(page)
    shot(page, "review-blocked.png")
    state = page.request.get(url + "/api/v1/reviews/T-KQ-01/KQ-1").json()["item"]["state"]
    assert state == "pending_first"

    page.keyboard.press("z")
    expect(page.locator("#zoom")).to_be_visible()
    expect(page.locator("#zoom-label")).to_contain_text("车牌照片")
    page.mouse.move(720, 400)
    page.mouse.wheel(0, -300)
    page.keyboard.press("+")
    expect(page.locator("#zoom-img")).to_have_attribute("style", re.compile(r"scale\((?!1\))"))
    page.keyboard.press("3")
    expect(page.locator("#zoom-label")).to_contain_text("3 / 5 · 侧面照片")
    page.keyboard.press("+")
    page.wait_for_timeout(200)
    shot(page, "review-zoom.png")
    page.keyboard.press("Escape")
    expect(page.locator("#zoom")).to_be_hidden()
    expect(page).to_have_url(record_url(url, "KQ-1"))

    page.keyboard.press("j")  # OL-1 names no photos; meanwhile 李复审 rejects it first
    expect(page).to_have_url(record_url(url, "OL-1"))
    li = bench.c.users.by_username("li")[0]
    review_service.review(bench.c.reviews, li, "T-YC-01", "OL-1", Decision("reject", li.id, "evidence_incomplete"),
                          version=0, now=bench.c.clock())
    page.keyboard.press("r")
    page.keyboard.press("9")
    page.keyboard.press("Enter")
    expect(page.locator("#review-message")).to_have_text("该记录已被其他审核员处理，正在重新载入…")
    expect(page.locator("#readonly")).to_have_text("该记录已审结（已作废），不能再作决定。")  # reloaded

    today = page.request.get(url + "/api/v1/reviews/me/today").json()
    assert today == {"approve": 1, "reject": 1, "send_back": 0, "total": 2}
    page.get_by_role("button", name="退出").click()
    expect(page).to_have_url(url + "/login")

    log_in(page, "li", bench.passwords["li"])
    page.get_by_role("link", name="审核", exact=True).click()
    page.get_by_label("状态").select_option("pending_second")  # the filter applies on change
    expect(page).to_have_url(url + "/reviews?state=pending_second")
    page.get_by_role("link", name="开始审核").click()
    expect(page).to_have_url(record_url(url, "A-1"))
    expect(page.locator("#first-review")).to_have_text(re.compile(r"^初审：张初审 · 2026-11-26 14:03:27 初审通过$"))
    photos_loaded(page)
    shot(page, "review-second.png")
    page.keyboard.press("a")
    expect(page).to_have_url(url + "/reviews?state=pending_second&empty=1&done=approve")
    expect(page.locator(".alert-info")).to_contain_text("没有您可以审核的记录了")

    found = page.request.get(url + "/api/v1/reviews/T-YC-01/A-1").json()
    assert found["item"]["state"] == "approved" and found["case"] is not None
    assert [e["action"] for e in found["events"]] == ["approve", "approve"]
    assert bench.cases() == 1
    assert errors == []
