"""Sparse histograms of weights and percentages, small enough to store one per station-day (pure).

A histogram is a ``dict[int, int]``: bin index ``floor(value / width)`` → count. Bin ``k`` holds the
values in ``[k·width, (k+1)·width)``; negative indices are allowed (paired differences in %). The width
is not stored: each field's owner names it (``quality.STEER_BIN_KG``, ``quality.GROSS_BIN_KG``,
``drift.PAIR_BIN_PCT``). JSON objects need string keys, hence ``to_json`` / ``from_json``.

Daily histograms merge exactly (counts add), so a window of days is as precise as one long day; this
is why the quality checks store histograms rather than daily medians (a median of medians is biased).
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping

Histogram = dict[int, int]

# peaks(): fewer samples than this on one side of the split give no peak. Below about 50 trucks the
# mode of a 1-2-1 smoothed histogram of 500 kg bins moves by several bins from one sample to the next.
PEAK_MIN_COUNT = 50


def add(h: dict[int, int], value: float, width: float) -> None:
    """Count ``value`` in its bin (``width`` > 0, in the value's unit)."""
    k = math.floor(value / width)
    h[k] = h.get(k, 0) + 1


def merge(hs: Iterable[Mapping[int, int]]) -> dict[int, int]:
    """The sum of the histograms (of the same width); a new dict, the inputs are not changed."""
    out: dict[int, int] = {}
    for h in hs:
        for k, count in h.items():
            out[k] = out.get(k, 0) + count
    return out


def total(h: Mapping[int, int]) -> int:
    """The number of values counted."""
    return sum(h.values())


def quantile(h: Mapping[int, int], width: float, q: float) -> float | None:
    """The ``q``-quantile (0 ≤ q ≤ 1), or None for an empty histogram.

    The values of a bin are taken as spread evenly over it, so the answer is interpolated inside the
    bin: for a smooth distribution with many values per bin, the error is a small fraction of a bin
    (for 20 kg bins of a steering axle, a few kg). ``q = 0`` gives the lower edge of the first bin,
    ``q = 1`` the upper edge of the last one.
    """
    if not 0.0 <= q <= 1.0:
        raise ValueError(f"quantile q must lie in [0, 1], not {q}")
    bins = sorted((k, c) for k, c in h.items() if c > 0)
    n = sum(c for _, c in bins)
    if n == 0:
        return None
    target = q * n
    seen = 0
    for k, count in bins:
        if seen + count >= target:
            return (k + (target - seen) / count) * width
        seen += count
    return (bins[-1][0] + 1) * width  # only reached through rounding when q == 1


def peaks(
    h: Mapping[int, int], width: float, split: float, *, min_count: int = PEAK_MIN_COUNT
) -> tuple[float | None, float | None]:
    """The mode below ``split`` and the mode at/above it, as bin centres (the "empty" and "loaded"
    peaks of a gross-weight histogram).

    A bin belongs to the lower side when its lower edge is below ``split`` (choose a split on a bin
    edge). Each side is smoothed 1-2-1 over ±1 bin, within the side only, before its highest bin is
    taken; ties go to the lower bin. A side with fewer than ``min_count`` values has no peak (None).
    """
    low = {k: c for k, c in h.items() if c > 0 and k * width < split}
    high = {k: c for k, c in h.items() if c > 0 and k * width >= split}
    return _mode(low, width, min_count), _mode(high, width, min_count)


def _mode(side: Mapping[int, int], width: float, min_count: int) -> float | None:
    if not side or total(side) < min_count:
        return None
    # an empty bin never beats both of its neighbours after 1-2-1 smoothing, so the side's bins suffice
    smoothed = [(side.get(k - 1, 0) + 2 * side[k] + side.get(k + 1, 0), -k) for k in side]
    _, negative_k = max(smoothed)
    return (-negative_k + 0.5) * width


def to_json(h: Mapping[int, int]) -> dict[str, int]:
    """String keys in ascending bin order, for a JSON column."""
    return {str(k): int(h[k]) for k in sorted(h)}


def from_json(d: Mapping[str, int]) -> dict[int, int]:
    """The inverse of ``to_json``."""
    return {int(k): int(v) for k, v in d.items()}
