"""The bureau's KPIs (KPIS.md) against hand-computed examples; targets and their colours."""

from __future__ import annotations

import pytest

from zhichao.domain import kpis as K
from zhichao.domain.kpis import CaseCounts, SiteCounts, SiteRule


def cases(**given: int) -> CaseCounts:
    zero = dict.fromkeys(CaseCounts.__dataclass_fields__, 0)
    return CaseCounts(**{**zero, **given})


# KPIS.md targets: KPI 3 ≥ 50 / 70 / 90 %, KPI 4 ≥ 30 / 50 / 70 %, KPI 5 ≤ 2 / 1 / 0.5 %, KPI 6 ≤ 2 / 0.5 / 0.2 %,
# KPI 1 ≥ 90 % every year, KPI 2 ≥ 30 / 50 / 70 %. A later year keeps 2021's.
@pytest.mark.parametrize(("kpi", "year", "expected"), [
    (K.ONLINE_RATE, 2019, 0.90), (K.NORMAL_RATE, 2021, 0.90),
    (K.HANDHELD_SHARE, 2019, 0.30), (K.HANDHELD_SHARE, 2020, 0.50), (K.HANDHELD_SHARE, 2021, 0.70),
    (K.LOCAL_DISPOSAL, 2019, 0.50), (K.LOCAL_DISPOSAL, 2020, 0.70), (K.LOCAL_DISPOSAL, 2021, 0.90),
    (K.CASE_PENALTY, 2019, 0.30), (K.CASE_PENALTY, 2020, 0.50), (K.CASE_PENALTY, 2021, 0.70),
    (K.SITE_OVERLOAD, 2019, 0.02), (K.SITE_OVERLOAD, 2020, 0.01), (K.SITE_OVERLOAD, 2021, 0.005),
    (K.HIGHWAY_OVERLOAD, 2019, 0.02), (K.HIGHWAY_OVERLOAD, 2020, 0.005), (K.HIGHWAY_OVERLOAD, 2021, 0.002),
    (K.LOCAL_DISPOSAL, 2026, 0.90), (K.SITE_OVERLOAD, 2026, 0.005), (K.CASE_PENALTY, 2018, None),
])  # fmt: skip
def test_the_plans_targets_by_year(kpi: str, year: int, expected: float | None) -> None:
    assert K.target(kpi, year) == expected


def test_the_bureaus_targets_lie_over_the_plans_and_carry_to_later_years() -> None:
    merged = K.merge_targets(K.DEFAULT_TARGETS, [(K.LOCAL_DISPOSAL, 2025, 0.95), (K.SITE_OVERLOAD, 2020, 0.008)])
    assert K.target(K.LOCAL_DISPOSAL, 2024, merged) == 0.90
    assert K.target(K.LOCAL_DISPOSAL, 2027, merged) == 0.95
    assert K.target(K.SITE_OVERLOAD, 2020, merged) == 0.008
    assert K.target(K.SITE_OVERLOAD, 2020) == 0.01  # the plan's table is untouched


def test_local_disposal_rate_by_hand() -> None:
    # 40 cases on 浙D plates: 2 withdrawn, 1 sent to the police → 37 valid; 30 penalised or not penalised
    value = K.local_disposal_rate(cases(opened=55, local_opened=40, local_withdrawn=2, local_referred_police=1,
                                        local_disposed=30), 2020)
    assert (value.numerator, value.denominator) == (30, 37)
    assert value.value == pytest.approx(30 / 37)  # 81.08 %
    assert value.target == 0.70
    assert [(e.reason, e.count) for e in value.excluded] == [(K.WITHDRAWN, 2), (K.REFERRED_POLICE, 1)]


def test_valid_case_penalty_rate_shows_transfers_apart() -> None:
    # 200 opened, 10 withdrawn → 190 valid; 95 penalised of which 20 closed and transferred
    value = K.valid_case_penalty_rate(cases(opened=200, withdrawn=10, penalised=95, transferred=20), 2021)
    assert (value.numerator, value.denominator, value.value) == (95, 190, 0.5)
    assert dict(value.parts) == {"decided": 75, "transferred": 20}
    assert value.target == 0.70


def test_case_kpis_without_cases_are_none_not_a_division_by_zero() -> None:
    assert K.local_disposal_rate(cases(), 2021).value is None
    assert K.valid_case_penalty_rate(cases(opened=3, withdrawn=3), 2021).value is None


@pytest.mark.parametrize(("days", "need_days", "need_trucks"), [
    (30, 10, 500),   # the setting, a month
    (90, 30, 1500),  # a quarter
    (7, 3, 117),     # a week: 7 × 10 / 30 = 2.33 → 3; 7 × 500 / 30 = 116.7 → 117
    (1, 1, 17),      # one day
    (365, 122, 6084),
])  # fmt: skip
def test_site_minimums_are_per_month_pro_rata(days: int, need_days: int, need_trucks: int) -> None:
    assert K.site_minimums(SiteRule(), days) == (need_days, need_trucks)


def test_site_overload_rate_by_hand_with_exclusions() -> None:
    sites = [
        SiteCounts("S1", "一号点", trucks=12_000, over_line=180, online_days=30),
        SiteCounts("S2", "二号点", trucks=8_000, over_line=40, online_days=28),
        SiteCounts("S3", "三号点", trucks=9_000, over_line=900, online_days=9),  # 9 < 10 days
        SiteCounts("S4", "四号点", trucks=450, over_line=100, online_days=30),  # 450 < 500 trucks
    ]
    value = K.site_overload_rate(sites, 30, SiteRule(), 2020)
    assert (value.numerator, value.denominator) == (220, 20_000)
    assert value.value == pytest.approx(0.011)  # 1.1 % against ≤ 1 %
    assert [(e.station_id, e.reason) for e in value.excluded] == [("S3", K.FEW_DAYS), ("S4", K.FEW_TRUCKS)]
    assert value.by_station == (("S1", 180, 12_000), ("S2", 40, 8_000))
    assert K.status(K.SITE_OVERLOAD, value.value, value.target) == K.AMBER


def test_site_overload_rate_with_every_site_excluded_is_none() -> None:
    value = K.site_overload_rate([SiteCounts("S1", "一号点", 10, 1, 1)], 30, SiteRule(), 2021)
    assert value.value is None and value.denominator == 0 and len(value.excluded) == 1


@pytest.mark.parametrize(("kpi", "value", "goal", "expected"), [
    (K.ONLINE_RATE, 0.90, 0.90, K.GREEN), (K.ONLINE_RATE, 0.81, 0.90, K.AMBER), (K.ONLINE_RATE, 0.80, 0.90, K.RED),
    (K.SITE_OVERLOAD, 0.005, 0.005, K.GREEN), (K.SITE_OVERLOAD, 0.0075, 0.005, K.AMBER),
    (K.SITE_OVERLOAD, 0.0076, 0.005, K.RED), (K.HIGHWAY_OVERLOAD, 0.0, 0.002, K.GREEN),
    (K.CASE_PENALTY, None, 0.7, None), (K.CASE_PENALTY, 0.5, None, None),
])  # fmt: skip
def test_status_against_floors_and_ceilings(kpi: str, value: float | None, goal: float | None,
                                            expected: str | None) -> None:
    assert K.status(kpi, value, goal) == expected


def test_case_counts_add_field_by_field() -> None:
    a = cases(opened=3, penalised=1, local_opened=2)
    b = cases(opened=4, transferred=1, penalised=2, local_disposed=1)
    assert K.add_case_counts(a, b) == cases(opened=7, penalised=3, transferred=1, local_opened=2, local_disposed=1)


def test_every_kpi_of_the_contract_has_a_spec_and_a_target() -> None:
    assert K.KPI_IDS == ("device_online_rate", "device_normal_rate", "handheld_inspection_share",
                         "local_disposal_rate", "valid_case_penalty_rate", "site_overload_rate",
                         "highway_overload_rate")
    assert all(K.target(kpi, 2021) is not None for kpi in K.KPI_IDS)


ROWS = [("valid", "浙D", 3), ("withdrawn", "浙D", 1), ("no_penalty", "浙D", 2), ("closed", "皖K", 4),
        ("transferred", "皖K", 1), ("referred_police", "浙A", 1)]


@pytest.mark.parametrize(("prefixes", "expected"), [
    (("浙D",), cases(opened=12, withdrawn=1, referred_police=1, penalised=5, transferred=1, local_opened=6,
                     local_withdrawn=1, local_disposed=2)),
    (("浙",), cases(opened=12, withdrawn=1, referred_police=1, penalised=5, transferred=1, local_opened=7,
                    local_withdrawn=1, local_referred_police=1, local_disposed=2)),
    ((), cases(opened=12, withdrawn=1, referred_police=1, penalised=5, transferred=1)),
])  # fmt: skip
def test_case_counts_from_the_day_counts_by_hand(prefixes: tuple[str, ...], expected: CaseCounts) -> None:
    assert K.count_cases(ROWS, prefixes) == expected
