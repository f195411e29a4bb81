"""JPEG thumbnails of evidence images for the console, made once and cached as derived files.

A thumbnail is a convenience, never evidence: it is cached as ``thumb/<sha256>.jpg`` beside (not in
place of) the original, and may be rebuilt at any time. Videos get none: ``thumbnail_for`` answers
None, and the console shows a video placeholder.

Decoding is guarded against decompression bombs twice: the header's width × height is compared with the
limit before any pixel is decoded, and Pillow's own guard (``Image.MAX_IMAGE_PIXELS``) is set to the same
limit, its ``DecompressionBombError`` turned into the domain's ``too_many_pixels``.
"""

from __future__ import annotations

import io
import logging
import warnings

from PIL import Image, ImageOps, UnidentifiedImageError

from zhichao.adapters.evidence.port import EvidenceStore
from zhichao.domain.evidence import MP4, EvidenceLimits, InvalidEvidence, sniff
from zhichao.services.errors import InsufficientStorage

log = logging.getLogger("zhichao.evidence")

THUMBNAIL_SIDE = 320
THUMBNAIL_QUALITY = 80
MAX_PIXELS = EvidenceLimits().max_pixels
# Pillow warns above MAX_IMAGE_PIXELS and raises above twice that; ours is the evidence limit.
Image.MAX_IMAGE_PIXELS = MAX_PIXELS


def thumbnail_name(sha256: str) -> str:
    return f"thumb/{sha256}.jpg"


def make_thumbnail(data: bytes, max_side: int = THUMBNAIL_SIDE, max_pixels: int = MAX_PIXELS) -> bytes:
    """A JPEG no larger than `max_side` on either side; raises InvalidEvidence for what is not an image
    Pillow can read (``unsupported_type``) or decodes to more than `max_pixels` (``too_many_pixels``)."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(io.BytesIO(data)) as image:
                _refuse_bombs(image.width, image.height, max_pixels)
                image.draft("RGB", (max_side, max_side))  # JPEG: decode at 1/2, 1/4 or 1/8 scale
                picture = ImageOps.exif_transpose(image).convert("RGB")
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):
        raise InvalidEvidence("too_many_pixels", f"图片像素数超过上限 {max_pixels}，拒绝解码") from None
    except (UnidentifiedImageError, OSError, SyntaxError) as error:
        raise InvalidEvidence("unsupported_type", f"无法解码该图片，不能生成缩略图：{error}") from None
    picture.thumbnail((max_side, max_side))
    buffer = io.BytesIO()
    picture.save(buffer, "JPEG", quality=THUMBNAIL_QUALITY, optimize=True)
    return buffer.getvalue()


def _refuse_bombs(width: int, height: int, max_pixels: int) -> None:
    if width * height > max_pixels:
        raise InvalidEvidence("too_many_pixels", f"图片尺寸 {width}×{height} 共 {width * height} 像素，"
                              f"超过上限 {max_pixels} 像素，拒绝解码")


def thumbnail_for(store: EvidenceStore, sha256: str) -> bytes | None:
    """The cached thumbnail of stored evidence `sha256`, made and cached on first use; None for a video.
    Raises KeyError when no such evidence is stored."""
    name = thumbnail_name(sha256)
    cached = store.get_derived(name)
    if cached is not None:
        return cached
    data = store.get(sha256)
    if sniff(data) == MP4:
        return None
    thumbnail = make_thumbnail(data)
    try:
        store.put_derived(name, thumbnail, "image/jpeg")
    except InsufficientStorage:  # a cache only: served uncached, made again on the next request
        log.warning("thumbnail of %s not cached: the evidence store is full", sha256)
    return thumbnail
