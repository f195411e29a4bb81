"""The pages of joint punishment (一超四罚) over HTTP, on both databases: the registries imported through the
console from the sample files and a vehicle's four-party page; a bad file showing every row error and
importing nothing; personal data masked for reviewers; the sanctions page listing the rules' proposal and a
leader confirming it.

Built on ``WorkflowDesk`` (tests/e2e/case_workflow.py): records approved by two reviewers become cases and
are taken to a decision through the API; the people then read and act through the console's forms.
"""

from __future__ import annotations

import re
from importlib import resources
from typing import Any

import pytest
from fastapi.testclient import TestClient

from tests.conftest import FixedClock
from tests.e2e.case_workflow import WorkflowDesk
from tests.e2e.test_case_pages import visible
from zhichao.bootstrap import Container
from zhichao.domain.registries import KIND_LABELS
from zhichao.services import sanctions as sanction_service
from zhichao.web.app import create_app
from zhichao.web.console.registry_pages import SAMPLES

HTML = {"accept": "text/html", "origin": "http://testserver"}  # a browser names its page (web/csrf.py)
DRIVER = {"name": "王建国", "id_number": "330602197501100127", "phone": "13900005678"}  # drivers.csv, line 2
SOURCE = {"name": "柯桥区钱清石料厂", "licence": "SX-SRC-001"}  # freight_sources.csv, line 2


@pytest.fixture
def desk(container: Container, clock: FixedClock) -> WorkflowDesk:
    return WorkflowDesk(container, clock)


def console(desk: WorkflowDesk, who: str) -> TestClient:
    client = TestClient(create_app(desk.c), follow_redirects=False, headers=HTML)
    answer = client.post("/login", data={"username": who, "password": desk.users[who][1]})
    assert answer.status_code == 303, answer.text
    return client


def sample(name: str) -> bytes:
    return resources.files("zhichao.data").joinpath("samples").joinpath(name).read_bytes()


def lines(data: bytes) -> int:
    """The rows of a CSV file (one per line after the header)."""
    return len(data.decode("utf-8").strip().splitlines()) - 1


def upload(client: TestClient, kind: str, name: str, data: bytes) -> Any:
    return client.post("/registries/import", data={"kind": kind}, files={"file": (name, data, "text/csv")})


def tab_counts(html: str) -> dict[str, int]:
    tabs = re.findall(r'<a href="/registries\?kind=\w+"[^>]*>(\S+) <span class="n">(\d+)', html)
    return {label: int(n) for label, n in tabs}


def row(html: str, marker: str, end: str = "</tr>") -> str:
    """The text of the table row whose tag holds ``marker``, up to ``end``."""
    return visible(html.split(marker, 1)[1].split(">", 1)[1].split(end, 1)[0])


def section(html: str, element_id: str) -> str:
    """The text of the element with this id, up to the end of its section."""
    return visible(html.split(f'id="{element_id}"', 1)[1].split("</section>", 1)[0])


def test_the_sample_files_import_through_the_console_and_make_a_vehicle_s_four_party_page(desk: WorkflowDesk) -> None:
    wang = console(desk, "wang")
    empty = wang.get("/registries")
    assert empty.status_code == 200 and 'aria-current="page">名录</a>' in empty.text
    assert 'id="import-form"' in empty.text
    assert tab_counts(empty.text) == {"车辆": 0, "驾驶人": 0, "道路运输企业": 0, "货运源头": 0}
    for kind, name in SAMPLES.items():
        data = wang.get(f"/registries/samples/{name}")
        assert data.status_code == 200 and data.content == sample(name)
        rows = lines(data.content)
        done = upload(wang, kind, name, data.content)
        assert done.status_code == 303, getattr(done, "text", "")
        page = wang.get(done.headers["location"])
        said = visible(page.text.split('id="import-done"', 1)[1].split("</p>", 1)[0])
        assert f"读取 {rows} 行，新增 {rows} ，更新 0 ，未变 0" in said
    counts = tab_counts(wang.get("/registries?kind=driver").text)
    assert counts == {KIND_LABELS[kind]: lines(sample(name)) for kind, name in SAMPLES.items()}
    assert counts["车辆"] == 8
    again = wang.get(upload(wang, "vehicle", "vehicles.csv", sample("vehicles.csv")).headers["location"])
    assert "读取 8 行，新增 0 ，更新 0 ，未变 8" in visible(again.text)

    case_id = desk.approved_case("r1")
    for role, values in (("driver", DRIVER), ("source", SOURCE)):
        assert desk.call("wang", "PUT", f"/cases/{case_id}/parties/{role}", json=values).status_code == 200
    page = wang.get("/parties/vehicle/浙d·12345")  # any form of the plate
    assert page.status_code == 200 and '<span class="plate" id="party-key">浙D12345</span>' in page.text
    card = section(page.text, "vehicle-card")
    for fact in ("车辆类型 重型半挂牵引车", "轴数 6 轴", "车辆所有人 绍兴市越达物流有限公司 91330600725000101E",
                 "道路运输证号 浙交运管绍字330600000200号", "所属企业 绍兴市越达物流有限公司", "工程运输车 否"):
        assert fact in card, (fact, card)
    assert "绍兴市越达物流有限公司 91330600725000101E" in section(page.text, "card-owner")
    enterprise = section(page.text, "card-enterprise")
    assert "绍兴市越达物流有限公司" in enterprise and "涉及本车案件 1 件" in enterprise
    assert "王建国 330602197501100127" in section(page.text, "card-driver")
    assert "柯桥区钱清石料厂 SX-SRC-001" in section(page.text, "card-source")
    assert 'href="/parties/driver/330602197501100127"' in page.text and 'href="/parties/source/SX-SRC-001"' in page.text
    assert row(page.text, f'data-case="{case_id}"') == f"{case_id} 2026-11-26 测试站 S1 23.10% 456 有效案件"
    assert f'<a href="/console/cases/{case_id}">{case_id}</a>' in page.text
    assert "近一年已处罚 0 次（自 2025-11-27）" in visible(page.text)

    source = wang.get("/parties/source/SX-SRC-001")
    assert source.status_code == 200 and "柯桥区钱清石料厂" in source.text and f'data-case="{case_id}"' in source.text
    case_page = wang.get(f"/console/cases/{case_id}")
    assert 'href="/parties/vehicle/%E6%B5%99D12345"' in case_page.text


def test_a_reviewer_sees_drivers_masked_and_may_not_import(desk: WorkflowDesk) -> None:
    wang = console(desk, "wang")
    assert upload(wang, "driver", "drivers.csv", sample("drivers.csv")).status_code == 303
    zhang = console(desk, "zhang")
    page = zhang.get("/registries?kind=driver")
    assert page.status_code == 200 and "330602********0127" in page.text and "139****5678" in page.text
    assert "330602197501100127" not in page.text and "13900005678" not in page.text and "王建国" not in page.text
    assert 'id="import-form"' not in page.text
    assert "330602197501100127" not in zhang.get("/registries?kind=driver&q=3306021975").text  # no part-number search
    assert "330602********0127" in zhang.get("/registries?kind=driver&q=330602197501100127").text
    case_id = desk.approved_case("r1")
    assert desk.call("wang", "PUT", f"/cases/{case_id}/parties/driver", json=DRIVER).status_code == 200
    vehicle = zhang.get("/parties/vehicle/浙D12345")
    assert vehicle.status_code == 200 and "已脱敏" in vehicle.text
    assert "王** 330602********0127" in section(vehicle.text, "card-driver")
    assert "330602197501100127" not in vehicle.text
    assert "/console/cases/" not in vehicle.text  # reviewers do not open case files
    assert "330602197501100127" in wang.get("/parties/vehicle/浙D12345").text
    refused = upload(zhang, "vehicle", "vehicles.csv", sample("vehicles.csv"))
    assert refused.status_code == 403 and "无权导入名录" in refused.text
    assert desk.c.registries.count("vehicle") == 0
    assert zhang.get("/registries/samples/drivers.csv").status_code == 403


def test_a_bad_file_shows_every_row_error_and_imports_nothing(desk: WorkflowDesk) -> None:
    boss = console(desk, "boss")
    bad = ("credit_code,name,fleet_size\n"
           "91330600725000101E,绍兴市越达物流有限公司,40\n"
           "91330600725000101F,校验位错误的企业,10\n"
           "91330600725000102H,,0\n"
           "91330600725000101E,重复的企业,3\n").encode()
    refused = upload(boss, "enterprise", "企业名录.csv", bad)
    assert refused.status_code == 400
    html = refused.text
    assert "有 4 处错误，未导入任何一行" in html and "名录未作任何改动" in html and "企业名录.csv" in html
    body = html.split('id="row-errors"', 1)[1].split("<tbody>", 1)[1].split("</tbody>", 1)[0]
    errors = [[visible(c) for c in re.findall(r"<td[^>]*>(.*?)</td>", r, re.S)]
              for r in re.findall(r"<tr>(.*?)</tr>", body, re.S)]
    assert [(e[0], e[1].split()[0]) for e in errors] == [
        ("3", "统一社会信用代码"), ("4", "名称"), ("4", "货运车辆数"), ("5", "统一社会信用代码")]
    assert "与第 2 行重复" in errors[3][2]
    assert desk.c.registries.count("enterprise") == 0
    assert tab_counts(html)["道路运输企业"] == 0 and 'aria-current="page">道路运输企业' in html
    latin1 = upload(boss, "enterprise", "gbk.csv", "credit_code,name\n91330600725000101E,绍兴\n".encode("gbk"))
    assert latin1.status_code == 400 and "UTF-8" in latin1.text
    assert desk.c.registries.count("enterprise") == 0


def test_an_unknown_party_is_the_console_s_404_page_in_chinese(desk: WorkflowDesk) -> None:
    wang = console(desk, "wang")
    missing = wang.get("/parties/vehicle/浙A00000")
    assert missing.status_code == 404 and "页面不存在" in missing.text
    assert "名录和案件中都没有车辆 浙A00000" in missing.text
    assert wang.get("/parties/vehicle/不是车牌").status_code == 400
    assert wang.get("/parties/truck/浙A00000").status_code == 400
    found = wang.get("/parties", params={"plate": "浙d·12345"})
    assert found.status_code == 303 and found.headers["location"] == "/parties/vehicle/%E6%B5%99D12345"


def test_the_sanctions_page_lists_the_rules_proposal_and_a_leader_confirms_it(desk: WorkflowDesk) -> None:
    days = ("2026-03-02", "2026-06-15", "2026-09-01", "2026-11-20")
    cases = [desk.decided_case(f"r{i}", captured_at=f"{day}T10:00:00+08:00") for i, day in enumerate(days)]
    boss, wang = console(desk, "boss"), console(desk, "wang")
    assert "没有待确认的处罚建议" in boss.get("/sanctions").text
    assert 'id="sweep-form"' not in wang.get("/sanctions").text
    assert wang.post("/sanctions/sweep").status_code == 403 and desk.c.sanctions.repo.counts() == {}
    swept = boss.post("/sanctions/sweep")
    assert swept.status_code == 303 and "done=sweep&proposed=1" in swept.headers["location"]
    page = boss.get(swept.headers["location"])
    assert "已按规则生成 1 条新的处罚建议" in page.text
    (proposal,) = sanction_service.listing(desk.c.sanctions, desk.c.clock().date(), state="proposed")
    assert proposal["party_key"] == "浙D12345" and sorted(proposal["case_ids"]) == sorted(cases)
    shown = row(page.text, f'data-sanction="{proposal["id"]}"', "<form")
    linked = " 、 ".join(str(i) for i in sorted(cases))
    assert shown.startswith(f'{proposal["id"]} 车辆 浙D12345 车辆一年内违法超限运输超过3次 4 次 须超过 3 次 '
                            f"案件 {linked} 2025-11-27 至 2026-11-26 《公路安全保护条例》第六十六条")
    assert all(f'<a href="/console/cases/{i}">{i}</a>' in page.text for i in cases)
    assert shown.endswith("待确认 —")

    officer_view = wang.get("/sanctions")
    assert f'id="sanction-{proposal["id"]}"' in officer_view.text and "确认公布</button>" not in officer_view.text
    assert wang.post(f"/sanctions/{proposal['id']}/confirm").status_code == 403
    no_reason = boss.post(f"/sanctions/{proposal['id']}/reject", data={"note": "  "})
    assert no_reason.status_code == 400 and "须说明理由" in no_reason.text
    confirmed = boss.post(f"/sanctions/{proposal['id']}/confirm", data={"note": "经集体讨论", "tab": "proposed"})
    assert confirmed.status_code == 303
    assert confirmed.headers["location"].startswith("/sanctions?tab=listed&done=confirm")
    listed = boss.get(confirmed.headers["location"])
    assert "已确认公布" in listed.text and "2026-11-26 至 2028-11-25" in visible(listed.text)
    assert "撤出名单</button>" in listed.text and "公布中 <span class=\"n\">1</span>" in listed.text
    again = boss.post(f"/sanctions/{proposal['id']}/confirm")
    assert again.status_code == 409 and "已公布" in again.text
    nothing_new = boss.get(boss.post("/sanctions/sweep").headers["location"])
    assert "已按规则检查，没有新的处罚建议" in nothing_new.text and desk.c.sanctions.repo.counts() == {"confirmed": 1}

    lift = f"/sanctions/{proposal['id']}/lift"
    assert boss.post(lift, data={"note": ""}).status_code == 400
    assert boss.post(lift, data={"note": "处罚决定已被撤销", "tab": "listed"}).status_code == 303
    lifted = visible(boss.get("/sanctions?tab=all").text)
    assert "已撤出 理由：处罚决定已被撤销 2026-11-26 起，2026-11-26 撤出" in lifted
    assert "失信名单上今天没有公布中的条目" in boss.get("/sanctions?tab=listed").text
    stored = sanction_service.listing(desk.c.sanctions, desk.c.clock().date())
    assert [(s["id"], s["state"]) for s in stored] == [(proposal["id"], "lifted")]

    vehicle = wang.get("/parties/vehicle/浙D12345")
    assert "近一年已处罚 4 次（自 2025-11-27）" in visible(vehicle.text) and "已超过 3 次" in vehicle.text
    sanction = row(vehicle.text, f'id="sanction-{proposal["id"]}"')
    assert sanction == f'{proposal["id"]} 车辆 浙D12345 车辆一年内违法超限运输超过3次 4 次 已撤出 —'


def test_one_entry_is_registered_and_corrected_through_the_console_form(desk: WorkflowDesk) -> None:
    wang = console(desk, "wang")
    form = wang.get("/registries/entry?kind=vehicle")
    assert form.status_code == 200 and "登记车辆" in visible(form.text) and 'name="engineering"' in form.text
    bad = wang.post("/registries/entry", data={"kind": "vehicle", "plate": "浙D6660", "axle_count": "13"})
    assert bad.status_code == 400
    text = visible(bad.text)
    assert "车牌号格式不正确：浙D6660" in text and "轴数应为 2–8 的整数：13" in text and "未保存" in text
    assert desk.c.registries.count("vehicle") == 0
    saved = wang.post("/registries/entry", data={"kind": "vehicle", "plate": "黄浙d66601", "axle_count": "4",
                                                "engineering": "是", "owner_name": "绍兴市某运输公司"})
    assert saved.status_code == 303 and saved.headers["location"].startswith("/parties/vehicle/")
    assert desk.c.registries.get("vehicle", "浙D66601")["engineering"] is True
    again = wang.get("/registries/entry?kind=vehicle&key=浙D66601")
    assert "更正车辆" in visible(again.text) and 'value="绍兴市某运输公司"' in again.text and "readonly" in again.text
    assert console(desk, "zhang").get("/registries/entry?kind=vehicle").status_code == 403
