"""The device pages' forms over HTTP (the console's session and POST/redirect/GET): repair tickets opened,
assigned and closed; refusals shown with what was typed and nothing changed; roles; both databases."""

from __future__ import annotations

from typing import Any

from fastapi.testclient import TestClient

from tests.e2e.conftest import NOW, Console
from zhichao.services.auth import add_user


def _admin(console: Console, client: TestClient) -> None:
    _, password, _ = add_user(console.container.users, console.container.hasher, "admin1", "admin", now=NOW,
                              display_name="管理员 赵刚")
    console.passwords["admin1"] = password
    console.log_in(client, "admin1")


def _ticket(console: Console) -> Any:
    return console.container.devices.tickets(None, console.clock())[0]


def test_a_ticket_is_opened_assigned_and_closed_from_the_pages(console: Console, client: TestClient) -> None:
    console.log_in(client, "reviewer1")
    refused = client.post("/console/stations/T-YC-01/tickets", data={"fault": "称台异常"})
    assert refused.status_code == 403 and "无权" in refused.text
    assert console.container.devices.tickets(None, console.clock()) == []
    _admin(console, client)
    empty = client.post("/console/stations/T-YC-01/tickets", data={"fault": "   "})
    assert empty.status_code == 400 and "请填写故障描述" in empty.text
    opened = client.post("/console/stations/T-YC-01/tickets", data={"fault": "2 车道地感线圈损坏"})
    assert opened.status_code == 303
    ticket = _ticket(console)
    assert (ticket.state, ticket.fault, ticket.opened_by) == ("open", "2 车道地感线圈损坏", "管理员 赵刚")
    assert console.container.stations.get("T-YC-01").state == "repair"  # type: ignore[union-attr]

    too_long = client.post(f"/console/tickets/{ticket.id}/assign", data={"version": 1, "assignee": "周" * 65})
    assert too_long.status_code == 400 and "不能超过 64" in too_long.text and "周" * 65 in too_long.text
    assert client.post(f"/console/tickets/{ticket.id}/assign",
                       data={"version": 1, "assignee": "维保 周工"}).status_code == 303
    stale = client.post(f"/console/tickets/{ticket.id}/close", data={"version": 1, "resolution": "更换线圈"})
    assert stale.status_code == 409 and "已被他人修改" in stale.text and "更换线圈" in stale.text
    assert _ticket(console).state == "assigned"
    closed = client.post(f"/console/tickets/{ticket.id}/close", data={"version": 2, "resolution": "更换线圈"})
    assert closed.status_code == 303
    page = client.get(closed.headers["location"])
    assert page.status_code == 200 and "已关闭报修单" in page.text and "更换线圈" in page.text
    assert _ticket(console).state == "closed"
    assert console.container.stations.get("T-YC-01").state == "enabled"  # type: ignore[union-attr]


def test_the_board_and_a_station_page_answer_and_an_unknown_station_is_404(console: Console,
                                                                          client: TestClient) -> None:
    console.log_in(client, "reviewer1")
    board = client.get("/console/board")
    assert board.status_code == 200 and "设备运行" in board.text and "T-YC-01" in board.text
    assert "维修" in client.get("/console/board?health=repair").text  # T-ZJ-01 is in repair
    station = client.get("/console/stations/T-YC-01")
    assert station.status_code == 200 and "G104 越城东湖 测试站" in station.text
    assert "登记核查" not in station.text  # reviewers see no admin forms
    assert client.get("/console/stations/NOPE").status_code == 404
    console.log_in(client, "partner1")
    assert client.get("/console/board").status_code == 403
