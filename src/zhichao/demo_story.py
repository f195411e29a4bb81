"""A repeat offender for the demo, so that joint punishment has something to show from the first minute.

The sample vehicle 浙D12345 (``data/samples/vehicles.csv``) was weighed overloaded four times in the past
year at one enforcement site. Each passage went the whole way as people would take it — photos uploaded,
two reviews, its driver and freight source entered, notice, statement, legal review and a penalty
decision — on the day it happened, through the same services the console calls. The sanction sweep then
proposes the vehicle, its driver and its source for the dishonesty list, for the demo's leader to decide.
Import the sample registries (名录) to see the owner, the enterprise and the source on the vehicle's page.

Told once: a restarted demo finds the story's records and leaves them alone.
"""

from __future__ import annotations

import logging
from collections.abc import Collection, Mapping
from datetime import date, datetime, time, timedelta
from typing import Any

import msgspec

from zhichao.bootstrap import Container
from zhichao.domain.review import Decision
from zhichao.services import cases, reviews
from zhichao.services.evidence import upload
from zhichao.services.ingest import accept_batch
from zhichao.services.ports import User
from zhichao.simulation.evidence import card_body, evidence_files, image_refs

log = logging.getLogger("zhichao.demo")
PLATE = "浙D12345"
DAYS_AGO = (190, 120, 60, 25)  # four penalised overloads in one rolling year: the fourth triggers Art. 66
DRIVER = {"name": "王建国", "id_number": "330602197501100127", "phone": "13900005678"}
SOURCE = {"name": "柯桥区钱清石料厂", "id_number": "91330600725000101E", "licence": "SX-SRC-001"}
OWNER = {"name": "绍兴市越达物流有限公司", "id_number": "91330600725000101E", "phone": "0575-81234567",
         "address": "绍兴市越城区工业大道10号"}
TO_DECISION = (("officer", "send_notice"), ("officer", "owner_reported"), ("officer", "send_pre_decision"),
               ("officer", "receive_statement"), ("officer", "request_legal_review"),
               ("legal", "approve_legal_review"), ("leader", "decide"))


def _station(network: Mapping[str, Any], since: date, until: date, avoid: Collection[str]) -> str | None:
    """An enabled enforcement site, free of the demo's faults, whose certificate covers the story."""
    for spec in network["stations"]:
        cert = spec.get("certificate") or {}
        if (spec.get("kind", "site") == "site" and spec.get("state", "enabled") == "enabled"
                and spec["station_id"] not in avoid and cert.get("valid_from")
                and date.fromisoformat(cert["valid_from"]) <= since
                and date.fromisoformat(cert["valid_to"]) >= until):
            return str(spec["station_id"])
    return None


def _record(station_id: str, record_id: str, at: datetime) -> dict[str, Any]:
    captured = at.isoformat()
    gross = 62_180
    return {"record_id": record_id, "station_id": station_id, "lane": 2, "captured_at": captured, "plate": PLATE,
            "plate_color": "yellow", "plate_confidence": 0.97, "speed_kmh": 58.0, "axle_count": 6,
            "axle_weights_kg": [7_060, 10_980, 11_040, 11_020, 11_060, 11_020], "gross_weight_kg": gross,
            "axle_groups": "1+2+3", "vehicle_type": "articulated_train", "drive_axle": "tandem",
            "images": image_refs(("plate", "front", "side", "rear", "overview"),
                                 card_body(station_id, record_id, captured, PLATE, gross), "yellow")}


def tell(c: Container, users: Mapping[str, User], network: Mapping[str, Any], avoid: Collection[str]) -> int:
    """Carry the story's four overloads to a penalty decision; the number of cases opened (0 when told)."""
    now = c.clock()
    today = now.astimezone(c.ingest_policy.tz).date()
    station_id = _station(network, today - timedelta(days=max(DAYS_AGO)), today, avoid)
    if station_id is None:
        log.warning("no demo station fits the repeat offender's story; not told")
        return 0
    told = 0
    for n, days in enumerate(DAYS_AGO, start=1):
        record_id = f"STORY-{n}"
        if c.records.one(station_id, record_id) is not None:
            continue
        day = today - timedelta(days=days)
        at = datetime.combine(day, time(9, 40), c.ingest_policy.tz)
        _offence(c, users, station_id, _record(station_id, record_id, at), at)
        told += 1
    return told


def _offence(c: Container, users: Mapping[str, User], station_id: str, record: dict[str, Any],
             at: datetime) -> None:
    record_id = record["record_id"]
    accept_batch(c.ingest_store, station_id, msgspec.json.encode([record]), now=at + timedelta(minutes=1),
                 policy=c.ingest_policy)
    for file in evidence_files(record):
        upload(c.evidence, station_id, record_id, file.sha256, file.content, file.content_type,
               now=at + timedelta(minutes=2), origin="demo")
    case_id = None
    for offset, who in ((60, "reviewer"), (90, "reviewer2")):
        item = c.reviews.repo.item(station_id, record_id)
        assert item is not None
        done = reviews.review(c.reviews, users[who], station_id, record_id, Decision("approve", users[who].id),
                              version=item["version"], now=at + timedelta(minutes=offset), origin="demo")
        case_id = done.get("case_id")
    assert isinstance(case_id, int)
    moment = at + timedelta(hours=3)
    for role, party in (("owner", OWNER), ("driver", DRIVER), ("source", SOURCE)):
        cases.set_party(c.cases, users["officer"], case_id, role, dict(party), now=moment, origin="demo")
    for who, action in TO_DECISION:
        version = int(c.cases.repo.case(case_id)["version"])  # type: ignore[index]
        cases.act_on_case(c.cases, users[who], case_id, action, version=version, now=moment, origin="demo")


def _passage(station_id: str, record_id: str, at: datetime, plate: str, axles: list[int],
             photos: bool = False) -> dict[str, Any]:
    captured = at.isoformat()
    gross = sum(axles)
    record: dict[str, Any] = {
        "record_id": record_id, "station_id": station_id, "lane": 1, "captured_at": captured, "plate": plate,
        "plate_color": "yellow", "plate_confidence": 0.96, "speed_kmh": 18.0, "axle_count": 6,
        "axle_weights_kg": axles, "gross_weight_kg": gross, "axle_groups": "1+2+3",
        "vehicle_type": "articulated_train", "drive_axle": "tandem"}
    if photos:
        record["images"] = image_refs(("plate", "front", "side", "rear", "overview"),
                                      card_body(station_id, record_id, captured, plate, gross), "yellow")
    return record


def scenes(now: datetime, road_site: str) -> list[dict[str, Any]]:
    """Two scenes for the entrance and source pages, a few hours before ``now``:

    - 浙D8E521 is turned back at the Keqiao entrance (57.2 t on 49 t: 117 %), and 40 minutes later weighed
      within the line (47.1 t) at the Shaoxing entrance: it entered the highway after all;
    - 浙D55503 leaves the Qianqing quarry at 62.3 t and is weighed at 62.1 t on the road an hour later: once
      reviewers open the case, it is traced to the quarry (a source link for joint punishment).
    """
    heavy = [7_200, 10_100, 10_000, 10_000, 10_000, 9_900]
    legal = [6_900, 8_100, 8_000, 8_000, 8_000, 8_100]
    loaded = [7_300, 11_000, 11_000, 11_000, 11_000, 11_000]
    return [
        _passage("HW-KQ-001", "SCENE-1", now - timedelta(hours=3), "浙D8E521", heavy),
        _passage("HW-YC-001", "SCENE-2", now - timedelta(hours=2, minutes=20), "浙D8E521", legal),
        _passage("SRC-KQ-001", "SCENE-3", now - timedelta(hours=5), "浙D55503", loaded),
        {**_passage(road_site, "SCENE-4", now - timedelta(hours=4), "浙D55503",
                    [7_200, 11_000, 10_980, 11_000, 10_960, 10_960], photos=True), "speed_kmh": 61.0, "lane": 2},
    ]
