"""Case documents: numbers (文号) from the bureau's pattern, the action → document table, the cited articles,
amounts in capital numerals, and the context a template prints."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, timedelta, timezone
from typing import Any

import pytest

from zhichao.config import Settings
from zhichao.domain.cases import ACTIONS
from zhichao.domain.document_context import document_context, parties_of, photo
from zhichao.domain.documents import (
    ACTION_DOCUMENTS,
    DEFAULT_NUMBER_PATTERN,
    KIND_TITLES,
    KIND_WORDS,
    KINDS,
    Deadlines,
    InvalidDocumentData,
    InvalidNumberPattern,
    Issuer,
    UnknownDocumentKind,
    check_number_pattern,
    document_number,
    yuan_in_words,
)
from zhichao.domain.errors import DomainError
from zhichao.domain.legal_articles import (
    COERCION_LAW,
    LITIGATION_LAW,
    OVERLOAD_RULES,
    PENALTY_LAW,
    ROAD_SAFETY,
    ZJ_ROADS,
    articles_for,
    chinese_numeral,
)

SHANGHAI = timezone(timedelta(hours=8))


@pytest.mark.parametrize(
    ("pattern", "kind", "year", "seq", "number"),
    [
        (DEFAULT_NUMBER_PATTERN, "decision", 2026, 17, "绍交执超罚〔2026〕00017号"),
        (DEFAULT_NUMBER_PATTERN, "notice", 2027, 1, "绍交执超通〔2027〕00001号"),
        (DEFAULT_NUMBER_PATTERN, "pre_decision", 2026, 99_999, "绍交执超告〔2026〕99999号"),
        (DEFAULT_NUMBER_PATTERN, "reminder", 2026, 123_456, "绍交执超催〔2026〕123456号"),  # wider, never cut
        (DEFAULT_NUMBER_PATTERN, "transfer_letter", 2026, 3, "绍交执超抄〔2026〕00003号"),
        (DEFAULT_NUMBER_PATTERN, "education", 2026, 3, "绍交执超教〔2026〕00003号"),
        ("绍交执{word}字〔{year}〕第{seq}号", "decision", 2026, 7, "绍交执罚字〔2026〕第7号"),
        ("{year}-{word}-{seq:04d}", "notice", 2026, 42, "2026-通-0042"),
        ("{seq:03d}/{word}/{year}", "notice", 2026, 5, "005/通/2026"),
        ("绍{word}{{{year}}}{seq}号", "decision", 2026, 5, "绍罚{2026}5号"),  # doubled braces are literal
    ],
)
def test_a_number_fills_the_pattern_with_word_year_and_sequence(pattern: str, kind: str, year: int, seq: int,
                                                                 number: str) -> None:
    assert document_number(pattern, kind, year, seq) == number


@pytest.mark.parametrize(
    ("pattern", "reason"),
    [
        ("绍交执超〔{year}〕{seq:05d}号", "缺少字段 {word}"),
        ("绍交执超{word}〔{year}〕号", "缺少字段 {seq}"),
        ("绍交执超{word}{seq:05d}号", "缺少字段 {year}"),
        ("绍交执超", "缺少字段 {seq}、{word}、{year}"),
        ("{word}{year}{seq}{case}", "不认识的字段 {case}"),
        ("{word}{year}{}", "不认识的字段 {}"),
        ("{word}{year}{0}", "不认识的字段 {0}"),
        ("{word}{year.__class__}{seq}", "不认识的字段 {year.__class__}"),
        ("{word}{year}{seq[0]}", "不认识的字段 {seq[0]}"),
        ("{word!r}{year}{seq}", "不能带转换"),
        ("{word}{year}{seq:{width}}", "不能带转换或嵌套格式"),
        ("{word}{year}{seq:05d", "花括号不成对"),
        ("{word}{year}}{seq}", "花括号不成对"),
        ("{word}{year:%Y}{seq}", "格式说明不适用"),
        ("{word:d}{year}{seq}", "格式说明不适用"),
    ],
)
def test_a_bad_pattern_is_refused_with_its_reason(pattern: str, reason: str) -> None:
    with pytest.raises(InvalidNumberPattern) as caught:
        check_number_pattern(pattern)
    assert caught.value.code == "invalid_document_number_pattern"
    assert isinstance(caught.value, DomainError)
    assert reason in caught.value.message
    with pytest.raises(InvalidNumberPattern):
        document_number(pattern, "decision", 2026, 1)


def test_the_default_setting_is_the_default_pattern_and_valid() -> None:
    assert Settings().document_number_pattern == DEFAULT_NUMBER_PATTERN
    check_number_pattern(Settings().document_number_pattern)


def test_a_number_longer_than_the_column_is_refused() -> None:
    with pytest.raises(InvalidNumberPattern, match="64"):
        document_number("绍" * 60 + "{word}{year}{seq}", "decision", 2026, 1)


def test_an_unknown_kind_and_a_sequence_below_one_are_refused() -> None:
    with pytest.raises(UnknownDocumentKind) as caught:
        document_number(DEFAULT_NUMBER_PATTERN, "memo", 2026, 1)
    assert caught.value.code == "unknown_document_kind"
    with pytest.raises(ValueError):
        document_number(DEFAULT_NUMBER_PATTERN, "decision", 2026, 0)


def test_every_kind_has_a_title_and_its_own_one_character_word() -> None:
    assert set(KIND_TITLES) == set(KIND_WORDS) == set(KINDS)
    assert all(len(word) == 1 for word in KIND_WORDS.values())
    assert len(set(KIND_WORDS.values())) == len(KINDS)  # numbers run per kind: the words must differ


def test_the_six_document_actions_are_case_actions_and_issue_every_kind_once() -> None:
    assert dict(ACTION_DOCUMENTS) == {
        "send_notice": "notice", "send_pre_decision": "pre_decision", "decide": "decision",
        "send_reminder": "reminder", "transfer": "transfer_letter", "decide_no_penalty": "education",
    }  # fmt: skip
    assert set(ACTION_DOCUMENTS) <= set(ACTIONS)
    assert sorted(ACTION_DOCUMENTS.values()) == sorted(KINDS)


@pytest.mark.parametrize(
    ("yuan", "words"),
    [(0, "零元整"), (5, "伍元整"), (10, "壹拾元整"), (456, "肆佰伍拾陆元整"), (451, "肆佰伍拾壹元整"),
     (1_010, "壹仟零壹拾元整"), (1_001, "壹仟零壹元整"), (7_660, "柒仟陆佰陆拾元整"), (10_500, "壹万零伍佰元整"),
     (15_500, "壹万伍仟伍佰元整"), (30_000, "叁万元整"), (60_000, "陆万元整"), (100_010, "壹拾万零壹拾元整"),
     (105_000, "壹拾万零伍仟元整"),
     (10_001_000, "壹仟万零壹仟元整"), (25_000, "贰万伍仟元整")],
)  # fmt: skip
def test_amounts_are_written_in_capital_numerals(yuan: int, words: str) -> None:
    assert yuan_in_words(yuan) == words


@pytest.mark.parametrize(("n", "text"), [(3, "三"), (10, "十"), (12, "十二"), (20, "二十"), (53, "五十三"),
                                         (100, "一百"), (101, "一百零一"), (110, "一百一十")])
def test_article_numbers_are_written_in_chinese(n: int, text: str) -> None:
    assert chinese_numeral(n) == text


# Laws by short name: 超限 超限运输车辆行驶公路管理规定, 浙 浙江省公路条例, 罚 行政处罚法, 强 行政强制法, 诉 行政诉讼法,
# 路 公路安全保护条例.
LAWS = {"超限": OVERLOAD_RULES, "浙": ZJ_ROADS, "罚": PENALTY_LAW, "强": COERCION_LAW, "诉": LITIGATION_LAW,
        "路": ROAD_SAFETY}


@pytest.mark.parametrize(
    ("kind", "rule_set", "hearing", "cited"),
    [
        ("notice", "ZJ-2020", False, "超限3 浙53 浙40 罚41"),
        ("pre_decision", "ZJ-2020", False, "超限3 浙53 罚44 罚45"),
        ("pre_decision", "MOT-2016", True, "超限3 超限43 罚44 罚45 罚63"),
        ("decision", "ZJ-2020", False, "超限3 浙53 罚57 罚67 罚72 诉46 强53"),
        ("decision", "MOT-2016", True, "超限3 超限43 罚57 罚67 罚72 诉46 强53"),  # a hearing is the pre-decision's
        ("decision", "XX-1999", False, "超限3 罚57 罚67 罚72 诉46 强53"),  # no fine article rather than a wrong one
        ("reminder", "ZJ-2020", False, "罚72 强53 强54"),
        ("transfer_letter", "ZJ-2020", False, "超限44 超限32 路66"),
        ("education", "ZJ-2020", False, "超限3 浙53 罚57"),
        ("education", "MOT-2016", False, "超限3 浙53 罚57"),  # the no-penalty band is Zhejiang's
    ],
)
def test_each_kind_cites_its_articles(kind: str, rule_set: str, hearing: bool, cited: str) -> None:
    expected = [(LAWS[m[1]], int(m[2])) for m in (re.fullmatch(r"(\D+)(\d+)", c) for c in cited.split()) if m]
    articles = articles_for(kind, rule_set, hearing=hearing)
    assert [(article.law, article.number) for article in articles] == expected
    assert all(article.summary.endswith("。") for article in articles)


def test_a_citation_names_the_law_and_the_article_in_chinese() -> None:
    assert articles_for("education", "ZJ-2020")[1].citation == "《浙江省公路条例》第五十三条"
    assert articles_for("reminder", "ZJ-2020")[2].citation == "《中华人民共和国行政强制法》第五十四条"


ISSUER = Issuer("绍兴市交通运输局", "通过浙里办缴纳。", "http://127.0.0.1:8000/owner")
CASE = {"id": 7, "notice_code": "K7M2Q9", "fine_yuan": 456, "decided_on": date(2026, 12, 14), "paid_on": None}
RECORD = {
    "plate": "浙D12345", "plate_color": "yellow", "vehicle_type": "articulated_train", "axle_count": 6,
    "axle_groups": "1+2+3", "axle_weights_kg": [7000, 10000, 10000, 11000, 11000, 11320], "gross_weight_kg": 60320,
    "captured_at": datetime(2026, 11, 26, 5, 30, tzinfo=UTC), "rule_set": "ZJ-2020", "limit_kg": 49000,
    "limit_basis": "6轴汽车列车", "limit_inferred": False, "overload_kg": 11320, "overload_rate_x100": 2310,
}  # fmt: skip
STATION = {"name": "钱清站", "road": "G104", "stake": "K1587+300", "county_code": "330603", "direction": None,
           "cert_number": "浙量检字[2026]第0001号", "cert_valid_to": date(2027, 12, 31)}
PARTIES = [{"role": "source", "name": "浣东建材"}, {"role": "owner", "name": "顺达物流", "phone": "0575-1"},
           {"role": "driver", "name": "李建国", "id_number": None}]


def build(kind: str, **changes: Any) -> Any:
    values: dict[str, Any] = {
        "number": "N1", "issued_on": date(2026, 12, 14), "issuer": ISSUER, "case": CASE, "record": RECORD,
        "station": STATION, "parties": PARTIES, "explanation": ["结论：罚款 456 元"], "tz": SHANGHAI,
        "deadlines": Deadlines(report_due=date(2026, 12, 29), statement_due=date(2026, 12, 21),
                               payment_due=date(2026, 12, 31)),
        "decision_number": "绍交执超罚〔2026〕00009号",
        "transfer": {"region": "江苏省苏州市", "authority": "苏州市交通运输局", "long_triangle": True},
    }  # fmt: skip
    values.update(changes)
    return document_context(kind, **values)


def test_the_context_prints_words_local_time_and_the_parties_in_role_order() -> None:
    ctx = build("decision")
    assert (ctx.title, ctx.number, ctx.case_id, ctx.fine_yuan) == ("行政处罚决定书", "N1", 7, 456)
    assert (ctx.vehicle.plate_colour, ctx.vehicle.vehicle_type) == ("黄", "铰接列车")
    assert (ctx.site.county, ctx.site.direction) == ("柯桥区", "")
    assert ctx.weighing.captured_at == "2026年11月26日13时30分00秒"  # 05:30 UTC is 13:30 in Shanghai
    assert ctx.weighing.overload_rate == "23.10"
    assert [(p.role_label, p.name) for p in ctx.parties] == [("车辆所有人", "顺达物流"), ("驾驶人", "李建国"),
                                                             ("货运源头单位", "浣东建材")]
    assert ctx.parties[1].id_number == ""
    assert ctx.addressee is not None and ctx.addressee.name == "顺达物流"
    assert ctx.fine_in_words == "肆佰伍拾陆元整"
    assert ctx.fine_article is not None and ctx.fine_article.number == 53
    assert ctx.payment_instructions == "通过浙里办缴纳。"


def test_a_reminder_carries_the_late_fee_as_of_its_date_capped_at_the_fine() -> None:
    fee = build("reminder", issued_on=date(2027, 1, 18)).late_fee
    assert (fee.days_late, fee.late_fee_yuan, fee.total_yuan) == (18, 246, 702)  # 456 × 3 % × 18 = 246.24
    capped = build("reminder", issued_on=date(2027, 3, 1)).late_fee
    assert (capped.days_late, capped.late_fee_yuan, capped.total_yuan) == (60, 456, 912)


def test_a_transfer_letter_states_the_decision_and_hides_the_owner_s_notice_code() -> None:
    ctx = build("transfer_letter", case={**CASE, "paid_on": date(2026, 12, 20)})
    assert ctx.transfer is not None
    assert ctx.transfer.decision == ("2026年12月14日作出《行政处罚决定书》（绍交执超罚〔2026〕00009号），"
                                     "罚款人民币456元，已于2026年12月20日缴纳。")
    assert (ctx.transfer.authority, ctx.transfer.long_triangle) == ("苏州市交通运输局", True)
    assert ctx.notice_code == ""
    assert build("notice").notice_code == "K7M2Q9"


def test_an_education_document_prints_no_fine() -> None:
    assert build("education").fine_yuan == 0


@pytest.mark.parametrize(
    ("kind", "changes", "message"),
    [
        ("notice", {"deadlines": Deadlines()}, "report_due"),
        ("pre_decision", {"deadlines": Deadlines()}, "statement_due"),
        ("reminder", {"deadlines": Deadlines()}, "payment_due"),
        ("reminder", {"decision_number": ""}, "文号"),
        ("transfer_letter", {"transfer": None}, "车籍所在地"),
        ("transfer_letter", {"transfer": {"region": "江苏省"}}, "车籍所在地"),
        ("decision", {"parties": [{"role": "cousin", "name": "x"}]}, "cousin"),
        ("decision", {"record": {**RECORD, "captured_at": datetime(2026, 11, 26, 5, 30)}}, "时区"),
    ],
)
def test_missing_or_wrong_data_is_refused(kind: str, changes: dict[str, Any], message: str) -> None:
    with pytest.raises(InvalidDocumentData, match=message) as caught:
        build(kind, **changes)
    assert caught.value.code == "invalid_document_data"


def test_only_jpeg_and_png_photos_can_be_printed() -> None:
    assert photo("plate", b"x", "image/jpeg").caption == "车牌照片"
    assert photo("side", b"\x89PNG", "image/png").data_uri == "data:image/png;base64,iVBORw=="
    with pytest.raises(InvalidDocumentData):
        photo("video", b"x", "video/mp4")


def test_parties_of_an_empty_case_is_empty_and_an_unknown_kind_is_refused() -> None:
    assert parties_of([]) == ()
    with pytest.raises(UnknownDocumentKind):
        build("memo")
