"""Plate normalisation and origin (LEGAL.md §7)."""

import pytest

from zhichao.domain.plates import PROVINCES, ZHEJIANG_CITIES, is_local, normalize_plate, region


@pytest.mark.parametrize(
    ("raw", "text", "color"),
    [
        pytest.param("黄浙D12345", "浙D12345", "yellow", id="yellow prefix"),
        pytest.param("蓝浙D12345", "浙D12345", "blue", id="blue prefix"),
        pytest.param("黑浙D12345", "浙D12345", "black", id="black prefix before a province"),
        pytest.param("白浙A1234警", "浙A1234警", "white", id="white prefix"),
        pytest.param("绿浙AD12345", "浙AD12345", "green", id="green prefix"),
        pytest.param("渐变绿浙AD12345", "浙AD12345", "green", id="gradient green prefix"),
        pytest.param("黄绿浙D12345D", "浙D12345D", "yellow_green", id="yellow-green prefix is not yellow"),
        pytest.param("黄色浙D12345", "浙D12345", "yellow", id="colour word ending in 色"),
        pytest.param("黄牌浙D12345", "浙D12345", "yellow", id="colour word ending in 牌"),
        pytest.param("黑A12345", "黑A12345", None, id="黑 before a letter is Heilongjiang"),
        pytest.param("浙D12345", "浙D12345", None, id="no prefix, no colour"),
    ],
)
def test_a_colour_prefix_is_stripped_and_reported(raw, text, color):
    plate = normalize_plate(raw)
    assert (plate.text, plate.color, plate.raw) == (text, color, raw)


@pytest.mark.parametrize(
    ("raw", "text"),
    [
        pytest.param("浙Ｄ１２３４５", "浙D12345", id="full-width letters and digits"),
        pytest.param("浙d12345", "浙D12345", id="lower case"),
        pytest.param("浙ｄ１２３４５", "浙D12345", id="full-width lower case"),
        pytest.param("浙 D 12345", "浙D12345", id="spaces"),
        pytest.param("浙　D12345", "浙D12345", id="an ideographic space"),
        pytest.param("浙D·12345", "浙D12345", id="a middle dot"),
        pytest.param("浙D-12345", "浙D12345", id="a hyphen"),
        pytest.param(" 黄 浙D·12345 ", "浙D12345", id="colour, spaces and a dot together"),
    ],
)
def test_vendor_noise_is_normalised_away(raw, text):
    assert normalize_plate(raw).text == text


@pytest.mark.parametrize(
    "raw",
    ["", "无车牌", "未识别", "无牌", "noPlate", "NOPLATE", "no plate", "unknown", "UNKNOWN", "未知", "车牌",
     "-", "0", "00000", "无", "none", "null", "N/A", "识别失败", "未识别车牌", "  ", "黄无牌"],
)  # fmt: skip
def test_an_unread_literal_becomes_an_empty_plate(raw):
    plate = normalize_plate(raw)
    assert (plate.text, plate.raw, plate.well_formed, plate.unread) == ("", raw, False, True)
    assert (plate.province, plate.city) == (None, None)


@pytest.mark.parametrize(
    ("raw", "well_formed", "trailer", "new_energy"),
    [
        pytest.param("浙D12345", True, False, False, id="a regular plate"),
        pytest.param("浙DA1234", True, False, False, id="a regular plate with a letter"),
        pytest.param("皖K1234挂", True, True, False, id="a trailer plate of 4 plus 挂"),
        pytest.param("浙D1234挂", True, True, False, id="a local trailer plate"),
        pytest.param("浙D12345挂", False, True, False, id="5 plus 挂 is too long"),
        pytest.param("浙A1234学", True, False, False, id="a driving-school plate"),
        pytest.param("浙A1234警", True, False, False, id="a police plate"),
        pytest.param("沪A1234领", True, False, False, id="a consulate plate"),
        pytest.param("浙D12345D", True, False, True, id="a large new-energy plate ends in D"),
        pytest.param("浙D12345F", True, False, True, id="a large new-energy plate ends in F"),
        pytest.param("浙AD12345", True, False, True, id="a small new-energy plate starts with D"),
        pytest.param("浙AFA1234", True, False, True, id="a small new-energy plate may have a letter second"),
        pytest.param("浙AA12345", True, False, True, id="A is a 2022 pure-electric letter"),
        pytest.param("浙AK12345", True, False, True, id="K is a 2022 non-pure-electric letter"),
        pytest.param("浙D12345L", False, False, False, id="L is not an energy letter"),
        pytest.param("浙D1234D5", False, False, False, id="a large new-energy serial needs 5 digits first"),
        pytest.param("浙AD1234A", False, False, False, id="a small new-energy serial ends in 4 digits"),
        pytest.param("浙D1234O", False, False, False, id="O is never used in a serial"),
        pytest.param("浙D1I345", False, False, False, id="I is never used in a serial"),
        pytest.param("浙D1234", False, False, False, id="a serial of 4 is too short"),
        pytest.param("X浙D12345", False, False, False, id="no province character first"),
        pytest.param("浙112345", False, False, False, id="no letter after the province"),
    ],
)
def test_plate_shapes_follow_ga_36(raw, well_formed, trailer, new_energy):
    plate = normalize_plate(raw)
    assert (plate.well_formed, plate.trailer, plate.new_energy) == (well_formed, trailer, new_energy)
    assert plate.text == raw  # malformed plates keep their normalised text


@pytest.mark.parametrize(
    ("raw", "province", "city"),
    [
        pytest.param("浙D12345", "浙", "浙D", id="Shaoxing"),
        pytest.param("黄苏E12345", "苏", "苏E", id="Jiangsu behind a colour prefix"),
        pytest.param("黑A12345", "黑", "黑A", id="Heilongjiang"),
        pytest.param("浙D1234O", "浙", "浙D", id="a malformed plate still shows its origin"),
        pytest.param("X浙D12345", None, None, id="no province, no city"),
        pytest.param("浙112345", "浙", None, id="a province without a letter has no city"),
    ],
)
def test_province_and_city_are_read_from_the_text(raw, province, city):
    plate = normalize_plate(raw)
    assert (plate.province, plate.city) == (province, city)


def test_the_province_list_has_the_31_characters_of_legal_md():
    assert len(PROVINCES) == 31 == len(set(PROVINCES))


def test_shaoxing_is_zhejiang_d_and_no_city_uses_i():
    assert ZHEJIANG_CITIES["D"] == "绍兴" and len(ZHEJIANG_CITIES) == 11 and "I" not in ZHEJIANG_CITIES


@pytest.mark.parametrize(
    ("text", "prefixes", "local"),
    [
        pytest.param("浙D12345", ("浙D",), True, id="Shaoxing is local to Shaoxing"),
        pytest.param("浙A12345", ("浙D",), False, id="Hangzhou is not local to Shaoxing"),
        pytest.param("浙A12345", ("浙",), True, id="Hangzhou is local to the province"),
        pytest.param("苏E12345", ("浙",), False, id="Jiangsu is not local to Zhejiang"),
        pytest.param("", ("浙D",), False, id="an unread plate is never local"),
        pytest.param("浙D12345", (), False, id="no local prefixes means nothing is local"),
    ],
)
def test_is_local_matches_the_configured_prefixes(text, prefixes, local):
    assert is_local(text, prefixes) is local


def test_is_local_defaults_to_shaoxing():
    assert is_local("浙D12345") and not is_local("浙A12345")


@pytest.mark.parametrize(
    ("text", "code"),
    [
        pytest.param("", "unread", id="an unread plate"),
        pytest.param("浙D12345", "zhejiang", id="Shaoxing is Zhejiang"),
        pytest.param("浙A12345", "zhejiang", id="Hangzhou is Zhejiang"),
        pytest.param("沪A12345", "yangtze_delta", id="Shanghai is Yangtze delta"),
        pytest.param("苏E12345", "yangtze_delta", id="Jiangsu is Yangtze delta"),
        pytest.param("皖K1234挂", "yangtze_delta", id="Anhui is Yangtze delta"),
        pytest.param("鲁A12345", "other", id="Shandong is other"),
        pytest.param("X12345", "other", id="no province is other"),
    ],
)
def test_region_codes_name_where_a_plate_is_registered(text, code):
    assert region(text) == code
