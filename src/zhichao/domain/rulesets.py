"""Versioned penalty rule sets, as data (LEGAL.md §3–4).

A rule set says when an overload is actionable and how the fine is computed. Derive variants with
`dataclasses.replace(get_rule_set("ZJ-2020"), partial_unit=FLOOR)`; the constructor re-checks them.

The fine model covers both regulations with one formula. Tier i starts where the overload rate
exceeds `fine_tiers[i].from_rate_pct` (i.e. at (100 + from_rate_pct) % of the limit) and ends where
tier i + 1 starts; the mass inside it costs `yuan_per_unit` per `fine_unit_kg`:
- ZJ-2020 (浙江省公路条例第五十三条): tiers (20 %, 300) and (50 %, 500) per tonne, i.e.
  300·(min(W, 1.5L) − 1.2L)⁺ + 500·(W − 1.5L)⁺;
- MOT-2016 (超限规定第四十三条): one tier (0 %, 500) per 1 000 kg of overload.
Both are capped at `cap_yuan` (30 000).

No-penalty band: an overload is actionable only when the overload rate is strictly above
`no_penalty_rate_pct` AND the overload is strictly above `no_penalty_kg` (ZJ: > 20 %, so exactly
20 % is not actionable; MOT: > 1 000 kg, so ≤ 1 000 kg is a warning).

`partial_unit` decides how a partial unit of fined mass counts, because neither text says [L]:
"pro_rata" (default) counts it proportionally; "floor" / "ceil" round the fined mass — the part above
the first tier's start (1.2 L for ZJ, L for MOT) — down / up to whole units before the tiers apply.

`deduct_mpe` (default off, LEGAL.md §3 [L]): when on, the device's maximum permissible error is
deducted from the measured gross before judging (see judge.judge).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from types import MappingProxyType

from zhichao.domain.errors import InvalidRuleSet, UnknownRuleSet

PRO_RATA = "pro_rata"
FLOOR = "floor"
CEIL = "ceil"
PARTIAL_UNITS: frozenset[str] = frozenset({PRO_RATA, FLOOR, CEIL})


@dataclass(frozen=True, slots=True)
class FineTier:
    """From an overload rate of `from_rate_pct` % (exclusive) upward, `yuan_per_unit` per fine unit."""

    from_rate_pct: int
    yuan_per_unit: int


@dataclass(frozen=True, slots=True)
class RuleSet:
    """One regulation's judgement parameters; money in yuan, masses in kg, rates in whole percent."""

    id: str
    title: str
    legal_basis: str
    no_penalty_rate_pct: int
    no_penalty_kg: int
    fine_tiers: tuple[FineTier, ...]
    fine_unit_kg: int = 1_000
    cap_yuan: int = 30_000
    deduct_mpe: bool = False
    partial_unit: str = PRO_RATA
    # A fine from this amount up is a major decision (重大行政处罚决定): legal review (法制审核) before the
    # leader decides (行政处罚法 Art. 58). The threshold is the bureau's to set [L]; LEGAL.md gives none.
    major_fine_yuan: int = 5_000

    def __post_init__(self) -> None:
        starts = [tier.from_rate_pct for tier in self.fine_tiers]
        if self.partial_unit not in PARTIAL_UNITS:
            raise InvalidRuleSet(f"规则集 {self.id} 的不足一个计罚单位处理方式无效：{self.partial_unit}")
        if not starts or starts != sorted(set(starts)) or starts[0] < 0:
            raise InvalidRuleSet(f"规则集 {self.id} 的罚款分段无效")
        if (
            self.fine_unit_kg <= 0
            or self.cap_yuan < 0
            or self.major_fine_yuan <= 0
            or min(self.no_penalty_rate_pct, self.no_penalty_kg) < 0
        ):
            raise InvalidRuleSet(f"规则集 {self.id} 的参数无效")


ZJ_2020 = RuleSet(
    id="ZJ-2020",
    title="浙江省公路条例（2020）",
    legal_basis="浙江省公路条例第五十三条",
    # Art. 53: up to 20 % → 批评教育, no fine; 300 yuan/t between 1.2 L and 1.5 L, 500 yuan/t above.
    no_penalty_rate_pct=20,
    no_penalty_kg=0,
    fine_tiers=(FineTier(20, 300), FineTier(50, 500)),
)

MOT_2016 = RuleSet(
    id="MOT-2016",
    title="超限运输车辆行驶公路管理规定（交通运输部令2016年第62号）",
    legal_basis="超限运输车辆行驶公路管理规定第四十三条",
    # Art. 43: over by ≤ 1 000 kg → warning; more → 500 yuan per 1 000 kg of the whole overload.
    no_penalty_rate_pct=0,
    no_penalty_kg=1_000,
    fine_tiers=(FineTier(0, 500),),
)

def is_major(rules: RuleSet, fine_yuan: int) -> bool:
    """Whether a penalty of ``fine_yuan`` is a major decision under ``rules`` (legal review first)."""
    return fine_yuan >= rules.major_fine_yuan


RULE_SETS: Mapping[str, RuleSet] = MappingProxyType({r.id: r for r in (ZJ_2020, MOT_2016)})
DEFAULT_RULE_SET = ZJ_2020.id


def get_rule_set(rule_set_id: str) -> RuleSet:
    """The registered rule set with this id; raises UnknownRuleSet (code "unknown_rule_set")."""
    try:
        return RULE_SETS[rule_set_id]
    except KeyError:
        raise UnknownRuleSet(rule_set_id) from None
