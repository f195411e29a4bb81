"""The liable parties of a case (一超四罚, 超限规定 Art. 32) and who may read their personal data.

Pure: a party's fields are checked here (identity numbers by their check digits, phone numbers by
their form) and masked here for roles that do not need them. Officers, legal reviewers and leaders
prepare, review and sign the documents sent to the parties and see everything; every other role sees
``张**``, ``330602********1234``, ``138****5678`` — but a unit's name and credit code in full (both public).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from zhichao.domain.errors import DomainError

OWNER, DRIVER, ENTERPRISE, SOURCE = "owner", "driver", "enterprise", "source"
PARTY_ROLES: Mapping[str, str] = {
    OWNER: "车辆所有人",
    DRIVER: "驾驶人",
    ENTERPRISE: "道路运输企业",
    SOURCE: "货运源头单位",
}
FULL_VIEW_ROLES = frozenset({"officer", "legal", "leader"})
SOURCES = frozenset({"officer", "register"})

_ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_ID_CHECK = "10X98765432"
_CREDIT_CHARS = "0123456789ABCDEFGHJKLMNPQRTUWXY"  # GB 32100-2015: no I, O, S, V, Z
_CREDIT_WEIGHTS = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)
MOBILE = re.compile(r"1[3-9]\d{9}")
_LANDLINE = re.compile(r"0\d{2,3}-?\d{7,8}")
_LIMITS = {"name": 128, "id_number": 32, "phone": 32, "address": 256, "licence": 64}
FIELD_LABELS = {"name": "姓名或名称", "id_number": "证件号码", "phone": "联系电话", "address": "地址",
                "licence": "证照号码"}


class InvalidParty(DomainError):
    """A party's data that cannot be stored as given; ``field`` names the culprit."""

    def __init__(self, code: str, field: str, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.field = field
        self.details = {"field": field}


def is_resident_id(text: str) -> bool:
    """An 18-character resident identity number with a correct check character (GB 11643-1999)."""
    if len(text) != 18 or not text[:17].isdigit():
        return False
    total = sum(int(c) * w for c, w in zip(text[:17], _ID_WEIGHTS, strict=True))
    return text[17] == _ID_CHECK[total % 11]


def is_credit_code(text: str) -> bool:
    """An 18-character unified social credit code with a correct check character (GB 32100-2015)."""
    if len(text) != 18 or any(c not in _CREDIT_CHARS for c in text):
        return False
    total = sum(_CREDIT_CHARS.index(c) * w for c, w in zip(text[:17], _CREDIT_WEIGHTS, strict=True))
    return text[17] == _CREDIT_CHARS[(31 - total % 31) % 31]


def is_phone(text: str) -> bool:
    """A mainland mobile number, or a landline with its area code (0571-87654321)."""
    return bool(MOBILE.fullmatch(text) or _LANDLINE.fullmatch(text))


def _clean(values: Mapping[str, Any], key: str) -> str | None:
    raw = values.get(key)
    if raw is None:
        return None
    if not isinstance(raw, str):
        raise InvalidParty("invalid_party", key, f"{FIELD_LABELS[key]}必须是文本")
    text = raw.strip()
    if len(text) > _LIMITS[key]:
        raise InvalidParty("invalid_party", key, f"{FIELD_LABELS[key]}过长（最多 {_LIMITS[key]} 个字符）")
    return text or None


def checked_party(role: str, values: Mapping[str, Any]) -> dict[str, str | None]:
    """The party's fields, trimmed and checked; ``InvalidParty`` names the first wrong field."""
    if role not in PARTY_ROLES:
        raise InvalidParty("invalid_party_role", "role", f"未知的当事人类别：{role}（可选 {'、'.join(PARTY_ROLES)}）")
    party = {key: _clean(values, key) for key in _LIMITS}
    if not party["name"]:
        raise InvalidParty("invalid_party", "name", f"{PARTY_ROLES[role]}的名称不能为空")
    number = party["id_number"]
    if number:
        number = party["id_number"] = number.upper()
        person_ok = is_resident_id(number)
        unit_ok = is_credit_code(number)
        allowed = {DRIVER: person_ok, ENTERPRISE: unit_ok, SOURCE: unit_ok}.get(role, person_ok or unit_ok)
        if not allowed:
            kind = {DRIVER: "公民身份号码", ENTERPRISE: "统一社会信用代码", SOURCE: "统一社会信用代码"}
            raise InvalidParty("invalid_id_number", "id_number",
                               f"{kind.get(role, '公民身份号码或统一社会信用代码')}不正确（校验位不符）：{number}")
    phone = party["phone"]
    if phone and not is_phone(phone):
        raise InvalidParty("invalid_phone", "phone", f"联系电话格式不正确：{phone}（手机号11位，或区号-号码）")
    return party


def _mask_middle(text: str, keep_start: int, keep_end: int) -> str:
    if len(text) <= keep_start + keep_end:
        return "*" * len(text)
    return text[:keep_start] + "*" * (len(text) - keep_start - keep_end) + text[len(text) - keep_end:]


def masked(party: Mapping[str, Any], viewer_role: str) -> dict[str, Any]:
    """``party`` as ``viewer_role`` may see it: whole for officers, legal reviewers and leaders."""
    shown = dict(party)
    if viewer_role in FULL_VIEW_ROLES:
        return shown
    name = shown.get("name") or ""
    # Units are named publicly; a person's name keeps its first character.
    if shown.get("role") in (OWNER, DRIVER) and not is_credit_code(str(shown.get("id_number") or "")):
        shown["name"] = name[:1] + "*" * max(1, len(name) - 1) if name else name
    # A unit's unified social credit code is public (GB 32100-2015, the enterprise credit publicity system);
    # a person's identity number is not.
    if shown.get("id_number") and not is_credit_code(str(shown["id_number"])):
        shown["id_number"] = _mask_middle(str(shown["id_number"]), 6, 4)
    if shown.get("phone"):
        shown["phone"] = _mask_middle(str(shown["phone"]), 3, 4)
    if shown.get("address"):
        shown["address"] = str(shown["address"])[:6] + "****"
    shown["masked"] = True
    return shown
