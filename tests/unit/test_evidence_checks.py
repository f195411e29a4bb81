"""Evidence checks (domain/evidence.py) as a table: tiny real files built here, then broken on purpose."""

from __future__ import annotations

import hashlib
import io
import struct
import zlib

import pytest
from PIL import Image

from zhichao.domain.errors import DomainError
from zhichao.domain.evidence import EvidenceFacts, EvidenceLimits, InvalidEvidence, check_evidence, sniff

LIMITS = EvidenceLimits()


def png_chunk(kind: bytes, payload: bytes) -> bytes:
    return struct.pack(">I", len(payload)) + kind + payload + struct.pack(">I", zlib.crc32(kind + payload))


def png(width: int = 4, height: int = 3, idat: bytes | None = None) -> bytes:
    """A real 8-bit RGB PNG, written by hand (every row: filter byte 0, then grey pixels)."""
    raw = b"".join(b"\x00" + b"\x80" * (3 * width) for _ in range(height)) if idat is None else b""
    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (b"\x89PNG\r\n\x1a\n" + png_chunk(b"IHDR", header)
            + png_chunk(b"IDAT", zlib.compress(raw) if idat is None else idat) + png_chunk(b"IEND", b""))


def jpeg(width: int = 16, height: int = 8) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (width, height), (30, 60, 90)).save(buffer, "JPEG", quality=80)
    return buffer.getvalue()


def box(kind: bytes, payload: bytes) -> bytes:
    return struct.pack(">I", 8 + len(payload)) + kind + payload


def mp4(brand: bytes = b"isom") -> bytes:
    """A minimal ISO BMFF file: ftyp (major brand, minor version, compatible brands) and an mdat."""
    return box(b"ftyp", brand + b"\x00\x00\x02\x00" + b"isomiso2mp41") + box(b"mdat", b"\x00" * 32)


def mp4_with_largesize() -> bytes:
    payload = b"\x00" * 20
    return box(b"ftyp", b"mp42\x00\x00\x00\x00mp42") + struct.pack(">I4sQ", 1, b"mdat", 16 + len(payload)) + payload


def sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


BOMB_PNG = png(100_000, 100_000, idat=zlib.compress(b""))
# the SOF0 segment's height and width fields sit 5 bytes after the marker
_SOF = jpeg().index(b"\xff\xc0")
BOMB_JPEG = jpeg()[:_SOF + 5] + struct.pack(">HH", 10_000, 10_000) + jpeg()[_SOF + 9:]


@pytest.mark.parametrize(("data", "expected"), [
    (jpeg(), "image/jpeg"),
    (png(), "image/png"),
    (mp4(), "video/mp4"),
    (mp4(b"mp42"), "video/mp4"),
    (mp4(b"M4V "), "video/mp4"),
    (mp4(b"qt  "), None),  # QuickTime is another format
    (b"GIF89a" + b"\x00" * 20, None),
    (b"<svg xmlns='http://www.w3.org/2000/svg'/>", None),
    (b"", None),
])
def test_sniff_tells_the_format_from_the_bytes(data: bytes, expected: str | None) -> None:
    assert sniff(data) == expected


@pytest.mark.parametrize(("data", "content_type", "kind", "size"), [
    (jpeg(16, 8), "image/jpeg", "plate", (16, 8)),
    (jpeg(16, 8), "image/jpg", "front", (16, 8)),  # a common misspelling, same format
    (jpeg(16, 8), "IMAGE/JPEG; charset=binary", "rear", (16, 8)),
    (png(4, 3), "image/png", "overview", (4, 3)),
    (mp4(), "video/mp4", "video", (None, None)),
    (mp4_with_largesize(), "video/mp4", "video", (None, None)),
])
def test_whole_files_of_the_declared_type_are_accepted(data: bytes, content_type: str, kind: str,
                                                       size: tuple[int | None, int | None]) -> None:
    facts = check_evidence(data, sha(data), content_type, kind, LIMITS)
    assert facts == EvidenceFacts(sha(data), content_type.split(";")[0].lower().replace("jpg", "jpeg"),
                                  len(data), *size)


def test_the_declared_hash_may_be_upper_case_but_the_facts_are_lower_case() -> None:
    data = png()
    assert check_evidence(data, sha(data).upper(), "image/png", "side", LIMITS).sha256 == sha(data)


# Each row: the bytes, the hash declared (None: the true one), the declared type, the kind, the limits, the code.
REFUSED = [
    ("empty", b"", None, "image/jpeg", "plate", LIMITS),
    ("too_large", jpeg(), None, "image/jpeg", "front", EvidenceLimits(max_image_bytes=100)),
    ("too_large", mp4(), None, "video/mp4", "video", EvidenceLimits(max_video_bytes=50)),
    ("hash_mismatch", jpeg(), sha(b"other bytes"), "image/jpeg", "front", LIMITS),
    ("hash_mismatch", jpeg(), "not-a-hash", "image/jpeg", "front", LIMITS),
    ("unsupported_type", b"GIF89a" + b"\x00" * 20, None, "image/gif", "front", LIMITS),
    ("unsupported_type", b"<svg/>", None, "image/svg+xml", "overview", LIMITS),
    ("type_mismatch", png(), None, "image/jpeg", "front", LIMITS),  # a lying header
    ("type_mismatch", jpeg(), None, "image/png", "front", LIMITS),
    ("type_mismatch", jpeg(), None, "application/octet-stream", "front", LIMITS),
    ("wrong_kind", mp4(), None, "video/mp4", "plate", LIMITS),
    ("wrong_kind", jpeg(), None, "image/jpeg", "video", LIMITS),
    ("truncated", jpeg()[:-2], None, "image/jpeg", "front", LIMITS),
    ("truncated", jpeg()[: len(jpeg()) // 2], None, "image/jpeg", "front", LIMITS),
    ("truncated", png()[:-12], None, "image/png", "front", LIMITS),  # no IEND
    ("truncated", png()[:-5], None, "image/png", "front", LIMITS),  # IEND cut short
    ("truncated", png()[:40], None, "image/png", "front", LIMITS),  # IDAT runs past the end
    ("truncated", mp4()[:-1], None, "video/mp4", "video", LIMITS),
    ("truncated", mp4() + b"\x00\x00", None, "video/mp4", "video", LIMITS),  # stray bytes after the boxes
    ("truncated", mp4_with_largesize()[:-3], None, "video/mp4", "video", LIMITS),
    ("malformed", png()[:8] + png_chunk(b"tEXt", b"a") + png()[8:], None, "image/png", "front", LIMITS),
    ("malformed", mp4()[:28] + b"\x00\x00\x00\x04mdat", None, "video/mp4", "video", LIMITS),
    ("malformed", jpeg()[:_SOF + 5] + b"\x00\x00\x00\x00" + jpeg()[_SOF + 9:], None, "image/jpeg", "front", LIMITS),
    ("too_many_pixels", BOMB_PNG, None, "image/png", "overview", LIMITS),
    ("too_many_pixels", BOMB_JPEG, None, "image/jpeg", "overview", LIMITS),
    ("too_many_pixels", png(100, 100), None, "image/png", "front", EvidenceLimits(max_pixels=9_999)),
]


@pytest.mark.parametrize(("code", "data", "declared_sha", "content_type", "kind", "limits"), REFUSED)
def test_files_that_are_not_good_evidence_are_refused_with_a_reason(
        code: str, data: bytes, declared_sha: str | None, content_type: str, kind: str, limits: EvidenceLimits) -> None:
    with pytest.raises(InvalidEvidence) as raised:
        check_evidence(data, declared_sha or sha(data), content_type, kind, limits)
    assert raised.value.code == code
    assert isinstance(raised.value, DomainError)
    assert any("\u4e00" <= char <= "\u9fff" for char in raised.value.message)  # Chinese, for the integrator


def test_a_hash_mismatch_names_both_hashes() -> None:
    data = jpeg()
    with pytest.raises(InvalidEvidence) as raised:
        check_evidence(data, "ab" * 32, "image/jpeg", "plate", LIMITS)
    assert sha(data) in raised.value.message and "ab" * 32 in raised.value.message
    assert raised.value.details == {"expected": "ab" * 32, "actual": sha(data)}


def test_a_decompression_bomb_is_refused_from_its_header_alone() -> None:
    assert len(BOMB_PNG) < 100  # 10 000 000 000 pixels claimed, nothing decoded
    with pytest.raises(InvalidEvidence, match="100000×100000"):
        check_evidence(BOMB_PNG, sha(BOMB_PNG), "image/png", "overview", LIMITS)


def test_an_unknown_kind_is_a_programming_error() -> None:
    with pytest.raises(ValueError, match="kind"):
        check_evidence(jpeg(), sha(jpeg()), "image/jpeg", "interior", LIMITS)


def test_the_default_limits() -> None:
    limits = EvidenceLimits()
    assert (limits.max_image_bytes, limits.max_video_bytes, limits.max_pixels) == (8 << 20, 200 << 20, 40_000_000)
