"""The verdict's computation written out in Chinese, for people and for the evidence package.

Pure: every number comes from the arguments; the text shows the arithmetic the verdict applied
(LEGAL.md §2 and §4), so a reader can check it by hand.
"""

from __future__ import annotations

from zhichao.domain.rulesets import RuleSet


def _t(kg: int) -> str:
    return f"{kg / 1000:.3f}".rstrip("0").rstrip(".") + " 吨"


def _tiers(rules: RuleSet, limit_kg: int) -> list[str]:
    lines = []
    for i, tier in enumerate(rules.fine_tiers):
        start = limit_kg * (100 + tier.from_rate_pct) // 100
        following = rules.fine_tiers[i + 1] if i + 1 < len(rules.fine_tiers) else None
        end = f"至 {_t(limit_kg * (100 + following.from_rate_pct) // 100)} " if following else ""
        unit = "吨" if rules.fine_unit_kg == 1000 else f"{rules.fine_unit_kg} 千克"
        lines.append(f"  · 超过 {_t(start)} {end}的部分：每{unit} {tier.yuan_per_unit} 元")
    return lines


def explain_verdict(gross_kg: int, verdict: dict[str, object], rules: RuleSet) -> list[str]:
    """Lines explaining ``verdict`` (the contract §3 object) for a vehicle of ``gross_kg``."""
    limit = int(str(verdict["limit_kg"]))
    lines = [
        f"限值：{_t(limit)}（{verdict['limit_basis']}）",
        f"实测车货总质量：{_t(gross_kg)}",
        f"超限质量：{_t(gross_kg)} − {_t(limit)} = {_t(int(str(verdict['overload_kg'])))}",
        f"超限率：超限质量 ÷ 限值 × 100% = {float(str(verdict['overload_rate_pct'])):.2f}%（四舍五入保留两位小数）",
    ]
    if not verdict["overloaded"]:
        return [*lines, "结论：未超限"]
    if rules.no_penalty_kg:
        band = f"超限不超过 {rules.no_penalty_kg} 千克的予以警告"
    else:
        band = f"超限率不超过 {rules.no_penalty_rate_pct}% 的不予处罚（批评教育）"
    lines.append(f"规则集 {rules.id}（{rules.legal_basis}）：{band}；罚款按以下分段计算，最高 {rules.cap_yuan} 元：")
    lines += _tiers(rules, limit)
    outcome = "批评教育，不予罚款" if verdict["warning_only"] else f"罚款 {verdict['fine_yuan']} 元（元以下四舍五入）"
    return [*lines, f"结论：{outcome}"]
