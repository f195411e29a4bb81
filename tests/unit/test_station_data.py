"""The demo Shaoxing station network in ``zhichao/data/shaoxing_stations.json``."""

from __future__ import annotations

import json
import random
import re
import runpy
from collections import Counter
from datetime import date
from importlib import resources
from pathlib import Path
from typing import Any

import pytest

COUNTIES = {"330602", "330603", "330604", "330624", "330681", "330683"}
AS_OF = date(2026, 11, 26)
GENERATOR = Path(__file__).resolve().parents[2] / "scripts" / "make_shaoxing_stations.py"


def _load() -> dict[str, Any]:
    text = (resources.files("zhichao") / "data" / "shaoxing_stations.json").read_text(encoding="utf-8")
    data: dict[str, Any] = json.loads(text)
    return data


DATA = _load()
STATIONS: list[dict[str, Any]] = DATA["stations"]


def test_the_file_is_marked_as_demo_data() -> None:
    assert DATA["demo"] is True
    assert "illustrative" in DATA["note"].lower()


def test_there_are_exactly_85_sites_with_359_lanes() -> None:
    assert len(STATIONS) == 85
    assert all(s["kind"] == "site" for s in STATIONS)
    assert sum(s["lanes"] for s in STATIONS) == 359


def test_every_site_has_1_to_8_lanes() -> None:
    assert all(isinstance(s["lanes"], int) and 1 <= s["lanes"] <= 8 for s in STATIONS)


def test_sites_spread_over_the_six_counties_with_fewest_in_xinchang() -> None:
    per_county = Counter(s["county_code"] for s in STATIONS)
    assert set(per_county) == COUNTIES
    assert min(per_county, key=per_county.__getitem__) == "330624"
    for busy in ("330603", "330604", "330681"):
        assert per_county[busy] >= 15


def test_station_ids_are_unique_ascii_and_short() -> None:
    ids = [s["station_id"] for s in STATIONS]
    assert len(set(ids)) == len(ids)
    assert all(re.fullmatch(r"[A-Za-z0-9._:-]{1,32}", i) for i in ids)
    assert len({s["name"] for s in STATIONS}) == len(STATIONS)


def test_coordinates_are_inside_shaoxing() -> None:
    for s in STATIONS:
        assert 29.2 <= s["lat"] <= 30.3, s["station_id"]
        assert 119.9 <= s["lon"] <= 121.1, s["station_id"]


@pytest.mark.parametrize(
    ("county", "lat_range", "lon_range"),
    [
        ("330602", (29.9, 30.2), (120.5, 120.8)),  # 越城: the city and the coast north of it
        ("330603", (29.75, 30.2), (120.28, 120.68)),  # 柯桥: west and south of the city
        ("330604", (29.75, 30.2), (120.75, 121.1)),  # 上虞: east
        ("330624", (29.3, 29.65), (120.75, 121.15)),  # 新昌: south-east
        ("330681", (29.5, 30.0), (119.95, 120.55)),  # 诸暨: west
        ("330683", (29.45, 29.8), (120.55, 121.0)),  # 嵊州: south
    ],
)
def test_each_site_lies_in_its_countys_part_of_shaoxing(
        county: str, lat_range: tuple[float, float], lon_range: tuple[float, float]) -> None:
    for s in (s for s in STATIONS if s["county_code"] == county):
        assert lat_range[0] <= s["lat"] <= lat_range[1], s["station_id"]
        assert lon_range[0] <= s["lon"] <= lon_range[1], s["station_id"]


def test_roads_and_stakes_are_well_formed() -> None:
    for s in STATIONS:
        assert re.fullmatch(r"[GSX]\d{3,4}", s["road"]), s["road"]
        assert re.fullmatch(r"K\d+\+\d{3}", s["stake"]), s["stake"]
        assert s["name"].startswith(s["road"] + " ") and s["name"].endswith("治超检测点")
        assert s["direction"] and len(s["direction"]) <= 32


def test_certificates_last_one_year_and_a_few_are_not_valid_today() -> None:
    invalid = 0
    for s in STATIONS:
        cert = s["certificate"]
        valid_from, valid_to = date.fromisoformat(cert["valid_from"]), date.fromisoformat(cert["valid_to"])
        assert valid_from < valid_to
        assert valid_to == valid_from.replace(year=valid_from.year + 1)
        assert re.fullmatch(r"浙量检字\[\d{4}\]第\d{4}号", cert["number"])
        assert cert["body"]
        invalid += not valid_from <= AS_OF <= valid_to
    assert 3 <= invalid <= 5


def test_device_attributes_are_plausible() -> None:
    classes = Counter(s["accuracy_class"] for s in STATIONS)
    assert set(classes) <= {"2", "5", "10"}
    assert classes["5"] > len(STATIONS) / 2
    for s in STATIONS:
        low, high = s["speed_range_kmh"]
        assert 0 < low < high <= 200
        assert date.fromisoformat(s["opened_on"]) < AS_OF


def test_most_sites_are_enabled_a_few_in_repair_and_one_stopped() -> None:
    states = Counter(s["state"] for s in STATIONS)
    assert set(states) == {"enabled", "repair", "stopped"}
    assert 2 <= states["repair"] <= 3
    assert states["stopped"] == 1


def test_the_file_is_what_the_generator_script_writes() -> None:
    namespace = runpy.run_path(str(GENERATOR))
    assert namespace["build"](random.Random(namespace["SEED"])) == DATA
