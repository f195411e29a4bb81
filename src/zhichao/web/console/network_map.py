"""Station positions (latitude, longitude) as points of an SVG drawing: the board's map without map tiles.

An equirectangular projection (x ∝ longitude · cos(mean latitude), y ∝ −latitude), which over a city the
size of Shaoxing (about 110 km) distorts nothing a reader could see, fitted to the stations' bounding box
with one scale for both axes (so distances look right) and centred in the drawing, inside a margin.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

WIDTH, HEIGHT, MARGIN = 800, 600, 44


@dataclass(frozen=True, slots=True)
class Frame:
    """The drawing's size; points are kept at least ``margin`` from every edge."""

    width: float = WIDTH
    height: float = HEIGHT
    margin: float = MARGIN


FRAME = Frame()


def project(coords: Sequence[tuple[float, float]], frame: Frame = FRAME) -> list[tuple[float, float]]:
    """``(lat, lon)`` pairs → ``(x, y)`` in ``frame``, in the same order. One point, or points that all share
    a coordinate, are centred on the axis they do not span (no division by zero)."""
    if not coords:
        return []
    mean_lat = math.radians(sum(lat for lat, _ in coords) / len(coords))
    flat = [(lon * math.cos(mean_lat), -lat) for lat, lon in coords]
    xs, ys = [p[0] for p in flat], [p[1] for p in flat]
    span_x, span_y = max(xs) - min(xs), max(ys) - min(ys)
    room_x, room_y = frame.width - 2 * frame.margin, frame.height - 2 * frame.margin
    fits = [room / span for room, span in ((room_x, span_x), (room_y, span_y)) if span > 0]
    scale = min(fits) if fits else 0.0
    mid_x, mid_y = (max(xs) + min(xs)) / 2, (max(ys) + min(ys)) / 2
    cx, cy = frame.width / 2, frame.height / 2
    return [(cx + (x - mid_x) * scale, cy + (y - mid_y) * scale) for x, y in flat]


def centroids(groups: Mapping[str, Sequence[tuple[float, float]]]) -> dict[str, tuple[float, float]]:
    """The mean position of each non-empty group of projected points (where a county's name is written)."""
    return {key: (sum(x for x, _ in pts) / len(pts), sum(y for _, y in pts) / len(pts))
            for key, pts in groups.items() if pts}
