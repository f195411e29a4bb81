"""The legal articles the case documents cite, with a short Chinese summary of each (LEGAL.md §1–6).

Every summary says only what LEGAL.md records from the primary text ([H]); nothing is added from memory.
Which articles a document cites depends on its kind and, for the fine, on the record's rule set
(ZJ-2020 → 浙江省公路条例第五十三条, MOT-2016 → 超限规定第四十三条). Pure data, no I/O.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from types import MappingProxyType

PENALTY_LAW = "中华人民共和国行政处罚法"
COERCION_LAW = "中华人民共和国行政强制法"
LITIGATION_LAW = "中华人民共和国行政诉讼法"
ZJ_ROADS = "浙江省公路条例"
OVERLOAD_RULES = "超限运输车辆行驶公路管理规定"
ROAD_SAFETY = "公路安全保护条例"

_DIGITS = "零一二三四五六七八九"


def chinese_numeral(n: int) -> str:
    """1–999 in Chinese numerals as article numbers are written: 3 → 三, 12 → 十二, 53 → 五十三, 101 → 一百零一."""
    if not 0 < n < 1000:
        raise ValueError(f"article number out of range: {n}")
    hundreds, rest = divmod(n, 100)
    tens, ones = divmod(rest, 10)
    text = f"{_DIGITS[hundreds]}百" if hundreds else ""
    if tens:
        text += ("" if tens == 1 and not hundreds else _DIGITS[tens]) + "十"
    elif hundreds and ones:
        text += "零"
    return text + (_DIGITS[ones] if ones else "")


@dataclass(frozen=True, slots=True)
class Article:
    """One article of one law: ``law`` without book-title marks, ``number`` as an integer."""

    law: str
    number: int
    summary: str

    @property
    def citation(self) -> str:
        """《浙江省公路条例》第五十三条"""
        return f"《{self.law}》第{chinese_numeral(self.number)}条"


LIMITS = Article(
    OVERLOAD_RULES,
    3,
    "货运车辆车货总质量超过按轴数和车型规定的限值（如二轴18000千克、六轴及以上汽车列车49000千克）的，认定"
    "为超限运输车辆。",
)
ZJ_FINE = Article(
    ZJ_ROADS,
    53,
    "超限不超过限值20%的，予以批评教育，可以不予处罚；车货总质量超过限值1.2倍至1.5倍的部分，每吨罚款300元，"
    "超过限值1.5倍的部分，每吨罚款500元，罚款最高不超过30000元。",
)
MOT_FINE = Article(
    OVERLOAD_RULES,
    43,
    "超限不超过1000千克的，予以警告；超过1000千克的，每超1000千克罚款500元，罚款最高不超过30000元。",
)
ZJ_NOTICE = Article(
    ZJ_ROADS,
    40,
    "技术监控设备记录的违法行为应当告知车辆所有人；车辆所有人应当在15日内接受处理，逾期未接受处理的，可以"
    "依据记录作出处罚决定；采集时未取得有效检定证书的设备所采集的数据，不得作为证据。",
)
DEVICES = Article(
    PENALTY_LAW,
    41,
    "电子技术监控设备的设置地点应当向社会公布；记录的违法事实应当经过人工审核，未经审核或者记录内容不完整"
    "的，不得作为行政处罚的证据。",
)
PRE_NOTICE = Article(
    PENALTY_LAW,
    44,
    "行政机关在作出行政处罚决定之前，应当告知当事人违法事实、处罚依据及其依法享有的陈述、申辩等权利。",
)
STATEMENT = Article(
    PENALTY_LAW,
    45,
    "当事人有权进行陈述和申辩。",
)
HEARING = Article(
    PENALTY_LAW,
    63,
    "拟作出较大数额罚款的行政处罚决定的，当事人有权要求听证。",
)
DECISIONS = Article(
    PENALTY_LAW,
    57,
    "行政机关根据案件情况，作出行政处罚决定或者不予行政处罚决定。",
)
PAYMENT = Article(
    PENALTY_LAW,
    67,
    "当事人应当自收到行政处罚决定书之日起15日内，到指定的银行或者通过电子支付系统缴纳罚款，不得向执法人员"
    "当场缴纳现金。",
)
LATE_FEE = Article(
    PENALTY_LAW,
    72,
    "当事人到期不缴纳罚款的，每日按罚款数额的3%加处罚款，加处罚款的数额不得超出罚款的数额。",
)
TIME_TO_SUE = Article(
    LITIGATION_LAW,
    46,
    "当事人提起行政诉讼的期限为六个月。",
)
COURT = Article(
    COERCION_LAW,
    53,
    "当事人在法定期限内不提起行政诉讼，又不履行行政决定的，行政机关可以自期限届满之日起三个月内，申请人民"
    "法院强制执行。",
)
COURT_REMINDER = Article(
    COERCION_LAW,
    54,
    "行政机关申请人民法院强制执行前，应当书面催告当事人履行义务；催告书送达十日后当事人仍未履行义务的，行"
    "政机关可以向人民法院申请强制执行。",
)
TRANSFER_DUTY = Article(
    OVERLOAD_RULES,
    44,
    "对外地车辆的违法超限运输行为处理结案后七个工作日内，将车辆号牌、车型、道路运输企业、道路运输证号、驾"
    "驶人、货运源头单位及处理决定抄告车籍所在地交通运输主管部门。",
)
FOUR_PARTIES = Article(
    OVERLOAD_RULES,
    32,
    "违法超限运输的责任涉及车辆、驾驶人、道路运输企业和货运源头单位四方；违法超限运输实行黑名单管理。",
)
REPEAT = Article(
    ROAD_SAFETY,
    66,
    "一年内违法超限运输超过三次的货运车辆，吊销其车辆营运证；驾驶人超过三次的，责令其不得驾驶货运车辆从事"
    "经营性道路运输；道路运输企业一年内违法超限运输的货运车辆超过本企业货运车辆总数10%的，责令停业整顿。",
)

FINE_ARTICLES: Mapping[str, Article] = MappingProxyType({"ZJ-2020": ZJ_FINE, "MOT-2016": MOT_FINE})

# Per document kind: the articles before the fine article, and those after it. ``None`` stands for the
# fine article of the record's rule set; the hearing article is added only when the party has that right.
_CITED: Mapping[str, tuple[Article | None, ...]] = MappingProxyType({
    "notice": (LIMITS, None, ZJ_NOTICE, DEVICES),
    "pre_decision": (LIMITS, None, PRE_NOTICE, STATEMENT),
    "decision": (LIMITS, None, DECISIONS, PAYMENT, LATE_FEE, TIME_TO_SUE, COURT),
    "reminder": (LATE_FEE, COURT, COURT_REMINDER),
    "transfer_letter": (TRANSFER_DUTY, FOUR_PARTIES, REPEAT),
    "education": (LIMITS, ZJ_FINE, DECISIONS),
})  # fmt: skip


def articles_for(kind: str, rule_set: str, *, hearing: bool = False) -> tuple[Article, ...]:
    """The articles a document of ``kind`` cites for a record judged under ``rule_set``.

    An unknown rule set cites no fine article rather than a wrong one. ``kind`` must be a document kind.
    """
    fine = FINE_ARTICLES.get(rule_set)
    cited = [fine if article is None else article for article in _CITED[kind]]
    if hearing and kind == "pre_decision":
        cited.append(HEARING)
    return tuple(article for article in cited if article is not None)
