"""Every response carries the security headers, whatever produced it; pages keep their own policy."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from tests.e2e.conftest import Console
from zhichao.web.security_headers import HEADERS


@pytest.mark.parametrize(("method", "path"), [
    ("GET", "/healthz"),                      # JSON
    ("GET", "/api/v1/stations"),              # 401 JSON error
    ("GET", "/"),                             # a console page's redirect to /login
    ("GET", "/login"),                        # a page
    ("GET", "/no-such-page"),                 # 404
    ("GET", "/static/console.css"),           # a static file
    ("POST", "/api/v1/stations/T-YC-01/records"),  # a station without its token
])  # fmt: skip
def test_every_response_carries_the_headers(client: TestClient, method: str, path: str) -> None:
    response = client.request(method, path)
    for name, value in HEADERS:
        assert response.headers.get(name.decode()) == value.decode(), (path, name)


def test_a_page_keeps_its_content_security_policy(client: TestClient) -> None:
    page = client.get("/login")
    assert "script-src 'self'" in page.headers["content-security-policy"]
    assert page.headers.get_list("x-content-type-options") == ["nosniff"]  # set once, not twice


def test_a_logged_in_page_and_an_api_answer_alike(console: Console, client: TestClient) -> None:
    console.log_in(client)
    for path in ("/kpis", "/api/v1/kpis?from=2026-11-01&to=2026-11-26"):
        response = client.get(path)
        assert response.status_code == 200 and response.headers["x-frame-options"] == "DENY"
