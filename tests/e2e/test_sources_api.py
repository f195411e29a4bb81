"""Freight sources through the API, on both databases: departures weighed at a source's scale, an overloaded
truck on the road traced back to the source it left, the per-source counts, and the source's sanction."""

from __future__ import annotations

from typing import Any

import pytest

from tests.conftest import FixedClock
from tests.e2e.case_workflow import WorkflowDesk
from tests.factories import body, record
from zhichao.bootstrap import Container
from zhichao.services.ingest import accept_batch
from zhichao.services.stations import add_station

SOURCES_CSV = ("code,name,county_code,key_source,station_id\n"
               "SX-SRC-001,柯桥区钱清石料厂,330603,是,SRC-KQ-001\n"
               "SX-SRC-009,未接入的砂场,330603,否,\n")


class SourceDesk(WorkflowDesk):
    def __init__(self, c: Container, clock: FixedClock) -> None:
        super().__init__(c, clock)
        add_station(c.stations, "SRC-KQ-001", "钱清石料厂出场称重", 1, now=c.clock(), county_code="330603",
                    kind="source")
        answer = self.call("root", "POST", "/registries/source", content=SOURCES_CSV.encode(),
                           headers={"Content-Type": "text/csv"})
        assert answer.status_code == 200, answer.text

    def depart(self, record_id: str, at: str, gross: int, plate: str = "浙D12345") -> None:
        axles = [7000, 8000, 8000, 8000, 8000, gross - 39000]
        result = accept_batch(self.c.ingest_store, "SRC-KQ-001", body(record(
            record_id, "SRC-KQ-001", plate=plate, captured_at=f"{at}+08:00", gross_weight_kg=gross,
            axle_weights_kg=axles)), now=self.c.clock(), policy=self.c.ingest_policy)
        assert result.accepted == 1, result.rejected

    def road_case(self, record_id: str, at: str, plate: str = "浙D12345") -> dict[str, Any]:
        self.at(at[:10], "23:00:00")
        case_id = self.approved_case(record_id, captured_at=f"{at}+08:00", plate=plate)
        page = self.call("boss", "GET", f"/parties/vehicle/{plate}").json()
        return {"id": case_id, "sources": [p["key"] for p in page["parties"]["source"]]}


@pytest.fixture
def desk(container: Container, clock: FixedClock) -> SourceDesk:
    return SourceDesk(container, clock)


def test_an_overloaded_truck_on_the_road_is_traced_to_its_source(desk: SourceDesk) -> None:
    desk.at("2026-11-20", "23:00:00")
    desk.depart("d1", "2026-11-20T06:00:00", 60320)  # left overloaded at 06:00
    desk.depart("d2", "2026-11-20T07:00:00", 45000, plate="浙D22222")  # left within the limit
    desk.depart("d3", "2026-11-20T07:30:00", 45000, plate="浙D33333")
    assert desk.road_case("r1", "2026-11-20T09:00:00")["sources"] == ["SX-SRC-001"]
    # within the limit when it left: it was loaded on the way, the source is not answerable
    assert desk.road_case("r2", "2026-11-20T09:10:00", plate="浙D22222")["sources"] == []
    # an overloaded departure more than 12 hours before: not traced
    desk.depart("d4", "2026-11-20T08:00:00", 60320, plate="浙D44444")
    assert desk.road_case("r3", "2026-11-20T20:00:01", plate="浙D44444")["sources"] == []

    stats = desk.call("boss", "GET", "/sources/stats?from=2026-11-20&to=2026-11-20").json()["sources"]
    assert [(s["code"], s["departures"], s["overloaded_departures"], s["road_cases"], s["connected"])
            for s in stats] == [("SX-SRC-001", 4, 2, 1, True), ("SX-SRC-009", 0, 0, 0, False)]
    listed = desk.call("boss", "GET", "/sources/SX-SRC-001/departures?from=2026-11-20&to=2026-11-20").json()
    assert [d["record_id"] for d in listed["departures"]] == ["d4", "d1"]
    assert desk.call("boss", "GET", "/sources/SX-SRC-404/departures?from=2026-11-20&to=2026-11-20").json()[
        "error"]["code"] == "source_not_found"
    # departures at a source's scale never wait for off-site review
    assert desk.call("zhang", "GET", "/reviews?station=SRC-KQ-001").json()["items"] == []
    assert len(desk.call("zhang", "GET", "/reviews?station=S1&state=approved").json()["items"]) == 3
