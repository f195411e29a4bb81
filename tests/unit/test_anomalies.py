"""Anomalies as tables: read rate, silent lanes, volume against the same weekday, axle mix, clock skew,
and which findings keep a device out of KPI 1's normal rate. Thresholds are exclusive: a figure exactly
at a threshold raises nothing."""

from __future__ import annotations

from dataclasses import replace
from datetime import date, timedelta
from typing import Any

import pytest

from zhichao.domain.anomalies import (
    BLOCKS_NORMAL,
    AnomalyPolicy,
    axle_mix,
    blocks_normal,
    clock,
    read_rate,
    silent_lanes,
    volume,
)
from zhichao.domain.quality import ALARM, WARN, DaySummary, Finding, empty

POLICY = AnomalyPolicy()
DAY = date(2026, 11, 25)  # a Wednesday


def summary(trucks: int = 0, plates: int = 0, lanes: dict[int, int] | None = None, **fields: Any) -> DaySummary:
    return replace(empty(DAY), trucks=trucks, plates_read=plates, lanes=lanes or {}, **fields)


def by_hour(per_hour: int, day: date = DAY) -> DaySummary:
    return replace(empty(day), trucks=24 * per_hour, hours=(per_hour,) * 24)


@pytest.mark.parametrize(
    ("trucks", "plates", "code"),
    [
        (0, 0, None),  # no data
        (99, 0, None),  # too few trucks to judge
        (100, 89, "read_rate_low"),
        (100, 90, None),  # exactly 90 %
        (1000, 899, "read_rate_low"),
        (1000, 1000, None),
    ],
)
def test_read_rate(trucks: int, plates: int, code: str | None) -> None:
    finding = read_rate(summary(trucks, plates), POLICY)
    assert (finding and finding.code) == code
    if finding:
        assert finding.level == WARN and finding.value == plates / trucks and finding.threshold == 0.9


def test_a_low_read_rate_is_explained_with_its_numbers() -> None:
    finding = read_rate(summary(1000, 850), POLICY)
    assert finding is not None
    assert finding.message.startswith("车牌识别率 85.0%（1 000 辆中识别 850 辆），低于 90%")


@pytest.mark.parametrize(
    ("lanes", "counts", "silent"),
    [
        (4, {}, None),  # no data at all: an online matter, not a lane
        (4, {1: 40, 2: 40, 3: 0}, [3, 4]),  # average exactly 20 per lane
        (4, {1: 40, 2: 39}, None),  # average 19.75
        (4, {1: 30, 2: 30, 3: 30, 4: 30}, None),
        (2, {1: 500}, [2]),
        (2, {1: 500, 5: 3}, [2]),  # a lane outside 1..lanes is not one of the station's
        (0, {1: 500}, None),
    ],
)
def test_silent_lanes(lanes: int, counts: dict[int, int], silent: list[int] | None) -> None:
    finding = silent_lanes(summary(sum(counts.values()), lanes=counts), lanes, POLICY)
    assert (finding and finding.detail["lanes"]) == silent
    if finding:
        assert (finding.code, finding.level, finding.value) == ("lane_silent", WARN, len(silent or []))
        assert "3 号、4 号" in finding.message or silent != [3, 4]


def weeks_before(*per_hour: int) -> list[DaySummary]:
    return [by_hour(n, DAY - timedelta(weeks=i + 1)) for i, n in enumerate(per_hour)]


@pytest.mark.parametrize(
    ("today_per_hour", "history", "upto_hour", "code"),
    [
        (20, weeks_before(20, 20, 20), 12, None),
        (9, weeks_before(20, 20, 20), 12, "volume_low"),  # 108 / 240
        (10, weeks_before(20, 20, 20), 12, None),  # exactly 50 %
        (40, weeks_before(20, 20, 20), 12, None),  # exactly 200 %
        (41, weeks_before(20, 20, 20), 12, "volume_high"),
        (0, weeks_before(20, 20), 24, "volume_low"),  # heartbeats but no records
        (0, weeks_before(20), 24, None),  # one same weekday is not enough history
        (0, weeks_before(20, 0, 0), 24, None),  # days without trucks are outages, not history
        (0, weeks_before(8, 8, 8), 24, None),  # expected 192 < 200
        (0, weeks_before(20, 20, 20), 0, None),  # no hour counted yet
        (0, [], 12, None),
        (5, weeks_before(20, 10, 30), 12, "volume_low"),  # median 240: 60 / 240
    ],
)
def test_volume_against_the_same_weekday(
    today_per_hour: int, history: list[DaySummary], upto_hour: int, code: str | None
) -> None:
    finding = volume(by_hour(today_per_hour), history, upto_hour, POLICY)
    assert (finding and finding.code) == code
    if finding:
        assert finding.level == WARN and finding.threshold in (0.5, 2.0)


def test_a_volume_finding_compares_the_same_hours_of_the_same_weekday() -> None:
    finding = volume(by_hour(9), weeks_before(20, 20, 20), 12, POLICY)
    assert finding is not None and finding.value == pytest.approx(0.45)
    assert finding.message.startswith("0–12 时过车 108 辆，为此前 3 个星期三同时段中位数 240 辆的 45%（低于 50%）")
    assert finding.detail == {"observed": 108, "expected": 240, "history_days": 3, "upto_hour": 12}


BASE_MIX = {2: 420, 3: 120, 4: 110, 5: 70, 6: 280}  # 1 000 trucks


@pytest.mark.parametrize(
    ("mix", "code"),
    [
        ({}, None),  # no data
        ({2: 299}, None),  # too few trucks
        (BASE_MIX, None),
        ({2: 570, 3: 120, 4: 110, 5: 70, 6: 130}, None),  # distance exactly 0.15
        ({2: 580, 3: 120, 4: 110, 5: 70, 6: 120}, "axle_mix_changed"),  # 0.16: six-axle trucks read as two-axle
        ({2: 420, 3: 120, 4: 110, 5: 70, 6: 120, 7: 160}, "axle_mix_changed"),  # a new count appears
    ],
)
def test_axle_mix_against_the_baseline(mix: dict[int, int], code: str | None) -> None:
    finding = axle_mix(summary(sum(mix.values()), axle_mix=mix), BASE_MIX, POLICY)
    assert (finding and finding.code) == code


def test_an_axle_mix_finding_names_the_biggest_changes() -> None:
    finding = axle_mix(summary(1000, axle_mix={2: 600, 3: 120, 4: 110, 5: 70, 6: 100}), BASE_MIX, POLICY)
    assert finding is not None and finding.value == pytest.approx(0.18)
    assert "二轴车占比 42% → 60%，六轴车占比 28% → 10%" in finding.message


def test_no_axle_mix_finding_without_a_baseline() -> None:
    assert axle_mix(summary(1000, axle_mix={2: 1000}), {}, POLICY) is None


@pytest.mark.parametrize(
    ("offset_s", "ahead", "max_ahead_s", "value"),
    [
        (None, 0, 0, None),
        (0.0, 0, 0, None),
        (120.0, 0, 0, None),  # exactly the tolerance
        (-120.0, 0, 0, None),
        (120.5, 0, 0, 120.5),
        (-300.0, 0, 0, -300.0),  # running behind shows only in the heartbeat
        (None, 5, 120, None),
        (None, 5, 121, 121.0),
        (10.0, 5, 400, 400.0),  # a good heartbeat does not hide records from the future
        (200.0, 5, 400, 200.0),  # the heartbeat wins when both are off
    ],
)
def test_clock_skew(offset_s: float | None, ahead: int, max_ahead_s: int, value: float | None) -> None:
    finding = clock(offset_s, summary(ahead=ahead, max_ahead_s=max_ahead_s), POLICY)
    assert (finding and finding.value) == value
    if finding:
        assert (finding.code, finding.level, finding.threshold) == ("clock_skew", WARN, 120)
        assert "秒" in finding.message and "NTP" in finding.message


def test_a_clock_running_behind_says_so() -> None:
    finding = clock(-300.0, empty(DAY), POLICY)
    assert finding is not None and finding.message.startswith(
        "设备时钟比服务器慢 300 秒（心跳报告），超过允许的 120 秒"
    )


@pytest.mark.parametrize(
    ("code", "level", "blocks"),
    [
        ("calibration_drift", ALARM, True),
        ("calibration_drift", WARN, False),
        ("peak_shift", WARN, False),
        ("paired_difference", WARN, False),
        ("read_rate_low", WARN, True),
        ("lane_silent", WARN, True),
        ("volume_low", WARN, True),
        ("volume_high", WARN, True),
        ("axle_mix_changed", WARN, False),
        ("clock_skew", WARN, False),
    ],
)
def test_which_findings_keep_a_device_out_of_the_normal_rate(code: str, level: str, blocks: bool) -> None:
    assert blocks_normal(Finding(code, level, 0.0, 0.0, "")) is blocks
    assert (code in BLOCKS_NORMAL) is (blocks and code != "calibration_drift")
