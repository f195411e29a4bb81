"""Screening and the two-step review through the HTTP API, on both databases."""

from __future__ import annotations

import hashlib
import io
import json
import subprocess
import threading
import zipfile
from dataclasses import replace
from datetime import date, timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select, update

from tests.factories import body, image_refs, light, photos, record, station
from zhichao.adapters.db.tables import cases, review_events, stations
from zhichao.bootstrap import Container
from zhichao.domain.evidence import EvidenceLimits
from zhichao.domain.review import Decision
from zhichao.services import reviews as review_service
from zhichao.services.auth import add_user
from zhichao.services.errors import Conflict
from zhichao.services.ingest import accept_batch
from zhichao.web.app import create_app


class Desk:
    """Two reviewers and an officer in front of the API."""

    def __init__(self, c: Container) -> None:
        self.c = c
        self.client = TestClient(create_app(c))
        self.station_token = station(c, "S1")
        self.users = {name: add_user(c.users, c.hasher, name, role, now=c.clock())
                      for name, role in (("zhang", "reviewer"), ("li", "reviewer"), ("wang", "officer"))}

    def ingest(self, *recs: dict[str, Any], with_photos: bool = True) -> None:
        """Ingest records, each naming its photos, then upload the photos as a station does."""
        files = {r["record_id"]: photos(r["record_id"]) for r in recs if "images" not in r}
        recs = tuple({**r, "images": image_refs(files[r["record_id"]])} if r["record_id"] in files else r
                     for r in recs)
        accept_batch(self.c.ingest_store, "S1", body(*recs), now=self.c.clock(), policy=self.c.ingest_policy)
        for record_id, by_kind in files.items() if with_photos else ():
            for data in by_kind.values():
                self.upload(record_id, data)

    def upload(self, record_id: str, data: bytes) -> Any:
        sha = hashlib.sha256(data).hexdigest()
        return self.client.put(f"/api/v1/stations/S1/records/{record_id}/evidence/{sha}", content=data,
                               headers={"Authorization": f"Bearer {self.station_token}",
                                        "Content-Type": "image/jpeg"})

    def call(self, who: str, method: str, path: str, **kw: Any) -> Any:
        headers = {"Authorization": f"Bearer {self.users[who][2]}", **kw.pop("headers", {})}
        return self.client.request(method, "/api/v1" + path, headers=headers, **kw)

    def decide(self, who: str, record_id: str, action: str, **extra: Any) -> Any:
        version = self.call(who, "GET", f"/reviews/S1/{record_id}").json()["item"]["version"]
        payload = {"action": action, "version": extra.pop("version", version), **extra}
        return self.call(who, "POST", f"/reviews/S1/{record_id}/decision", json=payload)

    def count(self, table: Any) -> int:
        with self.c.db.reader.connect() as conn:
            return int(conn.execute(select(func.count()).select_from(table)).scalar_one())


@pytest.fixture
def desk(container: Container) -> Desk:
    return Desk(container)


def codes(desk: Desk, record_id: str) -> set[str]:
    return {f["code"] for f in desk.call("zhang", "GET", f"/reviews/S1/{record_id}").json()["flags"]}


def test_only_actionable_records_enter_the_queue(desk: Desk) -> None:
    desk.ingest(record("over"), light("fine"), record("warn", gross_weight_kg=55_000))
    queued = desk.call("zhang", "GET", "/reviews").json()["items"]
    assert [i["record_id"] for i in queued] == ["over"]
    assert queued[0]["state"] == "pending_first" and queued[0]["station_name"] == "测试站 S1"


def test_two_different_reviewers_turn_a_record_into_one_valid_case(desk: Desk) -> None:
    desk.ingest(record("r1"))
    assert desk.decide("zhang", "r1", "approve").json()["state"] == "pending_second"
    own = desk.decide("zhang", "r1", "approve")
    assert own.status_code == 403 and own.json()["error"]["code"] == "same_reviewer"
    done = desk.decide("li", "r1", "approve").json()
    assert done["state"] == "approved" and done["case_id"] is not None
    again = desk.decide("li", "r1", "approve")
    assert again.status_code == 409 and again.json()["error"]["code"] == "illegal_transition"
    assert desk.count(cases) == 1
    check = desk.call("zhang", "GET", "/check/浙D12345").json()
    assert check["unresolved_cases"] == 1 and check["reasons"][0]["code"] == "unresolved_case"
    trail = desk.call("zhang", "GET", "/reviews/S1/r1").json()["events"]
    assert [(e["action"], e["to_state"]) for e in trail] == [("approve", "pending_second"), ("approve", "approved")]


def test_a_rejection_needs_a_reason_from_the_list(desk: Desk) -> None:
    desk.ingest(record("r1"))
    refused = desk.decide("zhang", "r1", "reject")
    assert refused.status_code == 400 and refused.json()["error"]["code"] == "reason_required"
    assert desk.decide("zhang", "r1", "reject", reason_code="plate_misread", note="车牌为浙D12845").json()[
        "state"] == "rejected"
    assert desk.count(cases) == 0


def test_second_review_can_send_back_with_a_note(desk: Desk) -> None:
    desk.ingest(record("r1"))
    desk.decide("zhang", "r1", "approve")
    assert desk.decide("li", "r1", "send_back", note="请核对轴型").json()["state"] == "pending_first"
    assert desk.decide("li", "r1", "approve").json()["state"] == "pending_second"
    assert desk.decide("zhang", "r1", "approve").json()["state"] == "approved"


def test_a_stale_version_is_told_and_nothing_is_recorded_twice(desk: Desk) -> None:
    desk.ingest(record("r1"))
    assert desk.decide("zhang", "r1", "approve", version=0).status_code == 200
    late = desk.decide("li", "r1", "reject", version=0, reason_code="other")
    assert late.status_code == 409 and late.json()["error"]["code"] == "already_reviewed"
    assert desk.count(review_events) == 1


def test_two_reviewers_at_the_same_moment_one_wins(desk: Desk) -> None:
    desk.ingest(record("r1"))
    outcomes: list[str] = []
    users = {name: desk.c.users.by_username(name) for name in ("zhang", "li")}

    def act(name: str) -> None:
        user = users[name]
        assert user is not None
        try:
            review_service.review(desk.c.reviews, user[0], "S1", "r1", Decision("approve", user[0].id), version=0,
                                  now=desk.c.clock())
            outcomes.append("won")
        except Conflict:
            outcomes.append("told")

    threads = [threading.Thread(target=act, args=(n,)) for n in users]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(outcomes) == ["told", "won"]
    assert desk.count(review_events) == 1


def test_a_record_from_a_device_without_a_valid_certificate_can_only_be_rejected(desk: Desk) -> None:
    with desk.c.db.writer.begin() as conn:
        conn.execute(update(stations).values(cert_valid_from=date(2025, 1, 1), cert_valid_to=date(2025, 12, 31)))
    desk.c.ingest_store.forget("S1")
    desk.ingest(record("r1"))
    assert "certificate_invalid" in codes(desk, "r1")
    blocked = desk.decide("zhang", "r1", "approve")
    assert blocked.status_code == 409 and blocked.json()["error"]["code"] == "blocked_by_screening"
    assert desk.decide("zhang", "r1", "reject", reason_code="device_invalid").json()["state"] == "rejected"


def test_a_permit_holder_is_flagged_and_blocked(desk: Desk) -> None:
    added = desk.call("wang", "POST", "/permits", json={
        "number": "浙超许[2026]001", "plate": "浙D12345", "valid_from": "2026-11-01", "valid_to": "2026-11-30",
        "roads": [], "max_gross_kg": 65000})
    assert added.status_code == 201
    desk.ingest(record("r1"))
    assert "permit_holder" in codes(desk, "r1")


def test_a_permit_import_with_one_bad_row_stores_nothing(desk: Desk) -> None:
    csv_text = ("number,plate,valid_from,valid_to,roads,max_gross_kg\n"
                "P1,浙D11111,2026-11-01,2026-11-30,G104;G329,60000\n"
                "P2,浙D22222,2026-11-31,2026-11-30,,\n")
    answer = desk.call("wang", "POST", "/permits", content=csv_text.encode(), headers={"Content-Type": "text/csv"})
    assert answer.status_code == 400
    assert [(e["row"], e["field"]) for e in answer.json()["error"]["details"]] == [(2, "valid_from")]
    assert desk.call("wang", "GET", "/permits").json() == []


def test_an_on_site_handling_of_the_same_act_is_flagged(desk: Desk) -> None:
    desk.call("wang", "POST", "/onsite-handlings", json={"reference": "绍交现[2026]88", "plate": "浙D12345",
                                                        "handled_at": "2026-11-26T14:00:00+08:00"})
    desk.ingest(record("r1"))
    assert "handled_on_site" in codes(desk, "r1")


def test_a_double_capture_in_the_adjacent_lane_flags_the_later_one(desk: Desk) -> None:
    desk.ingest(record("b", lane=2, captured_at="2026-11-26T13:30:02+08:00"))
    desk.ingest(record("a", lane=1, captured_at="2026-11-26T13:30:00+08:00"))
    assert "double_capture" in codes(desk, "b") and "double_capture" not in codes(desk, "a")


def test_missing_evidence_is_flagged_after_the_grace_period_and_cleared_when_it_arrives(desk: Desk) -> None:
    files = photos("r1")
    desk.ingest(record("r1", images=image_refs(files)), with_photos=False)
    assert review_service.sweep_evidence(desk.c.reviews, desk.c.clock()) == 0
    desk.c.clock.now += timedelta(hours=1)  # type: ignore[attr-defined]
    assert review_service.sweep_evidence(desk.c.reviews, desk.c.clock()) == 1
    assert "evidence_missing" in codes(desk, "r1")
    refused = desk.decide("zhang", "r1", "approve")
    assert refused.status_code == 409 and refused.json()["error"]["code"] == "blocked_by_screening"
    for data in files.values():
        assert desk.upload("r1", data).status_code == 200
    assert "evidence_missing" not in codes(desk, "r1")
    assert desk.decide("zhang", "r1", "approve").json()["state"] == "pending_second"


def test_a_record_without_its_photos_cannot_be_approved_even_within_the_grace_period(desk: Desk) -> None:
    desk.ingest(record("r1"), with_photos=False)
    refused = desk.decide("zhang", "r1", "approve")
    assert refused.status_code == 409 and refused.json()["error"]["code"] == "blocked_by_screening"


def test_the_queue_filters_by_flag_and_band(desk: Desk) -> None:
    desk.ingest(record("r1"), record("r2", plate="", plate_color="unknown"), record("r3", gross_weight_kg=99_000))
    unread = desk.call("zhang", "GET", "/reviews?flag=plate_unread").json()["items"]
    assert [i["record_id"] for i in unread] == ["r2"]
    heavy = desk.call("zhang", "GET", "/reviews?min_band=5").json()["items"]
    assert [i["record_id"] for i in heavy] == ["r3"]


def test_a_reviewer_sees_their_count_for_the_day(desk: Desk) -> None:
    desk.ingest(record("r1"), record("r2", lane=3, plate="浙D54321"))
    desk.decide("zhang", "r1", "approve")
    desk.decide("zhang", "r2", "reject", reason_code="other")
    assert desk.call("zhang", "GET", "/reviews/me/today").json() == {"approve": 1, "reject": 1, "send_back": 0,
                                                                     "total": 2}


def test_only_reviewers_decide(desk: Desk) -> None:
    desk.ingest(record("r1"))
    answer = desk.call("wang", "POST", "/reviews/S1/r1/decision", json={"action": "approve", "version": 0})
    assert answer.status_code == 403


def test_the_evidence_package_holds_photos_verdict_trail_and_a_checkable_manifest(desk: Desk, tmp_path: Any) -> None:
    desk.ingest(record("r1"))
    desk.decide("zhang", "r1", "approve")
    desk.decide("li", "r1", "approve")
    answer = desk.call("zhang", "GET", "/records/S1/r1/evidence-package")
    assert answer.status_code == 200 and answer.headers["content-type"] == "application/zip"
    with zipfile.ZipFile(io.BytesIO(answer.content)) as archive:
        archive.extractall(tmp_path)
        names = set(archive.namelist())
    assert {"record.json", "verdict.txt", "station.json", "review.json", "manifest.json", "manifest.sha256"} <= names
    assert len([n for n in names if n.startswith("photos/")]) == 3
    manifest = json.loads((tmp_path / "manifest.json").read_text(encoding="utf-8"))
    for entry in manifest["files"]:
        assert hashlib.sha256((tmp_path / entry["path"]).read_bytes()).hexdigest() == entry["sha256"]
    assert manifest["missing_evidence"] == []
    checked = subprocess.run(["sha256sum", "-c", "manifest.sha256"], cwd=tmp_path, capture_output=True, text=True)
    assert checked.returncode == 0, checked.stdout + checked.stderr
    assert "结论：罚款 456 元" in (tmp_path / "verdict.txt").read_text(encoding="utf-8")
    trail = json.loads((tmp_path / "review.json").read_text(encoding="utf-8"))["trail"]
    assert [(t["actor"], t["to_state"]) for t in trail] == [("zhang", "pending_second"), ("li", "approved")]


def test_an_upload_that_is_not_what_the_record_named_is_refused_and_stores_nothing(desk: Desk) -> None:
    files = photos("r1")
    desk.ingest(record("r1", images=image_refs(files)), with_photos=False)
    plate = files["plate"]
    sha = hashlib.sha256(plate).hexdigest()
    headers = {"Authorization": f"Bearer {desk.station_token}"}
    cases_ = {
        "wrong hash": (f"/api/v1/stations/S1/records/r1/evidence/{'0' * 64}", plate, 404, "evidence_not_named"),
        "bytes not matching the hash": (f"/api/v1/stations/S1/records/r1/evidence/{sha}", files["side"], 400,
                                        "hash_mismatch"),
        "truncated": (f"/api/v1/stations/S1/records/r1/evidence/{sha}", plate[:-10], 400, "hash_mismatch"),
        "unknown record": (f"/api/v1/stations/S1/records/nope/evidence/{sha}", plate, 404, "record_not_found"),
    }
    for label, (path, data, status, code) in cases_.items():
        answer = desk.client.put(path, content=data, headers=headers)
        assert (answer.status_code, answer.json()["error"]["code"]) == (status, code), label
    cut = plate[:-40]  # a record naming the hash of a truncated file: the bytes match, the file is broken
    desk.ingest(record("r2", images=[{"kind": "plate", "sha256": hashlib.sha256(cut).hexdigest(),
                                      "content_type": "image/jpeg"}]), with_photos=False)
    broken = desk.upload("r2", cut)
    assert (broken.status_code, broken.json()["error"]["code"]) == (400, "truncated")
    lying = desk.client.put(f"/api/v1/stations/S1/records/r1/evidence/{sha}", content=plate,
                            headers={**headers, "Content-Type": "image/png"})
    assert lying.json()["error"]["code"] == "type_mismatch"
    assert desk.call("zhang", "GET", f"/evidence/{sha}").status_code == 404
    ok = desk.upload("r1", plate)
    assert ok.status_code == 200 and ok.json()["stored"] is True
    again = desk.upload("r1", plate)
    assert again.status_code == 200 and again.json()["stored"] is False
    assert desk.call("zhang", "GET", f"/evidence/{sha}").content == plate
    assert desk.call("zhang", "GET", f"/evidence/{sha}/thumbnail").headers["content-type"] == "image/jpeg"


def test_an_evidence_file_over_the_size_limit_is_413(container: Container) -> None:
    small = replace(container, evidence=replace(container.evidence, limits=EvidenceLimits(max_image_bytes=500)))
    desk = Desk(small)
    files = photos("r1")
    desk.ingest(record("r1", images=image_refs(files)), with_photos=False)
    answer = desk.upload("r1", files["plate"])
    assert (answer.status_code, answer.json()["error"]["code"]) == (413, "too_large")


def test_an_on_site_handling_registered_after_the_passage_still_blocks_approval(desk: Desk) -> None:
    desk.ingest(record("r1"))
    assert "handled_on_site" not in codes(desk, "r1")
    desk.call("wang", "POST", "/onsite-handlings", json={"reference": "绍交现[2026]99", "plate": "浙D12345",
                                                        "handled_at": "2026-11-26T13:45:00+08:00"})
    refused = desk.decide("zhang", "r1", "approve")
    assert refused.status_code == 409 and refused.json()["error"]["code"] == "blocked_by_screening"
    assert "handled_on_site" in codes(desk, "r1")  # kept, so the queue shows it too
    assert desk.decide("zhang", "r1", "reject", reason_code="handled_on_site").json()["state"] == "rejected"
