"""The plate cross-check: a second reading of the plate, by OCR of the plate photo, against the station's.

Two pure steps, both run by the background worker (services/plate_check.py), never at ingest:

- `best_plate` chooses, among the lines an OCR engine read in the photo, the one that is a plate. Lines
  are normalised like station plates (plates.normalize_plate), and in the serial, where GA 36-2018 never
  uses I or O, an OCR ``O`` is read as 0 and ``I`` as 1. A reading is *plate-like* when it is a province
  character, an issuing letter and 4–6 serial characters (with an optional 挂/学/警/领/港/澳): anything
  shorter, or without a province character, is not taken as a plate at all. Well-formed readings come
  first, then the higher confidence.
- Double-row plates (the rear plates of trucks and trailers: 浙D over 12345) reach OCR as two lines, the
  upper one small. Every pair "province + letter" line × "serial" line (in either order: engines often
  return the larger lower row first) is also tried, joined, with the lower of the two confidences.
  This is best-effort: the small upper row is often misread or not detected at all, and the reading is
  then unreadable, never a guess.
- `compare` says what the reviewer should know: nothing when the photo agrees with the station; a
  NON-blocking `plate_ocr_mismatch` when a confident, well-formed reading differs; a NON-blocking
  `plate_ocr_unreadable` when nothing plate-like, only part of a plate, or a reading below
  `min_confidence` came out. Neither blocks: OCR is a hint to the reviewer, who compares the plate photo
  with the station's reading anyway (LEGAL.md §6.2), and the photo, not this engine, is the evidence.

States of a reading job (a row of ``plate_readings``, an outbox): pending → claimed → done, or back to
pending after a failure, or failed after the last attempt. A claim older than the stale limit may be
taken again (the worker that held it is presumed dead).
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from types import MappingProxyType

from zhichao.domain.plates import PROVINCES, normalize_plate
from zhichao.domain.screening import FLAG_LABELS, PLATE_OCR_MISMATCH, PLATE_OCR_UNREADABLE, Flag

CODES = (PLATE_OCR_MISMATCH, PLATE_OCR_UNREADABLE)
LABELS: Mapping[str, str] = MappingProxyType({code: FLAG_LABELS[code] for code in CODES})

PENDING, CLAIMED, DONE, FAILED = "pending", "claimed", "done", "failed"
STATES = (PENDING, CLAIMED, DONE, FAILED)

_SUFFIX = "挂学警领港澳"
_PLATE_LIKE = re.compile(f"[{PROVINCES}][A-Z][0-9A-Z]{{4,6}}[{_SUFFIX}]?")
_UPPER_ROW = re.compile(f"[{PROVINCES}][A-Z]")
_LOWER_ROW = re.compile(f"[0-9A-Z]{{4,6}}[{_SUFFIX}]?")
_OCR_SERIAL = str.maketrans({"O": "0", "I": "1"})


def _serial(text: str) -> str:
    return text.translate(_OCR_SERIAL)


def _line(raw: str) -> str:
    """A line normalised as a plate; when it starts with a province character, its serial OCR-fixed."""
    text = normalize_plate(raw).text
    return text[:2] + _serial(text[2:]) if text[:1] in PROVINCES else text


def _pairs(lines: Sequence[tuple[str, float, str]]) -> list[tuple[str, float]]:
    """Double-row readings: each upper row joined to each lower row that holds a digit."""
    uppers = [(text, score) for text, score, _ in lines if _UPPER_ROW.fullmatch(text)]
    lowers = [(_serial(raw_norm), score) for _, score, raw_norm in lines
              if _LOWER_ROW.fullmatch(_serial(raw_norm)) and any(ch.isdigit() for ch in raw_norm)]
    return [(upper + lower, min(su, sl)) for upper, su in uppers for lower, sl in lowers]


def best_plate(candidates: Sequence[tuple[str, float]]) -> tuple[str, float] | None:
    """The plate-like reading among OCR lines ``(text, confidence)``, as (normalised text, confidence);
    None when no line, alone or joined as a double-row plate, looks like a plate. See the module docstring."""
    lines = [(_line(raw), float(score), normalize_plate(raw).text) for raw, score in candidates]
    options = [(text, score) for text, score, _ in lines] + _pairs(lines)
    plate_like = [(text, score) for text, score in options if _PLATE_LIKE.fullmatch(text)]
    if not plate_like:
        return None
    return max(plate_like, key=lambda o: (normalize_plate(o[0]).well_formed, o[1]))


def compare(station_plate: str, read: tuple[str, float] | None, min_confidence: float) -> Flag | None:
    """The cross-check's flag for a record whose station read ``station_plate`` (see the module docstring)."""
    station = normalize_plate(station_plate).text
    shown = station or "（未识别）"
    if read is None:
        return Flag(PLATE_OCR_UNREADABLE, False,
                    f"车牌照片中未能识别出车牌，无法核对站点识别的车牌 {shown}，请人工核对车牌照片")
    text, confidence = read
    if text == station:
        return None
    if confidence < min_confidence or not normalize_plate(text).well_formed:
        return Flag(PLATE_OCR_UNREADABLE, False,
                    f"车牌照片识别结果 {text}（置信度 {confidence:.2f}）不完整或置信度低于 {min_confidence:.2f}，"
                    f"无法核对站点识别的车牌 {shown}，请人工核对车牌照片")
    return Flag(PLATE_OCR_MISMATCH, False,
                f"站点识别车牌 {shown}，车牌照片识别为 {text}（置信度 {confidence:.2f}），"
                "两者不一致，请对照车牌照片核对")
