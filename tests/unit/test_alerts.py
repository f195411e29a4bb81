"""The live alert rules, the once-per-window rule, the handling of an alert and watches, as tables."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from zhichao.domain import alerts as A
from zhichao.domain.alerts import AlertPolicy, AlertRefused, Passage, PlateStanding, alerts_for, is_repeat
from zhichao.domain.watchlist import InvalidWatch, check_watch

T0 = datetime(2026, 11, 26, 6, 0, tzinfo=UTC)
TODAY = date(2026, 11, 26)
POLICY = AlertPolicy(overload_min_x100=3000, window=timedelta(minutes=30))
SHANGHAI = ZoneInfo("Asia/Shanghai")


def passage(*, plate: str = "浙D12345", gross: int = 40_000, limit: int = 49_000, rate: int = 0,
            actionable: bool = False, kind: str = "site", station: str = "SX-YC-001", at: datetime = T0,
            axles: int = 6, colour: str = "yellow", lat: float | None = 30.0, lon: float | None = 120.6) -> Passage:
    return Passage(station, "r1", plate, colour, at, axles, gross, limit, rate, actionable, kind, "330602", "测试站",
                   lat, lon)


NOTHING = PlateStanding()


def rules_of(p: Passage, standing: PlateStanding = NOTHING, previous: Passage | None = None) -> list[str]:
    return [a.rule for a in alerts_for(p, standing, previous, TODAY, POLICY)]


@pytest.mark.parametrize(("p", "expected"), [
    (passage(), []),
    (passage(plate=""), []),
    # actionable overloads alert from 30.00 % at enforcement sites (the setting), not below
    (passage(rate=2999, actionable=True), []),
    (passage(rate=3000, actionable=True), [A.OVERLOAD]),
    (passage(rate=3000, actionable=False), []),  # e.g. within the tolerance or a warning-only case
    (passage(rate=5000, actionable=True, kind="highway"), []),  # entrances turn trucks back on the spot
    # 百吨王 from 100 000 kg, at enforcement sites
    (passage(gross=99_999), []),
    (passage(gross=100_000), [A.GROSS_100T]),
    (passage(gross=100_000, kind="source"), []),
    (passage(gross=104_000, rate=11_200, actionable=True), [A.GROSS_100T, A.OVERLOAD]),
])
def test_passage_rules(p: Passage, expected: list[str]) -> None:
    assert rules_of(p) == expected


@pytest.mark.parametrize(("age", "live"), [
    (timedelta(0), True),
    (timedelta(minutes=30), True),
    (timedelta(minutes=30, seconds=1), False),  # a station uploading its history after an outage
    (-timedelta(minutes=2), True),  # a station clock a little ahead
])
def test_only_recent_passages_alert(age: timedelta, live: bool) -> None:
    assert A.is_live(T0 - age, T0, POLICY) is live


def test_severe_overload_is_more_urgent() -> None:
    [mild] = alerts_for(passage(rate=3000, actionable=True), PlateStanding(), None, TODAY, POLICY)
    [severe] = alerts_for(passage(rate=10_000, actionable=True), PlateStanding(), None, TODAY, POLICY)
    assert (mild.severity, severe.severity) == (2, 3)


@pytest.mark.parametrize(("standing", "expected"), [
    (PlateStanding(watch_reasons=((7, "涉嫌逃避检测"),)), [A.WATCHLIST]),
    (PlateStanding(listed_until=TODAY), [A.BLACKLISTED]),  # the last day on the list still counts
    (PlateStanding(listed_until=TODAY - timedelta(days=1)), []),
    (PlateStanding(unresolved_cases=1), [A.UNRESOLVED]),
    (PlateStanding(unresolved_cases=0), []),
    (PlateStanding(((1, "a"),), None, TODAY, 2), [A.WATCHLIST, A.BLACKLISTED, A.UNRESOLVED]),
])
def test_standing_rules(standing: PlateStanding, expected: list[str]) -> None:
    assert rules_of(passage(kind="highway"), standing) == expected


@pytest.mark.parametrize(("area", "expected"), [
    (None, {A.WATCHLIST: None, A.GROSS_100T: "330602"}),  # a city-wide watch: every officer on duty
    ("330603", {A.WATCHLIST: "330603", A.GROSS_100T: "330602"}),  # the watch's area, wherever the truck is
])
def test_whose_officers_an_alert_goes_to(area: str | None, expected: dict[str, str | None]) -> None:
    found = alerts_for(passage(gross=101_000), PlateStanding(((7, "r"),), area), None, TODAY, POLICY)
    assert {a.rule: a.county_code for a in found} == expected


def test_watch_alert_carries_the_reasons() -> None:
    [alert] = alerts_for(passage(), PlateStanding(watch_reasons=((7, "涉嫌逃避检测"),)), None, TODAY, POLICY)
    assert alert.details["watches"] == [{"id": 7, "reason": "涉嫌逃避检测"}]
    assert alert.severity == 4 and "布控车辆 浙D12345" in alert.title


# SX-YC-001 (30.00888, 120.62952) to a point 0.5° further north: about 55.6 km in a straight line
FAR = dict(station="FAR", lat=30.50888, lon=120.62952)


@pytest.mark.parametrize(("earlier", "current", "expected"), [
    (passage(at=T0 - timedelta(minutes=10), **FAR), passage(), [A.CLONED]),  # 55 km in 10 min: 333 km/h
    (passage(at=T0 - timedelta(minutes=60), **FAR), passage(), []),  # 55 km/h
    (passage(at=T0 - timedelta(minutes=60), axles=3), passage(axles=4), [A.CLONED]),  # a rigid truck
    (passage(at=T0 - timedelta(minutes=60), axles=5), passage(axles=6), []),  # a tractor changes trailers
    (passage(at=T0 - timedelta(minutes=60), colour="blue"), passage(), [A.CLONED]),
    (passage(at=T0 - timedelta(minutes=60), colour="unknown"), passage(), []),
    (passage(at=T0 - timedelta(minutes=1), lat=None, lon=None, station="NOPOS"), passage(), []),  # no position
])
def test_cloned_plate(earlier: Passage, current: Passage, expected: list[str]) -> None:
    found = alerts_for(current, PlateStanding(), earlier, TODAY, POLICY)
    assert [a.rule for a in found] == expected
    if found:
        assert found[0].details["earlier"]["station_id"] == earlier.station_id


@pytest.mark.parametrize(("last", "at", "repeat"), [
    (None, T0, False),
    (T0, T0 + timedelta(minutes=29, seconds=59), True),
    (T0, T0 + timedelta(minutes=30), False),
    (T0, T0 - timedelta(minutes=5), True),  # a batch that arrives late is covered too
])
def test_once_per_window(last: datetime | None, at: datetime, repeat: bool) -> None:
    assert is_repeat(last, at, timedelta(minutes=30)) is repeat


OFFICER, OTHER, LEADER = 11, 12, 13


@pytest.mark.parametrize(("action", "state", "role", "user", "assigned", "kwargs", "to_state"), [
    ("ack", "open", "officer", OFFICER, None, {}, "acked"),
    ("assign", "open", "leader", LEADER, None, {"officer_id": OFFICER}, "dispatched"),
    ("assign", "acked", "officer", OTHER, None, {"officer_id": OFFICER}, "dispatched"),
    ("assign", "dispatched", "leader", LEADER, OFFICER, {"officer_id": OTHER}, "dispatched"),
    ("accept", "dispatched", "officer", OFFICER, OFFICER, {}, "accepted"),
    ("resolve", "accepted", "officer", OFFICER, OFFICER, {"outcome": "intercepted"}, "resolved"),
    ("resolve", "open", "leader", LEADER, None, {"outcome": "false_alarm", "note": "称重设备抖动"}, "resolved"),
])
def test_allowed_moves(action: str, state: str, role: str, user: int, assigned: int | None,
                       kwargs: dict[str, object], to_state: str) -> None:
    assert A.act(action, state, role, user, assigned, **kwargs).to_state == to_state  # type: ignore[arg-type]


@pytest.mark.parametrize(("action", "state", "role", "user", "assigned", "kwargs", "code"), [
    ("ack", "acked", "officer", OFFICER, None, {}, "alert_state"),
    ("ack", "open", "reviewer", OFFICER, None, {}, "role_forbidden"),
    ("ack", "open", "partner", OFFICER, None, {}, "role_forbidden"),
    ("accept", "dispatched", "officer", OTHER, OFFICER, {}, "not_assignee"),
    ("accept", "open", "officer", OFFICER, None, {}, "alert_state"),
    ("assign", "open", "leader", LEADER, None, {}, "officer_required"),
    ("assign", "resolved", "leader", LEADER, None, {"officer_id": OFFICER}, "alert_state"),
    ("resolve", "accepted", "officer", OFFICER, OFFICER, {"outcome": "done"}, "invalid_outcome"),
    ("resolve", "accepted", "officer", OTHER, OFFICER, {"outcome": "intercepted"}, "not_assignee"),
    ("resolve", "resolved", "leader", LEADER, None, {"outcome": "intercepted"}, "alert_state"),
    ("resolve", "open", "leader", LEADER, None, {"outcome": "intercepted", "note": "x" * 501}, "note_too_long"),
    ("close", "open", "leader", LEADER, None, {}, "unknown_action"),
])
def test_refused_moves(action: str, state: str, role: str, user: int, assigned: int | None,
                       kwargs: dict[str, object], code: str) -> None:
    with pytest.raises(AlertRefused) as refused:
        A.act(action, state, role, user, assigned, **kwargs)  # type: ignore[arg-type]
    assert refused.value.code == code and refused.value.message


def test_watch_ends_at_the_end_of_its_last_day() -> None:
    watch = check_watch(" 浙d·12345 ", " 涉嫌套牌 ", date(2026, 12, 31), None, TODAY, SHANGHAI)
    assert (watch.plate, watch.reason) == ("浙D12345", "涉嫌套牌")
    assert watch.ends_at == datetime(2027, 1, 1, tzinfo=SHANGHAI)


@pytest.mark.parametrize(("plate", "reason", "ends_on", "county", "code"), [
    ("浙D1234", "r", TODAY, None, "invalid_plate"),
    ("", "r", TODAY, None, "invalid_plate"),
    ("无牌", "r", TODAY, None, "invalid_plate"),
    ("浙D12345", "  ", TODAY, None, "reason_required"),
    ("浙D12345", "x" * 201, TODAY, None, "reason_too_long"),
    ("浙D12345", "r", TODAY - timedelta(days=1), None, "invalid_end"),
    ("浙D12345", "r", TODAY + timedelta(days=367), None, "invalid_end"),
    ("浙D12345", "r", TODAY, "3306", "invalid_county"),
])
def test_refused_watches(plate: str, reason: str, ends_on: date, county: str | None, code: str) -> None:
    with pytest.raises(InvalidWatch) as refused:
        check_watch(plate, reason, ends_on, county, TODAY, SHANGHAI)
    assert refused.value.code == code
