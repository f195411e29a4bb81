"""The liable parties (domain/parties.py): identity numbers by their check characters, which role takes which
kind of number, phone forms, lengths, blank names, and what each viewer role sees.

The check characters below were computed by hand:

GB 11643-1999 (resident identity number): weights 7 9 10 5 8 4 2 1 6 3 7 9 10 5 8 4 2, sum mod 11 → check
``1 0 X 9 8 7 6 5 4 3 2``.
- 330602 19850712 123 (越城区): 3·7 + 3·9 + 0·10 + 6·5 + 0·8 + 2·4 + 1·2 + 9·1 + 8·6 + 5·3 + 0·7 + 7·9 + 1·10
  + 2·5 + 1·8 + 2·4 + 3·2 = 265; 265 mod 11 = 1 → ``0``.
- the same with sequence 129: 265 + (9 − 3)·2 = 277; 277 mod 11 = 2 → ``X``.
- 330681 19900308 456 (诸暨市): sum 342; 342 mod 11 = 1 → ``0``.

GB 32100-2015 (unified social credit code): characters ``0–9 A–H J–N P–R T U W–Y`` worth 0–30, weights
3^i mod 31 = 1 3 9 27 19 26 16 17 20 29 25 13 8 24 10 30 28, check = (31 − sum mod 31) mod 31.
- 91330602MA2BCDEF1: 9·1 + 1·3 + 3·9 + 3·27 + 0·19 + 6·26 + 0·16 + 2·17 + M(21)·20 + A(10)·29 + 2·25 + B(11)·13
  + C(12)·8 + D(13)·24 + E(14)·10 + F(15)·30 + 1·28 = 2239; 2239 mod 31 = 7; 31 − 7 = 24 → ``Q``.
- 91320500MA1MXYK76 (苏州): sum 2751; 2751 mod 31 = 23; 31 − 23 = 8 → ``8``.
"""

from __future__ import annotations

from typing import Any

import pytest

from zhichao.domain.parties import InvalidParty, checked_party, is_credit_code, is_resident_id, masked

PERSON = "330602198507121230"
PERSON_X = "33060219850712129X"
PERSON_ZHUJI = "330681199003084560"
UNIT = "91330602MA2BCDEF1Q"
UNIT_SUZHOU = "91320500MA1MXYK768"


@pytest.mark.parametrize(
    ("number", "valid"),
    [
        pytest.param(PERSON, True, id="check character 0"),
        pytest.param(PERSON_X, True, id="check character X"),
        pytest.param(PERSON_ZHUJI, True, id="another county"),
        pytest.param("330602198507121231", False, id="wrong check character"),
        pytest.param("330602198507121239", False, id="a digit where X belongs"),
        pytest.param("33060219850712129x", False, id="lower-case x (checked_party upper-cases first)"),
        pytest.param("33060219850712123", False, id="17 characters"),
        pytest.param("3306021985071212300", False, id="19 characters"),
        pytest.param("33060219850712A230", False, id="a letter in the body"),
        pytest.param("", False, id="empty"),
    ],
)
def test_resident_identity_numbers(number: str, valid: bool) -> None:
    assert is_resident_id(number) is valid


@pytest.mark.parametrize(
    ("code", "valid"),
    [
        pytest.param(UNIT, True, id="绍兴 company"),
        pytest.param(UNIT_SUZHOU, True, id="苏州 company"),
        pytest.param("91330602MA2BCDEF1R", False, id="wrong check character"),
        pytest.param("91320500MA1MXYK767", False, id="wrong check digit"),
        pytest.param("91330602MA2BCDEF1", False, id="17 characters"),
        pytest.param("91330602MA2BCDIF1Q", False, id="I is not used"),
        pytest.param("91330602MA2BCDOF1Q", False, id="O is not used"),
        pytest.param("91330602ma2bcdef1q", False, id="lower case (checked_party upper-cases first)"),
        pytest.param(PERSON, False, id="a resident number is no credit code"),
    ],
)
def test_unified_social_credit_codes(code: str, valid: bool) -> None:
    assert is_credit_code(code) is valid


def invalid(role: str, **values: Any) -> tuple[str, str]:
    with pytest.raises(InvalidParty) as error:
        checked_party(role, {"name": "张三", **values})
    assert error.value.message
    details = error.value.details
    assert isinstance(details, dict)
    return error.value.code, details["field"]


@pytest.mark.parametrize(
    ("role", "number", "accepted"),
    [
        pytest.param("owner", PERSON, True, id="owner: a person"),
        pytest.param("owner", UNIT, True, id="owner: a unit"),
        pytest.param("driver", PERSON_X, True, id="driver: a person"),
        pytest.param("driver", UNIT, False, id="driver: never a unit"),
        pytest.param("enterprise", UNIT, True, id="enterprise: a unit"),
        pytest.param("enterprise", PERSON, False, id="enterprise: never a person"),
        pytest.param("source", UNIT_SUZHOU, True, id="source: a unit"),
        pytest.param("source", PERSON, False, id="source: never a person"),
        pytest.param("owner", "330602198507121231", False, id="owner: wrong check character"),
        pytest.param("owner", "91330602MA2BCDEF1R", False, id="owner: wrong check character of a unit"),
    ],
)
def test_which_number_each_role_takes(role: str, number: str, accepted: bool) -> None:
    if accepted:
        assert checked_party(role, {"name": "某某", "id_number": number})["id_number"] == number
    else:
        assert invalid(role, id_number=number) == ("invalid_id_number", "id_number")


def test_numbers_are_trimmed_and_upper_cased() -> None:
    party = checked_party("driver", {"name": "  张三 ", "id_number": " 33060219850712129x "})
    assert party["name"] == "张三" and party["id_number"] == PERSON_X
    assert checked_party("enterprise", {"name": "某公司", "id_number": UNIT.lower()})["id_number"] == UNIT


@pytest.mark.parametrize(
    ("phone", "ok"),
    [
        pytest.param("13800001234", True, id="mobile"),
        pytest.param("19912345678", True, id="mobile 199"),
        pytest.param("0575-88881234", True, id="landline with area code and hyphen"),
        pytest.param("057588881234", True, id="landline without hyphen"),
        pytest.param("010-1234567", True, id="3-digit area code, 7-digit number"),
        pytest.param("12800001234", False, id="no mobile starts with 12"),
        pytest.param("1380000123", False, id="10 digits"),
        pytest.param("138000012345", False, id="12 digits"),
        pytest.param("+8613800001234", False, id="with +86"),
        pytest.param("138 0000 1234", False, id="with blanks"),
        pytest.param("88881234", False, id="landline without area code"),
        pytest.param("电话13800001234", False, id="text around it"),
    ],
)
def test_phone_forms(phone: str, ok: bool) -> None:
    if ok:
        assert checked_party("owner", {"name": "张三", "phone": phone})["phone"] == phone
    else:
        assert invalid("owner", phone=phone) == ("invalid_phone", "phone")


@pytest.mark.parametrize(
    ("field", "limit"),
    [("name", 128), ("id_number", 32), ("phone", 32), ("address", 256), ("licence", 64)],
)
def test_length_limits(field: str, limit: int) -> None:
    assert invalid("source", **{field: "1" * (limit + 1)}) == ("invalid_party", field)
    if field in ("id_number", "phone"):  # at the limit the value fails on its form, not on its length
        assert invalid("source", **{field: "1" * limit}) == (f"invalid_{field}", field)
    else:  # counted after trimming
        assert checked_party("source", {"name": "某", field: "  " + "字" * limit + " "})[field] == "字" * limit


@pytest.mark.parametrize("name", [None, "", "   ", "\t\n"])
def test_a_name_is_required(name: str | None) -> None:
    with pytest.raises(InvalidParty) as error:
        checked_party("owner", {"name": name, "phone": "13800001234"})
    assert (error.value.code, error.value.details) == ("invalid_party", {"field": "name"})


def test_blank_optional_fields_are_none() -> None:
    assert checked_party("owner", {"name": "张三", "id_number": " ", "phone": "", "address": None}) == {
        "name": "张三", "id_number": None, "phone": None, "address": None, "licence": None}


@pytest.mark.parametrize(
    ("values", "field"),
    [
        pytest.param({"name": 12}, "name", id="a number for a name"),
        pytest.param({"name": "张三", "phone": 13800001234}, "phone", id="a number for a phone"),
    ],
)
def test_fields_are_text(values: dict[str, Any], field: str) -> None:
    with pytest.raises(InvalidParty) as error:
        checked_party("owner", values)
    assert (error.value.code, error.value.details) == ("invalid_party", {"field": field})


def test_an_unknown_role_is_refused() -> None:
    with pytest.raises(InvalidParty) as error:
        checked_party("passenger", {"name": "张三"})
    assert (error.value.code, error.value.details) == ("invalid_party_role", {"field": "role"})


# --- masking per viewer role ---------------------------------------------------------------------------------

DRIVER = {"role": "driver", "name": "张三丰", "id_number": PERSON, "phone": "13812345678",
          "address": "浙江省绍兴市越城区人民中路1号", "licence": "330602000001"}
UNIT_OWNER = {"role": "owner", "name": "绍兴市某某运输有限公司", "id_number": UNIT, "phone": "0575-88881234",
              "address": "浙江省绍兴市柯桥区柯桥街道2号", "licence": None}
ENTERPRISE = {"role": "enterprise", "name": "绍兴市某某物流有限公司", "id_number": UNIT_SUZHOU, "phone": None,
              "address": None, "licence": "浙交运管许可绍字330602000001号"}


@pytest.mark.parametrize("viewer", ["officer", "legal", "leader"])
@pytest.mark.parametrize("party", [DRIVER, UNIT_OWNER, ENTERPRISE], ids=["driver", "unit owner", "enterprise"])
def test_case_handlers_see_everything(viewer: str, party: dict[str, Any]) -> None:
    assert masked(party, viewer) == party


@pytest.mark.parametrize("viewer", ["admin", "reviewer", "partner", "audit"])
def test_other_roles_see_a_person_masked(viewer: str) -> None:
    assert masked(DRIVER, viewer) == {
        "role": "driver", "name": "张**", "id_number": "330602********1230", "phone": "138****5678",
        "address": "浙江省绍兴市****", "licence": "330602000001", "masked": True}


@pytest.mark.parametrize("viewer", ["admin", "reviewer"])
def test_a_units_name_and_credit_code_are_not_masked(viewer: str) -> None:
    assert masked(UNIT_OWNER, viewer) == {
        "role": "owner", "name": "绍兴市某某运输有限公司", "id_number": UNIT, "phone": "057******1234",
        "address": "浙江省绍兴市****", "licence": None, "masked": True}
    shown = masked(ENTERPRISE, viewer)
    assert shown["name"] == "绍兴市某某物流有限公司" and shown["id_number"] == UNIT_SUZHOU  # public (GB 32100-2015)
    assert shown["phone"] is None and shown["address"] is None


@pytest.mark.parametrize(
    ("party", "name"),
    [
        pytest.param({"role": "owner", "name": "李四", "id_number": PERSON_ZHUJI}, "李*", id="a person owner"),
        pytest.param({"role": "owner", "name": "王五"}, "王*", id="an owner without a number"),
        pytest.param({"role": "driver", "name": "欧阳娜娜"}, "欧***", id="four characters"),
        pytest.param({"role": "source", "name": "某某石料厂"}, "某某石料厂", id="a freight source"),
    ],
)
def test_names_as_an_admin_sees_them(party: dict[str, Any], name: str) -> None:
    assert masked(party, "admin")["name"] == name


def test_masking_does_not_change_the_party() -> None:
    before = dict(DRIVER)
    masked(DRIVER, "admin")
    assert before == DRIVER
