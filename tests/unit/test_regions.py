"""Where a plate is registered and whose transport authority receives its transfer (domain/regions.py), from
the real table ``data/plate_regions.json`` (LEGAL.md §6.9, §7)."""

from __future__ import annotations

from pathlib import Path

import pytest

from zhichao.domain.regions import Region, UnknownRegion, load_regions, region_of

DATA = Path(__file__).resolve().parents[2] / "src" / "zhichao" / "data" / "plate_regions.json"
TABLE = load_regions(DATA.read_text(encoding="utf-8"))


@pytest.mark.parametrize(
    ("plate", "expected"),
    [
        pytest.param("浙D12345", Region("浙D", "浙江省", "绍兴市", "绍兴市交通运输局", True), id="浙D 绍兴"),
        pytest.param("浙A7F123", Region("浙A", "浙江省", "杭州市", "杭州市交通运输局", True), id="浙A 杭州"),
        pytest.param("浙L12345", Region("浙L", "浙江省", "舟山市", "舟山市交通运输局", True), id="浙L 舟山"),
        pytest.param("苏E12345", Region("苏E", "江苏省", "苏州市", "苏州市交通运输局", True), id="苏E 苏州"),
        pytest.param("苏E1234挂", Region("苏E", "江苏省", "苏州市", "苏州市交通运输局", True), id="a trailer"),
        pytest.param("皖A12345", Region("皖A", "安徽省", "合肥市", "合肥市交通运输局", True), id="皖A 合肥"),
        pytest.param("沪A12345", Region("沪A", "上海市", None, "上海市交通委员会", True), id="沪A 上海"),
        pytest.param("京A12345", Region("京A", "北京市", None, "北京市交通委员会", False), id="京A 北京"),
        pytest.param("津B12345", Region("津B", "天津市", None, "天津市交通运输委员会", False), id="津B 天津"),
        pytest.param("粤B12345",
                     Region("粤B", "广东省", None, "广东省交通运输厅（转粤B号牌登记地交通运输主管部门）", False),
                     id="粤B: a province without a city table"),
        pytest.param("苏Z12345",
                     Region("苏Z", "江苏省", None, "江苏省交通运输厅（转苏Z号牌登记地交通运输主管部门）", True),
                     id="a city letter the table lacks"),
    ],
)
def test_the_region_of_a_plate(plate: str, expected: Region) -> None:
    assert region_of(plate, TABLE) == expected


@pytest.mark.parametrize(
    ("plate", "long_triangle"),
    [("沪A12345", True), ("苏E12345", True), ("浙C12345", True), ("皖K12345", True), ("闽D12345", False),
     ("鲁B12345", False), ("赣A12345", False), ("京A12345", False)],
)
def test_the_long_triangle_is_shanghai_jiangsu_zhejiang_anhui(plate: str, long_triangle: bool) -> None:
    assert region_of(plate, TABLE).long_triangle is long_triangle


@pytest.mark.parametrize("plate", ["", "WJ1234567", "港A12345", "使123456", "A12345", "12345"])
def test_a_plate_without_a_province_character_has_no_region(plate: str) -> None:
    with pytest.raises(UnknownRegion) as error:
        region_of(plate, TABLE)
    assert error.value.code == "unknown_region" and error.value.message


def test_every_province_of_legal_md_is_in_the_table() -> None:
    assert "".join(TABLE.provinces) == "京津冀晋蒙辽吉黑沪苏浙皖闽赣鲁豫鄂湘粤桂琼渝川贵云藏陕甘青宁新"
    assert TABLE.long_triangle == "沪苏浙皖"
    assert dict(TABLE.cities["浙"]) == {"A": "杭州市", "B": "宁波市", "C": "温州市", "D": "绍兴市", "E": "湖州市",
                                        "F": "嘉兴市", "G": "金华市", "H": "衢州市", "J": "台州市", "K": "丽水市",
                                        "L": "舟山市"}
