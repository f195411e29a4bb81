"""The watchlist page (布控) in the console: watching a plate, a refusal that keeps the input and stores
nothing, the alert a watch raised, lifting with a reason; a reviewer sees the list but cannot change it."""

from __future__ import annotations

from fastapi.testclient import TestClient
from sqlalchemy import func, select

from tests.e2e.conftest import Console, passage
from zhichao.adapters.db.tables import watchlist
from zhichao.services.auth import add_user


def _officer(console: Console, client: TestClient) -> None:
    c = console.container
    _, console.passwords["officer1"], _ = add_user(c.users, c.hasher, "officer1", "officer", now=c.clock(),
                                                   display_name="张执法")
    console.log_in(client, "officer1")


def _count(console: Console) -> int:
    with console.container.db.reader.connect() as conn:
        return int(conn.execute(select(func.count()).select_from(watchlist)).scalar_one())


def test_an_officer_watches_a_plate_and_lifts_the_watch(console: Console, client: TestClient) -> None:
    _officer(console, client)
    page = client.get("/command/watchlist")
    assert page.status_code == 200 and "目前没有布控中的车辆" in page.text and 'id="watch-form"' in page.text

    refused = client.post("/command/watchlist", data={"plate": "浙D7777", "reason": "涉嫌套牌",
                                                      "ends_on": "2026-12-31", "county": ""})
    assert refused.status_code == 400 and "未布控：号牌格式不正确" in refused.text
    assert 'value="涉嫌套牌"' in refused.text and _count(console) == 0  # the input is kept, nothing stored

    done = client.post("/command/watchlist", data={"plate": "浙d77777", "reason": "涉嫌套牌",
                                                   "ends_on": "2026-12-31", "county": "330602"})
    assert done.status_code == 303 and done.headers["location"] == "/command/watchlist?done=add"
    page = client.get("/command/watchlist?done=add")
    assert "已布控" in page.text and "浙D77777" in page.text and "越城区" in page.text and "尚未经过" in page.text

    console.ingest("T-YC-01", [passage("W-1", "浙D77777", [6000, 10000, 10000], ago_s=30)])
    console.container.alert_engine.step()
    page = client.get("/command/watchlist")
    assert "G104 越城东湖 测试站" in page.text and "待处理" in page.text

    with console.container.db.reader.connect() as conn:
        [watch_id] = conn.execute(select(watchlist.c.id)).scalars().all()
    no_reason = client.post(f"/command/watchlist/{watch_id}/lift", data={"reason": " "})
    assert no_reason.status_code == 400 and "请填写撤控原因" in no_reason.text
    lifted = client.post(f"/command/watchlist/{watch_id}/lift", data={"reason": "已查处"})
    assert lifted.status_code == 303
    assert "目前没有布控中的车辆" in client.get("/command/watchlist?done=lift").text


def test_a_reviewer_sees_the_list_but_cannot_watch(console: Console, client: TestClient) -> None:
    console.log_in(client, "reviewer1")
    page = client.get("/command/watchlist")
    assert page.status_code == 200 and 'id="watch-form"' not in page.text
    refused = client.post("/command/watchlist", data={"plate": "浙D77777", "reason": "r", "ends_on": "2026-12-31"})
    assert refused.status_code == 403 and _count(console) == 0


def test_the_page_asks_for_a_login(client: TestClient) -> None:
    answer = client.get("/command/watchlist")
    assert answer.status_code == 303 and answer.headers["location"].startswith("/login")
