"""Calibration drift of a WIM station from its own traffic (pure).

Self-calibration: the steering axle of a six-axle articulated truck (1+2+3) weighs about the same
whatever the truck carries, so the median of thousands of them is a fixed reference; when the station's
median moves away from the one it measured just after its verification, its scale has moved. Loaded
five-axle trucks are the fallback where six-axle traffic is thin. The empty and loaded peaks of the
six-axle gross histogram are supporting evidence only (the load mix moves them too).

The paired comparison with neighbouring stations is in ``domain/paired.py``.

Thresholds are shares of the device's in-service maximum permissible error (``mpe_pct``).
docs/data-quality.md explains each choice and the limits of both methods.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, timedelta

from zhichao.domain import histograms
from zhichao.domain.quality import (
    ALARM,
    GROSS_BIN_KG,
    STEER_BIN_KG,
    WARN,
    DaySummary,
    Finding,
    share_text,
    thousands,
)

__all__ = [  # Finding, WARN and ALARM are defined in quality (no import cycle) and offered here too
    "ACCURACY_CLASSES",
    "ALARM",
    "GROSS6_SPLIT_KG",
    "WARN",
    "Baseline",
    "DriftPolicy",
    "DriftReading",
    "Finding",
    "baseline",
    "drift",
    "mpe_pct",
]

# JJG 907-2006 accuracy classes of dynamic highway vehicle scales.
ACCURACY_CLASSES = (0.2, 0.5, 1.0, 2.0, 5.0, 10.0)
# Between the empty six-axle peak (tare 14.5–18 t) and the loaded one (40–49 t); on a bin edge.
GROSS6_SPLIT_KG = 30_000

BASIS_LABELS: Mapping[str, str] = {"steer6": "重载六轴车转向轴", "steer5": "重载五轴车转向轴"}
PEAK_LABELS: Mapping[str, str] = {"empty": "空载", "loaded": "满载"}

_CLASS_WORDS = re.compile(r"^(accuracy\s*class|class|准确度等级|准确度|等级)\s*|\s*(级|等级)$")


def mpe_pct(accuracy_class: str | None) -> float | None:
    """The in-service maximum permissible error for gross weight, in %, of a JJG 907-2006 class.

    LEGAL.md §3 gives one point, class 5 → ±5 % in service [M]; the other classes are taken the same
    way (class N → ±N %). Accepts "5", "5级", "5 级", "class 5", "Class 0.5", "准确度等级 2级", full-width
    digits. None for a missing or unknown class: the caller then uses its default setting.
    """
    if accuracy_class is None:
        return None
    text = _CLASS_WORDS.sub("", unicodedata.normalize("NFKC", accuracy_class).strip().lower()).strip()
    try:
        value = float(text)
    except ValueError:
        return None
    return value if value in ACCURACY_CLASSES else None


@dataclass(frozen=True, slots=True)
class DriftPolicy:
    """The median of ~250 loaded steering axles a day wanders ±0.7 % from day to day (sampling noise of a
    one-hump distribution about 8 % wide); 600 in the window and in the baseline put the difference's
    noise near 0.45 %, so a 2.5 % warning is more than five of those away. Three days of window lag a
    drifting scale by about a day and a half."""

    baseline_days: int = 3
    window_days: int = 3
    max_window_days: int = 7
    min_samples: int = 600
    min_samples5: int = 300
    warn_share: float = 0.5
    peak_min_samples: int = 800  # a peak is a 500 kg bin: fewer trucks move it by a bin or two at random


@dataclass(frozen=True, slots=True)
class Baseline:
    """What the station measured just after its verification. A median is None when its basis had too
    few samples (``min_samples`` / ``min_samples5``); at least one of the two is set."""

    first_day: date
    last_day: date
    steer6_median: float | None
    steer6_n: int
    steer5_median: float | None
    steer5_n: int
    empty6_peak: float | None
    loaded6_peak: float | None
    axle_mix: Mapping[int, int]
    trucks: int


def baseline(days: Sequence[DaySummary], policy: DriftPolicy) -> Baseline | None:
    """The baseline from ``days`` (every summarised day since the last verification, oldest first).

    The first ``baseline_days`` days with trucks (consecutive or not), extended a day with trucks at a
    time until ``min_samples`` six-axle or ``min_samples5`` loaded five-axle steering axles are pooled.
    None when the days so far do not get there.
    """
    with_data = sorted((d for d in days if d.trucks > 0), key=lambda d: d.day)
    for end in range(max(policy.baseline_days, 1), len(with_data) + 1):
        chosen = with_data[:end]
        steer6 = histograms.merge(d.steer6 for d in chosen)
        steer5 = histograms.merge(d.steer5 for d in chosen)
        n6, n5 = histograms.total(steer6), histograms.total(steer5)
        if n6 < policy.min_samples and n5 < policy.min_samples5:
            continue
        empty6, loaded6 = _peaks(chosen, policy)
        return Baseline(
            first_day=chosen[0].day,
            last_day=chosen[-1].day,
            steer6_median=histograms.quantile(steer6, STEER_BIN_KG, 0.5) if n6 >= policy.min_samples else None,
            steer6_n=n6,
            steer5_median=histograms.quantile(steer5, STEER_BIN_KG, 0.5) if n5 >= policy.min_samples5 else None,
            steer5_n=n5,
            empty6_peak=empty6,
            loaded6_peak=loaded6,
            axle_mix=histograms.merge(d.axle_mix for d in chosen),
            trucks=sum(d.trucks for d in chosen),
        )
    return None


@dataclass(frozen=True, slots=True)
class DriftReading:
    """The window's steering-axle median against the baseline's; ``pct`` is signed."""

    pct: float
    basis: str
    median_kg: float
    baseline_kg: float
    n: int
    first_day: date
    last_day: date


def drift(
    base: Baseline, recent: Sequence[DaySummary], mpe: float, policy: DriftPolicy
) -> tuple[DriftReading | None, list[Finding]]:
    """The drift over the recent window and its findings (``calibration_drift``, ``peak_shift``).

    ``recent``: the days after the baseline. The window is the last ``window_days`` calendar days up to
    the last day given, widened a day at a time up to ``max_window_days`` until ``min_samples`` six-axle
    steering axles are in it; failing that, the same on loaded five-axle trucks (``min_samples5``) if
    the baseline has them. No reading when neither gets there.
    """
    days = sorted((d for d in recent if d.day > base.last_day), key=lambda d: d.day)
    if not days:
        return None, []
    reading, window = _reading(base, days, policy)
    findings = [] if reading is None else _drift_finding(reading, mpe, policy)
    shift = _peak_shift(base, window or _window(days, policy.max_window_days), mpe, policy)
    return reading, findings + ([shift] if shift else [])


def _window(days: Sequence[DaySummary], width: int) -> list[DaySummary]:
    start = days[-1].day - timedelta(days=width - 1)
    return [d for d in days if d.day >= start]


def _reading(
    base: Baseline, days: Sequence[DaySummary], policy: DriftPolicy
) -> tuple[DriftReading | None, list[DaySummary]]:
    bases: list[tuple[str, float | None, int, Callable[[DaySummary], Mapping[int, int]]]] = [
        ("steer6", base.steer6_median, policy.min_samples, lambda d: d.steer6),
        ("steer5", base.steer5_median, policy.min_samples5, lambda d: d.steer5),
    ]
    for basis, base_median, min_n, get in bases:
        if not base_median:
            continue
        for width in range(policy.window_days, policy.max_window_days + 1):
            window = _window(days, width)
            h = histograms.merge(get(d) for d in window)
            median = histograms.quantile(h, STEER_BIN_KG, 0.5)
            if median is None or histograms.total(h) < min_n:
                continue
            pct = (median / base_median - 1) * 100
            first = next(d.day for d in window if get(d))
            return DriftReading(pct, basis, median, base_median, histograms.total(h), first, window[-1].day), window
    return None, []


def _drift_finding(r: DriftReading, mpe: float, policy: DriftPolicy) -> list[Finding]:
    warn_at = policy.warn_share * mpe
    if abs(r.pct) <= warn_at:
        return []
    level, threshold = (ALARM, mpe) if abs(r.pct) > mpe else (WARN, warn_at)
    evidence = (
        f"{r.first_day:%Y-%m-%d} 至 {r.last_day:%Y-%m-%d} 共 {r.n} 辆{BASIS_LABELS[r.basis]}中位数 "
        f"{thousands(r.median_kg)} kg，基线 {thousands(r.baseline_kg)} kg"
    )
    if level == ALARM:
        verdict = f"超过最大允许误差 ±{mpe:g}%，称重数据可能已不准确，请尽快安排计量检定。"
    else:
        verdict = f"超过最大允许误差 ±{mpe:g}% 的{share_text(policy.warn_share)}，请关注并安排现场核查。"
    detail = {
        "basis": r.basis,
        "median_kg": r.median_kg,
        "baseline_kg": r.baseline_kg,
        "n": r.n,
        "first_day": r.first_day.isoformat(),
        "last_day": r.last_day.isoformat(),
        "mpe_pct": mpe,
    }
    message = f"标定漂移 {r.pct:+.1f}%（{evidence}），{verdict}"
    return [Finding("calibration_drift", level, r.pct, threshold, message, detail)]


def _peaks(days: Sequence[DaySummary], policy: DriftPolicy) -> tuple[float | None, float | None]:
    gross = histograms.merge(d.gross6 for d in days)
    return histograms.peaks(gross, GROSS_BIN_KG, GROSS6_SPLIT_KG, min_count=policy.peak_min_samples)


def _peak_shift(base: Baseline, window: Sequence[DaySummary], mpe: float, policy: DriftPolicy) -> Finding | None:
    """WARN when a six-axle gross peak moved by more than ``mpe`` % and by more than one bin (a peak is
    a bin centre, so a one-bin move is quantisation, not evidence)."""
    moved: list[tuple[float, str, float, float]] = []
    sides = zip(("empty", "loaded"), (base.empty6_peak, base.loaded6_peak), _peaks(window, policy), strict=True)
    for side, was, now in sides:
        if was and now is not None and abs(now - was) > GROSS_BIN_KG:
            pct = (now / was - 1) * 100
            if abs(pct) > mpe:
                moved.append((pct, side, was, now))
    if not moved:
        return None
    pct, side, was, now = max(moved, key=lambda m: abs(m[0]))
    moves = "；".join(
        f"{PEAK_LABELS[s]}峰值由 {thousands(w)} kg 移至 {thousands(n)} kg（{p:+.1f}%）" for p, s, w, n in moved
    )
    message = f"六轴车总重分布{moves}，超过最大允许误差 ±{mpe:g}%；峰值也随货源变化，仅作佐证，请结合转向轴漂移核查。"
    detail = {"sides": [{"side": s, "baseline_kg": w, "now_kg": n, "pct": p} for p, s, w, n in moved]}
    return Finding("peak_shift", WARN, pct, mpe, message, detail)
