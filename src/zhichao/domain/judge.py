"""Judging one weighed vehicle against a rule set: limit → overload → actionable? → fine (LEGAL.md §2–4).

All arithmetic is on integers (kg, yuan, hundredths of a percent); every rounding is half-up and
written where it happens. This runs once per ingested record (tens of thousands a second): the limit
lookup is cached in limits.weight_limit, and so is the verdict of a vehicle within its limit (the
common case), which depends only on the rule set's labels and the limit. Building a frozen Verdict
costs about 1 µs, so the overloaded path is the slower one.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

from zhichao.domain.limits import weight_limit
from zhichao.domain.rulesets import FLOOR, PRO_RATA, RuleSet
from zhichao.domain.vehicles import Vehicle

NOT_OVERLOADED_BAND = -1
TOP_BAND = 10  # ≥ 100 %
HIGHWAY_LINE_PCT = 105  # highway entrance weighing: up to 105 % of the limit is not overloaded (§3)


@dataclass(frozen=True, slots=True)
class Verdict:
    """The judgement of one passage. `overload_rate_x100` is the rate in hundredths of a percent
    (23.10 % → 2310); `band` is overload_band() of it, or −1 when not overloaded."""

    rule_set: str
    limit_kg: int
    limit_basis: str
    limit_inferred: bool
    overload_kg: int
    overload_rate_x100: int
    overloaded: bool
    actionable: bool
    fine_yuan: int
    warning_only: bool
    legal_basis: str
    band: int

    def to_contract(self) -> dict[str, object]:
        """Exactly the verdict object of API.md §3, keys in the contract's order."""
        return {
            "rule_set": self.rule_set,
            "limit_kg": self.limit_kg,
            "limit_basis": self.limit_basis,
            "overload_kg": self.overload_kg,
            "overload_rate_pct": self.overload_rate_x100 / 100,
            "overloaded": self.overloaded,
            "actionable": self.actionable,
            "fine_yuan": self.fine_yuan,
            "warning_only": self.warning_only,
            "legal_basis": self.legal_basis,
        }


def judge(vehicle: Vehicle, rules: RuleSet, mpe_permille: int = 0) -> Verdict:
    """Judge `vehicle` under `rules`.

    `mpe_permille` is the weighing device's maximum permissible error in tenths of a percent
    (JJG 907 class 5 → 50, class 0.5 → 5). It is used only when `rules.deduct_mpe`: the gross judged
    is then floor(gross × (1000 − mpe_permille) / 1000), i.e. the deduction is rounded up to the next kg, in the
    driver's favour, and every figure of the verdict (overload, rate, fine) follows from that gross.
    """
    limit = weight_limit(vehicle.axle_count, vehicle.axle_groups, vehicle.vehicle_type, vehicle.drive_axle)
    limit_kg = limit.kg
    gross = vehicle.gross_kg
    if rules.deduct_mpe:
        if not 0 <= mpe_permille < 1000:
            raise ValueError(f"mpe_permille must be in [0, 1000), got {mpe_permille}")
        gross = gross * (1000 - mpe_permille) // 1000
    if gross <= limit_kg:
        return _within_limit(rules.id, rules.legal_basis, limit_kg, limit.basis, limit.inferred)
    overload = gross - limit_kg
    # Rate in hundredths of a percent: overload / limit × 10 000, half-up.
    rate_x100 = (overload * 20_000 + limit_kg) // (2 * limit_kg)
    # Exact comparisons on kg, not on the rounded rate: 20.004 % is "more than 20 %".
    actionable = overload * 100 > rules.no_penalty_rate_pct * limit_kg and overload > rules.no_penalty_kg
    return Verdict(
        rules.id, limit_kg, limit.basis, limit.inferred, overload, rate_x100,
        True, actionable, fine_yuan(gross, limit_kg, rules) if actionable else 0, not actionable,
        rules.legal_basis, overload_band(rate_x100),
    )  # fmt: skip


@lru_cache(maxsize=1024)
def _within_limit(rule_set: str, legal_basis: str, limit_kg: int, basis: str, inferred: bool) -> Verdict:
    # Scalars, not the Limit/RuleSet objects, as the key: hashing them is cheaper.
    return Verdict(
        rule_set, limit_kg, basis, inferred, 0, 0, False, False, 0, False, legal_basis, NOT_OVERLOADED_BAND
    )


def fine_yuan(gross_kg: int, limit_kg: int, rules: RuleSet) -> int:
    """The fine in whole yuan for `gross_kg` against `limit_kg` under `rules`, before any
    actionability test (see rulesets for the tier model and `partial_unit`).

    Masses are scaled by 100 so that tier starts at whole percents of the limit are exact integers
    (1.2 × 49 000 kg = 5 880 000 kg/100). The sum of yuan_per_unit × mass is divided by the unit and
    rounded half-up to whole yuan, then capped.
    """
    tiers = rules.fine_tiers
    start = (100 + tiers[0].from_rate_pct) * limit_kg
    top = gross_kg * 100
    if top <= start:
        return 0
    unit = rules.fine_unit_kg * 100
    if rules.partial_unit != PRO_RATA:
        fined = top - start
        top = start + (fined // unit if rules.partial_unit == FLOOR else -(-fined // unit)) * unit
    total = 0
    # From the highest tier down: the mass above each tier's start is charged at its rate.
    for tier in reversed(tiers):
        low = (100 + tier.from_rate_pct) * limit_kg
        if top > low:
            total += tier.yuan_per_unit * (top - low)
            top = low
    return min(rules.cap_yuan, (2 * total + unit) // (2 * unit))


def overload_band(rate_x100: int) -> int:
    """The KPIS overload band of an overloaded vehicle's rate (hundredths of a percent).

    Bands are 10 points wide, closed below and open above, on the rounded rate that the verdict
    shows: 0 for (0, 10 %), 1 for [10 %, 20 %), …, 9 for [90 %, 100 %), 10 for ≥ 100 %. So a rate
    shown as 10.00 % is in band 1, and an overload too small to show (0.00 %) is in band 0. Callers
    give −1 to vehicles that are not overloaded; this function is not asked about them.
    """
    return min(rate_x100 // 1_000, TOP_BAND) if rate_x100 > 0 else 0


def over_highway_line(gross_kg: int, limit_kg: int) -> bool:
    """Highway entrance statistic (LEGAL.md §3, KPIS #6): gross strictly above 105 % of the limit."""
    return gross_kg * 100 > HIGHWAY_LINE_PCT * limit_kg
