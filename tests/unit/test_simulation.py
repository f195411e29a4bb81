"""The traffic simulator: contract-shaped, realistic in its mixes, deterministic and in time order."""

from __future__ import annotations

import functools
import hashlib
import json
import random
import re
import unicodedata
from collections import Counter, defaultdict
from collections.abc import Mapping
from datetime import UTC, datetime, timedelta, timezone
from importlib import resources
from typing import Any

import pytest

from zhichao.simulation.evidence import evidence_files
from zhichao.simulation.plates import MAX_POOL_SIZE, POOLS
from zhichao.simulation.traffic import SimStation, Traffic, load_sim_stations
from zhichao.simulation.vehicles import BY_GROUPS_DRIVE, CLASSES, limit_kg

CST = timezone(timedelta(hours=8))
DAY = datetime(2026, 11, 26, tzinfo=CST)
NETWORK = json.loads((resources.files("zhichao") / "data" / "shaoxing_stations.json").read_text("utf-8"))

# --- a checker for wim-record.schema.json (the contract, API.md §1), without the jsonschema package ---
REQUIRED = {"record_id", "station_id", "lane", "captured_at", "plate", "speed_kmh", "axle_count",
            "axle_weights_kg", "gross_weight_kg"}
OPTIONAL = {"plate_color", "plate_confidence", "axle_groups", "vehicle_type", "drive_axle",
            "axle_spacings_mm", "length_mm", "width_mm", "height_mm", "direction", "images", "video", "flags"}
PLATE_COLORS = {"blue", "yellow", "black", "white", "green", "yellow_green", "unknown"}
VEHICLE_TYPES = {"rigid_truck", "centre_axle_train", "articulated_train", "full_trailer_train", "other"}
IMAGE_KINDS = {"plate", "front", "side", "rear", "overview"}
SHA256 = re.compile(r"[0-9a-f]{64}")


def _is_int(value: object) -> bool:
    return type(value) is int


def _is_number(value: object) -> bool:
    return type(value) in (int, float)


def _int_list(value: object, length: int) -> bool:
    return isinstance(value, list) and len(value) == length and all(_is_int(v) and v >= 0 for v in value)


def _evidence_errors(record: Mapping[str, Any]) -> list[str]:
    errors = []
    images = record.get("images", [])
    if not (isinstance(images, list) and len(images) <= 8):
        return ["images"]
    for image in images:
        if not (isinstance(image, dict) and image.get("kind") in IMAGE_KINDS
                and isinstance(image.get("sha256"), str) and SHA256.fullmatch(image["sha256"])
                and isinstance(image.get("content_type"), str)):
            errors.append(f"images: {image}")
    if "video" in record:
        video = record["video"]
        if not (isinstance(video, dict) and SHA256.fullmatch(str(video.get("sha256")))
                and isinstance(video.get("content_type"), str)):
            errors.append("video")
    flags = record.get("flags", [])
    if not (isinstance(flags, list) and len(flags) <= 16 and all(isinstance(f, str) and len(f) <= 64
                                                                  for f in flags)):
        errors.append("flags")
    return errors


def _layout_errors(record: Mapping[str, Any]) -> list[str]:
    errors = []
    axles = record["axle_count"]
    if "axle_groups" in record:
        groups = record["axle_groups"]
        if not (isinstance(groups, str) and re.fullmatch(r"[1-3](\+[1-3])*", groups)
                and sum(map(int, groups.split("+"))) == axles):
            errors.append("axle_groups")
    if record.get("vehicle_type", "other") not in VEHICLE_TYPES:
        errors.append("vehicle_type")
    if record.get("drive_axle", "single") not in ("single", "tandem"):
        errors.append("drive_axle")
    if "axle_spacings_mm" in record and not _int_list(record["axle_spacings_mm"], axles - 1):
        errors.append("axle_spacings_mm")
    for field in ("length_mm", "width_mm", "height_mm"):
        if field in record and not (_is_int(record[field]) and record[field] >= 0):
            errors.append(field)
    return errors


def contract_errors(record: Mapping[str, Any]) -> list[str]:
    """What in `record` breaks the WIM record contract (empty when it conforms)."""
    errors = [f"missing {f}" for f in REQUIRED - set(record)] + [f"unknown {f}" for f in
                                                                 set(record) - REQUIRED - OPTIONAL]
    if errors:
        return errors
    checks = {
        "record_id": isinstance(record["record_id"], str)
        and re.fullmatch(r"[A-Za-z0-9._:-]{1,64}", record["record_id"]) is not None,
        "station_id": isinstance(record["station_id"], str) and 1 <= len(record["station_id"]) <= 32,
        "lane": _is_int(record["lane"]) and 1 <= record["lane"] <= 16,
        "captured_at": isinstance(record["captured_at"], str)
        and re.search(r"([+-]\d{2}:\d{2}|Z)$", record["captured_at"]) is not None
        and datetime.fromisoformat(record["captured_at"]).tzinfo is not None,
        "plate": isinstance(record["plate"], str) and len(record["plate"]) <= 16,
        "plate_color": record.get("plate_color", "unknown") in PLATE_COLORS,
        "plate_confidence": _is_number(record.get("plate_confidence", 0))
        and 0 <= record.get("plate_confidence", 0) <= 1,
        "speed_kmh": _is_number(record["speed_kmh"]) and 0 <= record["speed_kmh"] <= 200,
        "axle_count": _is_int(record["axle_count"]) and 2 <= record["axle_count"] <= 12,
        "gross_weight_kg": _is_int(record["gross_weight_kg"]) and record["gross_weight_kg"] > 0,
        "direction": isinstance(record.get("direction", ""), str) and len(record.get("direction", "")) <= 32,
    }
    errors = [field for field, ok in checks.items() if not ok]
    if errors:
        return errors
    if not _int_list(record["axle_weights_kg"], record["axle_count"]):
        errors.append("axle_weights_kg")
    return errors + _layout_errors(record) + _evidence_errors(record)


# --- helpers ---

def network_traffic(seed: int = 1, **kwargs: Any) -> Traffic:
    return Traffic(load_sim_stations(NETWORK), random.Random(seed), **kwargs)


def small_network(n: int = 20, volume: int = 2500) -> list[SimStation]:
    return [SimStation(f"T-{i:02d}", lanes=2 + i % 5, volume_per_day=volume, county_code=str(330600 + i % 3))
            for i in range(n)]


def normalised(plate: str) -> str:
    """Undo the vendor quirks the simulator injects (what ingest normalisation must also do)."""
    plate = unicodedata.normalize("NFKC", plate).upper()
    for prefix in ("黄绿", "黄", "蓝"):
        if plate.startswith(prefix):
            return plate[len(prefix):]
    return plate


def is_read(record: Mapping[str, Any]) -> bool:
    return bool(record["plate_color"] != "unknown")


@functools.cache
def day_of_network() -> list[dict[str, Any]]:
    """A full day over the demo network (~200 000 passages), generated once for this module."""
    return list(network_traffic(seed=7).between(DAY, DAY + timedelta(days=1)))


@functools.cache
def day_of_small_network() -> list[dict[str, Any]]:
    """A full day over 20 stations: ~50 000 passages (a whole day, so the night excess averages out)."""
    return list(Traffic(small_network(), random.Random(11)).between(DAY, DAY + timedelta(days=1)))


# --- the contract ---

def test_every_record_meets_the_wim_record_contract() -> None:
    bad = [(r["record_id"], e) for r in day_of_network() if (e := contract_errors(r))]
    assert bad == []


def test_records_are_plain_json() -> None:
    sample = day_of_network()[::97]
    assert json.loads(json.dumps(sample, ensure_ascii=False)) == sample


def test_captured_at_carries_the_china_offset() -> None:
    assert all(r["captured_at"].endswith("+08:00") for r in day_of_network())


def test_records_name_real_stations_and_lanes() -> None:
    lanes = {s["station_id"]: s["lanes"] for s in NETWORK["stations"] if s["state"] == "enabled"}
    for r in day_of_network():
        assert 1 <= r["lane"] <= lanes[r["station_id"]]
        assert r["record_id"].startswith(r["station_id"] + "-")


def test_stations_that_are_not_enabled_send_nothing() -> None:
    off = {s["station_id"] for s in NETWORK["stations"] if s["state"] != "enabled"}
    assert len(off) == 4
    assert off.isdisjoint(r["station_id"] for r in day_of_network())


def test_record_ids_are_unique() -> None:
    ids = [r["record_id"] for r in day_of_network()]
    assert len(set(ids)) == len(ids)


def test_axle_weights_sum_to_the_gross_within_one_percent() -> None:
    errors = [abs(sum(r["axle_weights_kg"]) - r["gross_weight_kg"]) / r["gross_weight_kg"]
              for r in day_of_network()]
    assert max(errors) <= 0.01
    assert sum(e <= 0.005 for e in errors) / len(errors) > 0.95


def test_the_steer_axle_is_lighter_than_the_heaviest_axle_when_loaded() -> None:
    loaded = [r for r in day_of_network() if r["axle_count"] >= 5 and r["gross_weight_kg"] > 35000]
    lighter = sum(r["axle_weights_kg"][0] < max(r["axle_weights_kg"][1:]) for r in loaded)
    assert lighter / len(loaded) > 0.95


def test_the_layout_is_consistent_with_type_and_drive_axle() -> None:
    for r in (r for r in day_of_network() if "axle_groups" in r):
        vclass = BY_GROUPS_DRIVE[(r["axle_groups"], r["drive_axle"])]
        assert vclass.vehicle_type == r["vehicle_type"]
        assert vclass.axle_count == r["axle_count"]


def test_about_30_percent_of_records_come_without_a_layout() -> None:
    without = sum("axle_groups" not in r for r in day_of_network()) / len(day_of_network())
    assert 0.15 <= without <= 0.45
    assert all(("axle_groups" in r) == ("vehicle_type" in r) == ("drive_axle" in r) for r in day_of_network())


def test_speeds_are_mostly_40_to_90_with_one_decimal() -> None:
    speeds = [r["speed_kmh"] for r in day_of_network()]
    assert sum(40 <= s <= 90 for s in speeds) / len(speeds) > 0.85
    assert sum(s < 30 for s in speeds) > 0
    assert all(round(s, 1) == s for s in speeds)


def test_flags_and_oversize_are_rare_but_present() -> None:
    flags = Counter(f for r in day_of_network() for f in r.get("flags", ()))
    assert set(flags) == {"lane_straddle", "abnormal_acceleration"}
    assert sum(flags.values()) / len(day_of_network()) < 0.02
    sized = [r for r in day_of_network() if "length_mm" in r]
    oversize = sum(r["length_mm"] > 18100 or r["width_mm"] > 2550 or r["height_mm"] > 4000 for r in sized)
    assert 0 < oversize / len(sized) < 0.03


# --- the mixes ---

def overload_share(records: list[dict[str, Any]]) -> float:
    """Share over the simulator's own limit, for records that name their layout (no inference)."""
    classified = [r for r in records if "axle_groups" in r]
    return float(sum(r["gross_weight_kg"] > limit_kg(r) for r in classified)) / len(classified)


def test_the_overload_share_is_near_the_requested_share() -> None:
    assert len(day_of_small_network()) > 45_000
    assert overload_share(day_of_small_network()) == pytest.approx(0.04, abs=0.006)


@pytest.mark.parametrize("share", [0.0, 0.10])
def test_the_overload_share_follows_the_setting(share: float) -> None:
    records = list(Traffic(small_network(), random.Random(5), overload_share=share).between(
        DAY, DAY + timedelta(days=1)))
    assert overload_share(records) == pytest.approx(share, abs=0.01)


def test_a_few_overloads_are_hundred_tonne_kings() -> None:
    over = [r for r in day_of_network() if r["gross_weight_kg"] > limit_kg(r)]
    kings = [r for r in over if r["gross_weight_kg"] >= 100_000]
    assert 0 < len(kings) < 0.03 * len(over)
    assert all(r["axle_count"] >= 6 for r in kings)
    serious = sum(r["gross_weight_kg"] > 1.2 * limit_kg(r) for r in over) / len(over)
    assert 0.1 < serious < 0.5


def test_light_trucks_never_overload_and_empty_trucks_weigh_near_their_tare() -> None:
    blue = [r for r in day_of_network() if r["plate_color"] == "blue"]
    assert blue and all(r["axle_count"] == 2 and r["gross_weight_kg"] < 14_000 for r in blue)
    six = [r["gross_weight_kg"] for r in day_of_network() if r["axle_count"] == 6]
    assert sum(g < 20_000 for g in six) / len(six) > 0.2  # empty return trips


@pytest.mark.parametrize(("axles", "share", "tolerance"), [
    (2, 0.42, 0.02), (6, 0.28, 0.02), (3, 0.12, 0.015), (4, 0.11, 0.015), (5, 0.07, 0.01)])
def test_the_axle_mix_is_that_of_a_trunk_road(axles: int, share: float, tolerance: float) -> None:
    counts = Counter(r["axle_count"] for r in day_of_network())
    assert counts[axles] / len(day_of_network()) == pytest.approx(share, abs=tolerance)
    assert [a for a, _ in counts.most_common()] == [2, 6, 3, 4, 5]


def test_the_class_table_shares_add_up_to_one() -> None:
    assert sum(c.share for c in CLASSES) == pytest.approx(1.0)
    assert all(c.axle_count == sum(map(int, c.axle_groups.split("+"))) for c in CLASSES)


def region(plate: str) -> str:
    if plate.startswith("浙D"):
        return "浙D"
    if plate.startswith("浙"):
        return "浙 other"
    return "长三角" if plate[0] in "沪苏皖" else "elsewhere"


@pytest.mark.parametrize(("name", "share"), [("浙D", 0.60), ("浙 other", 0.15), ("长三角", 0.15),
                                             ("elsewhere", 0.10)])
def test_the_plate_mix_is_mostly_local(name: str, share: float) -> None:
    plates = [normalised(r["plate"]) for r in day_of_network() if is_read(r)]
    assert sum(region(p) == name for p in plates) / len(plates) == pytest.approx(share, abs=0.02)


def test_plates_follow_the_national_format() -> None:
    provinces = "京津冀晋蒙辽吉黑沪苏浙皖闽赣鲁豫鄂湘粤桂琼渝川贵云藏陕甘青宁新"
    serial = r"[A-HJ-NP-Z0-9]"
    pattern = re.compile(rf"[{provinces}][A-HJ-NP-Z](?:{serial}{{5}}|\d{{5}}[DF]|{serial}{{4}}挂)")
    for r in (r for r in day_of_network() if is_read(r)):
        plate = normalised(r["plate"])
        assert pattern.fullmatch(plate), r["plate"]
        assert not re.search("[IO]", plate[2:])
        if plate.endswith("挂"):
            assert r["plate_color"] == "yellow" and r["axle_count"] >= 3
        if r["plate_color"] == "yellow_green":
            assert plate[-1] in "DF" and len(plate) == 8


def test_colours_trailers_and_new_energy_plates_all_occur() -> None:
    colours = Counter(r["plate_color"] for r in day_of_network())
    assert colours["yellow"] > colours["blue"] > colours["unknown"] > 0
    assert 0 < colours["yellow_green"] < 0.05 * len(day_of_network())
    assert any(r["plate"].endswith("挂") for r in day_of_network())


def test_some_plates_are_unread_and_some_come_in_vendor_formats() -> None:
    unread = [r for r in day_of_network() if not is_read(r)]
    assert len(unread) / len(day_of_network()) == pytest.approx(0.02, abs=0.005)
    assert {r["plate"] for r in unread} >= {"", "未识别"}
    assert all("plate_confidence" not in r for r in unread)
    quirky = [r["plate"] for r in day_of_network() if is_read(r) and normalised(r["plate"]) != r["plate"]]
    assert 0.005 < len(quirky) / len(day_of_network()) < 0.03
    assert any(p.startswith("黄") for p in quirky) and any(re.search("[０-９]", p) for p in quirky)
    assert any(re.search("[a-z]", p) for p in quirky)


def test_plate_confidence_is_mostly_high() -> None:
    confidences = [r["plate_confidence"] for r in day_of_network() if is_read(r)]
    assert sum(0.85 <= c <= 0.99 for c in confidences) / len(confidences) > 0.85


def test_a_plate_always_shows_the_same_axle_count() -> None:
    seen: dict[str, set[int]] = defaultdict(set)
    for r in (r for r in day_of_network() if is_read(r) and not r["plate"].endswith("挂")):
        seen[normalised(r["plate"])].add(r["axle_count"])
    assert all(len(counts) == 1 for counts in seen.values())
    assert sum(len(counts) for counts in seen.values()) < 0.95 * len(day_of_network())  # plates recur


def test_pools_fit_their_serial_spaces() -> None:
    assert all(pool.size + 100 <= MAX_POOL_SIZE for pool in POOLS)


def test_repeat_offenders_overload_often_at_several_stations() -> None:
    stations: dict[str, set[str]] = defaultdict(set)
    counts: Counter[str] = Counter()
    for r in day_of_network():
        if is_read(r) and r["gross_weight_kg"] > limit_kg(r):
            counts[normalised(r["plate"])] += 1
            stations[normalised(r["plate"])].add(r["station_id"])
    frequent = [p for p, n in counts.items() if n >= 4 and len(stations[p]) >= 2]
    assert 5 <= len(frequent) <= 40


# --- time, order, determinism ---

def test_between_is_in_time_order_and_inside_the_window() -> None:
    start, end = DAY + timedelta(minutes=17, seconds=3), DAY + timedelta(hours=2, minutes=41)
    records = list(network_traffic().between(start, end))
    times = [datetime.fromisoformat(r["captured_at"]) for r in records]
    assert times == sorted(times)
    assert start <= times[0] and times[-1] < end


def test_a_utc_window_means_the_same_instants() -> None:
    utc_start = DAY.astimezone(UTC)
    local = list(network_traffic().between(DAY, DAY + timedelta(minutes=30)))
    utc = list(network_traffic().between(utc_start, utc_start + timedelta(minutes=30)))
    assert local == utc


def test_the_same_seed_gives_the_same_records_and_another_seed_others() -> None:
    window = (DAY, DAY + timedelta(hours=1))
    first, again = list(network_traffic(3).between(*window)), list(network_traffic(3).between(*window))
    assert first == again
    assert first != list(network_traffic(4).between(*window))


def test_splitting_a_period_yields_the_same_records() -> None:
    middle = DAY + timedelta(hours=1, minutes=23, seconds=7)
    whole = list(network_traffic().between(DAY, DAY + timedelta(hours=2)))
    traffic = network_traffic()
    parts = list(traffic.between(middle, DAY + timedelta(hours=2)))
    parts = list(traffic.between(DAY, middle)) + parts
    assert parts == whole


def test_trucks_peak_at_night() -> None:
    hours = Counter(int(r["captured_at"][11:13]) for r in day_of_network())
    night, midday = sum(hours[h] for h in range(0, 5)), sum(hours[h] for h in range(10, 15))
    assert night > 1.3 * midday


def test_without_outages_every_station_reports_every_hour() -> None:
    traffic = Traffic(small_network(10), random.Random(2), outage_share=0.0)
    heard = {(r["station_id"], r["captured_at"][:13]) for r in traffic.between(DAY, DAY + timedelta(days=1))}
    assert len(heard) == 10 * 24


def test_outages_silence_about_the_requested_share_of_station_hours() -> None:
    traffic = Traffic(small_network(20, volume=400), random.Random(2), outage_share=0.2)
    heard = {(r["station_id"], r["captured_at"][:13]) for r in traffic.between(DAY, DAY + timedelta(days=4))}
    silent = 1 - len(heard) / (20 * 24 * 4)
    assert 0.08 <= silent <= 0.3


# --- live bursts, evidence, loading ---

def test_a_burst_is_n_passages_in_the_half_minute_before_now() -> None:
    traffic = network_traffic()
    at = DAY + timedelta(hours=9, seconds=0.5)
    records = traffic.burst(at, 50) + traffic.burst(at + timedelta(seconds=30), 50)
    times = [datetime.fromisoformat(r["captured_at"]) for r in records]
    assert len(records) == 100 and times == sorted(times)
    assert all(at - timedelta(seconds=30) <= t <= at + timedelta(seconds=30) for t in times)
    assert all(contract_errors(r) == [] for r in records)
    recent = list(traffic.between(at - timedelta(minutes=1), at))
    assert len({r["record_id"] for r in records + recent}) == len(records) + len(recent)


def test_evidence_bytes_match_the_hashes_the_record_names() -> None:
    with_images = [r for r in day_of_network() if "images" in r][:200]
    assert with_images
    for r in with_images:
        files = evidence_files(r)
        assert [(f.kind, f.sha256) for f in files] == [(i["kind"], i["sha256"]) for i in r["images"]]
        assert all(hashlib.sha256(f.content).hexdigest() == f.sha256 for f in files)


def test_overloaded_records_carry_evidence() -> None:
    over = [r for r in day_of_network() if "axle_groups" in r and r["gross_weight_kg"] > limit_kg(r)]
    assert all({"plate", "front"} <= {i["kind"] for i in r["images"]} for r in over)


def test_loading_the_network_keeps_enabled_stations_with_a_volume() -> None:
    stations = load_sim_stations(NETWORK)
    assert len(stations) == 81
    assert sum(s.lanes for s in stations) < 359
    assert all(300 <= s.volume_per_day <= 8000 for s in stations)
    assert all(s.county_code for s in stations)


@pytest.mark.parametrize("field", ["overload_share", "unread_share", "outage_share"])
def test_shares_outside_zero_to_one_are_refused(field: str) -> None:
    with pytest.raises(ValueError, match=field):
        Traffic(small_network(2), random.Random(1), **{field: 1.5})


def test_an_empty_network_is_silent() -> None:
    traffic = Traffic([], random.Random(1))
    assert list(traffic.between(DAY, DAY + timedelta(hours=2))) == []
    assert traffic.burst(DAY, 10) == []
