"""Licence plates as a roadside camera in Shaoxing reads them.

Vehicles come from fixed pools (one per province or 浙D) and are numbered; a vehicle's number fixes its
plate and its class, so the same plate always shows the same axle layout and plates recur across days
and stations as real trucks do. Numbers are scrambled by a multiplier coprime with the serial space,
which makes the number → serial map a bijection (no two vehicles share a plate).

Passage shares: ~60 % 浙D (local), ~15 % other Zhejiang cities, ~15 % 沪苏皖, ~10 % other provinces,
weighted towards neighbours (赣 闽 鲁 豫 鄂 湘 …).
"""

from __future__ import annotations

import random
from dataclasses import dataclass

from zhichao.simulation.vehicles import VehicleClass

LETTERS = "ABCDEFGHJKLMNPQRSTUVWXYZ"  # GA 36: I and O are never used in serials
_MULT = 7919  # prime, coprime with every serial space below
_SERIAL_SPACE = 100_000 + 2 * 24 * 10_000  # 5 digits | letter+4 digits | digit+letter+3 digits
_TRAILER_SPACE = 10_000 + 24 * 4 * 1_000  # 4 digits | 3 digits with one letter anywhere
# Every pool (with its repeat offenders) must fit the smallest space above for plates to stay unique.
MAX_POOL_SIZE = 105_000
_FULL_WIDTH = str.maketrans({c: chr(ord(c) + 0xFEE0) for c in "0123456789ABCDEFGHJKLMNPQRSTUVWXYZ"})
UNREAD_LITERALS = ("", "未识别", "noPlate", "无车牌")  # what stations send for an unread plate
UNREAD_WEIGHTS = (70, 20, 5, 5)
COLOUR_PREFIX = {"yellow": "黄", "blue": "蓝", "yellow_green": "黄绿"}


@dataclass(frozen=True, slots=True)
class PlatePool:
    """Vehicles registered in one province (or city); `cities` repeats letters to weight them."""

    province: str
    cities: str
    size: int
    share: float

    @property
    def prone(self) -> int:
        """How many of the pool's vehicles ever overload (the first 12 % of numbers)."""
        return max(1, self.size * 12 // 100)


_GENERIC = "AABBCDEFGHJK"
POOLS: tuple[PlatePool, ...] = (
    PlatePool("浙", "D", 100_000, 0.60),
    PlatePool("浙", "AAAABBBBGGGCCJJEEFFHKL", 50_000, 0.15),
    PlatePool("苏", "AABBCDEEEEFHJKLMN", 30_000, 0.065),
    PlatePool("皖", "AABCDEFGHJKLMNPRS", 30_000, 0.06),
    PlatePool("沪", "ABCDEFGHJKLMN", 10_000, 0.025),
    PlatePool("赣", _GENERIC, 12_000, 0.022),
    PlatePool("闽", _GENERIC, 8_000, 0.014),
    PlatePool("鲁", _GENERIC, 8_000, 0.013),
    PlatePool("豫", _GENERIC, 8_000, 0.013),
    PlatePool("鄂", _GENERIC, 6_000, 0.010),
    PlatePool("湘", _GENERIC, 6_000, 0.010),
    PlatePool("川", _GENERIC, 3_000, 0.005),
    PlatePool("冀", _GENERIC, 3_000, 0.004),
    PlatePool("粤", _GENERIC, 2_000, 0.003),
    PlatePool("贵", _GENERIC, 1_500, 0.002),
    PlatePool("陕", _GENERIC, 1_500, 0.002),
    PlatePool("晋", _GENERIC, 1_500, 0.002),
)
POOL_SHARES = tuple(p.share for p in POOLS)


def _serial(vehicle: int) -> str:
    s = (vehicle * _MULT + 12_345) % _SERIAL_SPACE
    if s < 100_000:
        return f"{s:05d}"
    q, letter = divmod(s - 100_000, 24)
    if q < 10_000:
        return f"{LETTERS[letter]}{q:04d}"
    q -= 10_000
    return f"{q // 1000}{LETTERS[letter]}{q % 1000:03d}"


def _trailer_serial(vehicle: int) -> str:
    t = (vehicle * _MULT + 777) % _TRAILER_SPACE
    if t < 10_000:
        return f"{t:04d}"
    q, letter = divmod(t - 10_000, 24)
    pos, digits = q % 4, f"{q // 4:03d}"
    return digits[:pos] + LETTERS[letter] + digits[pos:]


def is_new_energy(vehicle: int, vclass: VehicleClass) -> bool:
    """About 1 in 37 heavy trucks of the common layouts is electric (yellow-green plate)."""
    return vehicle % 37 == 5 and not vclass.light and vclass.axle_groups in ("1+1", "2+2", "1+2+3")


def plate_of(pool: PlatePool, vehicle: int, vclass: VehicleClass, rear: bool = False) -> tuple[str, str]:
    """The plate and its colour; `rear` reads a train's trailer plate (yellow, 4-character serial + 挂)."""
    prefix = pool.province + pool.cities[vehicle % len(pool.cities)]
    if rear:
        return f"{prefix}{_trailer_serial(vehicle)}挂", "yellow"
    if vclass.light:
        return prefix + _serial(vehicle), "blue"
    if is_new_energy(vehicle, vclass):
        # GA 36-2018: large new-energy vehicles put D (pure electric) or F (hybrid) after 5 digits
        kind, digits = divmod(vehicle * _MULT % 200_000, 100_000)
        return f"{prefix}{digits:05d}{'DF'[kind]}", "yellow_green"
    return prefix + _serial(vehicle), "yellow"


def vendor_quirk(rng: random.Random, plate: str, colour: str) -> str:
    """A raw value as some vendors send it: colour prefix, lower case or full-width characters."""
    roll = rng.random()
    if roll < 0.5:
        return COLOUR_PREFIX.get(colour, "") + plate
    if roll < 0.75:
        return plate.lower()
    return plate[0] + plate[1:].translate(_FULL_WIDTH)


def unread_literal(rng: random.Random) -> str:
    """What a station sends when its camera could not read the plate."""
    return rng.choices(UNREAD_LITERALS, UNREAD_WEIGHTS)[0]


def confidence(rng: random.Random) -> float:
    """Recogniser confidence: mostly 0.85–0.99, sometimes a poor read (night glare, dirt)."""
    rand = rng.random
    if rand() < 0.92:
        return int(85 + rand() * 15) / 100
    return int(55 + rand() * 30) / 100
