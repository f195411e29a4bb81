"""The vehicle as the law sees it: axle layout, gross mass and, when the station knows them, the
vehicle type, the drive axle and the outer dimensions.

Codes follow the public contract (API.md §1): they are stored as-is; Chinese names are for labels.
Weights are integer kg, dimensions integer mm.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

from zhichao.domain.errors import InvalidVehicle

RIGID_TRUCK = "rigid_truck"  # 载货汽车
CENTRE_AXLE_TRAIN = "centre_axle_train"  # 中置轴挂车列车
ARTICULATED_TRAIN = "articulated_train"  # 铰接列车
FULL_TRAILER_TRAIN = "full_trailer_train"  # 全挂汽车列车
OTHER = "other"  # the station could not classify it: judged as an unknown type

VEHICLE_TYPES: frozenset[str] = frozenset(
    {RIGID_TRUCK, CENTRE_AXLE_TRAIN, ARTICULATED_TRAIN, FULL_TRAILER_TRAIN, OTHER}
)
# 汽车列车 in 超限规定第三条: a towing vehicle with one or more trailers.
TRAIN_TYPES: frozenset[str] = frozenset({CENTRE_AXLE_TRAIN, ARTICULATED_TRAIN, FULL_TRAILER_TRAIN})

SINGLE_DRIVE = "single"
TANDEM_DRIVE = "tandem"
DRIVE_AXLES: frozenset[str] = frozenset({SINGLE_DRIVE, TANDEM_DRIVE})


@dataclass(frozen=True, slots=True)
class Vehicle:
    """One weighed passage, reduced to what the limit and the judgement need.

    `axle_groups` counts axles per group, front to back (steer, drive, trailer…): a tandem is one
    group of 2, a tridem one group of 3, so (1, 2, 3) is the usual 6-axle articulated train.
    """

    axle_count: int
    gross_kg: int
    axle_groups: tuple[int, ...] | None = None
    vehicle_type: str | None = None
    drive_axle: str | None = None
    length_mm: int | None = None
    width_mm: int | None = None
    height_mm: int | None = None


@lru_cache(maxsize=256)
def parse_axle_groups(text: str) -> tuple[int, ...]:
    """Parse the contract's `axle_groups` string: "1+2+3" → (1, 2, 3).

    Spaces around the numbers are tolerated; every group must be a positive integer.
    Raises InvalidVehicle otherwise. Whether the groups sum to the axle count is the caller's check
    (the record validator), since only it knows the count.
    """
    parts = text.split("+")
    groups: list[int] = []
    for part in parts:
        part = part.strip()
        if not part.isdigit() or not part.isascii() or int(part) < 1:
            raise InvalidVehicle(f"轴组格式错误：{text!r}（应为如 1+2+3 的正整数之和）")
        groups.append(int(part))
    return tuple(groups)
