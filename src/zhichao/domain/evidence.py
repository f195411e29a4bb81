"""What makes a file acceptable as evidence for a record (API.md §2: ``PUT .../evidence/{sha256}``).

A record names each image by ``{kind, sha256, content_type}`` and its video by ``{sha256, content_type}``;
the bytes come separately. They are legal evidence, so ``check_evidence`` accepts them only when

- the SHA-256 of the bytes is the hash the record names (compared case-insensitively, reported in lower case);
- the format, judged from the bytes alone (``sniff``), is JPEG, PNG or MP4, and is the declared one
  (``image/jpg`` is read as ``image/jpeg``; parameters such as ``; charset`` are ignored);
- images come for image kinds and the video for ``video``;
- the file is whole: a JPEG ends with EOI, a PNG is a chain of complete chunks ending with IEND, an MP4's
  top-level boxes add up to the file's length;
- it is not too large, and an image does not decode to more pixels than ``EvidenceLimits.max_pixels``
  (a decompression bomb), read from the PNG IHDR or the JPEG SOFn header without decoding anything.

Each failure raises ``InvalidEvidence`` with its own ``code`` and a Chinese message telling the station's
integrator exactly what is wrong. Pure: no I/O.
"""

from __future__ import annotations

import hashlib
import struct
from dataclasses import dataclass

from zhichao.domain.errors import DomainError

JPEG, PNG, MP4 = "image/jpeg", "image/png", "video/mp4"
IMAGE_KINDS = frozenset({"plate", "front", "side", "rear", "overview"})
VIDEO_KIND = "video"
KIND_LABELS = {"plate": "车牌照片", "front": "车头照片", "side": "侧面照片", "rear": "车尾照片",
               "overview": "全景照片", VIDEO_KIND: "视频"}
FORMAT_LABELS = {JPEG: "JPEG 图片", PNG: "PNG 图片", MP4: "MP4 视频"}
_TYPE_ALIASES = {"image/jpg": JPEG, "image/pjpeg": JPEG}
_PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
# ISO base media major brands of MP4 files as cameras and encoders write them (QuickTime ``qt  `` and
# 3GPP brands are other formats with other content types).
MP4_BRANDS = frozenset({b"isom", b"iso2", b"iso3", b"iso4", b"iso5", b"iso6", b"iso8", b"mp41", b"mp42",
                        b"mp71", b"avc1", b"M4V ", b"M4VH", b"M4VP", b"dash", b"mmp4", b"msnv", b"MSNV"})
# SOFn markers carry the frame size; C4 (DHT), C8 (JPG) and CC (DAC) share the range but are not frames.
_JPEG_SOF = frozenset(range(0xC0, 0xD0)) - {0xC4, 0xC8, 0xCC}
_JPEG_STANDALONE = frozenset(range(0xD0, 0xD8)) | {0x01}  # RSTn and TEM carry no length
MiB = 1024 * 1024


class InvalidEvidence(DomainError):
    """An uploaded evidence file cannot be accepted. ``code`` says why: ``empty``, ``too_large``,
    ``hash_mismatch``, ``unsupported_type``, ``type_mismatch``, ``wrong_kind``, ``truncated``,
    ``malformed`` (a structure that is complete but wrong, e.g. a PNG not starting with IHDR) or
    ``too_many_pixels``. ``details`` holds the values compared, for the integrator."""

    code = "invalid_evidence"

    def __init__(self, code: str, message: str, details: dict[str, object] | None = None) -> None:
        super().__init__(message)
        self.code = code
        self.details = details


@dataclass(frozen=True, slots=True)
class EvidenceLimits:
    max_image_bytes: int = 8 * MiB
    max_video_bytes: int = 200 * MiB
    max_pixels: int = 40_000_000  # a 7 680 × 5 208 frame; roadside cameras take at most ~25 MP


@dataclass(frozen=True, slots=True)
class EvidenceFacts:
    """What the checks established; width and height are None for a video."""

    sha256: str
    content_type: str
    size_bytes: int
    width: int | None
    height: int | None


def sniff(data: bytes) -> str | None:
    """The content type the bytes themselves show (JPEG, PNG or MP4), else None."""
    if data[:3] == b"\xff\xd8\xff":
        return JPEG
    if data[:8] == _PNG_SIGNATURE:
        return PNG
    if data[4:8] == b"ftyp" and data[8:12] in MP4_BRANDS:
        return MP4
    return None


def normalise_content_type(declared: str) -> str:
    """``Image/JPG; q=1`` → ``image/jpeg``: lower case, no parameters, known aliases resolved."""
    base = declared.split(";", 1)[0].strip().lower()
    return _TYPE_ALIASES.get(base, base)


def check_evidence(data: bytes, declared_sha256: str, declared_type: str, kind: str,
                   limits: EvidenceLimits) -> EvidenceFacts:
    """The facts of `data` as evidence of `kind` (an image kind or ``video``); raises InvalidEvidence."""
    if kind not in KIND_LABELS:
        raise ValueError(f"unknown evidence kind {kind!r}")
    _check_size(data, kind, limits)
    digest = hashlib.sha256(data).hexdigest()
    if digest != declared_sha256.strip().lower():
        raise InvalidEvidence("hash_mismatch", f"文件内容的 SHA-256 为 {digest}，与地址中的 {declared_sha256} "
                              "不一致：请按上传的原始字节计算哈希，或检查文件是否在传输中被改动",
                              {"expected": declared_sha256, "actual": digest})
    actual = _check_type(data, declared_type, kind)
    width, height = _check_structure(data, actual)
    if width is not None and height is not None and width * height > limits.max_pixels:
        raise InvalidEvidence("too_many_pixels", f"图片尺寸 {width}×{height} 共 {width * height} 像素，"
                              f"超过上限 {limits.max_pixels} 像素", {"width": width, "height": height,
                                                                    "max_pixels": limits.max_pixels})
    return EvidenceFacts(digest, actual, len(data), width, height)


def _check_size(data: bytes, kind: str, limits: EvidenceLimits) -> None:
    if not data:
        raise InvalidEvidence("empty", f"{KIND_LABELS[kind]}文件为空（0 字节），请上传文件内容")
    limit = limits.max_video_bytes if kind == VIDEO_KIND else limits.max_image_bytes
    if len(data) > limit:
        raise InvalidEvidence("too_large", f"{KIND_LABELS[kind]}文件 {len(data)} 字节，超过上限 {limit} 字节",
                              {"size_bytes": len(data), "max_bytes": limit})


def _check_type(data: bytes, declared_type: str, kind: str) -> str:
    actual = sniff(data)
    if actual is None:
        raise InvalidEvidence("unsupported_type", "无法识别的文件格式：证据只接受 JPEG、PNG 图片和 MP4 视频，"
                              f"格式按文件内容判断（文件开头为 {data[:12].hex(' ')}）", {"declared": declared_type})
    declared = normalise_content_type(declared_type)
    if declared != actual:
        raise InvalidEvidence("type_mismatch", f"声明的内容类型 {declared_type} 与文件的实际格式"
                              f"（{FORMAT_LABELS[actual]}，{actual}）不符",
                              {"declared": declared_type, "actual": actual})
    if (kind == VIDEO_KIND) != (actual == MP4):
        wanted = "MP4 视频" if kind == VIDEO_KIND else "JPEG 或 PNG 图片"
        raise InvalidEvidence("wrong_kind", f"{KIND_LABELS[kind]}应为{wanted}，收到的却是{FORMAT_LABELS[actual]}",
                              {"kind": kind, "actual": actual})
    return actual


def _check_structure(data: bytes, content_type: str) -> tuple[int | None, int | None]:
    """The image's size from its header, after checking that the file is whole."""
    if content_type == JPEG:
        return _jpeg_size(data)
    if content_type == PNG:
        return _png_size(data)
    _check_mp4_boxes(data)
    return None, None


def _truncated(what: str, details: dict[str, object] | None = None) -> InvalidEvidence:
    return InvalidEvidence("truncated", f"{what}，文件不完整（上传可能中断），请重新上传完整文件", details)


def _jpeg_size(data: bytes) -> tuple[int, int]:
    """Width and height from the first SOFn segment; the markers before the scan are walked one by one."""
    if data[-2:] != b"\xff\xd9":
        raise _truncated("JPEG 文件结尾缺少 EOI 标记（FF D9）")
    pos = 2
    while pos + 4 <= len(data):
        if data[pos] != 0xFF:
            raise InvalidEvidence("malformed", f"JPEG 文件在第 {pos} 字节处应为标记（FF xx），文件已损坏")
        marker = data[pos + 1]
        if marker == 0xFF:  # fill byte before a marker
            pos += 1
            continue
        if marker in _JPEG_STANDALONE:
            pos += 2
            continue
        (length,) = struct.unpack_from(">H", data, pos + 2)
        if marker in _JPEG_SOF and length >= 7 and pos + 9 <= len(data):
            height, width = struct.unpack_from(">HH", data, pos + 5)
            if width == 0 or height == 0:
                raise InvalidEvidence("malformed", f"JPEG 帧头中的尺寸 {width}×{height} 无效")
            return width, height
        if marker == 0xDA or length < 2:
            break
        pos += 2 + length
    raise InvalidEvidence("malformed", "JPEG 文件在图像数据之前没有帧头（SOF），无法确定图片尺寸")


def _png_size(data: bytes) -> tuple[int, int]:
    """Width and height from IHDR, after walking every chunk to a final IEND."""
    if data[8:16] != b"\x00\x00\x00\x0dIHDR" or len(data) < 33:
        raise InvalidEvidence("malformed", "PNG 文件的第一个数据块不是完整的 IHDR 文件头")
    width, height = struct.unpack_from(">II", data, 16)
    if width == 0 or height == 0:
        raise InvalidEvidence("malformed", f"PNG 文件头中的尺寸 {width}×{height} 无效")
    pos, chunk_type = 8, b""
    while pos < len(data):
        if pos + 12 > len(data):
            raise _truncated(f"PNG 文件在第 {pos} 字节处的数据块头不完整")
        (length,) = struct.unpack_from(">I", data, pos)
        chunk_type = data[pos + 4:pos + 8]
        end = pos + 12 + length
        if end > len(data):
            raise _truncated(f"PNG 数据块 {chunk_type.decode('latin-1')}（第 {pos} 字节起，{length} 字节）"
                             f"超出文件末尾（文件共 {len(data)} 字节）", {"offset": pos, "size_bytes": len(data)})
        pos = end
    if chunk_type != b"IEND":
        raise _truncated("PNG 文件没有以 IEND 结束块结尾")
    return width, height


def _check_mp4_boxes(data: bytes) -> None:
    """The top-level boxes (32-bit size, 64-bit ``largesize`` when it is 1, to the end when it is 0)
    must tile the file exactly."""
    pos = 0
    while pos < len(data):
        if pos + 8 > len(data):
            raise _truncated(f"MP4 文件在第 {pos} 字节处的 box 头不完整")
        (size,) = struct.unpack_from(">I", data, pos)
        header = 8
        if size == 1:
            if pos + 16 > len(data):
                raise _truncated(f"MP4 文件在第 {pos} 字节处的 box 头不完整")
            (size,) = struct.unpack_from(">Q", data, pos + 8)
            header = 16
        elif size == 0:
            size = len(data) - pos
        if size < header:
            raise InvalidEvidence("malformed", f"MP4 文件第 {pos} 字节处的 box 长度 {size} 无效")
        if pos + size > len(data):
            raise _truncated(f"MP4 顶层 box 的长度之和（至少 {pos + size} 字节）与文件长度（{len(data)} 字节）不符",
                             {"boxes_bytes": pos + size, "size_bytes": len(data)})
        pos += size
