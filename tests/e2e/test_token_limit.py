"""Each bearer token has its own rate limit: past its burst a token is refused (429 with Retry-After) before
anything is done, and other tokens, browser sessions and the partners' check API are not affected."""

from __future__ import annotations

import json

import pytest
from fastapi.testclient import TestClient
from httpx import Response

from tests.e2e.conftest import NOW, Console, passage
from zhichao.services.auth import add_user
from zhichao.services.stations import add_station

# Two requests at once, then one every 1000 s: the third request in a test is refused.
pytestmark = pytest.mark.parametrize("console_options", [{"api_rate_per_token": 0.001, "api_burst_per_token": 2}])


def post_batch(client: TestClient, station_id: str, token: str, record_id: str) -> Response:
    body = json.dumps([passage(record_id, "浙D54321", [6000, 10000], station_id=station_id)])
    return client.post(f"/api/v1/stations/{station_id}/records", content=body,
                       headers={"Authorization": f"Bearer {token}", "Content-Type": "application/json"})


def test_a_station_token_past_its_burst_is_refused_and_its_batch_not_stored(console: Console,
                                                                          client: TestClient) -> None:
    c = console.container
    first = add_station(c.stations, "T-RL-01", "限流测试站一", 2, now=NOW)
    second = add_station(c.stations, "T-RL-02", "限流测试站二", 2, now=NOW)
    assert [post_batch(client, "T-RL-01", first, f"rl-{n}").status_code for n in (1, 2)] == [200, 200]

    refused = post_batch(client, "T-RL-01", first, "rl-3")

    assert refused.status_code == 429
    assert int(refused.headers["retry-after"]) >= 1
    assert refused.headers["x-content-type-options"] == "nosniff"
    error = refused.json()["error"]
    assert error["code"] == "rate_limited" and "请求过于频繁" in error["message"]
    assert c.records.one("T-RL-01", "rl-3") is None
    assert c.records.one("T-RL-01", "rl-2") is not None
    answered = post_batch(client, "T-RL-02", second, "rl-1")
    assert answered.status_code == 200 and answered.json()["accepted"] == 1


def test_a_user_token_is_limited_alone_and_a_browser_session_not_at_all(console: Console,
                                                                       client: TestClient) -> None:
    c = console.container
    _, _, busy = add_user(c.users, c.hasher, "busy", "reviewer", now=NOW)
    _, _, quiet = add_user(c.users, c.hasher, "quiet", "reviewer", now=NOW)
    codes = [client.get("/api/v1/stations", headers={"Authorization": f"Bearer {busy}"}).status_code
             for _ in range(3)]
    assert codes == [200, 200, 429]
    assert client.get("/api/v1/stations", headers={"Authorization": f"Bearer {quiet}"}).status_code == 200
    console.log_in(client)
    assert [client.get("/api/v1/stations").status_code for _ in range(5)] == [200] * 5


def test_an_unknown_token_is_limited_too_before_it_is_checked(client: TestClient) -> None:
    codes = [client.get("/api/v1/stations", headers={"Authorization": "Bearer zut_made_up"}).status_code
             for _ in range(3)]
    assert codes == [401, 401, 429]


def test_the_check_api_keeps_the_partners_own_limit(console: Console, client: TestClient) -> None:
    c = console.container
    _, _, token = add_user(c.users, c.hasher, "gate", "partner", now=NOW)
    codes = [client.get("/api/v1/check/浙D12345", headers={"Authorization": f"Bearer {token}"}).status_code
             for _ in range(4)]
    assert codes == [200] * 4
