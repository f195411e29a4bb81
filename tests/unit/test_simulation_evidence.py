"""Simulated evidence photos are real JPEGs the platform accepts: the checks of domain/evidence.py pass
for every file a simulated record names, and the pictures decode."""

from __future__ import annotations

import functools
import io
import json
import random
from datetime import datetime, timedelta, timezone
from importlib import resources
from pathlib import Path
from typing import Any

from PIL import Image

from zhichao.domain.evidence import EvidenceLimits, check_evidence
from zhichao.simulation import evidence
from zhichao.simulation.evidence import PLATE_SIZE, PLATE_STYLES, SCENE_SIZE, evidence_files
from zhichao.simulation.traffic import Traffic, load_sim_stations

DAY = datetime(2026, 11, 26, 2, tzinfo=timezone(timedelta(hours=8)))
NETWORK = json.loads((resources.files("zhichao") / "data" / "shaoxing_stations.json").read_text("utf-8"))


@functools.cache
def with_images() -> list[dict[str, Any]]:
    """Two night hours over the demo network: every record that names images."""
    traffic = Traffic(load_sim_stations(NETWORK), random.Random(5))
    return [r for r in traffic.between(DAY, DAY + timedelta(hours=2)) if "images" in r]


def test_every_simulated_evidence_file_passes_the_evidence_checks() -> None:
    assert len(with_images()) > 1000
    for record in with_images():
        files = evidence_files(record)
        assert len(files) == len(record["images"])
        for image, file in zip(record["images"], files, strict=True):
            facts = check_evidence(file.content, image["sha256"], image["content_type"], image["kind"],
                                   EvidenceLimits())
            assert (facts.sha256, facts.content_type) == (image["sha256"], "image/jpeg")


def test_every_image_of_every_record_is_unique() -> None:
    hashes = [i["sha256"] for r in with_images() for i in r["images"]]
    assert len(set(hashes)) == len(hashes)


def test_the_photos_decode_to_the_base_pictures_and_carry_the_passage_as_a_comment() -> None:
    record = with_images()[0]
    for file in evidence_files(record):
        with Image.open(io.BytesIO(file.content)) as image:
            image.load()
            assert image.format == "JPEG"
            assert image.size == (PLATE_SIZE if file.kind == "plate" else SCENE_SIZE)
            comment = image.info["comment"].decode()
        assert record["record_id"] in comment and str(record["gross_weight_kg"]) in comment


def test_the_plate_crop_has_the_colour_of_the_plate() -> None:
    seen = set()
    for record in with_images():
        plate = next(f for f in evidence_files(record) if f.kind == "plate")
        with Image.open(io.BytesIO(plate.content)) as image:
            pixel = image.convert("RGB").getpixel((20, 45))
        assert isinstance(pixel, tuple)
        expected = PLATE_STYLES[record["plate_color"]][0]
        assert max(abs(a - b) for a, b in zip(pixel, expected, strict=True)) < 24, record["plate_color"]
        seen.add(record["plate_color"])
    assert {"yellow", "unknown"} <= seen


def test_without_the_cjk_font_the_photos_are_still_valid_evidence() -> None:
    caches = (evidence._font, evidence._scene, evidence._plate)
    original = evidence.CJK_FONT
    record = with_images()[0]  # the records name the photos as drawn with the font, whichever test ran first
    try:
        evidence.CJK_FONT = Path("/nonexistent/font.ttc")
        for cache in caches:
            cache.cache_clear()
        for image, file in zip(record["images"], evidence_files(record), strict=True):
            check_evidence(file.content, file.sha256, file.content_type, image["kind"], EvidenceLimits())
            assert file.sha256 != image["sha256"]  # another picture, so another hash
    finally:
        evidence.CJK_FONT = original
        for cache in caches:
            cache.cache_clear()
