"""Accident register rows as tables (domain/accidents.py): local times, plates in any form, severities by code or
label and against the deaths, counts, the loss in yuan, the overload finding, counties."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from zhichao.domain.accidents import (
    EXTRAORDINARY,
    MAJOR,
    MINOR,
    ORDINARY,
    SEVERITIES,
    SEVERITY_LABELS,
    check_row,
    least_severity,
    severity_of,
)

SHANGHAI = ZoneInfo("Asia/Shanghai")
NOW = datetime(2026, 11, 26, 6, 0, tzinfo=UTC)  # 14:00 in Shanghai
GOOD = {"ref": "绍公交认〔2026〕00123", "occurred_at": "2026-11-03 09:40", "plate": "浙D12345",
        "place": "G104 柯桥钱清段 K1552+300", "severity": "一般事故"}


def check(**changes: str) -> tuple[dict[str, Any], dict[str, str]]:
    row, errors = check_row({**GOOD, **changes}, tz=SHANGHAI, now=NOW)
    return row, {e.field: e.message for e in errors}


def test_a_good_row_is_cleaned() -> None:
    row, errors = check(road=" G104 ", county_code="越城区", deaths="", injuries="2", property_loss_yuan="12,000",
                        overloaded="是", description="追尾\n后车制动不及")
    assert errors == {}
    assert row == {"ref": "绍公交认〔2026〕00123", "occurred_at": datetime(2026, 11, 3, 1, 40, tzinfo=UTC),
                   "plate": "浙D12345", "place": "G104 柯桥钱清段 K1552+300", "road": "G104",
                   "county_code": "330602", "severity": ORDINARY, "deaths": 0, "injuries": 2,
                   "property_loss_yuan": 12000, "overloaded": True, "description": "追尾\n后车制动不及"}


@pytest.mark.parametrize(("written", "utc"), [
    ("2026-11-03 09:40", datetime(2026, 11, 3, 1, 40, tzinfo=UTC)),
    ("2026-11-03 09:40:15", datetime(2026, 11, 3, 1, 40, 15, tzinfo=UTC)),
    ("2026/11/3 9:40", datetime(2026, 11, 3, 1, 40, tzinfo=UTC)),  # as a spreadsheet saves it
    ("2026-11-03T09:40", datetime(2026, 11, 3, 1, 40, tzinfo=UTC)),
    ("2026-01-01 00:30", datetime(2025, 12, 31, 16, 30, tzinfo=UTC)),  # local midnight is the day before in UTC
    ("2026-11-26 14:00", NOW),  # now itself is not the future
])
def test_times_are_local_to_the_register(written: str, utc: datetime) -> None:
    assert check(occurred_at=written)[0]["occurred_at"] == utc


@pytest.mark.parametrize("written", ["浙D12345", "浙d12345", "浙D·12345", "黄浙D12345", " 浙Ｄ１２３４５ ",
                                     "浙D-12345"])
def test_a_plate_in_any_form_is_one_vehicle(written: str) -> None:
    row, errors = check(plate=written)
    assert errors == {} and row["plate"] == "浙D12345"


@pytest.mark.parametrize(("written", "code"), [
    ("minor", MINOR), ("ORDINARY", ORDINARY), ("轻微事故", MINOR), ("一般事故", ORDINARY), ("重大事故", MAJOR),
    ("特大事故", EXTRAORDINARY), ("重大", MAJOR), (" extraordinary ", EXTRAORDINARY), ("较大事故", None), ("", None),
])
def test_a_severity_is_its_code_or_its_label(written: str, code: str | None) -> None:
    assert severity_of(written) == code


# 道路交通事故等级划分标准 (1991): deaths bound the class from below; injuries and loss are not split by
# seriousness in the register, so they bound nothing.
@pytest.mark.parametrize(("deaths", "least"), [(0, MINOR), (1, MAJOR), (2, MAJOR), (3, EXTRAORDINARY),
                                               (10, EXTRAORDINARY)])
def test_deaths_set_the_least_severity(deaths: int, least: str) -> None:
    assert least_severity(deaths) == least


@pytest.mark.parametrize(("severity", "deaths", "allowed"), [
    ("minor", "0", True), ("minor", "1", False), ("ordinary", "1", False), ("major", "1", True),
    ("major", "2", True), ("major", "3", False), ("extraordinary", "3", True), ("extraordinary", "0", True),
    ("ordinary", "", True),
])
def test_a_severity_below_what_the_deaths_make_it_is_refused(severity: str, deaths: str, allowed: bool) -> None:
    errors = check(severity=severity, deaths=deaths)[1]
    assert ("severity" not in errors) is allowed
    if not allowed:
        assert f"死亡 {deaths} 人的事故至少为" in errors["severity"]


@pytest.mark.parametrize(("field", "written", "message"), [
    ("ref", "", "事故编号不能为空"),
    ("ref", "X" * 65, "事故编号过长（最多 64 个字符"),
    ("ref", "A\n1", "事故编号含有换行或控制字符"),
    ("occurred_at", "", "事故时间不能为空"),
    ("occurred_at", "2026-11-03", "事故时间应为“YYYY-MM-DD HH:MM”"),
    ("occurred_at", "2026-02-30 09:00", "事故时间应为“YYYY-MM-DD HH:MM”"),
    ("occurred_at", "2026-11-03 25:00", "事故时间应为“YYYY-MM-DD HH:MM”"),
    ("occurred_at", "03/11/2026 09:40", "事故时间应为“YYYY-MM-DD HH:MM”"),
    ("occurred_at", "2026-11-26 14:01", "事故时间晚于当前时间"),
    ("plate", "", "车牌号不能为空"),
    ("plate", "无车牌", "车牌号不能是“未识别”之类"),
    ("plate", "浙D1234", "车牌号格式不正确"),
    ("place", "", "事故地点不能为空"),
    ("place", "路" * 201, "事故地点过长（最多 200 个字符"),
    ("road", "G" * 65, "道路过长（最多 64 个字符"),
    ("county_code", "330100", "区县应为绍兴市的区县代码或名称"),
    ("county_code", "西湖区", "区县应为绍兴市的区县代码或名称"),
    ("severity", "", "事故等级不能为空"),
    ("severity", "较大事故", "事故等级应为 minor（轻微事故）"),
    ("deaths", "-1", "死亡人数应为 0–999 的整数"),
    ("deaths", "1.5", "死亡人数应为 0–999 的整数"),
    ("injuries", "1000", "受伤人数应为 0–999 的整数"),
    ("injuries", "两人", "受伤人数应为 0–999 的整数"),
    ("property_loss_yuan", "1500.5", "直接财产损失应为 0–2000000000 的整数（元，不带小数）"),
    ("property_loss_yuan", "-300", "直接财产损失应为 0–2000000000 的整数"),
    ("property_loss_yuan", "3000000000", "直接财产损失应为 0–2000000000 的整数"),
    ("overloaded", "可能", "认定超载应填“是”“否”或留空（未认定）"),
    ("description", "经" * 2001, "事故简要经过过长（最多 2000 个字符"),
])
def test_each_wrong_field_is_named(field: str, written: str, message: str) -> None:
    assert message in check(**{field: written})[1][field]


@pytest.mark.parametrize(("field", "written", "stored"), [
    ("overloaded", "是", True), ("overloaded", "否", False), ("overloaded", "", None), ("overloaded", "1", True),
    ("overloaded", "No", False), ("property_loss_yuan", "", None), ("property_loss_yuan", "0", 0),
    ("property_loss_yuan", "58,000.00", 58000), ("deaths", "", 0), ("county_code", "330681", "330681"),
    ("county_code", "诸暨市", "330681"), ("county_code", "", None), ("road", "", None),
])
def test_optional_fields_are_stored_as_codes(field: str, written: str, stored: Any) -> None:
    row, errors = check(**{field: written})
    assert errors == {} and row[field] == stored


def test_every_error_of_a_row_is_listed_in_column_order() -> None:
    row, errors = check_row({"ref": "", "occurred_at": "昨天", "plate": "浙D1234", "place": "", "severity": "重大",
                             "deaths": "x"}, tz=SHANGHAI, now=NOW)
    assert [e.field for e in errors] == ["ref", "occurred_at", "plate", "place", "deaths"]
    assert row["severity"] == MAJOR


def test_every_severity_has_a_label() -> None:
    assert set(SEVERITY_LABELS) == set(SEVERITIES)
