"""KPI 1 through the service on real databases: device-days as the quality sweep stores them, repair days
from tickets, stopped stations and a county filter, against numbers worked out by hand."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest

from tests.conftest import FixedClock
from zhichao.adapters.db.tables import repair_tickets
from zhichao.bootstrap import Container
from zhichao.domain.quality import empty
from zhichao.services.stations import add_station

NOW = datetime(2026, 11, 26, 2, 0, tzinfo=UTC)  # 10:00 on 26 November in Shaoxing


def _day(station_id: str, day: date, online: bool) -> dict[str, object]:
    return {"station_id": station_id, "day": day, "trucks": 100 if online else 0, "summary": empty(day).to_json(),
            "pairs": {}, "online": online, "complete": True, "computed_at": NOW}


@pytest.fixture
def kpi_container(container: Container, clock: FixedClock) -> Container:
    """Four sites and a highway scale, 1–10 November:

    - A (越城区): online every day, normal on 8;
    - B (越城区): online on 1–3 and 7–10; a repair ticket from 4 November 09:00 to 6 November 18:00
      (local) excludes 4, 5 and 6; normal on 1–3 and 7–9;
    - C (诸暨市): opened on 6 November, online on 6–9, normal on 6–9;
    - D (诸暨市): stopped, excluded whole;
    - H: a highway entrance scale, not an enforcement site, never counted."""
    clock.now = NOW
    c = container
    for sid, county, state, kind, opened in (("A", "330602", "enabled", "site", None),
                                             ("B", "330602", "enabled", "site", None),
                                             ("C", "330681", "enabled", "site", date(2026, 11, 6)),
                                             ("D", "330681", "stopped", "site", None),
                                             ("H", "330602", "enabled", "highway", None)):
        add_station(c.stations, sid, f"站 {sid}", 2, now=NOW, county_code=county, state=state, kind=kind,
                    extra={"opened_on": opened})
    flags = [(sid, date(2026, 11, d), online, normal) for d in range(1, 11) for sid, online, normal in (
        ("A", True, d <= 8), ("B", d not in (4, 5, 6), d in (1, 2, 3, 7, 8, 9)), ("D", True, True), ("H", True, True))]
    flags += [("C", date(2026, 11, d), d <= 9, d <= 9) for d in range(6, 11)]
    repo = c.devices.ctx.repo
    repo.save_days([_day(sid, day, online) for sid, day, online, _ in flags])
    for sid, day, _, normal in flags:
        repo.set_day_findings(sid, day, {"normal": normal})
    with c.db.writer.begin() as conn:
        conn.execute(repair_tickets.insert().values(
            station_id="B", state="closed", fault="线圈损坏", opened_at=datetime(2026, 11, 4, 1, 0, tzinfo=UTC),
            opened_by="执法员", closed_at=datetime(2026, 11, 6, 10, 0, tzinfo=UTC), closed_by="管理员", version=3))
    return c


def test_kpi_1_for_the_city_matches_the_hand_computed_numbers(kpi_container: Container) -> None:
    online, normal = kpi_container.devices.kpis(date(2026, 11, 1), date(2026, 11, 10), None, NOW)
    # expected device-days: A 10 + B 7 + C 5 = 22; online 10 + 7 + 4 = 21; normal 8 + 6 + 4 = 18
    assert (online.numerator, online.denominator) == (21, 22)
    assert (normal.numerator, normal.denominator) == (18, 22)
    assert online.value == pytest.approx(21 / 22) and normal.value == pytest.approx(18 / 22)
    assert {(e.station_id, e.reason, e.days) for e in online.excluded} == {
        ("B", "repair", 3), ("C", "not_opened", 5), ("D", "stopped", 10)}


@pytest.mark.parametrize(("county", "online", "normal", "expected"), [
    ("330602", 17, 14, 17),  # A and B
    ("330681", 4, 4, 5),  # C (D stopped)
    ("330624", 0, 0, 0),  # no station: no value, never a division by zero
])
def test_kpi_1_per_county(kpi_container: Container, county: str, online: int, normal: int, expected: int) -> None:
    on, ok = kpi_container.devices.kpis(date(2026, 11, 1), date(2026, 11, 10), county, NOW)
    assert (on.numerator, ok.numerator, on.denominator) == (online, normal, expected)
    assert (on.value is None) == (expected == 0)


def test_an_open_ticket_excludes_every_day_up_to_yesterday(kpi_container: Container) -> None:
    kpi_container.devices.open_ticket("A", "站点断电", "执法员 王磊", NOW - timedelta(days=2))  # 24 Nov, 10:00
    online, _ = kpi_container.devices.kpis(date(2026, 11, 20), date(2026, 11, 30), "330602", NOW)
    # 20–25 November counted (today and later are not); A under repair on 24 and 25; no data on any day
    assert ("A", "repair", 2) in {(e.station_id, e.reason, e.days) for e in online.excluded}
    assert online.denominator == 6 + 4  # B six days, A four
