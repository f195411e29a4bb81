"""Station health and certificate status as tables (domain/device_health.py)."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest

from zhichao.domain.device_health import (
    HealthPolicy,
    assess,
    certificate_reminder,
    certificate_status,
    certificate_valid_on,
)

NOW = datetime(2026, 11, 26, 12, 0, tzinfo=UTC)
POLICY = HealthPolicy(interval=timedelta(seconds=60), grace=timedelta(minutes=10), data_quiet=timedelta(hours=1))


def ago(seconds: float | None) -> datetime | None:
    return None if seconds is None else NOW - timedelta(seconds=seconds)


@pytest.mark.parametrize(("heartbeat", "record", "state", "reason"), [
    (None, None, "down", "never_seen"),
    (10, 30, "up", None),
    (120, 30, "up", None),  # exactly two intervals: still up
    (121, 600, "late", "heartbeat_late"),
    (None, 121, "late", "heartbeat_late"),  # records alone are signs of life
    (660, 660, "late", "heartbeat_late"),  # exactly interval + grace: late
    (661, None, "down", "silent"),
    (661, 5000, "down", "silent"),
    (30, 3600, "up", None),  # no record for exactly data_quiet: still up
    (30, 3601, "late", "no_data"),
    (30, None, "late", "no_data"),  # alive but never sent a record
    (None, 700, "down", "silent"),
])
def test_health(heartbeat: float | None, record: float | None, state: str, reason: str | None) -> None:
    health = assess(NOW, ago(heartbeat), ago(record), POLICY)
    assert (health.state, health.reason) == (state, reason)


def test_station_interval_and_grace_override_the_defaults() -> None:
    slow = POLICY.with_station(300, 3600)
    assert assess(NOW, ago(700), ago(700), slow).state == "late"
    assert assess(NOW, ago(3901), ago(3901), slow).state == "down"
    assert POLICY.with_station(None, None) == POLICY


@pytest.mark.parametrize(("valid_from", "valid_to", "today", "status"), [
    (None, date(2027, 1, 1), date(2026, 11, 26), "missing"),
    (date(2026, 1, 1), None, date(2026, 11, 26), "missing"),
    (date(2026, 12, 1), date(2027, 11, 30), date(2026, 11, 26), "not_yet"),
    (date(2026, 1, 1), date(2026, 12, 27), date(2026, 11, 26), "valid"),  # 31 days left
    (date(2026, 1, 1), date(2026, 12, 26), date(2026, 11, 26), "expiring"),  # 30 days left
    (date(2026, 1, 1), date(2026, 11, 26), date(2026, 11, 26), "expiring"),  # the last valid day
    (date(2026, 1, 1), date(2026, 11, 25), date(2026, 11, 26), "expired"),
])
def test_certificate_status(valid_from: date | None, valid_to: date | None, today: date, status: str) -> None:
    assert certificate_status(valid_from, valid_to, today) == status


@pytest.mark.parametrize(("valid_to", "today", "reminder"), [
    (None, date(2026, 11, 26), None),
    (date(2026, 12, 27), date(2026, 11, 26), None),  # 31 days left
    (date(2026, 12, 26), date(2026, 11, 26), "30"),
    (date(2026, 12, 4), date(2026, 11, 26), "30"),  # 8 days left
    (date(2026, 12, 3), date(2026, 11, 26), "7"),
    (date(2026, 11, 26), date(2026, 11, 26), "7"),
    (date(2026, 11, 25), date(2026, 11, 26), "expired"),
])
def test_certificate_reminder(valid_to: date | None, today: date, reminder: str | None) -> None:
    assert certificate_reminder(valid_to, today) == reminder


@pytest.mark.parametrize(("day", "valid"), [
    (date(2025, 12, 31), False), (date(2026, 1, 1), True), (date(2026, 12, 31), True), (date(2027, 1, 1), False)])
def test_certificate_valid_on(day: date, valid: bool) -> None:
    assert certificate_valid_on(date(2026, 1, 1), date(2026, 12, 31), day) is valid
    assert certificate_valid_on(None, date(2026, 12, 31), day) is False
