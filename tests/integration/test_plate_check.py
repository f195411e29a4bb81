"""The plate cross-check worker on both databases, with real OCR (RapidOCR, the ``zhichao[ocr]`` extra) on
plate photos rendered with Pillow and the Noto CJK font. Each OCR call takes about a second: only the
tests that must read a photo do."""

from __future__ import annotations

import hashlib
import io
import sys
import threading
from dataclasses import replace
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest

from tests.factories import body, image_refs, jpeg, light, record, station
from zhichao.adapters import ocr
from zhichao.adapters.ocr import OcrNotInstalled, RapidOcrReader
from zhichao.bootstrap import Container
from zhichao.services import evidence as evidence_service
from zhichao.services import plate_check
from zhichao.services.ingest import accept_batch

FONT = Path("/usr/share/fonts/opentype/noto/NotoSansCJK-Bold.ttc")
BLUE = ((20, 60, 170), (255, 255, 255))  # small vehicles: white on blue
YELLOW = ((250, 200, 0), (0, 0, 0))  # trucks' front plates: black on yellow
READER = RapidOcrReader()
needs_font = pytest.mark.skipif(not FONT.is_file(), reason=f"rendering plates needs the Noto CJK font {FONT} "
                                                           "(Debian package fonts-noto-cjk)")


def plate_photo(text: str, colours: tuple[tuple[int, int, int], tuple[int, int, int]]) -> bytes:
    """A 440 × 140 plate (the plate's size in mm), ``text`` centred; "" gives a blank plate."""
    from PIL import Image, ImageDraw, ImageFont

    background, ink = colours
    image = Image.new("RGB", (440, 140), background)
    draw = ImageDraw.Draw(image)
    font = ImageFont.truetype(str(FONT), 72)
    left, top, right, bottom = draw.textbbox((0, 0), text, font=font)
    draw.text(((440 - (right - left)) / 2 - left, (140 - (bottom - top)) / 2 - top), text, font=font, fill=ink)
    out = io.BytesIO()
    image.save(out, "JPEG", quality=90)
    return out.getvalue()


@pytest.fixture
def c(container: Container) -> Container:
    station(container, "S1")
    return container


def ingest(c: Container, record_id: str, plate_image: bytes | None = None, plate: str = "浙D12345") -> None:
    """An overloaded (so reviewed) record, then its plate and side photos uploaded as a station does."""
    files = {"plate": plate_image or jpeg(f"{record_id}/plate"), "side": jpeg(f"{record_id}/side")}
    accept_batch(c.ingest_store, "S1", body(record(record_id, plate=plate, images=image_refs(files))),
                 now=c.clock(), policy=c.ingest_policy)
    if plate_image is None:
        return
    for data in files.values():
        evidence_service.upload(c.evidence, "S1", record_id, hashlib.sha256(data).hexdigest(), data, "image/jpeg",
                                now=c.clock())


def ocr_flags(c: Container, record_id: str) -> dict[str, dict[str, Any]]:
    return {f["code"]: f for f in c.reviews.repo.flags("S1", record_id) if f["code"].startswith("plate_ocr")}


def reading(c: Container, record_id: str) -> dict[str, Any]:
    row = c.plate_check.repo.reading("S1", record_id)
    assert row is not None
    return row


@needs_font
def test_a_photo_that_agrees_with_the_station_raises_no_flag(c: Container) -> None:
    ingest(c, "r1", plate_photo("浙D12345", BLUE))
    assert not plate_check.enqueue(c.plate_check, "S1", "r1", now=c.clock())  # the photo's upload queued it
    assert plate_check.run_once(c.plate_check, READER, c.clock()) == 1
    row = reading(c, "r1")
    assert (row["state"], row["text"], row["attempts"]) == ("done", "浙D12345", 1)
    assert row["confidence"] >= 0.9 and row["engine"].startswith("rapidocr-onnxruntime")
    assert ocr_flags(c, "r1") == {}


@needs_font
def test_a_confident_different_reading_raises_a_mismatch_naming_both(c: Container) -> None:
    c = replace(c, evidence=replace(c.evidence, plate_check=None))  # as with ZHICHAO_PLATE_CHECK_ENABLED=false
    ingest(c, "r1", plate_photo("浙D54321", YELLOW), plate="浙D12345")
    assert plate_check.enqueue_missing(c.plate_check, c.clock()) == 1  # found without the upload hook
    assert plate_check.run_once(c.plate_check, READER, c.clock()) == 1
    flag = ocr_flags(c, "r1")["plate_ocr_mismatch"]
    assert flag["blocking"] is False
    assert "浙D12345" in flag["detail"] and "浙D54321" in flag["detail"]
    assert reading(c, "r1")["text"] == "浙D54321"


@needs_font
def test_a_blank_photo_is_flagged_unreadable(c: Container) -> None:
    ingest(c, "r1", plate_photo("", BLUE))
    plate_check.enqueue(c.plate_check, "S1", "r1", now=c.clock())
    assert plate_check.run_once(c.plate_check, READER, c.clock()) == 1
    row = reading(c, "r1")
    assert (row["state"], row["text"], row["confidence"]) == ("done", "", None)
    assert set(ocr_flags(c, "r1")) == {"plate_ocr_unreadable"}
    assert ocr_flags(c, "r1")["plate_ocr_unreadable"]["blocking"] is False


def test_only_records_in_the_review_queue_are_queued_and_only_once(c: Container) -> None:
    accept_batch(c.ingest_store, "S1", body(light("fine"), record("over")), now=c.clock(), policy=c.ingest_policy)
    assert not plate_check.enqueue(c.plate_check, "S1", "fine", now=c.clock())
    assert plate_check.enqueue(c.plate_check, "S1", "over", now=c.clock())
    assert not plate_check.enqueue(c.plate_check, "S1", "over", now=c.clock())
    assert plate_check.enqueue_missing(c.plate_check, c.clock()) == 0  # "over" has no plate photo anyway


def test_two_workers_claiming_at_once_never_take_the_same_record(c: Container) -> None:
    ids = [f"r{i:02d}" for i in range(12)]
    accept_batch(c.ingest_store, "S1", body(*(record(i, lane=1 + n % 4, plate=f"浙D{10000 + n}")
                                               for n, i in enumerate(ids))), now=c.clock(), policy=c.ingest_policy)
    for i in ids:
        plate_check.enqueue(c.plate_check, "S1", i, now=c.clock())
    now, repo = c.clock(), c.plate_check.repo
    taken: list[list[str]] = [[], [], []]
    start = threading.Barrier(len(taken))

    def worker(mine: list[str]) -> None:
        start.wait()
        while claims := repo.claim(2, now, now - timedelta(minutes=10), now - timedelta(minutes=1), 3):
            mine.extend(claim.record_id for claim in claims)

    threads = [threading.Thread(target=worker, args=(mine,)) for mine in taken]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    everything = [i for mine in taken for i in mine]
    assert sorted(everything) == ids  # each record claimed exactly once
    later = now + timedelta(minutes=5)
    assert repo.claim(20, later, later - timedelta(minutes=10), later - timedelta(minutes=1), 3) == []
    stale = now + timedelta(minutes=11)  # the claims' workers are presumed dead: taken again
    again = repo.claim(20, stale, stale - timedelta(minutes=10), stale - timedelta(minutes=1), 3)
    assert sorted(cl.record_id for cl in again) == ids and {cl.attempts for cl in again} == {2}


def test_a_photo_that_cannot_be_read_is_retried_then_failed(c: Container) -> None:
    # Bytes that rotted in the store after the upload checked them: only the reader can notice.
    broken = b"\xff\xd8\xff not a JPEG any more \xff\xd9"
    sha = hashlib.sha256(broken).hexdigest()
    refs = [{"kind": "plate", "sha256": sha, "content_type": "image/jpeg"}]
    accept_batch(c.ingest_store, "S1", body(record("r1", images=refs)), now=c.clock(), policy=c.ingest_policy)
    c.evidence.store.put(sha, broken, "image/jpeg")
    c.evidence.registry.register({"sha256": sha, "content_type": "image/jpeg", "size_bytes": len(broken),
                                  "width": None, "height": None, "station_id": "S1", "record_id": "r1",
                                  "received_at": c.clock()})
    assert plate_check.enqueue_missing(c.plate_check, c.clock()) == 1
    t0 = c.clock()
    assert plate_check.run_once(c.plate_check, READER, t0) == 1
    row = reading(c, "r1")
    assert (row["state"], row["attempts"]) == ("pending", 1) and "UnidentifiedImageError" in row["error"]
    assert plate_check.run_once(c.plate_check, READER, t0 + timedelta(seconds=30)) == 0  # waits before retrying
    assert plate_check.run_once(c.plate_check, READER, t0 + timedelta(seconds=61)) == 1
    assert plate_check.run_once(c.plate_check, READER, t0 + timedelta(seconds=122)) == 1
    row = reading(c, "r1")
    assert (row["state"], row["attempts"]) == ("failed", 3) and "UnidentifiedImageError" in row["error"]
    assert plate_check.run_once(c.plate_check, READER, t0 + timedelta(hours=1)) == 0
    assert ocr_flags(c, "r1") == {}


def test_without_the_extra_the_reader_says_how_to_install_it(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "rapidocr_onnxruntime", None)  # what Python sees when it is not installed
    with pytest.raises(OcrNotInstalled) as raised:
        ocr._load_engine()
    assert raised.value.code == "ocr_not_installed"
    assert raised.value.message == "未安装 OCR 组件：pip install 'zhichao[ocr]'"
