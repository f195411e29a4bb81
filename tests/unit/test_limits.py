"""Legal limits: 超限规定第三条 and the 认定标准 table (LEGAL.md §1). Every number is from LEGAL.md."""

import pytest

from zhichao.domain.errors import InvalidVehicle
from zhichao.domain.limits import Limit, size_violations, weight_limit
from zhichao.domain.vehicles import parse_axle_groups

R, C, A, F, X = "rigid_truck", "centre_axle_train", "articulated_train", "full_trailer_train", "other"
TRUCK2 = "2轴载货汽车 超限规定第三条"
TRUCK3, TRAIN3 = "3轴载货汽车 超限规定第三条", "3轴汽车列车 超限规定第三条"
TRUCK4, TRAIN4 = "4轴载货汽车 超限规定第三条", "4轴汽车列车 超限规定第三条"
CENTRE121 = "4轴中置轴挂车列车(1+2+1) 认定标准"
TRAIN5, ARTIC113 = "5轴汽车列车 超限规定第三条", "5轴铰接列车(1+1+3) 认定标准"
TANDEM6, SINGLE6 = "6轴汽车列车(双驱动轴) 超限规定第三条", "6轴汽车列车(单驱动轴) 超限规定第三条"
GUESS = "（按轴数推定）"


@pytest.mark.parametrize(
    ("axles", "groups", "vehicle_type", "drive", "kg", "basis"),
    [
        pytest.param(2, (1, 1), R, None, 18_000, TRUCK2, id="2-axle truck 1+1 is 18 000"),
        pytest.param(3, (1, 2), R, None, 25_000, TRUCK3, id="3-axle truck 1+2 is 25 000"),
        pytest.param(3, (2, 1), R, None, 25_000, TRUCK3, id="3-axle truck 2+1 is 25 000"),
        pytest.param(3, (1, 1, 1), C, None, 27_000, TRAIN3, id="3-axle centre-axle train 1+1+1 is 27 000"),
        pytest.param(3, (1, 1, 1), A, None, 27_000, TRAIN3, id="3-axle articulated train 1+1+1 is 27 000"),
        pytest.param(4, (2, 2), R, None, 31_000, TRUCK4, id="4-axle truck 2+2 is 31 000"),
        pytest.param(4, (1, 1, 2), C, None, 36_000, TRAIN4, id="4-axle centre-axle train 1+1+2 is 36 000"),
        pytest.param(4, (1, 2, 1), C, None, 35_000, CENTRE121, id="4-axle centre-axle train 1+2+1 is 35 000"),
        pytest.param(4, (1, 1, 2), A, None, 36_000, TRAIN4, id="4-axle articulated train 1+1+2 is 36 000"),
        pytest.param(4, (1, 1, 1, 1), F, None, 36_000, TRAIN4, id="4-axle full trailer 1+1+1+1 is 36 000"),
        pytest.param(5, (1, 2, 2), C, None, 43_000, TRAIN5, id="5-axle centre-axle train 1+2+2 is 43 000"),
        pytest.param(5, (2, 1, 2), C, None, 43_000, TRAIN5, id="5-axle centre-axle train 2+1+2 is 43 000"),
        pytest.param(5, (1, 2, 2), A, None, 43_000, TRAIN5, id="5-axle articulated train 1+2+2 is 43 000"),
        pytest.param(5, (2, 1, 2), A, None, 43_000, TRAIN5, id="5-axle articulated train 2+1+2 is 43 000"),
        pytest.param(5, (1, 2, 2), F, None, 43_000, TRAIN5, id="5-axle full trailer 1+2+2 is 43 000"),
        pytest.param(5, (2, 1, 2), F, None, 43_000, TRAIN5, id="5-axle full trailer 2+1+2 is 43 000"),
        pytest.param(5, (1, 1, 3), A, None, 42_000, ARTIC113, id="5-axle articulated 1+1+3 is 42 000"),
        pytest.param(6, (1, 2, 3), A, "tandem", 49_000, TANDEM6, id="6-axle train, tandem drive: 49 000"),
        pytest.param(6, (2, 1, 3), A, "single", 46_000, SINGLE6, id="6-axle train, single drive: 46 000"),
    ],
)
def test_every_row_of_the_operational_table_gives_its_limit(axles, groups, vehicle_type, drive, kg, basis):
    assert weight_limit(axles, groups, vehicle_type, drive) == Limit(kg, basis, False)


@pytest.mark.parametrize(
    ("axles", "vehicle_type", "drive", "kg", "basis"),
    [
        pytest.param(2, None, None, 18_000, TRUCK2, id="2 axles is 18 000 with nothing else known"),
        pytest.param(3, R, None, 25_000, TRUCK3, id="3-axle truck is 25 000"),
        pytest.param(3, C, None, 27_000, TRAIN3, id="3-axle centre-axle train is 27 000"),
        pytest.param(3, A, None, 27_000, TRAIN3, id="3-axle articulated train is 27 000"),
        pytest.param(3, F, None, 27_000, TRAIN3, id="3-axle full-trailer train is 27 000"),
        pytest.param(4, R, None, 31_000, TRUCK4, id="4-axle truck is 31 000"),
        pytest.param(4, A, None, 36_000, TRAIN4, id="4-axle articulated train is 36 000"),
        pytest.param(4, F, None, 36_000, TRAIN4, id="4-axle full-trailer train is 36 000"),
        pytest.param(5, C, None, 43_000, TRAIN5, id="5-axle centre-axle train is 43 000"),
        pytest.param(5, F, None, 43_000, TRAIN5, id="5-axle full-trailer train is 43 000"),
        pytest.param(6, None, "tandem", 49_000, TANDEM6, id="6 axles with tandem drive is 49 000"),
        pytest.param(6, None, "single", 46_000, SINGLE6, id="6 axles with single drive is 46 000"),
    ],
)
def test_article_3_rows_need_only_type_or_drive(axles, vehicle_type, drive, kg, basis):
    assert weight_limit(axles, None, vehicle_type, drive) == Limit(kg, basis, False)


@pytest.mark.parametrize(
    ("axles", "groups", "vehicle_type", "kg", "basis"),
    [
        pytest.param(3, (1, 2), None, 25_000, TRUCK3, id="3 axles 1+2 is a truck"),
        pytest.param(3, (2, 1), None, 25_000, TRUCK3, id="3 axles 2+1 is a truck"),
        pytest.param(3, (1, 1, 1), None, 27_000, TRAIN3, id="3 axles 1+1+1 is a train"),
        pytest.param(3, (1, 1, 1), X, 27_000, TRAIN3, id="type other counts as unknown"),
        pytest.param(4, (2, 2), None, 31_000, TRUCK4, id="4 axles 2+2 is a truck"),
        pytest.param(4, (1, 1, 2), None, 36_000, TRAIN4, id="4 axles 1+1+2 is a train"),
        pytest.param(4, (1, 2, 1), None, 35_000, CENTRE121, id="4 axles 1+2+1 is a centre-axle train"),
        pytest.param(4, (1, 1, 1, 1), None, 36_000, TRAIN4, id="4 axles 1+1+1+1 is a full trailer"),
        pytest.param(5, (1, 1, 3), None, 42_000, ARTIC113, id="5 axles 1+1+3 is the articulated row"),
        pytest.param(5, (1, 2, 2), None, 43_000, TRAIN5, id="5 axles 1+2+2 is 43 000"),
        pytest.param(5, (2, 1, 2), None, 43_000, TRAIN5, id="5 axles 2+1+2 is 43 000"),
        pytest.param(5, (1, 1, 3), C, 43_000, TRAIN5, id="5-axle centre-axle train 1+1+3 stays 43 000"),
        pytest.param(4, (1, 2, 1), A, 36_000, TRAIN4, id="1+2+1 is 35 000 only for a centre-axle train"),
        pytest.param(3, (1, 1, 1), R, 25_000, TRUCK3, id="a stated truck type wins over train groups"),
    ],
)
def test_axle_groups_pick_the_row_when_the_type_is_unknown(axles, groups, vehicle_type, kg, basis):
    assert weight_limit(axles, groups, vehicle_type) == Limit(kg, basis, False)


@pytest.mark.parametrize(
    ("axles", "groups", "drive", "kg", "basis"),
    [
        pytest.param(6, (1, 2, 3), None, 49_000, TANDEM6, id="1+2+3 has a tandem drive"),
        pytest.param(6, (2, 1, 3), None, 46_000, SINGLE6, id="2+1+3 has a single drive"),
        pytest.param(6, (2, 2, 2), None, 49_000, TANDEM6, id="2+2+2 has a tandem drive"),
        pytest.param(6, (1, 1, 2, 2), None, 46_000, SINGLE6, id="1+1+2+2 has a single drive"),
        pytest.param(6, (1, 2, 3), "single", 46_000, SINGLE6, id="a stated drive axle wins over groups"),
        pytest.param(7, (1, 2, 2, 2), None, 49_000, TANDEM6.replace("6", "7"), id="7 axles 1+2+2+2"),
        pytest.param(7, (2, 1, 2, 2), None, 46_000, SINGLE6.replace("6", "7"), id="7 axles 2+1+2+2"),
    ],
)
def test_the_drive_axle_is_the_group_after_the_steer_group(axles, groups, drive, kg, basis):
    assert weight_limit(axles, groups, None, drive) == Limit(kg, basis, False)


@pytest.mark.parametrize("axles", range(7, 13))
@pytest.mark.parametrize(
    ("drive", "kg", "six_axle_basis"), [("tandem", 49_000, TANDEM6), ("single", 46_000, SINGLE6)]
)
def test_seven_to_twelve_axles_are_trains_with_the_six_axle_limits(axles, drive, kg, six_axle_basis):
    basis = six_axle_basis.replace("6轴", f"{axles}轴")
    assert weight_limit(axles, None, None, drive) == Limit(kg, basis, False)


@pytest.mark.parametrize(
    ("axles", "groups", "vehicle_type", "kg", "basis"),
    [
        pytest.param(3, None, None, 25_000, TRUCK3, id="3 axles alone defaults to a truck"),
        pytest.param(3, None, X, 25_000, TRUCK3, id="3 axles of type other defaults to a truck"),
        pytest.param(3, (3,), None, 25_000, TRUCK3, id="3 axles in one group matches no row"),
        pytest.param(3, (1, 2, 1), None, 25_000, TRUCK3, id="groups not summing to the count are ignored"),
        pytest.param(4, None, None, 31_000, TRUCK4, id="4 axles alone defaults to a truck"),
        pytest.param(4, (1, 3), None, 31_000, TRUCK4, id="4 axles 1+3 matches no row"),
        pytest.param(4, None, C, 36_000, TRAIN4, id="centre-axle train without groups may be 1+2+1"),
        pytest.param(5, None, None, 43_000, TRAIN5, id="5 axles alone defaults to 43 000"),
        pytest.param(5, None, A, 43_000, TRAIN5, id="articulated 5 axles without groups may be 1+1+3"),
        pytest.param(5, (1, 2, 2), R, 43_000, TRAIN5, id="a 5-axle rigid truck has no row"),
        pytest.param(6, None, None, 49_000, TANDEM6, id="6 axles alone defaults to tandem drive"),
        pytest.param(6, (3, 3), None, 49_000, TANDEM6, id="a tridem after the steer group says nothing"),
        pytest.param(6, (1, 2, 2), None, 49_000, TANDEM6, id="6 axles with groups summing to 5"),
        pytest.param(12, None, None, 49_000, "12轴汽车列车(双驱动轴) 超限规定第三条", id="12 axles alone"),
    ],
)
def test_a_limit_the_record_does_not_pin_down_is_inferred_and_says_so(axles, groups, vehicle_type, kg, basis):
    assert weight_limit(axles, groups, vehicle_type) == Limit(kg, basis + GUESS, True)


def test_two_axles_are_never_inferred_because_article_3_has_one_row():
    assert weight_limit(2).inferred is False


def test_fewer_than_two_axles_cannot_be_judged():
    with pytest.raises(InvalidVehicle) as raised:
        weight_limit(1)
    assert raised.value.code == "invalid_vehicle"


@pytest.mark.parametrize(
    ("length_mm", "width_mm", "height_mm", "expected"),
    [
        pytest.param(18_100, 2_550, 4_000, (), id="exactly at every limit is not over"),
        pytest.param(None, None, 4_001, ("height",), id="4 001 mm high is over"),
        pytest.param(None, 2_551, None, ("width",), id="2 551 mm wide is over"),
        pytest.param(18_101, None, None, ("length",), id="18 101 mm long is over"),
        pytest.param(18_101, 2_551, 4_001, ("height", "width", "length"), id="all three in row order"),
        pytest.param(None, None, None, (), id="unknown dimensions are not violations"),
    ],
)
def test_size_limits_are_strictly_greater_than(length_mm, width_mm, height_mm, expected):
    assert size_violations(length_mm, width_mm, height_mm) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [("1+2+3", (1, 2, 3)), ("2", (2,)), (" 1 + 1 + 2 ", (1, 1, 2)), ("2+1+3", (2, 1, 3))],
)
def test_axle_groups_text_parses_to_counts_front_to_back(text, expected):
    assert parse_axle_groups(text) == expected


@pytest.mark.parametrize("text", ["", "1+", "1+x", "0+2", "1,2", "-1+2", "1++2", "１+2"])
def test_malformed_axle_groups_are_rejected(text):
    with pytest.raises(InvalidVehicle):
        parse_axle_groups(text)
