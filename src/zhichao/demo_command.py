"""The command centre in the demo: the officer on duty, two watches, one case of each evasion in the recent
history (found by the sweep at start), and a month of inspections for KPI 2.

Everything goes through the services, as a person or a station would do it, and nothing is done twice when
a demo is restarted on its data directory.
"""

from __future__ import annotations

import random
from collections.abc import Mapping, Sequence
from datetime import datetime, timedelta
from typing import Any

from zhichao.bootstrap import Container
from zhichao.services import alerts, evasion
from zhichao.services.inspections import InspectionRequest, record_inspection
from zhichao.services.ports import User
from zhichao.simulation import evasion as inject
from zhichao.simulation.feed import feed_direct
from zhichao.simulation.traffic import SimStation, load_sim_stations

# Four consecutive sites on G104 and one 65 km away on S212 (as in tests/integration/test_evasion.py).
YC1, YC2, YC3, SY5, XC4 = "SX-YC-001", "SX-YC-002", "SX-YC-003", "SX-SY-005", "SX-XC-004"
WATCH_REASONS = ("疑似套牌：两地同时出现", "多次超限未接受处理，交警协查")
INSPECTIONS = 24  # in the last 30 days: about 60 % on the phone, the rest entered at the desk
HANDHELD_SHARE = 0.6


def evasion_cases(stations: Mapping[str, SimStation], now: datetime) -> list[dict[str, object]]:
    """One case of each evasion in the hours and days before ``now``."""
    yc1, yc2, yc3, sy5, xc4 = (stations[i] for i in (YC1, YC2, YC3, SY5, XC4))
    hours = now - timedelta(hours=6)
    return [*inject.cloned_plate(yc1, xc4, hours), *inject.cloned_axles(yc2, yc3, hours - timedelta(hours=4)),
            *inject.covered_plate(yc2, yc3, hours + timedelta(hours=1)),
            *inject.detour([yc1, yc3], now - timedelta(days=4, hours=2)),
            *inject.straddle(sy5, hours + timedelta(hours=2)), *inject.crawl(yc1, hours + timedelta(hours=3))]


def set_up(c: Container, users: Mapping[str, User], network: Mapping[str, Any]) -> str:
    """Put the command centre's demo in place (once); a line for the console banner."""
    now = c.clock()
    officer, leader = users["officer"], users["leader"]
    if alerts.watches(c.alerts, now, active=False, limit=1):
        return ""
    alerts.set_duty(c.alerts, officer, True, None, now)
    stations = {s.station_id: s for s in load_sim_stations(network)}
    cases = evasion_cases(stations, now)
    feed_direct(c.ingest_store, c.ingest_policy, sorted(cases, key=lambda r: str(r["captured_at"])), c.clock)
    today = now.astimezone(c.alerts.tz).date()
    for plate, reason in zip((inject.plate(1), inject.plate(3)), WATCH_REASONS, strict=True):
        alerts.add_watch(c.alerts, officer, plate, reason, today + timedelta(days=30), None, now, "demo")
    # the cloned plate passes again now: the screen and the officer's phone get the watch's alert at once
    again = inject.passage(stations[YC2], now - timedelta(minutes=1), "C1now", inject.vehicle(1))
    feed_direct(c.ingest_store, c.ingest_policy, [again], c.clock)
    found = evasion.sweep(c.evasion, today - timedelta(days=6), today, now)
    _inspections(c, (officer, leader), now)
    return (f"  指挥中心示例：{users['officer'].display_name} 在岗，布控 {len(WATCH_REASONS)} 辆，"
            f"逃避检测发现 {sum(found.values())} 条，近 30 天现场检查 {INSPECTIONS} 条")


def _inspections(c: Container, staff: Sequence[User], now: datetime) -> None:
    rng = random.Random(2019)
    places = (("SX-YC-001", "G104 越城东湖 治超检测点"), ("SX-KQ-002", "G329 柯桥 卸载场"),
              ("SX-SY-005", "S212 上虞 治超检测点"))
    for n in range(INSPECTIONS):
        handheld = rng.random() < HANDHELD_SHARE
        station, place = places[n % len(places)]
        at = now - timedelta(days=rng.uniform(0.2, 6.8 if handheld else 29.5))
        weight = rng.choice((None, rng.randint(38_000, 62_000)))
        result = "compliant" if weight is None or weight <= 49_000 else rng.choice(("unloaded", "overload_case"))
        req = InspectionRequest(client_id=f"demo-inspection-{n:03d}", plate=f"浙D{rng.randint(10000, 99999)}",
                                place=place, inspected_at=at, result=result,
                                channel="handheld" if handheld else "desk", measured_weight_kg=weight,
                                station_id=station if c.stations.get(station) else None)
        record_inspection(c.inspections, staff[n % len(staff)], req, from_mobile=handheld, now=now, origin="demo")
