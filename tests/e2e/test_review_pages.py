"""The review workbench (审核) over HTTP: the queue and its filters, the record page, decisions by form.

Built on the console fixtures (tests/e2e/conftest.py: stations, ``reviewer1``, the fixed clock). The
``Bench`` adds two more reviewers, a leader, and records whose photos are uploaded as a station would.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Callable, Iterator
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from tests.factories import image_refs, jpeg
from zhichao.adapters.db.tables import cases
from zhichao.services import evidence as evidence_service
from zhichao.services.auth import add_user
from zhichao.web.app import create_app

KINDS = ("plate", "front", "side", "rear", "overview")
SIX_AXLES = [7000, 11000, 11000, 10440, 10440, 10440]  # 60 320 kg, 23.10 % over 49 t, 456 yuan


def review_app(container: Any) -> FastAPI:
    return create_app(container)


class Bench:
    """The console's data plus reviewers 张初审 and 李复审, leader 赵领导, and photographed records."""

    def __init__(self, console: Any) -> None:
        self.console, self.c = console, console.container
        self.passwords = dict(console.passwords)
        for username, role, name in (("zhang", "reviewer", "张初审"), ("li", "reviewer", "李复审"),
                                     ("zhao", "leader", "赵领导")):
            _, self.passwords[username], _ = add_user(self.c.users, self.c.hasher, username, role,
                                                      now=self.c.clock(), display_name=name)
        self.files: dict[str, dict[str, bytes]] = {}

    def add(self, record_id: str, plate: str = "浙D12345", weights: list[int] | None = None, *,
            station_id: str = "T-YC-01", ago_s: int = 600, kinds: tuple[str, ...] = KINDS,
            painter: Callable[[str, str, str], bytes] | None = None, **extra: Any) -> None:
        """Ingest one record naming its photos, then upload them (a station uploads after the record)."""
        paint = painter or (lambda rid, kind, _plate: jpeg(f"{rid}/{kind}", (160, 120)))
        files = {kind: paint(record_id, kind, plate) for kind in kinds}
        self.files[record_id] = files
        extra.setdefault("axle_groups", "1+2+3" if len(weights or SIX_AXLES) == 6 else None)
        rec = self.console.passage(record_id, plate, weights or SIX_AXLES, station_id=station_id, ago_s=ago_s,
                                   images=image_refs(files), **{k: v for k, v in extra.items() if v is not None})
        self.console.ingest(station_id, [rec])
        for data in files.values():
            evidence_service.upload(self.c.evidence, station_id, record_id, hashlib.sha256(data).hexdigest(), data,
                                    "image/jpeg", now=self.c.clock())

    def sha(self, record_id: str, kind: str) -> str:
        return hashlib.sha256(self.files[record_id][kind]).hexdigest()

    def client(self, username: str | None = None) -> TestClient:
        client = TestClient(review_app(self.c), follow_redirects=False, headers={"origin": "http://testserver"})
        if username:
            answer = client.post("/login", data={"username": username, "password": self.passwords[username]})
            assert answer.status_code == 303, answer.text
        return client

    def cases(self) -> int:
        with self.c.db.reader.connect() as conn:
            return int(conn.execute(select(func.count()).select_from(cases)).scalar_one())


def stock(bench: Bench) -> None:
    """Three clean records, one from a station whose certificate had expired, one heavy one; plus the
    console's own OL-1 (no photos named, so its evidence is missing)."""
    bench.add("R-1", "黄浙D12345", ago_s=900, plate_confidence=0.97, plate_color="yellow")
    bench.add("R-2", "浙D22222", ago_s=800, plate_color="yellow")
    bench.add("R-3", "浙D33333", ago_s=700, plate_color="yellow")
    bench.add("KQ-1", "浙D44444", station_id="T-KQ-01", ago_s=650, plate_color="yellow")
    bench.add("HEAVY-1", "浙D55555", [8000, 18000, 18000, 17000, 17000, 17000], ago_s=620, plate_color="yellow")


@pytest.fixture
def bench(console: Any) -> Bench:
    b = Bench(console)
    # The vehicle's earlier passages, for the history: one normal, one inside the 20 % band.
    console.ingest("T-YC-01", [console.passage("H-1", "浙D12345", [6000, 10000], ago_s=86_400 * 3),
                               console.passage("H-2", "浙D12345", [7000, 10000, 10000, 9500, 9500, 9000],
                                               ago_s=86_400 * 2, axle_groups="1+2+3")])
    stock(b)
    return b


@pytest.fixture
def zhang(bench: Bench) -> Iterator[TestClient]:
    with bench.client("zhang") as client:
        yield client


@pytest.fixture
def li(bench: Bench) -> Iterator[TestClient]:
    with bench.client("li") as client:
        yield client


def text_of(html: str) -> str:
    """The page's text, tags removed and spaces collapsed."""
    return " ".join(re.sub(r"<[^>]+>", " ", html).split())


def queue_plates(html: str) -> list[str]:
    body = html.split('<table class="data review-queue" id="queue">', 1)[1]
    return re.findall(r'<span class="plate plate-\w+">([^<]+)</span>', body)


def form_post(client: TestClient, path: str, query: str = "", **fields: Any) -> Any:
    """What the record page's forms send: the decision, to the record's path, the filter in the query."""
    return client.post(f"{path}/decision{query}", data={k: str(v) for k, v in fields.items()},
                       headers={"accept": "text/html"})


def part(html: str, start: str, end: str) -> str:
    """The text between the element opened by ``start`` (an attribute in its tag) and ``end``."""
    return text_of(html.split(start, 1)[1].split(">", 1)[1].split(end, 1)[0])


# --- the queue ------------------------------------------------------------------------------


def test_the_queue_lists_open_records_oldest_first(zhang: TestClient) -> None:
    page = zhang.get("/reviews")
    assert page.status_code == 200
    assert "<title>审核队列 · 绍兴市治超非现场执法平台</title>" in page.text
    assert 'aria-current="page">审核</a>' in page.text
    assert queue_plates(page.text) == ["浙D12345", "浙D22222", "浙D33333", "浙D44444", "浙D55555", "浙D12345"]
    row = text_of(page.text.split('class="state-pending_first', 2)[1].split("</tr>", 1)[0])
    # time (Shanghai), station, plate, axles, gross / limit, rate, fine, state, flags
    assert row.startswith('"> 2026-11-26 13:48:27 G104 越城东湖 测试站 浙D12345 6 轴 1+2+3 60.32 / 49 23.10% 456 '
                          "待初审")
    assert "今日已审 <strong>0</strong>：通过 <strong>0</strong> · 作废 <strong>0</strong> · 退回 <strong>0</strong>" \
        in page.text
    assert 'href="/reviews/go?dir=next" id="start">开始审核</a>' in page.text


@pytest.mark.parametrize(("query", "plates"), [
    ("state=pending_second", []),
    ("station=T-KQ-01", ["浙D44444"]),
    ("county=330603", ["浙D44444"]),
    ("min_band=5", ["浙D55555"]),
    ("flag=certificate_invalid", ["浙D44444"]),
    ("state=pending_first&flag=certificate_invalid", ["浙D44444"]),
    ("station=T-YC-01&min_band=5", ["浙D55555"]),
])  # fmt: skip
def test_the_queue_filters_by_state_station_county_band_and_flag(zhang: TestClient, query: str,
                                                                 plates: list[str]) -> None:
    page = zhang.get(f"/reviews?{query}").text
    assert queue_plates(page) == plates
    assert "清除筛选" in page
    if plates:  # 开始审核 keeps the filter
        start = re.search(r'href="([^"]+)" id="start"', page)[1].replace("&amp;", "&")  # type: ignore[index]
        assert parse_qs(urlsplit(start).query) == {**parse_qs(query), "dir": ["next"]}
    else:
        assert "没有符合筛选条件的待审记录" in page and 'id="start"' not in page


def test_blocking_flags_are_red_badges_in_the_queue(zhang: TestClient) -> None:
    page = zhang.get("/reviews?station=T-KQ-01").text
    assert '<span class="badge badge-flag-blocking" title="检定证书有效期 2025-06-30 至 2026-06-30' in page
    assert ">检定证书无效</span>" in page


def test_start_opens_the_first_record_of_the_filter(zhang: TestClient) -> None:
    assert zhang.get("/reviews/go?dir=next").headers["location"] == "/reviews/T-YC-01/R-1"
    assert zhang.get("/reviews/go?dir=next&min_band=5").headers["location"] == "/reviews/T-YC-01/HEAVY-1?min_band=5"


def test_next_and_previous_stay_in_the_filter(zhang: TestClient) -> None:
    go = "/reviews/go?dir={}&from=T-YC-01/R-2&station=T-YC-01"
    assert zhang.get(go.format("next")).headers["location"] == "/reviews/T-YC-01/R-3?station=T-YC-01"
    assert zhang.get(go.format("prev")).headers["location"] == "/reviews/T-YC-01/R-1?station=T-YC-01"
    first = "/reviews/go?dir=prev&from=T-YC-01/R-1"
    assert zhang.get(first).headers["location"] == "/reviews/T-YC-01/R-1?edge=first"
    # After the last record the first comes round again: skipped records are not lost.
    assert zhang.get("/reviews/go?dir=next&from=T-YC-01/OL-1").headers["location"] == "/reviews/T-YC-01/R-1"


# --- one record -----------------------------------------------------------------------------


def test_the_record_page_shows_the_photos_large_with_their_originals(zhang: TestClient, bench: Bench) -> None:
    page = zhang.get("/reviews/T-YC-01/R-1").text
    for kind in KINDS:
        sha = bench.sha("R-1", kind)
        assert f'href="/api/v1/evidence/{sha}"' in page and f'data-thumb="/api/v1/evidence/{sha}/thumbnail"' in page
        assert zhang.get(f"/api/v1/evidence/{sha}").content == bench.files["R-1"][kind]
        assert zhang.get(f"/api/v1/evidence/{sha}/thumbnail").headers["content-type"] == "image/jpeg"
    assert 'alt="车牌照片"' in page and ">侧面照片" in page and ">全景照片" in page
    text = text_of(page)
    assert "浙D12345 识别原文 黄浙D12345 置信度 0.97 颜色 黄" in text


def test_the_record_page_draws_the_axle_weights_by_group_in_tonnes(zhang: TestClient) -> None:
    page = zhang.get("/reviews/T-YC-01/R-1").text
    chart = page.split('id="axle-chart"', 1)[1].split("</svg>", 1)[0]
    assert re.findall(r'class="value"[^>]*>([\d.]+)<', chart) == ["7.00", "11.00", "11.00", "10.44", "10.44", "10.44"]
    assert re.findall(r'class="group-label"[^>]*>([^<]+)<', chart) == ["单轴", "双联轴", "三联轴"]
    heights = [int(h) for h in re.findall(r'class="bar" x="\d+" y="\d+" width="40" height="(\d+)"', chart)]
    assert heights[1] == heights[2] > heights[3] > heights[0] > 0  # drawn to one scale
    assert "style=" not in page  # the CSP forbids inline styles: geometry is SVG attributes only
    table = part(page, 'id="axle-table"', "</table>")
    assert table.endswith("1 单轴 7.00 2 双联轴 11.00 3 双联轴 11.00 4 三联轴 10.44 5 三联轴 10.44 6 三联轴 10.44 "
                          "合计 60.32")


def test_the_record_page_shows_gross_against_the_limit_and_the_band(zhang: TestClient) -> None:
    page = zhang.get("/reviews/T-YC-01/R-1").text
    chart = page.split('id="gross-chart"', 1)[1].split("</svg>", 1)[0]
    assert ">限值 49 t<" in chart and ">+20% 58.8 t<title>" in chart and ">总重 60.32 t<" in chart
    x = {name: int(re.search(rf'class="{name}" x1="(\d+)"', chart)[1]) for name in ("limit", "band")}
    end = int(re.search(r'class="gross-label" x="(\d+)"', chart)[1])
    assert x["limit"] < x["band"] < end
    assert part(page, 'class="big-numbers"', "</dl>") == "总重 t 60.32 限值 t 49 超限率 23.10% 罚款 元 456"


def test_the_record_page_shows_the_verdict_with_its_legal_basis(zhang: TestClient) -> None:
    verdict = part(zhang.get("/reviews/T-YC-01/R-1").text, 'id="verdict"', "</dl>")
    for fact in ("判定 超限 可处罚", "限值 49 t", "超限 11.32 t（11320 kg）", "超限率 23.10%", "罚款 456 元",
                 "规则集 ZJ-2020 浙江省公路条例（2020）", "法律依据 浙江省公路条例第五十三条"):
        assert fact in verdict


def test_the_record_page_shows_the_station_certificate_valid_at_capture(zhang: TestClient) -> None:
    card = part(zhang.get("/reviews/T-YC-01/R-1").text, 'id="station"', "</dl>")
    assert card == ("站点 G104 越城东湖 测试站 T-YC-01 · G104 K1552+300 证书编号 浙量检字[2026]第0001号 "
                    "检定机构 绍兴市质量技术监督检测院 有效期 2026-05-01 至 2027-05-01 准确度等级 5 级 "
                    "过车日期 2026-11-26 过车时有效")


def test_the_record_page_shows_the_vehicles_history_and_the_trail(zhang: TestClient) -> None:
    page = zhang.get("/reviews/T-YC-01/R-1").text
    history = page.split('id="history"', 1)[1].split("</table>", 1)[0]
    rows = re.findall(r'<tr class="row-(\w+)( is-current)?">', history)
    assert rows == [("actionable", ""), ("actionable", " is-current"), ("warning", ""), ("normal", "")]
    assert "本条" in history
    assert part(page, 'id="trail"', "</ol>") == "2026-11-26 14:03:27 系统 进入审核队列 待初审"


def test_a_blocked_record_can_only_be_rejected(zhang: TestClient, bench: Bench) -> None:
    page = zhang.get("/reviews/T-KQ-01/KQ-1").text
    assert '<button type="submit" class="btn btn-approve" id="approve" disabled' in page
    assert "该记录有阻断性筛查标记，只能作废，不能通过。" in page
    assert "过车时无效（已过期）" in page
    assert re.search(r'value="device_invalid" checked', page)  # the reason the flag points to
    refused = form_post(zhang, "/reviews/T-KQ-01/KQ-1", action="approve", version=0)
    assert refused.status_code == 409
    assert "该记录有阻断性筛查标记，只能作废，不能通过" in refused.text and 'role="alert"' in refused.text
    done = form_post(zhang, "/reviews/T-KQ-01/KQ-1", action="reject", version=0, reason_code="device_invalid")
    assert done.status_code == 303
    assert bench.cases() == 0


def test_a_record_without_its_photos_shows_why_it_cannot_be_approved(zhang: TestClient) -> None:
    page = zhang.get("/reviews/T-YC-01/OL-1").text
    assert "证据缺失" in page and " disabled" in page.split('id="approve"', 1)[1][:40]


# --- decisions by form ----------------------------------------------------------------------


def test_two_reviewers_approve_by_form_and_one_case_is_opened(zhang: TestClient, li: TestClient,
                                                              bench: Bench) -> None:
    first = form_post(zhang, "/reviews/T-YC-01/R-1", action="approve", version=0)
    assert first.status_code == 303
    assert first.headers["location"] == "/reviews/T-YC-01/R-2?done=approve"  # the next one opens
    assert "上一条已通过，这是下一条。" in zhang.get(first.headers["location"]).text
    mine = zhang.get("/reviews/T-YC-01/R-1").text
    assert "须由其他审核员复审" in mine and 'class="decision' not in mine
    own = form_post(zhang, "/reviews/T-YC-01/R-1", action="approve", version=1)
    assert own.status_code == 403 and "复审须由初审以外的审核员进行" in own.text

    second = li.get("/reviews/T-YC-01/R-1?state=pending_second").text
    assert "初审：张初审 · 2026-11-26 14:03:27 初审通过" in second
    assert '<span class="review-stage">复审</span>' in second and 'id="send-back-form"' in second
    done = form_post(li, "/reviews/T-YC-01/R-1", "?state=pending_second", action="approve", version=1)
    assert done.status_code == 303 and done.headers["location"] == "/reviews?state=pending_second&empty=1&done=approve"
    assert bench.cases() == 1
    final = li.get("/reviews/T-YC-01/R-1").text
    assert "已立案：有效案件 #" in final and "该记录已审结（已通过）" in final
    trail = part(final, 'id="trail"', "</ol>")
    assert "张初审 通过 待初审 → 待复审" in trail and "李复审 通过 待复审 → 已通过" in trail
    assert "今日已审 <strong>1</strong>：通过 <strong>1</strong>" in li.get("/reviews").text


def test_a_rejection_by_form_needs_a_reason_from_the_list(zhang: TestClient, bench: Bench) -> None:
    refused = form_post(zhang, "/reviews/T-YC-01/R-2", action="reject", version=0)
    assert refused.status_code == 400 and "作废须从原因列表中选择一项" in refused.text
    done = form_post(zhang, "/reviews/T-YC-01/R-2", action="reject", version=0, reason_code="plate_misread",
                     note="实为浙D22223")
    assert done.status_code == 303
    trail = part(zhang.get("/reviews/T-YC-01/R-2").text, 'id="trail"', "</ol>")
    assert "张初审 作废 待初审 → 已作废 车牌识别错误 实为浙D22223" in trail


def test_a_second_reviewer_sends_back_with_a_note(zhang: TestClient, li: TestClient) -> None:
    form_post(zhang, "/reviews/T-YC-01/R-3", action="approve", version=0)
    refused = form_post(li, "/reviews/T-YC-01/R-3", action="send_back", version=1)
    assert refused.status_code == 400 and "退回初审须写明原因" in refused.text
    assert form_post(li, "/reviews/T-YC-01/R-3", action="send_back", version=1, note="请核对轴型").status_code == 303
    page = li.get("/reviews/T-YC-01/R-3").text
    assert '<span class="badge badge-review-pending_first" id="review-state">待初审</span>' in page
    assert "退回初审 待复审 → 待初审" in text_of(page) and "请核对轴型" in page


def test_a_stale_form_says_another_reviewer_acted_first(zhang: TestClient, li: TestClient) -> None:
    form_post(zhang, "/reviews/T-YC-01/R-2", action="approve", version=0)
    late = form_post(li, "/reviews/T-YC-01/R-2", action="reject", version=0, reason_code="other")
    assert late.status_code == 409
    assert "该记录已被其他审核员处理" in late.text and 'name="version" value="1"' in late.text


def test_a_leader_can_view_but_not_decide(bench: Bench) -> None:
    with bench.client("zhao") as leader:
        assert leader.get("/reviews").status_code == 200
        page = leader.get("/reviews/T-YC-01/R-1").text
        assert "只有审核员可以作出审核决定。当前角色为领导，只能查看。" in page
        assert 'class="decision' not in page and "今日已审" not in page
        answer = form_post(leader, "/reviews/T-YC-01/R-1", action="approve", version=0)
        assert answer.status_code == 403 and "只有审核员可以作出审核决定" in answer.text
    assert bench.cases() == 0


def test_a_partner_system_gets_403_and_a_visitor_the_login_page(bench: Bench) -> None:
    with bench.client("partner1") as partner:
        for path in ("/reviews", "/reviews/T-YC-01/R-1", "/reviews/go?dir=next"):
            answer = partner.get(path)
            assert answer.status_code == 403 and "合作系统账号只能调用车辆核查接口" in answer.text
        assert form_post(partner, "/reviews/T-YC-01/R-1", action="approve", version=0).status_code == 403
        assert 'href="/reviews"' not in partner.get("/").text
    with bench.client() as visitor:
        assert visitor.get("/reviews?state=pending_second").headers["location"] == \
            "/login?next=%2Freviews%3Fstate%3Dpending_second"
        sent = form_post(visitor, "/reviews/T-YC-01/R-1", "?state=open", action="approve", version=0)
        assert sent.headers["location"] == "/login?next=%2Freviews%2FT-YC-01%2FR-1"  # the page, not the POST
    assert bench.cases() == 0


def test_decisions_are_posted_only(zhang: TestClient) -> None:
    assert zhang.get("/reviews/T-YC-01/R-1/decision", headers={"accept": "text/html"}).status_code == 405


def test_an_unknown_record_is_a_chinese_404_page(zhang: TestClient) -> None:
    answer = zhang.get("/reviews/T-YC-01/NOPE", headers={"accept": "text/html"})
    assert answer.status_code == 404 and "不在审核队列中" in answer.text


def test_the_workbench_loads_nothing_from_other_hosts(zhang: TestClient) -> None:
    for path in ("/reviews", "/reviews/T-YC-01/R-1"):
        answer = zhang.get(path)
        assert "default-src 'self'" in answer.headers["content-security-policy"]
        assert "script-src 'self'" in answer.headers["content-security-policy"]
        for link in re.findall(r'(?:src|href)="([^"]*)"', answer.text):
            assert link.startswith(("/", "#")), link
        assert re.search(r"<script(?![^>]*(?:src=|application/json))", answer.text) is None
    assert zhang.get("/static/review.js").status_code == 200
