"""Calibration drift as tables: the MPE of a class, the baseline, the window and its widening, the warn and
alarm thresholds, gross peaks as supporting evidence, and a synthetic slow drift caught in time."""

from __future__ import annotations

import random
from collections.abc import Iterable, Sequence
from dataclasses import replace
from datetime import date, timedelta

import pytest

from zhichao.domain.drift import (
    ALARM,
    WARN,
    Baseline,
    DriftPolicy,
    baseline,
    drift,
    mpe_pct,
)
from zhichao.domain.histograms import add
from zhichao.domain.quality import GROSS_BIN_KG, STEER_BIN_KG, DaySummary, empty

# the tables are written for these numbers; the defaults (documented on DriftPolicy) are checked on simulated
# traffic in tests/integration/test_device_quality.py
POLICY = DriftPolicy(window_days=2, min_samples=300, min_samples5=150, peak_min_samples=200)
VERIFIED = date(2026, 10, 1)


def hist(values: Iterable[float], width: float) -> dict[int, int]:
    h: dict[int, int] = {}
    for v in values:
        add(h, v, width)
    return h


def grid(n: int, scale: float = 1.0, centre: float = 7000, spread: float = 1000, phase: float = 0.5) -> list[float]:
    """``n`` steering-axle weights spread evenly over centre ± spread, times ``scale``; days given
    different phases interleave, so a window's values are dense (as thousands of real trucks are)."""
    return [(centre - spread + 2 * spread * (i + phase) / n) * scale for i in range(n)]


def phase(k: int) -> float:
    return (k * 0.37) % 1


def day(k: int, steer6: Sequence[float] = (), steer5: Sequence[float] = (), gross6: Sequence[float] = ()) -> DaySummary:
    trucks = max(len(steer6) + len(steer5), len(gross6), 1)
    return replace(
        empty(VERIFIED + timedelta(days=k)),
        trucks=trucks,
        steer6=hist(steer6, STEER_BIN_KG),
        steer5=hist(steer5, STEER_BIN_KG),
        gross6=hist(gross6, GROSS_BIN_KG),
        axle_mix={6: len(steer6), 5: len(steer5)},
    )


def honest_base(per_day: int = 200) -> Baseline:
    base = baseline([day(k, grid(per_day, phase=phase(k))) for k in range(3)], POLICY)
    assert base is not None
    return base


@pytest.mark.parametrize(
    ("text", "mpe"),
    [
        ("5", 5.0),
        ("5级", 5.0),
        (" 5 级 ", 5.0),
        ("class 5", 5.0),
        ("Class 0.5", 0.5),
        ("0.5", 0.5),
        ("0.2级", 0.2),
        ("1", 1.0),
        ("2", 2.0),
        ("10级", 10.0),
        ("准确度等级 2级", 2.0),
        ("５级", 5.0),  # full-width digit
        ("3", None),
        ("A", None),
        ("", None),
        (None, None),
    ],
)
def test_the_in_service_mpe_is_the_class_number_in_percent(text: str | None, mpe: float | None) -> None:
    assert mpe_pct(text) == mpe


def test_the_baseline_pools_the_first_days_with_data_after_the_verification() -> None:
    days = [day(0, grid(150)), replace(empty(VERIFIED + timedelta(days=1))), day(2, grid(150)), day(3, grid(150))]
    base = baseline(days + [day(9, grid(500, 1.1))], POLICY)
    assert base is not None
    assert (base.first_day, base.last_day, base.steer6_n) == (VERIFIED, VERIFIED + timedelta(days=3), 450)
    assert base.steer6_median == pytest.approx(7000, abs=5)
    assert base.steer5_median is None and base.trucks == 450


@pytest.mark.parametrize(
    ("per_day", "days_given", "days_used"),
    [
        (100, 3, 3),  # exactly min_samples in baseline_days
        (60, 5, 5),  # extended day by day until 300
        (60, 4, None),  # not enough yet
        (500, 2, None),  # fewer than baseline_days days with data
    ],
)
def test_the_baseline_is_extended_until_enough_six_axle_trucks(
    per_day: int, days_given: int, days_used: int | None
) -> None:
    base = baseline([day(k, grid(per_day)) for k in range(days_given)], POLICY)
    if days_used is None:
        assert base is None
    else:
        assert base is not None and (base.last_day - base.first_day).days + 1 == days_used


def test_the_baseline_falls_back_on_loaded_five_axle_trucks() -> None:
    base = baseline([day(k, grid(20), grid(50, centre=6500)) for k in range(3)], POLICY)
    assert base is not None
    assert base.steer6_median is None and base.steer6_n == 60
    assert base.steer5_median == pytest.approx(6500, abs=5) and base.steer5_n == 150


@pytest.mark.parametrize(
    ("true_pct", "mpe", "level", "threshold"),
    [
        (0.0, 5.0, None, None),
        (1.0, 5.0, None, None),
        (2.4, 5.0, None, None),
        (2.6, 5.0, WARN, 2.5),
        (-3.0, 5.0, WARN, 2.5),
        (4.9, 5.0, WARN, 2.5),
        (5.2, 5.0, ALARM, 5.0),
        (-5.2, 5.0, ALARM, 5.0),
        (0.8, 2.0, None, None),
        (1.2, 2.0, WARN, 1.0),
        (-1.2, 2.0, WARN, 1.0),
        (2.3, 2.0, ALARM, 2.0),
        (8.0, 10.0, WARN, 5.0),
    ],
)
def test_drift_beyond_half_the_mpe_warns_and_beyond_the_mpe_alarms(
    true_pct: float, mpe: float, level: str | None, threshold: float | None
) -> None:
    recent = [day(k, grid(200, 1 + true_pct / 100, phase=phase(k))) for k in (10, 11)]
    reading, findings = drift(honest_base(), recent, mpe, POLICY)
    assert reading is not None
    assert reading.pct == pytest.approx(true_pct, abs=0.05)
    assert (reading.basis, reading.n, reading.first_day, reading.last_day) == (
        "steer6",
        400,
        recent[0].day,
        recent[1].day,
    )
    assert [(f.code, f.level, f.threshold) for f in findings] == (
        [] if level is None else [("calibration_drift", level, threshold)]
    )


def test_a_warning_says_what_was_measured_in_chinese() -> None:
    _, [finding] = drift(honest_base(), [day(k, grid(200, 1.028, phase=phase(k))) for k in (10, 11)], 5.0, POLICY)
    assert finding.message == (
        "标定漂移 +2.8%（2026-10-11 至 2026-10-12 共 400 辆重载六轴车转向轴中位数 7 195 kg，基线 7 000 kg），"
        "超过最大允许误差 ±5% 的一半，请关注并安排现场核查。"
    )
    assert finding.detail["basis"] == "steer6" and finding.value == pytest.approx(2.8, abs=0.05)


def test_too_few_samples_even_over_the_widest_window_give_no_reading() -> None:
    recent = [day(k, grid(40, 1.1)) for k in range(10, 17)]  # 7 × 40 = 280 < 300
    assert drift(honest_base(), recent, 5.0, POLICY) == (None, [])


@pytest.mark.parametrize(("per_day", "width"), [(150, 2), (100, 3), (60, 5), (43, 7)])
def test_the_window_widens_back_until_min_samples(per_day: int, width: int) -> None:
    recent = [day(k, grid(per_day, 1.0 if k < 20 else 1.03)) for k in range(10, 30)]
    reading, _ = drift(honest_base(), recent, 5.0, POLICY)
    assert reading is not None
    assert (reading.last_day - reading.first_day).days + 1 == width
    assert reading.n == per_day * width


def test_the_window_counts_calendar_days_so_a_gap_in_the_data_widens_it() -> None:
    # 14–15: 250 trucks; back to 12 still 250; day 11 brings it to 450 (a 5-day window)
    recent = [day(10, grid(200)), day(11, grid(200)), day(14, grid(150)), day(15, grid(100))]
    reading, _ = drift(honest_base(), recent, 5.0, POLICY)
    assert reading is not None
    assert reading.first_day == VERIFIED + timedelta(days=11) and reading.n == 450


def test_days_inside_the_baseline_are_not_part_of_the_window() -> None:
    base = honest_base()
    reading, _ = drift(base, [day(2, grid(1000, 1.2)), day(10, grid(300, 1.01))], 5.0, POLICY)
    assert reading is not None and reading.n == 300 and reading.pct == pytest.approx(1.0, abs=0.05)


def test_loaded_five_axle_trucks_stand_in_when_six_axle_trucks_are_too_few() -> None:
    base = baseline([day(k, grid(120), grid(60, centre=6500)) for k in range(3)], POLICY)
    assert base is not None and base.steer6_median is not None and base.steer5_median is not None
    recent = [day(k, grid(20), grid(40, 1.06, centre=6500)) for k in range(10, 14)]
    reading, [finding] = drift(base, recent, 5.0, POLICY)
    assert reading is not None and reading.basis == "steer5" and reading.n == 160
    assert finding.level == ALARM and "重载五轴车转向轴" in finding.message


def gross6(rng: random.Random, n: int, empty_kg: float, loaded_kg: float) -> list[float]:
    return [rng.gauss(empty_kg, 500) if i % 3 == 0 else rng.gauss(loaded_kg, 800) for i in range(n)]


@pytest.mark.parametrize(
    ("loaded_scale", "mpe", "shifted"),
    [
        (1.00, 5.0, False),
        (1.00, 2.0, False),
        (1.04, 5.0, False),
        (0.93, 5.0, True),
        (1.08, 5.0, True),
        (1.04, 2.0, True),
    ],
)
def test_a_moved_gross_peak_is_a_warning_never_an_alarm(loaded_scale: float, mpe: float, shifted: bool) -> None:
    rng = random.Random(11)
    base = baseline([day(k, grid(200), gross6=gross6(rng, 900, 16_000, 46_000)) for k in range(3)], POLICY)
    assert base is not None and base.empty6_peak is not None and base.loaded6_peak is not None
    recent = [day(k, grid(200), gross6=gross6(rng, 900, 16_000, 46_000 * loaded_scale)) for k in (10, 11)]
    reading, findings = drift(base, recent, mpe, POLICY)
    assert reading is not None and abs(reading.pct) < 0.1
    assert [(f.code, f.level) for f in findings] == ([("peak_shift", WARN)] if shifted else [])


def test_peaks_need_peak_min_samples_on_both_sides() -> None:
    rng = random.Random(5)
    base = baseline([day(k, grid(200), gross6=gross6(rng, 900, 16_000, 46_000)) for k in range(3)], POLICY)
    assert base is not None
    recent = [day(k, grid(200), gross6=gross6(rng, 150, 16_000, 40_000)) for k in (10, 11)]  # 200 loaded, 100 empty
    _, findings = drift(base, recent, 5.0, POLICY)
    assert [f.code for f in findings] == ["peak_shift"]
    assert [s["side"] for s in findings[0].detail["sides"]] == ["loaded"]
    assert "满载峰值由 46 250 kg 移至" in findings[0].message


def synthetic_days(seed: int, slope_pct_per_day: float, days: int = 45, per_day: int = 400) -> list[DaySummary]:
    """Six-axle steering axles (7 t ± 5 % between trucks, ± 4 % WIM error, 10 kg steps), honest for the
    three baseline days, then drifting linearly by ``slope_pct_per_day``."""
    rng = random.Random(seed)
    out = []
    for k in range(days):
        scale = 1 + max(0, k - 2) * slope_pct_per_day / 100
        weights = [round(rng.gauss(7000, 350) * rng.gauss(1, 0.04) * scale / 10) * 10 for _ in range(per_day)]
        out.append(day(k, weights))
    return out


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_a_slow_drift_of_3_percent_in_14_days_warns_before_5_percent_and_not_before_1_5(seed: int) -> None:
    slope = 3 / 14
    days = synthetic_days(seed, slope)
    base = baseline(days, POLICY)
    assert base is not None and base.last_day == days[2].day
    first: dict[str, float] = {}
    for end in range(4, len(days)):
        _, findings = drift(base, days[3 : end + 1], 5.0, POLICY)
        true_pct = (end - 2) * slope
        for f in findings:
            first.setdefault(f.level, true_pct)
    assert 1.5 < first[WARN] < 5.0
    assert first[ALARM] > 4.0


def test_an_honest_station_raises_nothing_for_six_weeks() -> None:
    days = synthetic_days(9, 0.0)
    base = baseline(days, POLICY)
    assert base is not None
    for end in range(4, len(days)):
        reading, findings = drift(base, days[3 : end + 1], 5.0, POLICY)
        assert reading is not None and abs(reading.pct) < 1.0 and findings == []
