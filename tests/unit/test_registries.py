"""Registry rows as tables (domain/registries.py): keys, plates in any form, check characters, flags."""

from __future__ import annotations

from typing import Any

import pytest

from zhichao.domain.registries import DRIVER, ENTERPRISE, SOURCE, VEHICLE, check_row

CODE = "91330600725000101E"  # a unified social credit code with a correct check character
PERSON = "330602197501100127"  # a resident identity number with a correct check character


def problems(kind: str, **raw: Any) -> dict[str, str]:
    return {e.field: e.message for e in check_row(kind, raw)[1]}


@pytest.mark.parametrize("written", [
    "浙D12345", "浙d12345", "浙D·12345", "黄浙D12345", " 浙Ｄ１２３４５ ", "浙D-12345"])
def test_a_plate_in_any_form_is_one_vehicle(written: str) -> None:
    row, errors = check_row(VEHICLE, {"plate": written})
    assert errors == [] and row["plate"] == "浙D12345"


@pytest.mark.parametrize(("kind", "raw", "field", "message"), [
    (VEHICLE, {"plate": ""}, "plate", "车牌号不能为空"),
    (VEHICLE, {"plate": "无车牌"}, "plate", "车牌号格式不正确"),
    (VEHICLE, {"plate": "浙D12345", "axle_count": "9"}, "axle_count", "轴数应为 2–8 的整数"),
    (VEHICLE, {"plate": "浙D12345", "engineering": "maybe"}, "engineering", "应填“是”或“否”"),
    (VEHICLE, {"plate": "浙D12345", "owner_id": "330602197501100128"}, "owner_id", "公民身份号码或统一社会信用代码"),
    (VEHICLE, {"plate": "浙D12345", "enterprise_code": "91330600725000101F"}, "enterprise_code", "校验位不符"),
    (DRIVER, {"id_number": "330602197501100128", "name": "王建国"}, "id_number", "校验位不符"),
    (DRIVER, {"id_number": PERSON, "name": ""}, "name", "名称不能为空"),
    (DRIVER, {"id_number": PERSON, "name": "王建国", "phone": "12345"}, "phone", "联系电话格式不正确"),
    (ENTERPRISE, {"credit_code": CODE, "name": "越达物流", "fleet_size": "0"}, "fleet_size", "1–100000"),
    (ENTERPRISE, {"credit_code": CODE, "name": "越达物流", "county_code": "3306"}, "county_code", "6 位数字"),
    (SOURCE, {"code": "石料厂 1", "name": "钱清石料厂"}, "code", "源头编号只能由"),
    (SOURCE, {"code": "S1", "name": "x" * 129}, "name", "名称过长"),
])
def test_each_wrong_field_is_named(kind: str, raw: dict[str, str], field: str, message: str) -> None:
    assert message in problems(kind, **raw)[field]


def test_a_good_row_is_cleaned() -> None:
    row, errors = check_row(VEHICLE, {"plate": "黄浙D66601", "axle_count": "4", "engineering": "是",
                                      "owner_id": CODE.lower(), "enterprise_code": CODE, "owner_name": " 越达 "})
    assert errors == []
    assert row == {"plate": "浙D66601", "vehicle_type": None, "axle_count": 4, "owner_name": "越达",
                   "owner_id": CODE, "transport_cert": None, "enterprise_code": CODE, "engineering": True}
    row, errors = check_row(SOURCE, {"code": "SX-SRC-001", "name": "钱清石料厂", "key_source": "否"})
    assert errors == [] and row["key_source"] is False and row["scale"] is None
