"""Where a vehicle is registered, from its plate, and whose transport authority receives its transfer
(抄告, 超限规定 Art. 44; LEGAL.md §6.9). Pure: the table is ``data/plate_regions.json``, read by the caller.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass

from zhichao.domain.errors import DomainError


class UnknownRegion(DomainError):
    """The plate names no province this table knows (an unread or malformed plate)."""

    code = "unknown_region"


@dataclass(frozen=True, slots=True)
class RegionTable:
    provinces: Mapping[str, str]
    cities: Mapping[str, Mapping[str, str]]
    long_triangle: str


@dataclass(frozen=True, slots=True)
class Region:
    """A registration region: ``prefix`` is 苏E (or 苏 when the city is unknown)."""

    prefix: str
    province: str
    city: str | None
    authority: str
    long_triangle: bool


def load_regions(text: str) -> RegionTable:
    raw = json.loads(text)
    return RegionTable(provinces=dict(raw["provinces"]), cities={k: dict(v) for k, v in raw["cities"].items()},
                       long_triangle=str(raw["long_triangle"]))


def region_of(plate: str, table: RegionTable) -> Region:
    """The region of a normalised plate; ``UnknownRegion`` when its first character is no province."""
    province = table.provinces.get(plate[:1]) if plate else None
    if province is None:
        raise UnknownRegion(f"无法从号牌确定登记地：{plate or '（未识别）'}")
    letter = plate[1:2]
    city = table.cities.get(plate[0], {}).get(letter)
    municipality = province.endswith("市")
    if city:
        authority = f"{city}交通运输局"
    elif municipality:
        authority = f"{province}交通委员会" if plate[0] in "京沪" else f"{province}交通运输委员会"
    else:
        authority = f"{province}交通运输厅（转{plate[:2]}号牌登记地交通运输主管部门）"
    prefix = plate[:2] if city or (letter.isalpha() and letter.isascii()) else plate[:1]
    return Region(prefix, province, city, authority, plate[0] in table.long_triangle)
