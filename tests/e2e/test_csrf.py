"""A form post another site makes a browser send is refused; the console's own forms and API clients are not.

The forged request carries a valid session (the browser attaches the cookie) but names another site as
its origin: 403 ``csrf_refused``, and the watchlist entry it asked for does not exist afterwards.
"""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient

from tests.e2e.conftest import NOW, Console
from zhichao.services.auth import add_user

WATCH = {"plate": "浙D54321", "reason": "屡次超限", "ends_on": "2026-12-31"}


@pytest.fixture
def leader(console: Console, client: TestClient) -> str:
    c = console.container
    _, password, token = add_user(c.users, c.hasher, "leader1", "leader", now=NOW)
    console.passwords["leader1"] = password
    console.log_in(client, "leader1")
    return token


def watched(client: TestClient, token: str) -> list[Any]:
    response = client.get("/api/v1/watchlist", headers={"authorization": f"Bearer {token}"})
    return [w["plate"] for w in response.json()["watches"]]


@pytest.mark.parametrize("headers", [
    {"origin": "https://evil.example"},
    {"origin": "null"},
    {"origin": "", "referer": "https://evil.example/form.html"},
    {"origin": ""},  # neither: a browser names one of them on a form post
    {"origin": "http://testserver.evil.example"},
])
def test_a_cross_site_form_post_is_refused_and_changes_nothing(client: TestClient, leader: str,
                                                               headers: dict[str, str]) -> None:
    response = client.post("/command/watchlist", data=WATCH, headers={**headers, "accept": "application/json"})
    assert response.status_code == 403
    assert response.json()["error"]["code"] == "csrf_refused"
    assert "浙D54321" not in watched(client, leader)


def test_a_cross_site_post_gets_a_chinese_page_in_a_browser(client: TestClient, leader: str) -> None:
    response = client.post("/logout", headers={"origin": "https://evil.example", "accept": "text/html"})
    assert response.status_code == 403 and "请求来源不是本系统页面" in response.text
    assert client.get("/command/watchlist").status_code == 200  # still logged in: the logout was not done


@pytest.mark.parametrize("headers", [{}, {"origin": "", "referer": "http://testserver/command/watchlist"}])
def test_a_same_origin_form_post_works(client: TestClient, leader: str, headers: dict[str, str]) -> None:
    response = client.post("/command/watchlist", data=WATCH, headers=headers)
    assert response.status_code == 303
    assert "浙D54321" in watched(client, leader)


def test_an_api_call_with_a_bearer_token_needs_no_origin(client: TestClient, leader: str) -> None:
    body = {"plate": "浙D54321", "reason": "屡次超限", "ends_on": "2026-12-31"}
    response = client.post("/api/v1/watchlist", json=body,
                           headers={"origin": "", "authorization": f"Bearer {leader}"})
    assert response.status_code < 300, response.text
    assert "浙D54321" in watched(client, leader)


def test_the_session_cookie_is_httponly_and_samesite_lax(client: TestClient, console: Console) -> None:
    response = client.post("/login", data={"username": "reviewer1", "password": console.passwords["reviewer1"]})
    cookie = response.headers["set-cookie"].lower()
    assert "httponly" in cookie and "samesite=lax" in cookie and "secure" not in cookie


@pytest.mark.parametrize("console_options", [{"cookie_secure": True}])
def test_the_session_cookie_is_secure_when_the_settings_say_so(client: TestClient, console: Console) -> None:
    response = client.post("/login", data={"username": "reviewer1", "password": console.passwords["reviewer1"]})
    cookie = response.headers["set-cookie"].lower()
    assert "secure" in cookie and "httponly" in cookie and "samesite=lax" in cookie
