"""The evasion sweep on both databases: four hours of simulated traffic on five Shaoxing sites, with one case
of each kind injected by the simulator, ingested as stations send it; the sweep finds each case, little
else, and a second sweep adds nothing."""

from __future__ import annotations

import json
import random
from datetime import date, datetime, timedelta
from functools import cache
from pathlib import Path
from typing import Any

from sqlalchemy import func, select

from zhichao import background
from zhichao.adapters.db.tables import evasion_findings
from zhichao.bootstrap import Container
from zhichao.services import evasion as service
from zhichao.services.stations import import_network
from zhichao.simulation import evasion as inject
from zhichao.simulation.feed import feed_direct
from zhichao.simulation.traffic import SimStation, Traffic, load_sim_stations

NETWORK = json.loads((Path(__file__).resolve().parents[2] / "src" / "zhichao" / "data" /
                      "shaoxing_stations.json").read_text(encoding="utf-8"))
# four consecutive sites on G104 (4, 6.7 and 6 km apart) and one 65 km away on S212, alone on its road
# and in its county, so that through traffic never drives there
IDS = ("SX-YC-001", "SX-YC-002", "SX-YC-003", "SX-SY-005", "SX-XC-004")
SUBSET = {"stations": [s for s in NETWORK["stations"] if s["station_id"] in IDS]}
DAY = date(2026, 11, 25)


def at(hour: int, minute: int = 0, day: date = DAY) -> datetime:
    return datetime.fromisoformat(f"{day.isoformat()}T{hour:02d}:{minute:02d}:00+08:00")


@cache
def _stream() -> tuple[tuple[dict[str, object], ...], dict[str, list[dict[str, object]]]]:
    """The background traffic and the injected cases, by kind (made once for both databases)."""
    sims = {s.station_id: s for s in load_sim_stations(SUBSET)}
    yc1, yc2, yc3, sy5, xc4 = (sims[i] for i in IDS)
    traffic = Traffic(list(sims.values()), random.Random(7), outage_share=0.0, through_share=0.3)
    background = tuple(traffic.between(at(8), at(12)))
    around: list[SimStation] = [yc1, yc3]
    cases = {
        "cloned_plate": inject.cloned_plate(yc1, xc4, at(9)),  # 65 km in 10 minutes
        "cloned_axles": inject.cloned_axles(yc2, yc3, at(8, 30)),  # 2 axles, then 3, three hours later
        "covered_plate": inject.covered_plate(yc2, yc3, at(9, 20)),  # read at YC-002, unread at YC-003
        "detour": inject.detour(around, at(10, day=DAY - timedelta(days=3))),  # round YC-002 four days running
        "straddle": inject.straddle(sy5, at(9, 40)),
        "crawl": inject.crawl(yc1, at(9, 50)),
    }
    return background, cases


def _feed(c: Container) -> None:
    import_network(c.stations, SUBSET, now=c.clock())
    background, cases = _stream()
    totals = feed_direct(c.ingest_store, c.ingest_policy, [*background, *(r for rs in cases.values() for r in rs)],
                         c.clock)
    assert totals.rejected == 0


def _found(c: Container) -> list[dict[str, Any]]:
    return service.finding_list(c.evasion, DAY - timedelta(days=7), DAY, limit=5000)


def test_the_sweep_finds_every_injected_case_once(container: Container) -> None:
    c = container
    _feed(c)
    _, cases = _stream()
    counts = service.sweep(c.evasion, DAY, DAY, c.clock())
    found = _found(c)
    assert sum(counts.values()) == len(found)

    def one(kind: str, plate: str, station: str) -> dict[str, Any]:
        hits = [f for f in found if (f["kind"], f["plate"], f["station_id"]) == (kind, plate, station)]
        assert len(hits) == 1, (kind, plate, station, hits)
        return hits[0]

    clone = one("cloned_plate", inject.plate(1), "SX-YC-001")
    assert clone["details"]["reason"] == "too_fast" and clone["details"]["kmh"] > 300
    assert [p["record_id"] for p in clone["details"]["passages"]] == [
        r["record_id"] for r in cases["cloned_plate"]]
    assert one("cloned_plate", inject.plate(2, inject.RIGID_2), "SX-YC-002")["details"]["reason"] == "axles"

    covered = one("covered_plate", inject.plate(3), "SX-YC-003")
    assert covered["details"]["record_id"] == cases["covered_plate"][1]["record_id"]
    assert covered["details"]["candidate"]["record_id"] == cases["covered_plate"][0]["record_id"]

    detour = one("detour", inject.plate(4), "SX-YC-002")
    assert detour["details"]["days"] == 4
    assert [f["station_id"] for f in found if f["plate"] == inject.plate(4)] == ["SX-YC-002"]

    for kind in ("straddle", "crawl"):
        (record,) = cases[kind]
        hits = [f for f in found if f["kind"] == kind and f["details"]["record_id"] == record["record_id"]]
        assert len(hits) == 1 and hits[0]["plate"] == record["plate"]

    # the background: no other clone, few covered plates (through traffic a camera missed once: a true
    # pattern, for a person to dismiss); straddles and crawls are what the controllers reported
    injected = {inject.plate(n) for n in (1, 3, 4)} | {inject.plate(2, inject.RIGID_2)}
    others = [f for f in found if f["plate"] not in injected and f["kind"] in ("cloned_plate", "detour")]
    assert others == []
    assert len([f for f in found if f["kind"] == "covered_plate"]) <= 10

    # a second sweep adds nothing, nor do the background's (yesterday and today; detours apart)
    assert set(service.sweep(c.evasion, DAY, DAY, c.clock()).values()) == {0}
    assert background._sweep_evasion(c, False) == {k: 0 for k in ("cloned_plate", "covered_plate", "straddle",
                                                                  "crawl")}
    assert background._sweep_evasion(c, True) == {"detour": 0}
    with c.db.reader.connect() as conn:
        assert conn.execute(select(func.count()).select_from(evasion_findings)).scalar_one() == len(found)
