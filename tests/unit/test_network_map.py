"""Station coordinates become positions inside the board's map, in order, whatever the stations' spread."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from zhichao.web.console.network_map import Frame, centroids, project

NETWORK = Path(__file__).resolve().parents[2] / "src" / "zhichao" / "data" / "shaoxing_stations.json"
FRAME = Frame(800, 600, 40)


def inside(points: list[tuple[float, float]], frame: Frame) -> bool:
    return all(frame.margin - 1e-9 <= x <= frame.width - frame.margin + 1e-9
               and frame.margin - 1e-9 <= y <= frame.height - frame.margin + 1e-9 for x, y in points)


def test_the_real_network_fits_inside_the_margin() -> None:
    stations = json.loads(NETWORK.read_text(encoding="utf-8"))["stations"]
    points = project([(s["lat"], s["lon"]) for s in stations], FRAME)
    assert len(points) == len(stations) and inside(points, FRAME)


def test_order_is_kept_north_is_up_and_east_is_right() -> None:
    north_west, south_east = (30.3, 120.1), (29.4, 121.0)
    (x1, y1), (x2, y2) = project([north_west, south_east], FRAME)
    assert x1 < x2 and y1 < y2


def test_one_scale_for_both_axes_keeps_distances_true() -> None:
    # two stations 0.1° apart north-south and two 0.1°/cos(lat) apart east-west: equally far on the map
    (ax, ay), (bx, by), (cx, cy) = project([(30.0, 120.0), (30.1, 120.0), (30.0, 120.0 + 0.1 / 0.86588)], FRAME)
    assert abs(abs(by - ay) - abs(cx - ax)) < 0.5


@pytest.mark.parametrize("coords", [
    [(30.0, 120.5)],
    [(30.0, 120.5), (30.0, 120.5), (30.0, 120.5)],
], ids=["one station", "identical coordinates"])
def test_one_place_is_centred_without_dividing_by_zero(coords: list[tuple[float, float]]) -> None:
    assert project(coords, FRAME) == [(400.0, 300.0)] * len(coords)


def test_stations_on_one_meridian_are_centred_across() -> None:
    points = project([(29.5, 120.5), (30.0, 120.5)], FRAME)
    assert {x for x, _ in points} == {400.0} and inside(points, FRAME)


def test_no_stations_no_points() -> None:
    assert project([], FRAME) == []


def test_a_county_label_sits_at_its_stations_centroid() -> None:
    assert centroids({"越城区": [(0.0, 0.0), (10.0, 20.0)], "空": []}) == {"越城区": (5.0, 10.0)}
