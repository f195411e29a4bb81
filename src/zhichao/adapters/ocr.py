"""Reading text in a plate photo with RapidOCR (PP-OCRv4 on onnxruntime), the optional ``zhichao[ocr]`` extra.

Its models ship inside the wheel: nothing is downloaded, at install or at run time. The engine is built
once per process (about 0.1 s, some 100 MB of memory), on first use, under a lock; inference runs one
image at a time per process, since onnxruntime already spreads one image over every core (0.3–1.2 s an
image on 2 cores).
"""

from __future__ import annotations

import threading
from importlib import metadata
from typing import Any

from zhichao.domain.errors import ZhichaoError

DISTRIBUTION = "rapidocr-onnxruntime"


class OcrNotInstalled(ZhichaoError):
    """The optional OCR extra is not installed (only the plate cross-check needs it)."""

    code = "ocr_not_installed"

    def __init__(self) -> None:
        super().__init__(None, "未安装 OCR 组件：pip install 'zhichao[ocr]'")


_lock = threading.Lock()  # guards building the engine
_run_lock = threading.Lock()  # one image at a time: RapidOCR's call is not documented as thread-safe
_engine: Any = None


def _load_engine() -> Any:
    try:
        from rapidocr_onnxruntime import RapidOCR
    except ImportError as exc:
        raise OcrNotInstalled() from exc
    return RapidOCR()


def _shared_engine() -> Any:
    global _engine
    with _lock:
        if _engine is None:
            _engine = _load_engine()
        return _engine


class RapidOcrReader:
    """The plate cross-check's reader (``services.plate_check.PlateReader``)."""

    @property
    def engine(self) -> str:
        try:
            return f"{DISTRIBUTION} {metadata.version(DISTRIBUTION)}"
        except metadata.PackageNotFoundError:
            return DISTRIBUTION

    def check(self) -> None:
        """Raise ``OcrNotInstalled`` now rather than at the first photo (builds the engine)."""
        _shared_engine()

    def read(self, image: bytes) -> list[tuple[str, float]]:
        """Every text line found in the image (JPEG or PNG bytes) with its score in [0, 1], top to bottom.
        An image that cannot be decoded raises (PIL's UnidentifiedImageError, an OSError)."""
        engine = _shared_engine()
        with _run_lock:
            result, _elapsed = engine(image)
        return [(str(text), float(score)) for _box, text, score in result or ()]
