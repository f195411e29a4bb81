"""On-site inspections over the API, on both databases: recorded once per client_id (a resend, even two at
once, stores one row), refused with a code and nothing stored, by role and channel; KPI 2 counts handheld
against desk records."""

from __future__ import annotations

import base64
import hashlib
import io
import threading
from typing import Any

import pytest
from fastapi.testclient import TestClient
from PIL import Image
from sqlalchemy import func, select

from tests.e2e.conftest import NOW, Console
from zhichao.adapters.db.tables import audit_log, inspections
from zhichao.services import inspections as service
from zhichao.services.auth import add_user

MOBILE = {"X-Zhichao-Client": "mobile"}


def image(fmt: str, colour: str = "red") -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (64, 48), colour).save(out, fmt)
    return out.getvalue()


def b64(data: bytes) -> str:
    return base64.b64encode(data).decode()


def body(client_id: str = "c0ffee00-0000-4000-8000-000000000001", **change: Any) -> dict[str, Any]:
    return {"client_id": client_id, "plate": "浙D12345", "place": "G104 越城东湖段", "result": "unloaded",
            "inspected_at": "2026-11-26T13:50:00+08:00", "channel": "handheld", "measured_weight_kg": 52_340,
            "cargo": "石料", **change}


@pytest.fixture
def staff(console: Console) -> dict[str, dict[str, str]]:
    c = console.container
    out = {}
    for name, role in (("zhao", "officer"), ("qian", "officer"), ("boss", "leader"), ("desk", "reviewer"),
                       ("fa", "legal"), ("gate", "partner")):
        _, _, token = add_user(c.users, c.hasher, name, role, now=NOW)
        out[name] = {"Authorization": f"Bearer {token}"}
    return out


def post(client: TestClient, who: dict[str, str], payload: dict[str, Any], mobile: bool = True) -> Any:
    headers = {"Authorization": who["Authorization"], **(MOBILE if mobile else {})}
    return client.post("/api/v1/inspections", json=payload, headers=headers)


def count(console: Console, table: Any = inspections) -> int:
    with console.container.db.reader.connect() as conn:
        return int(conn.execute(select(func.count()).select_from(table)).scalar_one())


def test_an_inspection_with_photos_and_a_signature_is_stored_once(client: TestClient, console: Console,
                                                                    staff: dict[str, dict[str, str]]) -> None:
    photo, signature = image("JPEG"), image("PNG", "white")
    payload = body(photos_jpeg_base64=[b64(photo)], signature_png_base64="data:image/png;base64," + b64(signature),
                   station_id="T-YC-01")
    first = post(client, staff["zhao"], payload)
    assert first.status_code == 201, first.text
    stored = first.json()
    assert (stored["duplicate"], stored["plate"], stored["channel"], stored["county_code"], stored["result_label"]) == (
        False, "浙D12345", "handheld", "330602", "超限已卸载")
    assert stored["photos"] == [hashlib.sha256(photo).hexdigest()]
    assert stored["signature_sha256"] == hashlib.sha256(signature).hexdigest()
    got = client.get(stored["signature_url"], headers=staff["boss"])
    assert (got.status_code, got.content, got.headers["content-type"]) == (200, signature, "image/png")
    assert client.get(stored["photo_urls"][0], headers=staff["boss"]).content == photo

    audits = count(console, audit_log)
    again = post(client, staff["zhao"], payload)  # the phone never saw the first answer
    assert again.status_code == 200, again.text
    assert again.json()["duplicate"] is True and again.json()["id"] == stored["id"]
    assert count(console) == 1 and count(console, audit_log) == audits

    other = post(client, staff["zhao"], {**payload, "result": "compliant"})
    assert other.status_code == 409 and other.json()["error"]["code"] == "client_id_conflict"
    by_another = post(client, staff["qian"], payload)
    assert by_another.status_code == 409
    listed = client.get("/api/v1/inspections?from=2026-11-26&to=2026-11-26", headers=staff["boss"]).json()
    assert [(i["id"], i["result"]) for i in listed["inspections"]] == [(stored["id"], "unloaded")]


def test_the_same_inspection_sent_twice_at_once_is_stored_once(console: Console,
                                                              staff: dict[str, dict[str, str]]) -> None:
    c = console.container
    found = c.users.by_username("zhao")
    assert found is not None
    user = found[0]
    req = service.InspectionRequest(**{**body(), "inspected_at": NOW})
    start = threading.Barrier(2)
    answers: list[bool] = []
    errors: list[BaseException] = []

    def send() -> None:
        start.wait()
        try:
            answers.append(service.record_inspection(c.inspections, user, req, from_mobile=True, now=NOW,
                                                     origin="test")[1])
        except BaseException as exc:  # noqa: BLE001 - reported below
            errors.append(exc)

    threads = [threading.Thread(target=send) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    assert sorted(answers) == [False, True]  # one stored it, the other found it stored
    assert count(console) == 1


@pytest.mark.parametrize(("change", "code"), [
    ({"plate": "浙D1234"}, "invalid_plate"),
    ({"measured_weight_kg": 250_000}, "invalid_weight"),
    ({"measured_weight_kg": 0}, "invalid_weight"),
    ({"photos_jpeg_base64": ["not base64!"]}, "invalid_base64"),
    ({"signature_png_base64": b64(b"\xff\xd8\xff\xe0 not a png")}, "invalid_signature"),
    ({"photos_jpeg_base64": [b64(image("PNG"))]}, "invalid_photo"),
    ({"photos_jpeg_base64": [b64(image("JPEG")[:-20])]}, "invalid_photo"),
    ({"photos_jpeg_base64": [b64(image("JPEG"))] * 5}, "too_many_photos"),
    ({"inspected_at": "2026-11-10T10:00:00+08:00"}, "inspected_too_long_ago"),
    ({"client_id": "bad id!"}, "invalid_client_id"),
    ({"station_id": "NOPE-1"}, "unknown_station"),
    ({"county": "abc"}, "invalid_county"),
    ({"result": "arrested"}, "invalid_result"),
    ({"place": ""}, "invalid_place"),
    ({"unknown": 1}, "invalid_request"),
    ({"measured_weight_kg": "heavy"}, "invalid_request"),
])
def test_bad_input_is_refused_with_its_code_and_nothing_is_stored(
        client: TestClient, console: Console, staff: dict[str, dict[str, str]], change: dict[str, Any],
        code: str) -> None:
    audits = count(console, audit_log)
    answer = post(client, staff["zhao"], body(**change))
    assert answer.status_code == 400, answer.text
    assert answer.json()["error"]["code"] == code
    assert answer.json()["error"]["message"]
    assert count(console) == 0 and count(console, audit_log) == audits


def test_who_may_record_which_channel(client: TestClient, console: Console, staff: dict[str, dict[str, str]]) -> None:
    def send(who: str, n: int, channel: str, mobile: bool = True) -> Any:
        return post(client, staff[who], body(f"role-test-{n:04d}", channel=channel), mobile=mobile)

    assert send("desk", 1, "handheld").json()["error"]["code"] == "role_not_allowed"
    assert send("fa", 2, "desk").status_code == 403
    assert send("gate", 3, "desk").status_code == 403
    assert client.post("/api/v1/inspections", json=body()).status_code == 401
    refused = send("zhao", 4, "handheld", mobile=False)
    assert (refused.status_code, refused.json()["error"]["code"]) == (400, "handheld_needs_mobile")
    assert count(console) == 0
    assert send("desk", 5, "desk", mobile=False).status_code == 201  # desk staff enter paper records
    assert send("boss", 6, "handheld").status_code == 201
    assert send("zhao", 7, "desk").status_code == 201  # a desk record is a desk record, whoever sends it
    assert count(console) == 3


def kpi(client: TestClient, who: dict[str, str], query: str) -> dict[str, Any]:
    answer = client.get(f"/api/v1/kpis/handheld?{query}", headers=who)
    assert answer.status_code == 200, answer.text
    found: dict[str, Any] = answer.json()["kpis"][0]
    return found


def test_kpi_2_counts_handheld_against_all_inspections(client: TestClient, console: Console,
                                                       staff: dict[str, dict[str, str]]) -> None:
    empty = kpi(client, staff["boss"], "from=2026-11-01&to=2026-11-26")
    assert (empty["value"], empty["numerator"], empty["denominator"], empty["target"]) == (None, 0, 0, 0.7)
    sent = [post(client, staff["zhao"], body("kpi-test-0001", station_id="T-YC-01")),  # 越城
            post(client, staff["zhao"], body("kpi-test-0002", station_id="T-KQ-01")),  # 柯桥
            post(client, staff["desk"], body("kpi-test-0003", channel="desk", county="330602"), mobile=False),
            post(client, staff["desk"], body("kpi-test-0004", channel="desk", county="330602",
                                             inspected_at="2026-10-30T09:00:00+08:00"), mobile=False)]
    assert [s.status_code for s in sent] == [201, 201, 201, 201]
    assert post(client, staff["zhao"], body("kpi-test-0001", station_id="T-YC-01")).status_code == 200  # resend

    city = kpi(client, staff["boss"], "from=2026-11-01&to=2026-11-30")
    assert (city["id"], city["numerator"], city["denominator"], city["value"]) == (
        "handheld_inspection_share", 2, 3, 2 / 3)
    yuecheng = kpi(client, staff["boss"], "from=2026-11-01&to=2026-11-30&county=330602")
    assert (yuecheng["numerator"], yuecheng["denominator"], yuecheng["value"]) == (1, 2, 0.5)
    year = kpi(client, staff["fa"], "from=2026-01-01&to=2026-11-30")
    assert (year["numerator"], year["denominator"]) == (2, 4)
    desk_only = client.get("/api/v1/inspections?from=2026-10-01&to=2026-11-30&channel=desk", headers=staff["boss"])
    assert [i["client_id"] for i in desk_only.json()["inspections"]] == ["kpi-test-0003", "kpi-test-0004"]
    assert client.get("/api/v1/kpis/handheld?from=2026-11-30&to=2026-11-01",
                      headers=staff["boss"]).json()["error"]["code"] == "invalid_period"


def test_a_plate_photo_without_the_ocr_extra_gets_a_clear_answer(client: TestClient,
                                                                   staff: dict[str, dict[str, str]]) -> None:
    try:
        import rapidocr_onnxruntime  # noqa: F401
    except ImportError:
        answer = client.post("/api/v1/plates/read", content=image("JPEG"),
                             headers={**staff["zhao"], "Content-Type": "image/jpeg"})
        assert (answer.status_code, answer.json()["error"]["code"]) == (503, "ocr_not_installed")
        assert answer.json()["error"]["message"] == "本机未安装车牌识别，请手工输入"
    else:
        answer = client.post("/api/v1/plates/read", content=image("JPEG"),
                             headers={**staff["zhao"], "Content-Type": "image/jpeg"})
        assert answer.status_code == 200 and answer.json()["plate"] is None  # a red square holds no plate
    assert client.post("/api/v1/plates/read", content=image("JPEG"),
                       headers={**staff["desk"], "Content-Type": "image/jpeg"}).status_code == 403


def test_the_desk_form_enters_a_paper_record_once(client: TestClient, console: Console) -> None:
    console.log_in(client, "reviewer1")
    page = client.get("/console/inspections")
    assert page.status_code == 200 and "案头录入" in page.text
    form = {"client_id": "desk-form-0001", "plate": "浙D12345", "place": "G104 越城东湖段",
            "inspected_at": "2026-11-25T09:30", "result": "compliant", "county": "330602"}
    for _ in range(2):  # a double click sends the form twice
        answer = client.post("/console/inspections", data=form)
        assert answer.status_code == 303, answer.text
    assert count(console) == 1
    listed = client.get("/console/inspections?start=2026-11-01&end=2026-11-26").text
    assert "浙D12345" in listed and "案头录入" in listed
    refused = client.post("/console/inspections", data={**form, "client_id": "desk-form-0002", "plate": "浙D1"})
    assert refused.status_code == 400 and "车牌号格式不正确" in refused.text
    assert count(console) == 1
