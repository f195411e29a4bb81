"""The documents the bureau issues on a case: their kinds, numbers (文号) and everything a template prints.

    send_notice        → notice           违法行为通知书            word 通   浙江省公路条例 Art. 40
    send_pre_decision  → pre_decision     行政处罚事先告知书        word 告   行政处罚法 Art. 44–45
    decide             → decision         行政处罚决定书            word 罚   行政处罚法 Art. 57, 67, 72
    send_reminder      → reminder         催告书                    word 催   行政强制法 Art. 53–54
    transfer           → transfer_letter  抄告函                    word 抄   超限规定 Art. 44
    decide_no_penalty  → education        不予行政处罚决定书        word 教   浙江省公路条例 Art. 53 (≤ 20 %)

A number is the bureau's pattern (a setting) filled with the kind's word, the year and the kind's running
sequence in that year: ``绍交执超{word}〔{year}〕{seq:05d}号`` → 绍交执超罚〔2026〕00017号. The builder of the
template's context lives in ``document_context.py``. Pure: no I/O, no clock.

Errors (all ``DomainError``): ``InvalidNumberPattern`` (``invalid_document_number_pattern``),
``UnknownDocumentKind`` (``unknown_document_kind``), ``InvalidDocumentData`` (``invalid_document_data``),
``DocumentTemplateError`` (``template_error``, raised by the PDF adapter, defined here so that services
can catch it without importing an adapter).
"""

from __future__ import annotations

import base64
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from string import Formatter
from types import MappingProxyType

from zhichao.domain.errors import DomainError
from zhichao.domain.legal_articles import FINE_ARTICLES, Article

NOTICE, PRE_DECISION, DECISION = "notice", "pre_decision", "decision"
REMINDER, TRANSFER_LETTER, EDUCATION = "reminder", "transfer_letter", "education"

KIND_TITLES: Mapping[str, str] = MappingProxyType({
    NOTICE: "违法行为通知书",
    PRE_DECISION: "行政处罚事先告知书",
    DECISION: "行政处罚决定书",
    REMINDER: "催告书",
    TRANSFER_LETTER: "抄告函",
    EDUCATION: "不予行政处罚决定书",
})  # fmt: skip
KINDS = tuple(KIND_TITLES)
KIND_WORDS: Mapping[str, str] = MappingProxyType(
    {NOTICE: "通", PRE_DECISION: "告", DECISION: "罚", REMINDER: "催", TRANSFER_LETTER: "抄", EDUCATION: "教"}
)
# The case action (domain/cases.py) whose success issues the document.
ACTION_DOCUMENTS: Mapping[str, str] = MappingProxyType({
    "send_notice": NOTICE,
    "send_pre_decision": PRE_DECISION,
    "decide": DECISION,
    "send_reminder": REMINDER,
    "transfer": TRANSFER_LETTER,
    "decide_no_penalty": EDUCATION,
})  # fmt: skip

DEFAULT_NUMBER_PATTERN = "绍交执超{word}〔{year}〕{seq:05d}号"
NUMBER_FIELDS = frozenset({"word", "year", "seq"})
NUMBER_MAX_CHARS = 64  # case_documents.number is VARCHAR(64)
# 行政处罚法 Art. 67: the fine goes to a bank or e-payment, never to the officer in cash.
NO_CASH = "不得向执法人员当场缴纳现金"


class UnknownDocumentKind(DomainError):
    code = "unknown_document_kind"

    def __init__(self, kind: str) -> None:
        super().__init__(f"未知的文书种类：{kind}")
        self.kind = kind


class InvalidNumberPattern(DomainError):
    """The document number pattern (setting ``document_number_pattern``) cannot make unique numbers."""

    code = "invalid_document_number_pattern"

    def __init__(self, pattern: str, reason: str) -> None:
        super().__init__(f"文书编号格式“{pattern}”无效：{reason}")
        self.pattern = pattern


class InvalidDocumentData(DomainError):
    """The case data cannot make this document (a party with an unknown role, a missing deadline …)."""

    code = "invalid_document_data"


class DocumentTemplateError(DomainError):
    """A document template is missing or broken; the message names the file."""

    code = "template_error"


def check_kind(kind: str) -> str:
    if kind not in KIND_TITLES:
        raise UnknownDocumentKind(kind)
    return kind


def check_number_pattern(pattern: str) -> None:
    """Refuse a pattern that lacks {word}, {year} or {seq}, uses any other field, attribute or index access,
    a conversion or a nested spec, or whose format specs do not apply to the values. Each of the three
    fields is needed: numbers run per kind and year, so without one of them two documents share a number."""
    try:
        parsed = list(Formatter().parse(pattern))
    except ValueError as error:
        raise InvalidNumberPattern(pattern, f"花括号不成对（{error}）") from None
    used = set()
    for _, name, spec, conversion in parsed:
        if name is None:
            continue
        if name not in NUMBER_FIELDS:
            raise InvalidNumberPattern(pattern, f"不认识的字段 {{{name}}}，只能使用 {{word}}、{{year}}、{{seq}}")
        if conversion or (spec and "{" in spec):
            raise InvalidNumberPattern(pattern, f"字段 {{{name}}} 不能带转换或嵌套格式")
        used.add(name)
    missing = sorted(NUMBER_FIELDS - used)
    if missing:
        raise InvalidNumberPattern(pattern, "缺少字段 " + "、".join(f"{{{name}}}" for name in missing))
    try:
        pattern.format(word="罚", year=2026, seq=1)
    except (ValueError, TypeError) as error:
        raise InvalidNumberPattern(pattern, f"格式说明不适用（{error}）") from None


def document_number(pattern: str, kind: str, year: int, seq: int) -> str:
    """The number of the ``seq``-th document of ``kind`` in ``year`` (``seq`` counts from 1)."""
    check_number_pattern(pattern)
    if seq < 1:
        raise ValueError(f"document sequence starts at 1, not {seq}")
    number = pattern.format(word=KIND_WORDS[check_kind(kind)], year=year, seq=seq)
    if len(number) > NUMBER_MAX_CHARS:
        raise InvalidNumberPattern(pattern, f"生成的编号超过 {NUMBER_MAX_CHARS} 个字符")
    return number


_CAPITALS = "零壹贰叁肆伍陆柒捌玖"


def _four_digits(n: int) -> str:
    text, zero = "", False
    for unit, digit in zip(("仟", "佰", "拾", ""), f"{n:04d}", strict=True):
        if digit == "0":
            zero = bool(text)  # a zero between written digits is read once, as 零
            continue
        text += ("零" if zero else "") + _CAPITALS[int(digit)] + unit
        zero = False
    return text


def yuan_in_words(yuan: int) -> str:
    """An amount in capital numerals as money is written on official documents: 456 → 肆佰伍拾陆元整,
    10 500 → 壹万零伍佰元整. Whole yuan below 100 000 000."""
    if not 0 <= yuan < 100_000_000:
        raise ValueError(f"amount out of range: {yuan}")
    if yuan == 0:
        return "零元整"
    high, low = divmod(yuan, 10_000)
    text = _four_digits(high) + "万" if high else ""
    if low:
        # zeros between the 万 section and the rest are read once: 10 500 壹万零伍佰, 105 000 壹拾万零伍仟
        text += ("零" if high and (low < 1000 or high % 10 == 0) else "") + _four_digits(low)
    return text + "元整"


def cn_date(day: date) -> str:
    """2026年3月5日 (Arabic numerals, no leading zeros, as GB/T 9704 writes dates)."""
    return f"{day.year}年{day.month}月{day.day}日"


@dataclass(frozen=True, slots=True)
class Party:
    """A liable party as printed; missing values are ""."""

    role: str
    role_label: str
    name: str
    id_number: str = ""
    address: str = ""
    phone: str = ""
    licence: str = ""


@dataclass(frozen=True, slots=True)
class Photo:
    caption: str
    data: bytes
    content_type: str

    @property
    def data_uri(self) -> str:
        return f"data:{self.content_type};base64,{base64.b64encode(self.data).decode('ascii')}"


@dataclass(frozen=True, slots=True)
class VehicleFacts:
    plate: str
    plate_colour: str  # printed word: 黄
    vehicle_type: str  # printed word: 铰接列车, or "" when the station did not say
    axle_count: int
    axle_groups: str  # "1+2+3" or ""


@dataclass(frozen=True, slots=True)
class Site:
    station_name: str
    road: str
    stake: str
    county: str
    direction: str
    cert_number: str
    cert_valid_to: date | None


@dataclass(frozen=True, slots=True)
class Weighing:
    captured_at: str  # local time, written out: 2026年11月26日13时30分00秒
    gross_kg: int
    axle_weights_kg: tuple[int, ...]
    limit_kg: int
    limit_basis: str
    limit_inferred: bool
    overload_kg: int
    overload_rate: str  # percent with two decimals, as judged: "23.10"
    rule_set: str


@dataclass(frozen=True, slots=True)
class Deadlines:
    """The dates a document tells its reader; the case service computes them with ``domain/deadlines.py``."""

    report_due: date | None = None  # notice: come and accept handling by (浙江省公路条例 Art. 40)
    statement_due: date | None = None  # pre-decision: state and defend by (行政处罚法 Art. 45)
    payment_due: date | None = None  # reminder: the decision's payment deadline (Art. 67)
    court_after: date | None = None  # reminder: the court may be asked from (行政强制法 Art. 54)


@dataclass(frozen=True, slots=True)
class LateFee:
    """行政处罚法 Art. 72 as of the document's date: 3 % of the fine per day late, at most the fine."""

    fine_yuan: int
    payment_due: date
    as_of: date
    days_late: int
    late_fee_yuan: int

    @property
    def total_yuan(self) -> int:
        return self.fine_yuan + self.late_fee_yuan


@dataclass(frozen=True, slots=True)
class Transfer:
    """What 超限规定 Art. 44 sends to the registration region's authority, beyond vehicle and parties."""

    region: str
    authority: str
    long_triangle: bool
    transport_certificate: str
    decision: str


@dataclass(frozen=True, slots=True)
class Issuer:
    """The bureau's own values, from settings."""

    authority_name: str
    payment_instructions: str
    owner_portal_url: str


@dataclass(frozen=True, slots=True)
class DocumentContext:
    """Everything a document template prints. Built by ``document_context.document_context``."""

    kind: str
    title: str
    authority_name: str
    number: str
    issued_on: date
    case_id: int
    notice_code: str
    owner_portal_url: str
    vehicle: VehicleFacts
    site: Site
    weighing: Weighing
    fine_yuan: int
    explanation: tuple[str, ...]
    articles: tuple[Article, ...]
    parties: tuple[Party, ...]
    deadlines: Deadlines
    payment_instructions: str
    photos: tuple[Photo, ...] = ()
    hearing: bool = False
    decision_number: str = ""
    decided_on: date | None = None
    late_fee: LateFee | None = None
    transfer: Transfer | None = None

    @property
    def addressee(self) -> Party | None:
        """The party the document is addressed to: the owner, else the driver, else the first party."""
        by_role = {party.role: party for party in self.parties}
        return by_role.get("owner") or by_role.get("driver") or (self.parties[0] if self.parties else None)

    @property
    def fine_article(self) -> Article | None:
        """The article the fine is computed by (the record's rule set), when the document cites it."""
        return next((article for article in self.articles if article in FINE_ARTICLES.values()), None)

    @property
    def fine_in_words(self) -> str:
        return yuan_in_words(self.fine_yuan)

    def party(self, role: str) -> Party | None:
        return next((party for party in self.parties if party.role == role), None)
