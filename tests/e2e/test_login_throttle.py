"""Password guessing at the console's login: after a few failures for a name (or from an address) further
attempts are refused with 429 ``login_throttled``, the same for a name that exists and one that does not,
even with the right password; a success before that clears the count."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from tests.e2e.conftest import Console

pytestmark = pytest.mark.parametrize("console_options", [{"login_max_failures": 3,
                                                          "login_max_failures_per_address": 6}])


def attempt(client: TestClient, username: str, password: str) -> int:
    status: int = client.post("/login", data={"username": username, "password": password}).status_code
    return status


@pytest.mark.parametrize("username", ["reviewer1", "nobody"])
def test_after_the_failures_allowed_further_attempts_are_refused_alike(client: TestClient, console: Console,
                                                                       username: str) -> None:
    assert [attempt(client, username, "wrong") for _ in range(3)] == [401, 401, 401]
    response = client.post("/login", data={"username": username, "password": "wrong"},
                           headers={"accept": "application/json"})
    assert response.status_code == 429
    assert response.json()["error"] == {"code": "login_throttled", "message": "登录失败次数过多，请 15 分钟后再试",
                                        "details": {"retry_after_s": 900}}
    if username == "reviewer1":  # locked out: even the right password is not tried
        assert attempt(client, username, console.passwords[username]) == 429


def test_a_success_resets_the_count(client: TestClient, console: Console) -> None:
    password = console.passwords["reviewer1"]
    assert [attempt(client, "reviewer1", "wrong") for _ in range(2)] == [401, 401]
    assert attempt(client, "reviewer1", password) == 303
    assert [attempt(client, "reviewer1", "wrong") for _ in range(2)] == [401, 401]
    assert attempt(client, "reviewer1", password) == 303


def test_one_address_trying_many_names_is_locked_out_too(client: TestClient, console: Console) -> None:
    assert [attempt(client, f"guess{i}", "wrong") for i in range(6)] == [401] * 6
    assert attempt(client, "reviewer1", console.passwords["reviewer1"]) == 429


def test_a_browser_gets_the_message_in_chinese(client: TestClient) -> None:
    for _ in range(3):
        attempt(client, "nobody", "wrong")
    response = client.post("/login", data={"username": "nobody", "password": "x"}, headers={"accept": "text/html"})
    assert response.status_code == 429 and "登录失败次数过多，请 15 分钟后再试" in response.text
