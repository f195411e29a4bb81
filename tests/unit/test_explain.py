"""The verdict explanation shows the arithmetic of LEGAL.md's worked examples."""

from __future__ import annotations

import pytest

from zhichao.domain.explain import explain_verdict
from zhichao.domain.judge import judge
from zhichao.domain.rulesets import get_rule_set
from zhichao.domain.vehicles import Vehicle


@pytest.mark.parametrize(
    ("rule_set", "gross", "expected"),
    [
        # LEGAL.md §2 and §4: L = 49 t, W = 60.32 t → 11.32 t over, 23.10 %, 300 × 1.52 = 456 yuan.
        ("ZJ-2020", 60_320, ["超限质量：60.32 吨 − 49 吨 = 11.32 吨", "= 23.10%",
                             "超过 58.8 吨 至 73.5 吨 的部分：每吨 300 元", "超过 73.5 吨 的部分：每吨 500 元",
                             "结论：罚款 456 元"]),
        # W = 80 t: 300 × 14.7 + 500 × 6.5 = 7 660 yuan.
        ("ZJ-2020", 80_000, ["= 63.27%", "结论：罚款 7660 元"]),
        # MOT-2016: 31 t over → 500 yuan per tonne = 15 500 yuan.
        ("MOT-2016", 80_000, ["超限不超过 1000 千克的予以警告", "结论：罚款 15500 元"]),
        # 55 t is 12.24 % over: within Zhejiang's 20 % band.
        ("ZJ-2020", 55_000, ["= 12.24%", "结论：批评教育，不予罚款"]),
        ("ZJ-2020", 48_000, ["结论：未超限"]),
    ],
)
def test_the_explanation_shows_the_arithmetic(rule_set: str, gross: int, expected: list[str]) -> None:
    rules = get_rule_set(rule_set)
    text = "\n".join(explain_verdict(gross, judge(Vehicle(6, gross, (1, 2, 3)), rules).to_contract(), rules))
    for fragment in expected:
        assert fragment in text
