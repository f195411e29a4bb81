"""The accident register (事故登记): one row of the traffic police's register of road accidents involving
trucks, checked field by field; pure.

A row is keyed by its accident number (``ref``, 事故编号). Its time is local to the city (the register
writes ``YYYY-MM-DD HH:MM[:SS]``; the ``/`` and single-digit forms a spreadsheet writes on saving are
read too) and stored in UTC; it may not lie after ``now``. Plates are normalised like every other plate
(LEGAL.md §7). The severity is given as its code or its Chinese label.

Severity follows the road traffic accident classification (公安部《关于修订道路交通事故等级划分标准的
通知》, 1991): 轻微事故, 一般事故, 重大事故, 特大事故. The classes turn on deaths, serious and minor
injuries and property loss; the register gives deaths and injuries (not split into serious and minor)
and the loss. So only deaths bound the class from below, and only that is checked: one or two deaths make
an accident at least 重大, three or more 特大 (``LEAST_SEVERITY_BY_DEATHS``).
"""

from __future__ import annotations

import re
from collections.abc import Collection, Mapping
from datetime import UTC, datetime, tzinfo
from typing import Any

from zhichao.domain.document_context import COUNTIES
from zhichao.domain.plates import normalize_plate
from zhichao.domain.registries import RowError

MINOR, ORDINARY, MAJOR, EXTRAORDINARY = "minor", "ordinary", "major", "extraordinary"
SEVERITIES = (MINOR, ORDINARY, MAJOR, EXTRAORDINARY)  # least severe first
SEVERITY_LABELS: Mapping[str, str] = {
    MINOR: "轻微事故", ORDINARY: "一般事故", MAJOR: "重大事故", EXTRAORDINARY: "特大事故",
}  # fmt: skip
# (deaths at least, the least severity they allow), most deaths first.
LEAST_SEVERITY_BY_DEATHS: tuple[tuple[int, str], ...] = ((3, EXTRAORDINARY), (1, MAJOR), (0, MINOR))

COLUMNS = ("ref", "occurred_at", "plate", "place", "road", "county_code", "severity", "deaths", "injuries",
           "property_loss_yuan", "overloaded", "description")
REQUIRED = ("ref", "occurred_at", "plate", "place", "severity")
LABELS: Mapping[str, str] = {
    "ref": "事故编号", "occurred_at": "事故时间", "plate": "车牌号", "place": "事故地点", "road": "道路",
    "county_code": "区县", "severity": "事故等级", "deaths": "死亡人数", "injuries": "受伤人数",
    "property_loss_yuan": "直接财产损失（元）", "overloaded": "认定超载", "description": "事故简要经过",
}  # fmt: skip
MAX_TEXT: Mapping[str, int] = {"ref": 64, "place": 200, "road": 64, "description": 2000}
MAX_PEOPLE = 999
MAX_LOSS_YUAN = 2_000_000_000  # fits the column (a 32-bit integer)

_TIME = re.compile(r"(\d{4})[-/](\d{1,2})[-/](\d{1,2})[ T](\d{1,2}):(\d{2})(?::(\d{2}))?")
_LOSS = re.compile(r"\d+(?:\.0+)?")
_YES, _NO = frozenset({"是", "1", "true", "yes", "y"}), frozenset({"否", "0", "false", "no", "n"})
_BY_LABEL = {**{code: code for code in SEVERITIES}, **{label: code for code, label in SEVERITY_LABELS.items()},
             **{label.removesuffix("事故"): code for code, label in SEVERITY_LABELS.items()}}
_COUNTY_BY_NAME = {name: code for code, name in COUNTIES.items()}


def severity_of(text: str) -> str | None:
    """The severity code written as a code (any case) or a Chinese label (with or without 事故); None if neither."""
    return _BY_LABEL.get(text.strip().lower())


def least_severity(deaths: int) -> str:
    """The least severity an accident with this many deaths can have."""
    return next(severity for at_least, severity in LEAST_SEVERITY_BY_DEATHS if deaths >= at_least)


def county_of(text: str, counties: Collection[str] = COUNTIES) -> str | None:
    """The county code written as its code or its name (越城区); None if it is not one of ``counties``."""
    code = _COUNTY_BY_NAME.get(text.strip(), text.strip())
    return code if code in counties else None


def local_time(text: str, tz: tzinfo) -> datetime | None:
    """``YYYY-MM-DD HH:MM[:SS]`` (or with ``/``, a ``T``, single digits) in ``tz``, as UTC; None if unreadable."""
    found = _TIME.fullmatch(text.strip())
    if found is None:
        return None
    year, month, day, hour, minute, second = (int(part or 0) for part in found.groups())
    try:
        return datetime(year, month, day, hour, minute, second, tzinfo=tz).astimezone(UTC)
    except ValueError:  # 2026-02-30, 25:00
        return None


def _text(field: str, text: str, errors: list[RowError]) -> str | None:
    limit = MAX_TEXT[field]
    if len(text) > limit:
        errors.append(RowError(field, f"{LABELS[field]}过长（最多 {limit} 个字符，填了 {len(text)} 个）"))
    elif any(ord(ch) < 32 and not (field == "description" and ch in "\r\n\t") for ch in text):
        errors.append(RowError(field, f"{LABELS[field]}含有换行或控制字符"))
    return text or None


def _time(text: str, tz: tzinfo, now: datetime, errors: list[RowError]) -> datetime | None:
    at = local_time(text, tz)
    if at is None:
        errors.append(RowError("occurred_at", f"事故时间应为“YYYY-MM-DD HH:MM”（可带秒），如 2026-11-03 09:40：{text}"))
    elif at > now:
        errors.append(RowError("occurred_at", f"事故时间晚于当前时间：{text}"))
        return None
    return at


def _plate(text: str, errors: list[RowError]) -> str:
    plate = normalize_plate(text)
    if not plate.text:
        errors.append(RowError("plate", f"车牌号不能是“未识别”之类：{text}"))
    elif not plate.well_formed:
        errors.append(RowError("plate", f"车牌号格式不正确：{text}"))
    return plate.text


def _people(field: str, text: str, errors: list[RowError]) -> int | None:
    if not text:
        return 0
    if not text.isdigit() or int(text) > MAX_PEOPLE:
        errors.append(RowError(field, f"{LABELS[field]}应为 0–{MAX_PEOPLE} 的整数：{text}"))
        return None
    return int(text)


def _loss(text: str, errors: list[RowError]) -> int | None:
    digits = text.replace(",", "").replace("，", "")
    if not digits:
        return None
    if not _LOSS.fullmatch(digits) or int(digits.split(".")[0]) > MAX_LOSS_YUAN:
        errors.append(RowError("property_loss_yuan",
                               f"直接财产损失应为 0–{MAX_LOSS_YUAN} 的整数（元，不带小数）：{text}"))
        return None
    return int(digits.split(".")[0])


def _overloaded(text: str, errors: list[RowError]) -> bool | None:
    value = text.lower()
    if value in _YES:
        return True
    if value in _NO:
        return False
    if value:
        errors.append(RowError("overloaded", f"认定超载应填“是”“否”或留空（未认定）：{text}"))
    return None


def _severity(text: str, deaths: int | None, errors: list[RowError]) -> str | None:
    severity = severity_of(text)
    if severity is None:
        allowed = "、".join(f"{code}（{label}）" for code, label in SEVERITY_LABELS.items())
        errors.append(RowError("severity", f"事故等级应为 {allowed} 之一：{text}"))
        return None
    if deaths is not None and SEVERITIES.index(severity) < SEVERITIES.index(least := least_severity(deaths)):
        errors.append(RowError("severity", f"死亡 {deaths} 人的事故至少为{SEVERITY_LABELS[least]}"
                                           f"（道路交通事故等级划分标准），填的是{SEVERITY_LABELS[severity]}"))
    return severity


def _county(text: str, counties: Collection[str], errors: list[RowError]) -> str | None:
    if not text:
        return None
    code = county_of(text, counties)
    if code is None:
        errors.append(RowError("county_code", f"区县应为绍兴市的区县代码或名称（如 330602 或 越城区）：{text}"))
    return code


def check_row(raw: Mapping[str, Any], *, tz: tzinfo, now: datetime,
              counties: Collection[str] = COUNTIES) -> tuple[dict[str, Any], list[RowError]]:
    """The row cleaned (keys: ``COLUMNS``, ``occurred_at`` in UTC) and what is wrong with it, field by field
    (empty when nothing). ``tz`` is the register's local time zone; ``now`` bounds the accident's time."""
    texts = {field: str(raw.get(field) or "").strip() for field in COLUMNS}
    errors = [RowError(field, f"{LABELS[field]}不能为空") for field in REQUIRED if not texts[field]]
    row: dict[str, Any] = dict.fromkeys(COLUMNS)
    given = {field for field, text in texts.items() if text or field not in REQUIRED}
    if "ref" in given:
        row["ref"] = _text("ref", texts["ref"], errors)
    if "occurred_at" in given:
        row["occurred_at"] = _time(texts["occurred_at"], tz, now, errors)
    if "plate" in given:
        row["plate"] = _plate(texts["plate"], errors)
    for field in ("place", "road", "description"):
        if field in given:
            row[field] = _text(field, texts[field], errors)
    row["county_code"] = _county(texts["county_code"], counties, errors)
    row["deaths"] = _people("deaths", texts["deaths"], errors)
    row["injuries"] = _people("injuries", texts["injuries"], errors)
    row["property_loss_yuan"] = _loss(texts["property_loss_yuan"], errors)
    row["overloaded"] = _overloaded(texts["overloaded"], errors)
    if "severity" in given:
        row["severity"] = _severity(texts["severity"], row["deaths"], errors)
    return row, sorted(errors, key=lambda e: COLUMNS.index(e.field))
