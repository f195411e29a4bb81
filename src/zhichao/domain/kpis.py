"""The bureau's six goals (KPIS.md) as pure functions over counts, their targets per year, and what a
value means against its target; pure.

Each KPI is one function that takes counts and settings and returns a ``KpiValue``: the value, the
numerator and denominator it is the quotient of, what was left out and why, and the rule in words, so
that a number on the dashboard can always be explained. The value is None when the denominator is 0.

    device_online_rate, device_normal_rate   domain/device_kpis.py  (device-days)
    handheld_inspection_share                domain/inspections.py  (handheld_share)
    local_disposal_rate, valid_case_penalty_rate, site_overload_rate   here
    highway_overload_rate                    domain/entrance.py     (highway_rate)

Targets are data: the plan's for 2019–2021 (``DEFAULT_TARGETS``); the bureau adds or changes years in
the console (table ``kpi_targets``), and a year without its own target keeps the latest year before it.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import astuple, dataclass, field, replace

from zhichao.domain.cases import DISPOSED_STATES, PENALISED_STATES
from zhichao.domain.cases import REFERRED_POLICE as CASE_REFERRED
from zhichao.domain.cases import STATES as CASE_STATES
from zhichao.domain.cases import TRANSFERRED as CASE_TRANSFERRED
from zhichao.domain.cases import WITHDRAWN as CASE_WITHDRAWN

ONLINE_RATE, NORMAL_RATE = "device_online_rate", "device_normal_rate"
HANDHELD_SHARE, LOCAL_DISPOSAL = "handheld_inspection_share", "local_disposal_rate"
CASE_PENALTY = "valid_case_penalty_rate"
SITE_OVERLOAD, HIGHWAY_OVERLOAD = "site_overload_rate", "highway_overload_rate"
AT_LEAST, AT_MOST = "at_least", "at_most"  # the target is a floor (rates to raise) or a ceiling (rates to lower)
GREEN, AMBER, RED = "green", "amber", "red"
# Amber: short of a floor by at most a tenth of it (81 % against 90 %), or over a ceiling by at most half
# of it (3 % against 2 %). Beyond that, red.
AMBER_FLOOR_SHARE, AMBER_CEILING_FACTOR = 0.9, 1.5

Targets = Mapping[str, Mapping[int, float]]


@dataclass(frozen=True, slots=True)
class KpiSpec:
    id: str
    number: int  # the goal's number in the plan (1–6)
    label: str
    direction: str


SPECS = (
    KpiSpec(ONLINE_RATE, 1, "设备在线率", AT_LEAST),
    KpiSpec(NORMAL_RATE, 1, "设备正常率", AT_LEAST),
    KpiSpec(HANDHELD_SHARE, 2, "掌上执法检查占比", AT_LEAST),
    KpiSpec(LOCAL_DISPOSAL, 3, "本地车辆处置率", AT_LEAST),
    KpiSpec(CASE_PENALTY, 4, "有效案件处罚率", AT_LEAST),
    KpiSpec(SITE_OVERLOAD, 5, "非现场点位平均超限率", AT_MOST),
    KpiSpec(HIGHWAY_OVERLOAD, 6, "高速公路平均超限率", AT_MOST),
)
SPEC_BY_ID = {s.id: s for s in SPECS}
KPI_IDS = tuple(s.id for s in SPECS)

DEFAULT_TARGETS: Targets = {
    ONLINE_RATE: {2019: 0.90, 2020: 0.90, 2021: 0.90},
    NORMAL_RATE: {2019: 0.90, 2020: 0.90, 2021: 0.90},
    HANDHELD_SHARE: {2019: 0.30, 2020: 0.50, 2021: 0.70},
    LOCAL_DISPOSAL: {2019: 0.50, 2020: 0.70, 2021: 0.90},
    CASE_PENALTY: {2019: 0.30, 2020: 0.50, 2021: 0.70},
    SITE_OVERLOAD: {2019: 0.02, 2020: 0.01, 2021: 0.005},
    HIGHWAY_OVERLOAD: {2019: 0.02, 2020: 0.005, 2021: 0.002},
}

LOCAL_DISPOSAL_RULE = "本地车辆有效案件中已作出处罚决定、不予处罚决定或已结案的案件数 ÷ 本地车辆有效案件数"
CASE_PENALTY_RULE = "已作出处罚决定的有效案件数（抄告登记地的案件计为已处理，单列）÷ 有效案件数"
SITE_OVERLOAD_RULE = "非现场执法点位超过处罚线的货车数 ÷ 称重货车数（数据不足的点位除外）"
WITHDRAWN, REFERRED_POLICE = "withdrawn", "referred_police"
FEW_DAYS, FEW_TRUCKS = "few_online_days", "few_trucks"
EXCLUSION_LABELS = {WITHDRAWN: "已撤销（不再是有效案件）", REFERRED_POLICE: "已移送公安机关",
                    FEW_DAYS: "在线天数不足", FEW_TRUCKS: "称重车辆数不足"}


@dataclass(frozen=True, slots=True)
class Exclusion:
    """Something left out of a KPI: a station for a number of days, or a number of cases."""

    station_id: str | None
    name: str
    reason: str
    days: int = 0
    count: int = 0


@dataclass(frozen=True, slots=True)
class KpiValue:
    """One KPI for a period: the value is ``numerator / denominator``, None when nothing was expected."""

    id: str
    value: float | None
    target: float | None
    numerator: int
    denominator: int
    excluded: tuple[Exclusion, ...] = ()
    rule: str = ""
    by_station: tuple[tuple[str, int, int], ...] = field(default=())  # (station_id, numerator, denominator)
    parts: tuple[tuple[str, int], ...] = ()  # the numerator's parts, where the definition shows them apart


def target(kpi: str, year: int, targets: Targets = DEFAULT_TARGETS) -> float | None:
    """The target for ``year``: its own, else the latest year before it, else None."""
    years = targets.get(kpi, {})
    known = [y for y in years if y <= year]
    return years[max(known)] if known else None


def merge_targets(defaults: Targets, rows: Sequence[tuple[str, int, float]]) -> dict[str, dict[int, float]]:
    """The plan's targets with the bureau's (kpi, year, target) rows laid over them."""
    merged = {kpi: dict(years) for kpi, years in defaults.items()}
    for kpi, year, value in rows:
        merged.setdefault(kpi, {})[year] = value
    return merged


def with_target(value: KpiValue, year: int, targets: Targets) -> KpiValue:
    return replace(value, target=target(value.id, year, targets))


def status(kpi: str, value: float | None, goal: float | None) -> str | None:
    """Green when the target is met, amber when near it, red otherwise; None without a value or a target."""
    if value is None or goal is None:
        return None
    if SPEC_BY_ID[kpi].direction == AT_LEAST:
        return GREEN if value >= goal else AMBER if value >= goal * AMBER_FLOOR_SHARE else RED
    return GREEN if value <= goal else AMBER if value <= goal * AMBER_CEILING_FACTOR else RED


def _rate(kpi: str, numerator: int, denominator: int, year: int, rule: str, **extra: object) -> KpiValue:
    value = numerator / denominator if denominator else None
    return KpiValue(kpi, value, target(kpi, year), numerator, denominator, rule=rule, **extra)  # type: ignore[arg-type]


# The case list's outcome filter: the cases behind KPI 3 and 4's numbers (the drill-down from the dashboard).
LEFT_OUT_STATES = frozenset({CASE_WITHDRAWN, CASE_REFERRED})
CASE_GROUPS: Mapping[str, frozenset[str]] = {
    "disposed": DISPOSED_STATES,
    "undisposed": frozenset(CASE_STATES) - DISPOSED_STATES - LEFT_OUT_STATES,
    "penalised": PENALISED_STATES,
    "unpenalised": frozenset(CASE_STATES) - PENALISED_STATES - LEFT_OUT_STATES,
    "left_out": LEFT_OUT_STATES,
}
CASE_GROUP_LABELS = {"disposed": "已处置（目标3）", "undisposed": "未处置（目标3）", "penalised": "已处罚（目标4）",
                     "unpenalised": "未处罚（目标4）", "left_out": "不计入（撤销、移送公安）"}


@dataclass(frozen=True, slots=True)
class CaseCounts:
    """Cases opened in a period, by what has become of them (every case has passed the two-step review).

    ``penalised`` includes ``transferred``; ``disposed`` includes ``penalised`` and the decisions not to
    penalise; ``local_*`` count the cases on local plates among them."""

    opened: int
    withdrawn: int
    referred_police: int
    penalised: int
    transferred: int
    local_opened: int
    local_withdrawn: int
    local_referred_police: int
    local_disposed: int


def count_cases(rows: Sequence[tuple[str, str, int]], local_prefixes: Sequence[str]) -> CaseCounts:
    """CaseCounts from (state, the plate's first two characters, cases): local is a head that starts with
    one of ``local_prefixes`` (浙D, or 浙 for the province; longer prefixes cannot be told from two characters
    and are refused by the settings)."""
    def total(states: frozenset[str] | None, local: bool | None) -> int:
        return sum(n for state, head, n in rows if (states is None or state in states)
                   and (local is None or head.startswith(tuple(local_prefixes)) == local))

    gone, police = frozenset({CASE_WITHDRAWN}), frozenset({CASE_REFERRED})
    return CaseCounts(total(None, None), total(gone, None), total(police, None), total(PENALISED_STATES, None),
                      total(frozenset({CASE_TRANSFERRED}), None), total(None, True), total(gone, True),
                      total(police, True), total(DISPOSED_STATES, True))


def add_case_counts(a: CaseCounts, b: CaseCounts) -> CaseCounts:
    return CaseCounts(*(x + y for x, y in zip(astuple(a), astuple(b), strict=True)))


def _case_exclusions(withdrawn: int, referred: int) -> tuple[Exclusion, ...]:
    return tuple(Exclusion(None, EXCLUSION_LABELS[reason], reason, count=n)
                 for reason, n in ((WITHDRAWN, withdrawn), (REFERRED_POLICE, referred)) if n)


def local_disposal_rate(c: CaseCounts, year: int) -> KpiValue:
    """KPI 3. A withdrawn case is no longer a valid case, and one sent to the police is the police's to
    dispose of: both leave the denominator and are listed."""
    valid = c.local_opened - c.local_withdrawn - c.local_referred_police
    return _rate(LOCAL_DISPOSAL, c.local_disposed, valid, year, LOCAL_DISPOSAL_RULE,
                 excluded=_case_exclusions(c.local_withdrawn, c.local_referred_police))


def valid_case_penalty_rate(c: CaseCounts, year: int) -> KpiValue:
    """KPI 4: penalised ÷ valid, the transfers to the registration region shown as a part of the numerator."""
    valid = c.opened - c.withdrawn - c.referred_police
    return _rate(CASE_PENALTY, c.penalised, valid, year, CASE_PENALTY_RULE,
                 excluded=_case_exclusions(c.withdrawn, c.referred_police),
                 parts=(("decided", c.penalised - c.transferred), ("transferred", c.transferred)))


@dataclass(frozen=True, slots=True)
class SiteCounts:
    """One enforcement site over a period: trucks weighed, those over the line, days online."""

    station_id: str
    name: str
    trucks: int
    over_line: int
    online_days: int


@dataclass(frozen=True, slots=True)
class SiteRule:
    """KPI 5's settings: stations with fewer online days or trucks than these, per 30-day month and
    pro rata for other periods (rounded up), are left out as having too little data."""

    min_online_days_per_month: int = 10
    min_trucks_per_month: int = 500


def site_minimums(rule: SiteRule, days: int) -> tuple[int, int]:
    """(online days, trucks) a station needs over ``days`` days."""
    share = days / 30
    return (min(days, math.ceil(rule.min_online_days_per_month * share)),
            math.ceil(rule.min_trucks_per_month * share))


def site_overload_rate(sites: Sequence[SiteCounts], days: int, rule: SiteRule, year: int) -> KpiValue:
    """KPI 5 over a period of ``days`` days: over the line ÷ weighed, summed over the sites with enough data."""
    need_days, need_trucks = site_minimums(rule, days)
    kept: list[SiteCounts] = []
    excluded: list[Exclusion] = []
    for s in sorted(sites, key=lambda s: s.station_id):
        if s.online_days < need_days:
            excluded.append(Exclusion(s.station_id, s.name, FEW_DAYS, days=s.online_days, count=s.trucks))
        elif s.trucks < need_trucks:
            excluded.append(Exclusion(s.station_id, s.name, FEW_TRUCKS, days=s.online_days, count=s.trucks))
        else:
            kept.append(s)
    return _rate(SITE_OVERLOAD, sum(s.over_line for s in kept), sum(s.trucks for s in kept), year,
                 SITE_OVERLOAD_RULE, excluded=tuple(excluded),
                 by_station=tuple((s.station_id, s.over_line, s.trucks) for s in kept))
