"""Repeat offenders and the serious dishonesty list (LEGAL.md §5), as rules over case histories; pure.

公路安全保护条例 Art. 66 [H]: a vehicle or a driver with *more than three* illegal overloads in one year
(so the fourth in a rolling year triggers) loses its road-transport certificate / is barred from
commercial transport; an enterprise whose overloading vehicles in one year *exceed* 10 % of its fleet is
suspended for rectification. The MOT 2017 rules put the same parties on the serious dishonesty list,
published for two years [M]. Freight sources that keep sending overloaded trucks out are answerable too
(超限规定 Art. 32, 浙江省公路条例 Art. 35); the count that makes a source "repeated" is a setting.

A rule never sanctions anyone by itself: it proposes, with its legal basis and the cases behind it, and
a leader confirms. What counts is a *penalised* overload (a case with a penalty decision), dated by the
act (the day the truck was weighed), in the rolling year that ends on the day judged:

    rolling year ending on D = the days after D one calendar year back, up to D itself
    (2026-11-26 → 2025-11-27 … 2026-11-26: 365 days, 366 across a 29 February)

An entry confirmed on C is listed from C to the day before C two calendar years on, then drops off (kept
in the history). Dates come in as arguments; nothing here reads a clock.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, timedelta

from zhichao.domain.parties import DRIVER, ENTERPRISE, SOURCE

VEHICLE = "vehicle"  # the vehicle itself; the other three are the case parties' roles (domain/parties.py)
PARTY_KINDS = (VEHICLE, DRIVER, ENTERPRISE, SOURCE)
PARTY_LABELS: Mapping[str, str] = {
    VEHICLE: "车辆", DRIVER: "驾驶人", ENTERPRISE: "道路运输企业", SOURCE: "货运源头单位",
}

MAX_PER_YEAR = 3  # "more than 3" (Art. 66): the 4th penalised overload in a rolling year triggers
FLEET_SHARE = 0.10  # an enterprise's overloading vehicles must EXCEED 10 % of its fleet
LISTED_YEARS = 2  # the serious dishonesty list publishes an entry for two years (MOT 2017)

BASIS: Mapping[str, str] = {
    VEHICLE: "《公路安全保护条例》第六十六条：一年内违法超限运输超过3次的货运车辆，由道路运输管理机构吊销其车辆营运证；"
             "列入严重失信名单（交通运输部 2017）",
    DRIVER: "《公路安全保护条例》第六十六条：一年内违法超限运输超过3次的货运车辆驾驶人，由道路运输管理机构责令其"
            "停止从事营业性运输；列入严重失信名单（交通运输部 2017）",
    ENTERPRISE: "《公路安全保护条例》第六十六条：道路运输企业一年内违法超限运输的货运车辆超过本单位货运车辆总数10%的，"
                "由道路运输管理机构责令该道路运输企业停业整顿；列入严重失信名单（交通运输部 2017）",
    SOURCE: "《超限运输车辆行驶公路管理规定》第三十二条、《浙江省公路条例》第三十五条：货运源头单位放行违法超限"
            "车辆，纳入“一超四罚”处理",
}


@dataclass(frozen=True, slots=True)
class Offence:
    """One penalised overload as it bears on one party (a case links up to four of them)."""

    case_id: int
    party_kind: str  # vehicle, driver, enterprise, source
    party_key: str  # normalised plate, ID number, credit code, source code
    plate: str  # the vehicle's plate (an enterprise counts vehicles, not cases)
    on: date  # the day of the act (the weighing), not of the decision


@dataclass(frozen=True, slots=True)
class Proposal:
    """A sanction a leader may confirm: who, by which rule, from which cases."""

    party_kind: str
    party_key: str
    rule: str  # art66_vehicle, art66_driver, art66_enterprise, source_repeated
    basis: str
    on: date  # the day judged (the end of the rolling year)
    window_from: date
    count: int  # offences (vehicle, driver, source) or overloading vehicles (enterprise)
    threshold: float  # what the count had to exceed
    case_ids: tuple[int, ...]
    fleet: int | None = None  # the enterprise's fleet size


def year_back(day: date) -> date:
    """The first day of the rolling year that ends on ``day`` (one calendar year back, plus a day)."""
    try:
        back = day.replace(year=day.year - 1)
    except ValueError:  # 29 February: a year back there is no such day
        back = date(day.year - 1, 2, 28)
    return back + timedelta(days=1)


def _in_year(offences: Iterable[Offence], day: date) -> list[Offence]:
    start = year_back(day)
    return sorted((o for o in offences if start <= o.on <= day), key=lambda o: (o.on, o.case_id))


def _by_party(offences: Iterable[Offence], kind: str) -> dict[str, list[Offence]]:
    out: dict[str, list[Offence]] = defaultdict(list)
    for o in offences:
        if o.party_kind == kind:
            out[o.party_key].append(o)
    return out


def repeat_offenders(offences: Iterable[Offence], day: date, kind: str, max_per_year: int = MAX_PER_YEAR,
                     rule: str | None = None) -> list[Proposal]:
    """Parties of ``kind`` (vehicle, driver, source) with more than ``max_per_year`` offences in the rolling
    year ending on ``day``."""
    out = []
    for key, own in sorted(_by_party(offences, kind).items()):
        counted = _in_year(own, day)
        if len(counted) > max_per_year:
            out.append(Proposal(kind, key, rule or f"art66_{kind}", BASIS[kind], day, year_back(day), len(counted),
                                max_per_year, tuple(o.case_id for o in counted)))
    return out


def enterprises_over_share(offences: Iterable[Offence], fleets: Mapping[str, int], day: date,
                           share: float = FLEET_SHARE) -> list[Proposal]:
    """Enterprises whose vehicles with a penalised overload in the rolling year EXCEED ``share`` of the fleet.

    An enterprise without a known fleet (or a fleet of 0) is not judged: the share cannot be known."""
    out = []
    for key, own in sorted(_by_party(offences, ENTERPRISE).items()):
        fleet = fleets.get(key, 0)
        counted = _in_year(own, day)
        vehicles = {o.plate for o in counted}
        # integers, so that exactly 10 % never triggers through a rounding error: n / fleet > share
        if fleet > 0 and len(vehicles) * 100 > round(share * 100) * fleet:
            out.append(Proposal(ENTERPRISE, key, "art66_enterprise", BASIS[ENTERPRISE], day, year_back(day),
                                len(vehicles), share * fleet, tuple(o.case_id for o in counted), fleet))
    return out


def propose(offences: Sequence[Offence], fleets: Mapping[str, int], day: date,
            source_max_per_year: int = MAX_PER_YEAR) -> list[Proposal]:
    """Every proposal the rules make on ``day``: vehicles, drivers, enterprises, freight sources."""
    return (repeat_offenders(offences, day, VEHICLE) + repeat_offenders(offences, day, DRIVER)
            + enterprises_over_share(offences, fleets, day)
            + repeat_offenders(offences, day, SOURCE, source_max_per_year, "source_repeated"))


def listed_until(confirmed_on: date) -> date:
    """The last day an entry confirmed on ``confirmed_on`` is published (two calendar years, less a day)."""
    return _years_on(confirmed_on, LISTED_YEARS) - timedelta(days=1)


def _years_on(day: date, years: int) -> date:
    try:
        return day.replace(year=day.year + years)
    except ValueError:  # 29 February → 1 March
        return date(day.year + years, 3, 1)


def is_listed(confirmed_on: date, today: date, lifted_on: date | None = None) -> bool:
    """Whether a confirmed entry is published on ``today``: from its confirmation for two years, unless a
    leader lifted it earlier (a revoked decision, a mistaken identity)."""
    if lifted_on is not None and lifted_on <= today:
        return False
    return confirmed_on <= today <= listed_until(confirmed_on)
