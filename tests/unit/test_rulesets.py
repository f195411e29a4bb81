"""Rule sets as data (LEGAL.md §3–4): lookup, parameters, variants, errors."""

from dataclasses import replace

import pytest

from zhichao.domain.errors import DomainError, InvalidRuleSet, UnknownRuleSet
from zhichao.domain.rulesets import DEFAULT_RULE_SET, RULE_SETS, FineTier, get_rule_set


@pytest.mark.parametrize(
    ("rule_set_id", "legal_basis"),
    [
        pytest.param("ZJ-2020", "浙江省公路条例第五十三条", id="ZJ-2020 cites Zhejiang Art. 53"),
        pytest.param("MOT-2016", "超限运输车辆行驶公路管理规定第四十三条", id="MOT-2016 cites Art. 43"),
    ],
)
def test_a_rule_set_is_found_by_its_id(rule_set_id, legal_basis):
    rules = get_rule_set(rule_set_id)
    assert (rules.id, rules.legal_basis) == (rule_set_id, legal_basis)
    assert rules is RULE_SETS[rule_set_id]


@pytest.mark.parametrize(
    ("rule_set_id", "rate_pct", "kg", "tiers"),
    [
        pytest.param("ZJ-2020", 20, 0, (FineTier(20, 300), FineTier(50, 500)), id="ZJ over 20 percent"),
        pytest.param("MOT-2016", 0, 1_000, (FineTier(0, 500),), id="MOT over 1 000 kg"),
    ],
)
def test_each_rule_set_carries_its_band_and_fine_parameters(rule_set_id, rate_pct, kg, tiers):
    rules = get_rule_set(rule_set_id)
    assert (rules.no_penalty_rate_pct, rules.no_penalty_kg, rules.fine_tiers) == (rate_pct, kg, tiers)
    assert (rules.fine_unit_kg, rules.cap_yuan, rules.deduct_mpe, rules.partial_unit) == (
        1_000, 30_000, False, "pro_rata",
    )  # fmt: skip


def test_the_default_rule_set_is_zhejiangs():
    assert DEFAULT_RULE_SET == "ZJ-2020" and DEFAULT_RULE_SET in RULE_SETS


@pytest.mark.parametrize("rule_set_id", ["ZJ-2019", "", "zj-2020", "MOT-2000"])
def test_an_unknown_id_raises_with_a_stable_code(rule_set_id):
    with pytest.raises(UnknownRuleSet) as raised:
        get_rule_set(rule_set_id)
    assert isinstance(raised.value, DomainError)
    assert raised.value.code == "unknown_rule_set"
    assert rule_set_id in raised.value.message and "规则集" in raised.value.message


@pytest.mark.parametrize(
    ("change", "value"),
    [("deduct_mpe", True), ("partial_unit", "floor"), ("partial_unit", "ceil"), ("cap_yuan", 20_000)],
)
def test_a_variant_is_derived_with_replace_and_keeps_the_rest(change, value):
    variant = replace(get_rule_set("ZJ-2020"), **{change: value})
    assert getattr(variant, change) == value
    assert variant.legal_basis == "浙江省公路条例第五十三条"
    assert getattr(get_rule_set("ZJ-2020"), change) != value


@pytest.mark.parametrize(
    ("change", "value"),
    [
        pytest.param("partial_unit", "round", id="an unknown partial unit"),
        pytest.param("fine_tiers", (), id="no fine tiers"),
        pytest.param("fine_tiers", (FineTier(50, 500), FineTier(20, 300)), id="tiers out of order"),
        pytest.param("fine_unit_kg", 0, id="a zero fine unit"),
        pytest.param("cap_yuan", -1, id="a negative cap"),
    ],
)
def test_an_inconsistent_variant_is_refused(change, value):
    with pytest.raises(InvalidRuleSet) as raised:
        replace(get_rule_set("ZJ-2020"), **{change: value})
    assert raised.value.code == "invalid_rule_set"


def test_the_registry_cannot_be_changed_at_run_time():
    with pytest.raises(TypeError):
        RULE_SETS["X"] = get_rule_set("ZJ-2020")  # type: ignore[index]
