"""Who may use which endpoint: every route of the app against every role and an anonymous caller.

``ACCESS`` is the expectation, written from each handler's role checks (the ``*_ROLES`` sets of
``services`` and ``web``): a route maps to the roles that may use it, or to how it authenticates when it
is not by role (``PUBLIC``, ``STATION``, ``SIGNED``, ``BROKER``). A role not listed must be refused: 401/403 from the
API, a 403 page from the console, and for an anonymous caller of a console page a redirect to /login.
A role listed must not be: any other status will do, since the requests are harmless (nothing exists
behind the ids, bodies are empty), but never a 500. A route added without a row fails the first test.

Roles sign in as people do: the API with their bearer token, console pages with a session cookie (and
their own Origin, as a browser sends on a form post).
"""

from __future__ import annotations

import secrets
from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import pytest
from fastapi.routing import iter_route_contexts
from fastapi.testclient import TestClient

from tests.e2e.conftest import NOW, Console
from zhichao.services.auth import ROLES, add_user, token_hash
from zhichao.web.app import create_app
from zhichao.web.deps import SESSION_COOKIE

PUBLIC = "public"  # anyone, signed in or not
STATION = "station"  # a station's own token: every person's token is refused with 401
SIGNED = "signed"  # the payment provider's HMAC signature: refused with 401 without it, whoever calls
BROKER = "broker"  # the MQTT broker's shared secret: 404 while none is configured (as here), else 401 without it

READ = frozenset({"reviewer", "officer", "legal", "leader", "admin"})  # services.auth.READ_ROLES
CASE = frozenset({"officer", "legal", "leader", "admin"})  # web.api.cases.CASE_ROLES: the case workflow
HANDHELD = frozenset({"officer", "leader", "admin"})  # services.inspections.HANDHELD_ROLES: the phones
RECORD = frozenset({"officer", "leader", "admin", "reviewer"})  # services.inspections.RECORD_ROLES
IMPORT = frozenset({"officer", "legal", "leader", "admin"})  # registries and accident imports
ALERT = frozenset({"officer", "leader", "admin"})  # domain.alerts.ALERT_ROLES: handling alerts, 布控, duty
HEADS = frozenset({"leader", "admin"})
ADMIN = frozenset({"admin"})

ACCESS: dict[str, frozenset[str] | str] = {
    # Open doors: health check, API description and its page, static files, login, owner self-service.
    "GET /healthz": PUBLIC,
    "GET /docs": PUBLIC,
    "GET /openapi.json": PUBLIC,
    "MOUNT /static": PUBLIC,
    "GET /login": PUBLIC,
    "POST /login": PUBLIC,  # a wrong password is answered 401 with the form to anyone (checked apart)
    "POST /logout": PUBLIC,  # without a session it only sends the caller to /login
    # The vehicle owner's self-service: authenticated by plate + notice code, rate-limited per client.
    "GET /owner": PUBLIC,
    "POST /owner": PUBLIC,
    "POST /owner/photos/{sha256}": PUBLIC,
    "POST /owner/documents/{document_id}": PUBLIC,
    "POST /owner/statement": PUBLIC,
    "POST /api/v1/owner/lookup": PUBLIC,
    "POST /api/v1/owner/documents/{document_id}": PUBLIC,
    "POST /api/v1/owner/statement": PUBLIC,
    "POST /api/v1/owner/statement-file": PUBLIC,
    # Stations upload with their own token; a person's API token is not a station's.
    "POST /api/v1/stations/{station_id}/records": STATION,
    "POST /api/v1/stations/{station_id}/heartbeat": STATION,
    "PUT /api/v1/stations/{station_id}/records/{record_id}/evidence/{sha256}": STATION,
    "POST /api/v1/payments/notify": SIGNED,
    "POST /api/v1/mqtt/auth": BROKER,
    "POST /api/v1/mqtt/acl": BROKER,
    # Prometheus with ZHICHAO_METRICS_TOKEN, or a request from the machine itself; of the people, admins.
    "GET /metrics": ADMIN,
    # Reading records, stations, vehicles.
    "GET /api/v1/records/{station_id}/{record_id}": READ,
    "GET /api/v1/records": READ,
    "GET /api/v1/vehicles/{plate}/records": READ,
    "GET /api/v1/stations": READ,
    "GET /api/v1/evidence/{sha256}": READ,
    "GET /api/v1/evidence/{sha256}/thumbnail": READ,
    "GET /api/v1/records/{station_id}/{record_id}/evidence-package": READ,
    # Partners: the check API and the exports their scopes name; who called is for the heads to see.
    "GET /api/v1/check/{plate}": READ | {"partner"},
    "GET /api/v1/exports/{kind}": READ | {"partner"},
    "GET /api/v1/partner-calls": HEADS,
    # 一超四罚: sanctions are read by all, decided by a leader (admin may still file), swept by the heads.
    "GET /api/v1/sanctions": READ,
    "POST /api/v1/sanctions/{sanction_id}/{action}": frozenset({"leader"}),  # services.sanctions.DECIDERS
    "POST /api/v1/sanctions/sweep": HEADS,
    "GET /api/v1/parties/{kind}/{key}": READ,
    "PUT /api/v1/registries/{kind}/{key}": IMPORT,
    "POST /api/v1/registries/{kind}": IMPORT,
    "POST /api/v1/accidents/import": IMPORT,
    "GET /api/v1/accidents": READ,
    "GET /api/v1/entrance-refusals": READ,
    "GET /api/v1/kpis/highway": READ,
    "GET /api/v1/sources/stats": READ,
    "GET /api/v1/sources/{code}/departures": READ,
    "GET /api/v1/evasion": READ,
    "POST /api/v1/evasion/sweep": HEADS,
    "POST /api/v1/inspections": RECORD,
    "GET /api/v1/inspections": READ,
    "GET /api/v1/inspections/{inspection_id}/files/{sha256}": READ,
    "GET /api/v1/kpis/handheld": READ,
    "POST /api/v1/plates/read": HANDHELD,
    "GET /api/v1/kpis": READ,
    "GET /api/v1/kpis/dashboard": READ,
    "GET /api/v1/kpis/targets": READ,
    "PUT /api/v1/kpis/targets/{kpi}/{year}": HEADS,  # services.kpis.TARGET_ROLES
    "GET /api/v1/reports/quarterly": CASE,  # web.api.reports.REPORT_ROLES: no reviewers
    "GET /api/v1/reports/quarterly/{year}/{name}": CASE,
    # The command centre.
    "GET /api/v1/alerts": READ,
    "GET /api/v1/alerts/stream": READ,
    "POST /api/v1/alerts/{alert_id}/{action}": ALERT,
    "GET /api/v1/watchlist": READ,
    "POST /api/v1/watchlist": ALERT,
    "POST /api/v1/watchlist/{watch_id}/lift": ALERT,
    "GET /api/v1/duty": READ,
    "POST /api/v1/duty": ALERT,
    "GET /api/v1/vehicles/{plate}/trajectory": READ,
    "GET /api/v1/command/summary": READ,
    # Review: everyone reading may look, only reviewers decide.
    "GET /api/v1/reviews": READ,
    "GET /api/v1/reviews/reasons": READ,
    "GET /api/v1/reviews/me/today": frozenset({"reviewer"}),
    "GET /api/v1/reviews/{station_id}/{record_id}": READ,
    "POST /api/v1/reviews/{station_id}/{record_id}/decision": frozenset({"reviewer"}),
    # Cases.
    "GET /api/v1/cases": CASE,
    "GET /api/v1/cases/{case_id}": CASE,
    "POST /api/v1/cases/{case_id}/actions": CASE,  # which action each may take: domain.cases.ROLE_ACTIONS
    "PUT /api/v1/cases/{case_id}/parties/{role}": frozenset({"officer", "leader"}),  # services.cases.PARTY_EDITORS
    "POST /api/v1/cases/{case_id}/payments": frozenset({"officer", "admin"}),
    "POST /api/v1/cases/{case_id}/attachments": frozenset({"officer", "leader"}),
    "GET /api/v1/cases/{case_id}/attachments/{attachment_id}": CASE,
    "GET /api/v1/cases/{case_id}/documents/{document_id}": CASE,
    "GET /api/v1/cases/{case_id}/transfer-package": CASE,
    "POST /api/v1/cases/{case_id}/transfer-outcome": frozenset({"officer"}),
    "GET /api/v1/transfers": CASE,
    "POST /api/v1/parties/import": frozenset({"officer", "leader", "admin"}),
    # Registers consulted by screening.
    "POST /api/v1/permits": frozenset({"officer", "legal", "admin"}),
    "GET /api/v1/permits": READ,
    "POST /api/v1/onsite-handlings": frozenset({"officer", "legal", "admin"}),
    "GET /api/v1/onsite-handlings": READ,
    # Devices: everyone reading sees them; officers and admins report faults; admins run the rest.
    "GET /api/v1/devices/board": READ,
    "GET /api/v1/stations/{station_id}/health": READ,
    "GET /api/v1/tickets": READ,
    "POST /api/v1/stations/{station_id}/tickets": frozenset({"officer", "admin"}),
    "POST /api/v1/tickets/{ticket_id}/assign": ADMIN,
    "POST /api/v1/tickets/{ticket_id}/close": ADMIN,
    "PUT /api/v1/stations/{station_id}/certificate": ADMIN,
    "POST /api/v1/stations/{station_id}/calibration-checks": ADMIN,
    "GET /api/v1/kpis/devices": READ,
    # Console pages: READ through pages._gate unless a row says otherwise.
    "GET /": READ,
    "GET /stations": READ,
    "GET /console/board": READ,
    "GET /console/stations/{station_id}": READ,
    "POST /console/stations/{station_id}/tickets": frozenset({"officer", "admin"}),
    "POST /console/stations/{station_id}/certificates": ADMIN,
    "POST /console/stations/{station_id}/checks": ADMIN,
    "GET /console/tickets": READ,
    "POST /console/tickets/{ticket_id}/assign": ADMIN,
    "POST /console/tickets/{ticket_id}/close": ADMIN,
    "GET /reviews": READ,
    "GET /reviews/go": READ,
    "GET /reviews/{station_id}/{record_id}": READ,
    "POST /reviews/{station_id}/{record_id}/decision": frozenset({"reviewer"}),
    "GET /console/cases": CASE,
    "GET /console/cases/{case_id}": CASE,
    "POST /console/cases/{case_id}/actions": CASE,
    "POST /console/cases/{case_id}/parties/{role}": frozenset({"officer", "leader"}),
    "POST /console/cases/{case_id}/payments": frozenset({"officer", "admin"}),
    "POST /console/cases/{case_id}/transfer-outcome": frozenset({"officer"}),
    "POST /console/cases/{case_id}/attachments": frozenset({"officer", "leader"}),
    "GET /console/transfers": CASE,
    "GET /registries/entry": IMPORT,
    "POST /registries/entry": IMPORT,
    "GET /registries": READ,
    "GET /registries/samples/{name}": IMPORT,
    "POST /registries/import": IMPORT,
    "GET /registries/accidents": READ,
    "GET /registries/accidents/sample": IMPORT,
    "POST /registries/accidents/import": IMPORT,
    "GET /parties": READ,
    "GET /parties/{kind}/{key}": READ,
    "GET /sanctions": READ,
    "POST /sanctions/sweep": HEADS,
    "POST /sanctions/{sanction_id}/{action}": frozenset({"leader"}),  # as the API: services.sanctions.DECIDERS
    "GET /entrances": READ,
    "GET /sources": READ,
    "GET /evasion": READ,
    "GET /console/inspections": READ,
    "POST /console/inspections": RECORD,
    "GET /m": HANDHELD,
    "GET /m/plate": HANDHELD,
    "GET /m/inspect": HANDHELD,
    "GET /m/alerts": HANDHELD,
    "GET /m/kpi": HANDHELD,
    "GET /command/trajectory": READ,
    "GET /command": READ,
    "GET /command/watchlist": READ,
    "POST /command/watchlist": ALERT,
    "POST /command/watchlist/{watch_id}/lift": ALERT,
    "GET /kpis": READ,
    "GET /kpis/targets": READ,
    "POST /kpis/targets": HEADS,
    "GET /console/export/{filename}": READ,
    "GET /reports": CASE,
    "POST /reports/generate": CASE,
}

# Values for path parameters: nothing exists behind them, except the test station.
PATH_VALUES = {
    "station_id": "T-YC-01", "record_id": "NO-SUCH-RECORD", "plate": "浙D00000", "sha256": "0" * 64,
    "kind": "vehicle", "key": "浙D00000", "code": "330602", "kpi": "kpi1", "year": "2026", "name": "2026Q3",
    "action": "ack", "role": "owner", "filename": "records.csv",
}
# Forms whose fields are checked before the caller's role: filled in, so that the role check is reached.
FORMS = {
    "POST /console/cases/{case_id}/payments": {"amount_yuan": "1", "paid_on": "2026-11-26", "method": "bank"},
    "POST /kpis/targets": {"kpi": "kpi1", "year": "2026", "target": "90"},
    "POST /command/watchlist": {"plate": "浙D00000", "reason": "权限测试", "ends_on": "2026-12-31"},
    "POST /console/inspections": {"inspected_at": "2026-11-26T14:00"},
    "POST /registries/entry": {"kind": "vehicle"},
}
CALLERS = [*ROLES, "anonymous"]


def route_keys(app: Any) -> list[str]:
    keys = []
    for route in iter_route_contexts(app.routes):
        methods = sorted((getattr(route, "methods", None) or set()) - {"HEAD"})
        keys += [f"{m} {route.path}" for m in methods] or [f"MOUNT {route.path}"]
    return keys


def concrete(path: str) -> str:
    parts = []
    for part in path.split("/"):
        name = part[1:-1] if part.startswith("{") else None
        parts.append(PATH_VALUES.get(name, "999999") if name else part)
    return "/".join(parts)


class Caller:
    """Requests as one role (or nobody): a bearer token for the API, a fresh session cookie for pages."""

    def __init__(self, console: Console, client: TestClient, role: str) -> None:
        self.console, self.client, self.role = console, client, role
        self.token: str | None = None
        self.user_id = 0
        if role != "anonymous":
            c = console.container
            user, _, self.token = add_user(c.users, c.hasher, f"access-{role}", role, now=NOW)
            self.user_id = user.id

    def request(self, key: str) -> Any:
        method, path = key.split(" ", 1)
        url = "/static/console.css" if method == "MOUNT" else concrete(path)
        method = "GET" if method == "MOUNT" else method
        headers = {"origin": "http://testserver"}
        cookies = {}
        if self.token and url.startswith("/api/"):
            headers["authorization"] = f"Bearer {self.token}"
        elif self.token:
            session = secrets.token_urlsafe(16)
            c = self.console.container
            c.users.add_session(token_hash(session), self.user_id, NOW, NOW + timedelta(hours=1))
            cookies[SESSION_COOKIE] = session
        self.client.cookies.clear()
        self.client.cookies.update(cookies)
        if key == "GET /api/v1/alerts/stream":  # an endless stream: its status is all there is to read
            with self.client.stream(method, url, headers=headers) as response:
                return response
        if method == "GET":
            return self.client.get(url, headers=headers)
        if url.startswith("/api/"):
            return self.client.request(method, url, headers=headers, json={})
        return self.client.request(method, url, headers=headers, data=FORMS.get(key, {}))


def refused(key: str, role: str, response: Any) -> bool:
    if response.status_code in (401, 403) or (ACCESS[key] == BROKER and response.status_code == 404):
        return True
    console_page = not key.split(" ", 1)[1].startswith("/api/")
    return (role == "anonymous" and console_page and key != "POST /logout" and response.status_code == 303
            and response.headers["location"].startswith("/login"))


def invalid_before_handler(response: Any) -> bool:
    """A 400 from parameter validation: the handler never ran, so it neither did nor showed anything. Many
    handlers check the role first thing in their body, which FastAPI validates before calling them; for a
    caller who may not use the route this answer is as good as a refusal (not for one who may: 400 is not
    a refusal, so those rows still prove the role is let in)."""
    if response.status_code != 400:
        return False
    if response.headers.get("content-type", "").startswith("application/json"):
        return bool(response.json()["error"]["code"] == "invalid_request")
    return "请求参数有误" in response.text


def expected_refused(key: str, role: str) -> bool:
    allowed = ACCESS[key]
    if allowed == PUBLIC:
        return False
    if allowed in (STATION, SIGNED, BROKER):
        return True
    return role not in allowed


@pytest.fixture
def app_client(console: Console) -> Iterator[TestClient]:
    with TestClient(create_app(console.container), follow_redirects=False) as test_client:
        yield test_client


def test_every_route_is_in_the_table(app_client: TestClient) -> None:
    keys = route_keys(app_client.app)
    assert sorted(set(keys) - set(ACCESS)) == [], "a route without a row in ACCESS: say who may use it"
    assert sorted(set(ACCESS) - set(keys)) == [], "a row of ACCESS for a route that no longer exists"


@pytest.mark.parametrize("role", CALLERS)
def test_each_route_refuses_exactly_the_callers_it_should(console: Console, app_client: TestClient,
                                                          role: str) -> None:
    caller = Caller(console, app_client, role)
    wrong = []
    for key in route_keys(app_client.app):
        response = caller.request(key)
        if key == "POST /login":
            assert response.status_code == 401 and 'name="password"' in response.text
            continue
        expected = expected_refused(key, role)
        if expected and invalid_before_handler(response):
            continue
        if response.status_code >= 500 or refused(key, role, response) != expected:
            wrong.append(f"{key}: {response.status_code}")
    assert wrong == [], f"{role}: {'; '.join(wrong)}"


def test_station_routes_refuse_a_missing_or_unknown_token_with_401(app_client: TestClient) -> None:
    for key, kind in ACCESS.items():
        if kind != STATION:
            continue
        method, path = key.split(" ", 1)
        for headers in ({}, {"authorization": "Bearer zst_not-a-station-token"}):
            response = app_client.request(method, concrete(path), headers=headers, content=b"[]")
            assert response.status_code == 401, (key, headers, response.text)
