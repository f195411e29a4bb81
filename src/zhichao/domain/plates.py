"""Licence plates: normalisation on ingest, shape check, origin (LEGAL.md §7).

Normalisation (`normalize_plate`), in this order:
1. NFKC, so full-width letters, digits and spaces become ASCII (`浙Ｄ１２３４５` → `浙D12345`);
2. upper case; spaces and separators (· ・ • - _ . and the like) dropped (`浙 D·12345`);
3. one colour prefix stripped and reported as a contract colour code (`黄浙D12345` → yellow). The
   prefix may end in 色 or 牌 (`黄色`, `黄牌`). "黑" is also the Heilongjiang province character, so it
   is taken as a colour only when a province character or an unread literal follows (`黑浙D12345` is
   black, `黑A12345` is Heilongjiang);
4. unread literals (`无车牌`, `未识别`, `noPlate`, `-`, `0`, …; any run of zeros) become "" (unread).
A plate that is not well formed keeps its normalised text: reviewers still see what was read.

Well formed (GA 36-2018 and its later extension):
- province character (the 31 of `PROVINCES`) + issuing-authority letter A–Z + serial;
- regular serial: 5 of A–Z / 0–9, never I or O (`浙D12345`, `浙DA1234`);
- suffixed serial: 4 such characters + 挂 (trailer), 学, 警, 领, 港 or 澳 (`皖K1234挂`);
- new-energy serial, 6 characters: small vehicles (渐变绿) put the energy letter first, then a letter
  or digit, then 4 digits (`浙AD12345`); large vehicles (黄绿, i.e. trucks) put 5 digits first and the
  energy letter last (`浙D12345D`). GA 36-2018 allows D (pure electric) and F (other new energy); the
  Ministry of Public Security's 2022 extension of the number space added A B C E (pure electric) and
  G H J K (other) [M], so the energy letter is one of D A B C E F G H J K.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass
from functools import lru_cache
from types import MappingProxyType

PROVINCES = "京津冀晋蒙辽吉黑沪苏浙皖闽赣鲁豫鄂湘粤桂琼渝川贵云藏陕甘青宁新"

ZHEJIANG_CITIES: Mapping[str, str] = MappingProxyType(
    {
        "A": "杭州", "B": "宁波", "C": "温州", "D": "绍兴", "E": "湖州", "F": "嘉兴",
        "G": "金华", "H": "衢州", "J": "台州", "K": "丽水", "L": "舟山",
    }
)  # fmt: skip

DEFAULT_LOCAL_PREFIXES: tuple[str, ...] = ("浙D",)  # Shaoxing; KPIS #3 allows ("浙",) as a setting

REGION_UNREAD = "unread"
REGION_ZHEJIANG = "zhejiang"
REGION_YANGTZE_DELTA = "yangtze_delta"  # 沪苏皖: the other 长三角 provinces (cross-region handling)
REGION_OTHER = "other"
_YANGTZE_DELTA_PROVINCES = "沪苏皖"

# Longest first, so 黄绿 is not read as 黄 followed by 绿.
_COLOUR_WORDS: tuple[tuple[str, str], ...] = (
    ("渐变绿", "green"), ("黄绿", "yellow_green"), ("黄", "yellow"), ("蓝", "blue"),
    ("黑", "black"), ("白", "white"), ("绿", "green"),
)  # fmt: skip
_COLOUR_PREFIXES: tuple[tuple[str, str], ...] = tuple(
    (word + tail, code) for word, code in _COLOUR_WORDS for tail in ("色", "牌", "")
)
_COLOUR_INITIALS = frozenset(word[0] for word, _ in _COLOUR_WORDS)  # skip the scan for most plates

# What vendors send for "no plate read", compared after upper-casing and separator removal.
UNREAD_LITERALS: frozenset[str] = frozenset(
    {
        "", "无车牌", "未识别", "无牌", "无牌车", "无号牌", "未识别车牌", "车牌未识别", "识别失败",
        "未知", "未知车牌", "车牌", "无", "NOPLATE", "UNKNOWN", "UNRECOGNIZED", "NONE", "NULL",
        "NA", "N/A", "-", "0",
    }
)  # fmt: skip

_SEPARATORS = re.compile(r"[\s·・•‧∙\-_.—–]+")
_SERIAL = "[0-9A-HJ-NP-Z]"  # no I, no O
_ENERGY = "[DABCEFGHJK]"
_NEW_ENERGY_SERIAL = f"{_ENERGY}{_SERIAL}[0-9]{{4}}|[0-9]{{5}}{_ENERGY}"  # small | large
_WELL_FORMED = re.compile(
    f"[{PROVINCES}][A-Z](?:{_SERIAL}{{5}}|{_SERIAL}{{4}}[挂学警领港澳]|(?P<ne>{_NEW_ENERGY_SERIAL}))"
)


@dataclass(frozen=True, slots=True)
class Plate:
    """A plate as read (`raw`) and normalised (`text`, "" when unread), with what its text shows."""

    text: str
    raw: str
    color: str | None
    province: str | None
    city: str | None
    trailer: bool
    new_energy: bool
    well_formed: bool

    @property
    def unread(self) -> bool:
        return not self.text


def _is_unread(text: str) -> bool:
    return text in UNREAD_LITERALS or not text.strip("0")


def _strip_colour(text: str) -> tuple[str, str | None]:
    if text[:1] not in _COLOUR_INITIALS:
        return text, None
    for prefix, code in _COLOUR_PREFIXES:
        if text.startswith(prefix):
            rest = text[len(prefix) :]
            if prefix != "黑" or (rest != "" and rest[0] in PROVINCES) or _is_unread(rest):
                return rest, code
    return text, None


@lru_cache(maxsize=65_536)
def normalize_plate(raw: str) -> Plate:
    """Normalise a plate as sent by a vendor (see the module docstring). Pure and cached."""
    text = _SEPARATORS.sub("", unicodedata.normalize("NFKC", raw).upper())
    text, color = _strip_colour(text)
    if _is_unread(text):
        return Plate("", raw, color, None, None, False, False, False)
    province = text[0] if text[0] in PROVINCES else None
    city = text[:2] if province and len(text) > 1 and "A" <= text[1] <= "Z" else None
    match = _WELL_FORMED.fullmatch(text)
    new_energy = match is not None and match.group("ne") is not None
    # Positional: a frozen dataclass is built field by field, keywords add to that cost.
    return Plate(text, raw, color, province, city, text.endswith("挂"), new_energy, match is not None)


def is_local(plate_text: str, local_prefixes: tuple[str, ...] = DEFAULT_LOCAL_PREFIXES) -> bool:
    """Whether a normalised plate starts with one of `local_prefixes` ("浙D" by default; KPIS #3)."""
    return bool(plate_text) and plate_text.startswith(local_prefixes)


def region(plate_text: str) -> str:
    """The registration region of a normalised plate, for statistics and 抄告 (LEGAL.md §6.9):
    "unread" (empty text), "zhejiang" (浙), "yangtze_delta" (沪, 苏, 皖) or "other" (any other
    province, or no province character). Whether a plate is local is `is_local`'s question."""
    if not plate_text:
        return REGION_UNREAD
    first = plate_text[0]
    if first == "浙":
        return REGION_ZHEJIANG
    return REGION_YANGTZE_DELTA if first in _YANGTZE_DELTA_PROVINCES else REGION_OTHER
