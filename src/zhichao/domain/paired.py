"""The paired comparison: the same truck weighed at two stations (pure).

A truck that passes two stations within ``PairPolicy.max_gap`` weighs about the same at both; the median
of the differences against honest neighbours is the station's error. A station is flagged only when it
stands out against most of its neighbours, never for one neighbour's drift. Thresholds are shares of the
device's in-service maximum permissible error (``drift.mpe_pct``); docs/data-quality.md explains them.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from zhichao.domain import histograms
from zhichao.domain.quality import WARN, Finding, share_text

# Paired differences in 0.25 % bins: a tenth of a class 5 warning threshold, 1/4 of a class 2 one.
PAIR_BIN_PCT = 0.25


@dataclass(frozen=True, slots=True)
class PairObservation:
    station_id: str
    plate: str
    captured_at: datetime
    axle_count: int
    gross_weight_kg: int


@dataclass(frozen=True, slots=True)
class PairPolicy:
    """``min_neighbour_pairs``: a neighbour counts towards ``min_neighbours`` and the majority rule only
    with at least this many pairs (fewer make its median a coin toss). ``agree_share``: a neighbour
    agrees that the station is off when its own median is beyond this share of the threshold, on the
    pooled median's side; it only has to tell "sees the offset" from "sees nothing", and a full
    threshold would miss a real offset whenever one neighbour's noisier median falls just short."""

    max_gap: timedelta = timedelta(minutes=90)
    max_change_pct: float = 8.0
    min_pairs: int = 30
    min_neighbours: int = 2
    warn_share: float = 0.5
    min_neighbour_pairs: int = 10
    agree_share: float = 0.5


def pair_differences(
    observations: Iterable[PairObservation], policy: PairPolicy
) -> dict[str, dict[str, dict[int, int]]]:
    """``result[station][neighbour]``: histogram (``PAIR_BIN_PCT`` bins) of the station's weight minus
    the neighbour's, in % of their mean, over consecutive passages of one read plate with the same axle
    count at two different stations within ``max_gap``. A difference beyond ``max_change_pct`` is a load
    change and is dropped. Each pair is counted for both stations (+d and −d). Any input order."""
    by_plate: dict[str, list[PairObservation]] = {}
    for o in observations:
        if o.plate:
            by_plate.setdefault(o.plate, []).append(o)
    result: dict[str, dict[str, dict[int, int]]] = {}
    for passages in by_plate.values():
        add_plate_pairs(result, passages, policy)
    return result


def add_plate_pairs(result: dict[str, dict[str, dict[int, int]]], passages: list[PairObservation],
                    policy: PairPolicy) -> None:
    """Add one plate's pairs to ``result`` (as ``pair_differences`` makes it): so a caller that reads the
    passages plate by plate holds one plate's at a time, not a whole day's."""
    passages.sort(key=lambda o: (o.captured_at, o.station_id))
    for a, b in itertools.pairwise(passages):
        d = _difference(a, b, policy)
        if d is not None:
            histograms.add(result.setdefault(b.station_id, {}).setdefault(a.station_id, {}), d, PAIR_BIN_PCT)
            histograms.add(result.setdefault(a.station_id, {}).setdefault(b.station_id, {}), -d, PAIR_BIN_PCT)


def _difference(a: PairObservation, b: PairObservation, policy: PairPolicy) -> float | None:
    """b's weight against a's, in %, or None when the two passages are not a pair."""
    if a.station_id == b.station_id or a.axle_count != b.axle_count or b.captured_at - a.captured_at > policy.max_gap:
        return None
    mean = (a.gross_weight_kg + b.gross_weight_kg) / 2
    if mean <= 0:
        return None
    d = (b.gross_weight_kg - a.gross_weight_kg) / mean * 100
    return d if abs(d) <= policy.max_change_pct else None


@dataclass(frozen=True, slots=True)
class PairReading:
    """Pooled median over all neighbours; ``neighbours`` counts those with ``min_neighbour_pairs``."""

    median_pct: float
    pairs: int
    neighbours: int
    per_neighbour: Mapping[str, tuple[float, int]]


def paired(
    per_neighbour: Mapping[str, Mapping[int, int]], mpe: float, policy: PairPolicy
) -> tuple[PairReading | None, Finding | None]:
    """The station's pooled paired difference and, at most, a WARN ``paired_difference``.

    Flagged when |pooled median| > ``warn_share`` × ``mpe``, at least ``min_neighbours`` neighbours have
    ``min_neighbour_pairs`` pairs, and a strict majority of those neighbours each see a median beyond
    ``agree_share`` of that threshold on the same side. So an honest station next to one drifting station
    is not flagged, and neither is a pair of stations that only see each other (which of the two is wrong
    is unknowable).
    """
    pooled = histograms.merge(per_neighbour.values())
    pooled_median = histograms.quantile(pooled, PAIR_BIN_PCT, 0.5)
    if pooled_median is None or histograms.total(pooled) < policy.min_pairs:
        return None, None
    each = {
        name: (median, histograms.total(h))
        for name, h in sorted(per_neighbour.items())
        if (median := histograms.quantile(h, PAIR_BIN_PCT, 0.5)) is not None
    }
    counted = {name: m for name, (m, n) in each.items() if n >= policy.min_neighbour_pairs}
    reading = PairReading(pooled_median, histograms.total(pooled), len(counted), each)
    threshold = policy.warn_share * mpe
    if abs(pooled_median) <= threshold or len(counted) < policy.min_neighbours:
        return reading, None
    sign = 1 if pooled_median > 0 else -1
    agreeing = sorted(name for name, m in counted.items() if m * sign > policy.agree_share * threshold)
    if 2 * len(agreeing) <= len(counted):
        return reading, None
    return reading, _pair_finding(reading, agreeing, counted, threshold, mpe)


def _pair_finding(
    r: PairReading, agreeing: list[str], counted: Mapping[str, float], threshold: float, mpe: float
) -> Finding:
    direction = "偏重" if r.median_pct > 0 else "偏轻"
    message = (
        f"同一车辆在本站与相邻站点的称重比对：本站{direction} {abs(r.median_pct):.1f}%（{r.pairs} 对比对，"
        f"{len(counted)} 个相邻站点中 {len(agreeing)} 个的比对结果一致），超过最大允许误差 ±{mpe:g}% 的"
        f"{share_text(threshold / mpe)}，请核查本站标定。"
    )
    detail: dict[str, Any] = {
        "pairs": r.pairs,
        "neighbours": {name: {"median_pct": m, "pairs": n} for name, (m, n) in r.per_neighbour.items()},
        "agreeing": agreeing,
        "mpe_pct": mpe,
    }
    return Finding("paired_difference", WARN, r.median_pct, threshold, message, detail)
