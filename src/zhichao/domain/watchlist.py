"""Watches on plates (布控, pure): what an officer must give to put a plate on watch, and until when it holds."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, tzinfo

from zhichao.domain.errors import DomainError
from zhichao.domain.plates import normalize_plate

MAX_REASON = 200
MAX_DAYS = 366  # a watch is renewed on purpose, not left to run for years
_COUNTY = re.compile(r"\d{6}")


class InvalidWatch(DomainError):
    """A watch that cannot be set. Codes: ``invalid_plate``, ``reason_required``, ``reason_too_long``,
    ``invalid_end``, ``invalid_county``."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code


@dataclass(frozen=True, slots=True)
class Watch:
    plate: str
    reason: str
    county_code: str | None
    ends_at: datetime  # the end of the last day, local time


def check_watch(plate: str, reason: str, ends_on: date, county: str | None, today: date, tz: tzinfo) -> Watch:
    """A watch from an officer's input, or ``InvalidWatch`` naming what is wrong."""
    read = normalize_plate(plate or "")
    if not read.text or not read.well_formed:
        raise InvalidWatch("invalid_plate", f"号牌格式不正确：{plate!r}")
    reason = (reason or "").strip()
    if not reason:
        raise InvalidWatch("reason_required", "请填写布控原因")
    if len(reason) > MAX_REASON:
        raise InvalidWatch("reason_too_long", f"布控原因不能超过 {MAX_REASON} 字")
    if ends_on < today or ends_on > today + timedelta(days=MAX_DAYS):
        raise InvalidWatch("invalid_end", f"布控截止日期须在今天至 {MAX_DAYS} 天内")
    if county is not None and not _COUNTY.fullmatch(county):
        raise InvalidWatch("invalid_county", "区县代码应为 6 位数字")
    ends_at = datetime.combine(ends_on + timedelta(days=1), time(), tz)
    return Watch(read.text, reason, county, ends_at)
