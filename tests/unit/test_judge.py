"""Judgement (LEGAL.md §2–4). Expected numbers are LEGAL.md's or worked by hand in the comments:
L and W in kg, ZJ fine = 300·(min(W, 1.5L) − 1.2L)⁺ + 500·(W − 1.5L)⁺ per tonne, MOT = 500 per 1 000 kg."""

from dataclasses import replace

import pytest

from zhichao.domain.errors import InvalidVehicle
from zhichao.domain.judge import judge, over_highway_line, overload_band
from zhichao.domain.rulesets import MOT_2016, ZJ_2020
from zhichao.domain.vehicles import Vehicle

SIX = (1, 2, 3)  # 6-axle train, tandem drive: L = 49 000, 1.2L = 58 800, 1.5L = 73 500
FOUR = (1, 1, 2)  # 4-axle train: L = 36 000, 1.2L = 43 200
ZJ_FLOOR, ZJ_CEIL = replace(ZJ_2020, partial_unit="floor"), replace(ZJ_2020, partial_unit="ceil")
MOT_FLOOR, MOT_CEIL = replace(MOT_2016, partial_unit="floor"), replace(MOT_2016, partial_unit="ceil")
ZJ_MPE = replace(ZJ_2020, deduct_mpe=True)


def six_axles(gross_kg):
    return Vehicle(axle_count=6, gross_kg=gross_kg, axle_groups=SIX)


def test_the_contract_example_comes_out_exactly():
    # LEGAL.md §2 and §4: 60 320 against 49 000 → 11 320 kg, 23.10 %, 456 yuan.
    assert judge(six_axles(60_320), ZJ_2020).to_contract() == {
        "rule_set": "ZJ-2020",
        "limit_kg": 49_000,
        "limit_basis": "6轴汽车列车(双驱动轴) 超限规定第三条",
        "overload_kg": 11_320,
        "overload_rate_pct": 23.10,
        "overloaded": True,
        "actionable": True,
        "fine_yuan": 456,
        "warning_only": False,
        "legal_basis": "浙江省公路条例第五十三条",
    }


def test_to_contract_has_exactly_the_contract_keys_in_order():
    keys = list(judge(six_axles(60_320), ZJ_2020).to_contract())
    assert keys == [
        "rule_set", "limit_kg", "limit_basis", "overload_kg", "overload_rate_pct",
        "overloaded", "actionable", "fine_yuan", "warning_only", "legal_basis",
    ]  # fmt: skip


def test_the_contract_rate_is_a_float_in_percent():
    rate = judge(six_axles(60_320), ZJ_2020).to_contract()["overload_rate_pct"]
    assert isinstance(rate, float) and rate == 23.1


@pytest.mark.parametrize(
    ("gross", "overload", "rate_x100", "overloaded", "actionable", "warning", "fine", "band"),
    [
        pytest.param(49_000, 0, 0, False, False, False, 0, -1, id="exactly at the limit is not overloaded"),
        # 1 / 49 000 = 0.002 % → 0.00 %, still overloaded.
        pytest.param(49_001, 1, 0, True, False, True, 0, 0, id="one kg over is overloaded, a warning"),
        # 9 800 / 49 000 = 20.00 % exactly: "more than 20 %" is not met.
        pytest.param(58_800, 9_800, 2_000, True, False, True, 0, 2, id="exactly 20 percent is a warning"),
        # 1 kg above 1.2L: 0.001 t × 300 = 0.3 yuan → 0; 9 801 / 49 000 = 20.002 % → 20.00 %.
        pytest.param(58_801, 9_801, 2_000, True, True, False, 0, 2, id="20 percent plus 1 kg is actionable"),
        pytest.param(58_802, 9_802, 2_000, True, True, False, 1, 2, id="2 kg above 1.2L is 0.6 yuan, 1"),
        pytest.param(58_805, 9_805, 2_001, True, True, False, 2, 2, id="5 kg above 1.2L is 1.5 yuan, 2"),
        # 15 kg × 0.3 = 4.5 yuan → 5 half-up (banker's rounding would give 4).
        pytest.param(58_815, 9_815, 2_003, True, True, False, 5, 2, id="4.5 yuan rounds half up to 5"),
        # 1.5L: 14 700 kg × 0.3 = 4 410; 24 500 / 49 000 = 50 %.
        pytest.param(73_500, 24_500, 5_000, True, True, False, 4_410, 5, id="exactly 1.5L is 4 410"),
        # 4 410 + 0.001 t × 500 = 4 410.5 → 4 411.
        pytest.param(73_501, 24_501, 5_000, True, True, False, 4_411, 5, id="1 kg above 1.5L is 4 411"),
        pytest.param(60_320, 11_320, 2_310, True, True, False, 456, 2, id="worked example 60 320 is 456"),
        # 31 000 / 49 000 = 63.265 % → 63.27; 4 410 + 6.5 t × 500 = 7 660.
        pytest.param(80_000, 31_000, 6_327, True, True, False, 7_660, 6, id="worked example 80 000 is 7 660"),
    ],
)
def test_zj_2020_judges_the_edges_of_its_bands(
    gross, overload, rate_x100, overloaded, actionable, warning, fine, band
):
    verdict = judge(six_axles(gross), ZJ_2020)
    assert (verdict.overload_kg, verdict.overload_rate_x100) == (overload, rate_x100)
    assert verdict.overloaded is overloaded
    assert (verdict.actionable, verdict.warning_only, verdict.fine_yuan, verdict.band) == (
        actionable, warning, fine, band,
    )  # fmt: skip


@pytest.mark.parametrize(
    ("gross", "rate_x100"),
    [
        # L = 36 000; 9 / 36 000 = 0.025 % exactly → 0.03 (half-up; half-even would give 0.02).
        pytest.param(36_009, 3, id="0.025 percent rounds up to 0.03"),
        pytest.param(36_008, 2, id="0.0222 percent rounds down to 0.02"),
        # 369 / 36 000 = 1.025 % exactly → 1.03.
        pytest.param(36_369, 103, id="1.025 percent rounds up to 1.03"),
        # 7 209 / 36 000 = 20.025 % exactly → 20.03.
        pytest.param(43_209, 2_003, id="20.025 percent rounds up to 20.03"),
        # 27 / 36 000 = 0.075 % exactly → 0.08.
        pytest.param(36_027, 8, id="0.075 percent rounds up to 0.08"),
    ],
)
def test_the_rate_is_rounded_half_up_to_two_decimals(gross, rate_x100):
    verdict = judge(Vehicle(axle_count=4, gross_kg=gross, axle_groups=FOUR), ZJ_2020)
    assert verdict.overload_rate_x100 == rate_x100


def test_a_rate_just_above_twenty_percent_is_actionable_with_its_pro_rata_fine():
    # L = 36 000, 1.2L = 43 200: 9 kg × 0.3 yuan = 2.7 → 3.
    verdict = judge(Vehicle(axle_count=4, gross_kg=43_209, axle_groups=FOUR), ZJ_2020)
    assert (verdict.actionable, verdict.fine_yuan) == (True, 3)


@pytest.mark.parametrize(
    ("rules", "gross", "fine"),
    [
        # 4 410 + 500 × (124.68 − 73.5 = 51.18 t) = 4 410 + 25 590 = 30 000.
        pytest.param(ZJ_2020, 124_680, 30_000, id="ZJ reaches the cap exactly at 124 680"),
        # 4 410 + 500 × 51.17 = 29 995.
        pytest.param(ZJ_2020, 124_670, 29_995, id="ZJ just below the cap"),
        # 4 410 + 500 × 56.5 = 32 660 → 30 000.
        pytest.param(ZJ_2020, 130_000, 30_000, id="ZJ is capped at 30 000"),
        # 60 000 kg over × 0.5 = 30 000.
        pytest.param(MOT_2016, 109_000, 30_000, id="MOT reaches the cap exactly at 60 t over"),
        # 71 000 kg over × 0.5 = 35 500 → 30 000.
        pytest.param(MOT_2016, 120_000, 30_000, id="MOT is capped at 30 000"),
    ],
)
def test_fines_are_capped_at_thirty_thousand_yuan(rules, gross, fine):
    assert judge(six_axles(gross), rules).fine_yuan == fine


@pytest.mark.parametrize(
    ("gross", "actionable", "warning", "fine"),
    [
        pytest.param(49_000, False, False, 0, id="at the limit nothing happens"),
        pytest.param(49_001, False, True, 0, id="1 kg over is a warning"),
        pytest.param(50_000, False, True, 0, id="exactly 1 000 kg over is a warning"),
        # 1 001 kg × 0.5 = 500.5 → 501.
        pytest.param(50_001, True, False, 501, id="1 001 kg over is fined pro rata"),
        # 11 320 kg × 0.5 = 5 660.
        pytest.param(60_320, True, False, 5_660, id="11 320 kg over is 5 660"),
    ],
)
def test_mot_2016_warns_up_to_one_tonne_and_fines_beyond(gross, actionable, warning, fine):
    verdict = judge(six_axles(gross), MOT_2016)
    assert (verdict.actionable, verdict.warning_only, verdict.fine_yuan) == (actionable, warning, fine)
    assert verdict.legal_basis == "超限运输车辆行驶公路管理规定第四十三条"


@pytest.mark.parametrize(
    ("rules", "gross", "fine"),
    [
        # ZJ fined mass is W − 1.2L = W − 58 800, rounded to whole tonnes before the tiers apply.
        pytest.param(ZJ_FLOOR, 60_320, 300, id="ZJ floor counts 1.52 t as 1"),
        pytest.param(ZJ_CEIL, 60_320, 600, id="ZJ ceil counts 1.52 t as 2"),
        pytest.param(ZJ_CEIL, 58_801, 300, id="ZJ ceil counts 1 kg as a tonne"),
        pytest.param(ZJ_FLOOR, 58_801, 0, id="ZJ floor counts 1 kg as nothing"),
        pytest.param(ZJ_FLOOR, 59_800, 300, id="ZJ floor leaves a whole tonne alone"),
        pytest.param(ZJ_CEIL, 59_800, 300, id="ZJ ceil leaves a whole tonne alone"),
        # 21.2 t → 21 t: up to 79 800 → 4 410 + 500 × 6.3 = 7 560.
        pytest.param(ZJ_FLOOR, 80_000, 7_560, id="ZJ floor across the 1.5L line"),
        # 21.2 t → 22 t: up to 80 800 → 4 410 + 500 × 7.3 = 8 060.
        pytest.param(ZJ_CEIL, 80_000, 8_060, id="ZJ ceil across the 1.5L line"),
        # MOT fined mass is the whole overload.
        pytest.param(MOT_FLOOR, 50_001, 500, id="MOT floor counts 1 001 kg as 1 unit"),
        pytest.param(MOT_CEIL, 50_001, 1_000, id="MOT ceil counts 1 001 kg as 2 units"),
        pytest.param(MOT_FLOOR, 60_320, 5_500, id="MOT floor counts 11 320 kg as 11 units"),
        pytest.param(MOT_CEIL, 60_320, 6_000, id="MOT ceil counts 11 320 kg as 12 units"),
    ],
)
def test_partial_units_can_be_floored_or_ceiled(rules, gross, fine):
    assert judge(six_axles(gross), rules).fine_yuan == fine


@pytest.mark.parametrize(
    ("rules", "mpe_permille", "gross", "overload", "rate_x100", "actionable", "fine"),
    [
        pytest.param(ZJ_2020, 50, 60_320, 11_320, 2_310, True, 456, id="MPE is ignored when deduction is off"),
        pytest.param(ZJ_MPE, 0, 60_320, 11_320, 2_310, True, 456, id="a zero MPE deducts nothing"),
        # 60 320 × 0.95 = 57 304; 8 304 / 49 000 = 16.947 % → 16.95, under 20 %: a warning.
        pytest.param(ZJ_MPE, 50, 60_320, 8_304, 1_695, False, 0, id="a 5 percent MPE makes it a warning"),
        # 60 321 × 0.95 = 57 304.95 → 57 304: the deduction rounds in the driver's favour.
        pytest.param(ZJ_MPE, 50, 60_321, 8_304, 1_695, False, 0, id="the deducted gross is rounded down"),
        # 80 000 × 0.95 = 76 000; 27 000 / 49 000 = 55.10 %; 4 410 + 500 × 2.5 = 5 660.
        pytest.param(ZJ_MPE, 50, 80_000, 27_000, 5_510, True, 5_660, id="the fine follows the deducted gross"),
        # 51 579 × 0.95 = 49 000.05 → 49 000: exactly at the limit.
        pytest.param(ZJ_MPE, 50, 51_579, 0, 0, False, 0, id="deduction can bring a vehicle to the limit"),
        # Class 0.5: 60 320 × 0.995 = 60 018.4 → 60 018; 11 018 / 49 000 = 22.486 % → 22.49;
        # fine 300 × (60.018 − 58.8) = 365.4 → 365.
        pytest.param(ZJ_MPE, 5, 60_320, 11_018, 2_249, True, 365, id="a fractional class deducts tenths of a percent"),
    ],
)
def test_the_device_error_is_deducted_only_when_the_rule_set_says_so(
    rules, mpe_permille, gross, overload, rate_x100, actionable, fine
):
    verdict = judge(six_axles(gross), rules, mpe_permille=mpe_permille)
    assert (verdict.overload_kg, verdict.overload_rate_x100) == (overload, rate_x100)
    assert (verdict.actionable, verdict.fine_yuan) == (actionable, fine)


def test_an_mpe_of_a_hundred_percent_is_refused():
    with pytest.raises(ValueError, match="mpe_permille"):
        judge(six_axles(60_320), ZJ_MPE, mpe_permille=1000)


@pytest.mark.parametrize(
    ("rate_x100", "band"),
    [
        pytest.param(0, 0, id="an overload shown as 0.00 percent is band 0"),
        pytest.param(1, 0, id="0.01 percent is band 0"),
        pytest.param(999, 0, id="9.99 percent is band 0"),
        pytest.param(1_000, 1, id="10.00 percent opens band 1"),
        pytest.param(1_999, 1, id="19.99 percent is band 1"),
        pytest.param(2_000, 2, id="20.00 percent opens band 2"),
        pytest.param(8_999, 8, id="89.99 percent is band 8"),
        pytest.param(9_000, 9, id="90.00 percent opens band 9"),
        pytest.param(9_999, 9, id="99.99 percent is band 9"),
        pytest.param(10_000, 10, id="100 percent is the top band"),
        pytest.param(25_000, 10, id="250 percent is the top band"),
    ],
)
def test_overload_bands_are_closed_below_and_open_above(rate_x100, band):
    assert overload_band(rate_x100) == band


@pytest.mark.parametrize(
    ("gross", "band"),
    [
        # 4 894 / 49 000 = 9.988 % → 9.99 → band 0.
        pytest.param(53_894, 0, id="9.99 percent is band 0"),
        # 4 899 / 49 000 = 9.998 % → shown as 10.00 → band 1 (the band follows the shown rate).
        pytest.param(53_899, 1, id="a rate shown as 10.00 percent is band 1"),
        pytest.param(53_900, 1, id="exactly 10 percent is band 1"),
        pytest.param(98_000, 10, id="exactly 100 percent is band 10"),
    ],
)
def test_the_verdict_band_follows_the_rounded_rate(gross, band):
    assert judge(six_axles(gross), ZJ_2020).band == band


@pytest.mark.parametrize(
    ("gross", "limit", "over"),
    [
        pytest.param(51_450, 49_000, False, id="exactly 105 percent of 49 t is not over"),
        pytest.param(51_451, 49_000, True, id="1 kg above 105 percent of 49 t is over"),
        pytest.param(18_900, 18_000, False, id="exactly 105 percent of 18 t is not over"),
        pytest.param(18_901, 18_000, True, id="1 kg above 105 percent of 18 t is over"),
    ],
)
def test_the_highway_line_is_strictly_above_105_percent(gross, limit, over):
    assert over_highway_line(gross, limit) is over


def test_an_inferred_limit_is_carried_into_the_verdict():
    verdict = judge(Vehicle(axle_count=6, gross_kg=60_320), ZJ_2020)
    assert verdict.limit_inferred is True
    assert verdict.limit_basis == "6轴汽车列车(双驱动轴) 超限规定第三条（按轴数推定）"


def test_a_vehicle_with_one_axle_cannot_be_judged():
    with pytest.raises(InvalidVehicle):
        judge(Vehicle(axle_count=1, gross_kg=10_000), ZJ_2020)
