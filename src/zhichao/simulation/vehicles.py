"""Truck classes seen on Chinese trunk roads, their legal limits and how their weight spreads over axles.

The limit table is the simulator's own (it must not depend on ``zhichao.domain``): 超限运输车辆行驶公路
管理规定 Art. 3 with the layouts of 交公路发〔2016〕124号 (see ``shared/domain/LEGAL.md`` §1). Shares
are fractions of all truck passages and follow the usual picture of a Zhejiang national road: 2-axle
trucks most common, then 6-axle articulated trains, then 3-, 4- and 5-axle vehicles.
"""

from __future__ import annotations

import bisect
import itertools
import random
from dataclasses import dataclass

# The golden ratio spreads consecutive vehicle numbers evenly over [0, 1), so every slice of a plate
# pool (e.g. its first 12 %, the overload-prone vehicles) has the same class mix as the whole pool.
_GOLDEN = 0.6180339887498949


@dataclass(frozen=True, slots=True)
class VehicleClass:
    """One axle layout. Splits give each axle's share of the tare and of the payload, front to back."""

    axle_groups: str
    vehicle_type: str
    drive_axle: str
    limit_kg: int
    share: float
    tare_kg: tuple[int, int]
    tare_split: tuple[float, ...]
    load_split: tuple[float, ...]
    spacings_mm: tuple[int, ...]
    length_mm: tuple[int, int]
    speed_kmh: float = 62.0
    light: bool = False  # blue-plate light truck (≤ 4.5 t licensed): its 18 t limit is never in reach
    # derived in __post_init__ (read on every passage, so stored rather than computed)
    splits: tuple[tuple[float, float], ...] = ()  # (tare share, payload share) per axle
    axle_count: int = 0

    def __post_init__(self) -> None:
        pairs = tuple(zip(self.tare_split, self.load_split, strict=True))
        object.__setattr__(self, "splits", pairs)
        object.__setattr__(self, "axle_count", len(pairs))

    @property
    def max_overload_rate(self) -> float:
        """The heaviest plausible overload, as a fraction of the limit: 8x4 dump trucks are seen at
        80 t; only 6-axle trains reach 百吨王 (≥ 100 t)."""
        return {2: 1.0, 3: 1.2, 4: 1.6, 5: 1.3}.get(self.axle_count, 2.0)


def _vc(groups: str, vtype: str, drive: str, limit: int, share: float, tare: tuple[int, int],
        tare_split: tuple[float, ...], load_split: tuple[float, ...], spacings: tuple[int, ...],
        length: tuple[int, int], speed: float = 62.0, light: bool = False) -> VehicleClass:
    t, p = sum(tare_split), sum(load_split)  # normalise so the table can be written in round numbers
    return VehicleClass(groups, vtype, drive, limit, share, tare, tuple(x / t for x in tare_split),
                        tuple(x / p for x in load_split), spacings, length, speed, light)


RIGID, CENTRE, ARTIC, FULL = "rigid_truck", "centre_axle_train", "articulated_train", "full_trailer_train"

CLASSES: tuple[VehicleClass, ...] = (
    # 2 axles, 42 %: medium/heavy 4x2 trucks and blue-plate light trucks
    _vc("1+1", RIGID, "single", 18000, 0.27, (6500, 8500), (55, 45), (28, 72), (4500,), (7000, 9800), 66),
    _vc("1+1", RIGID, "single", 18000, 0.15, (2800, 4200), (55, 45), (30, 70), (3300,), (4500, 6000), 70,
        light=True),
    # 3 axles, 12 %
    _vc("1+2", RIGID, "tandem", 25000, 0.084, (10000, 13000), (45, 27.5, 27.5), (22, 39, 39), (4300, 1350),
        (8500, 11900), 60),
    _vc("2+1", RIGID, "single", 25000, 0.012, (9500, 12000), (33, 30, 37), (26, 26, 48), (1900, 3800),
        (8500, 11900), 60),
    _vc("1+1+1", ARTIC, "single", 27000, 0.024, (10000, 12500), (42, 38, 20), (20, 40, 40), (3600, 7500),
        (12000, 16500), 60),
    # 4 axles, 11 %: 8x4 dump trucks (前四后八) dominate
    _vc("2+2", RIGID, "tandem", 31000, 0.072, (13500, 16500), (29, 29, 21, 21), (19, 19, 31, 31),
        (1800, 3200, 1350), (9000, 12000), 55),
    _vc("1+1+2", ARTIC, "single", 36000, 0.022, (13000, 15500), (33, 30, 18.5, 18.5), (14, 30, 28, 28),
        (3600, 6800, 1310), (14500, 17800), 60),
    _vc("1+2+1", CENTRE, "tandem", 35000, 0.011, (14000, 17000), (33, 22, 22, 23), (15, 27, 27, 31),
        (3800, 1350, 5200), (14500, 17800), 60),
    _vc("1+1+1+1", FULL, "single", 36000, 0.005, (13000, 15500), (30, 30, 20, 20), (15, 30, 27.5, 27.5),
        (4500, 3200, 4800), (15000, 18000), 58),
    # 5 axles, 7 %
    _vc("1+2+2", ARTIC, "tandem", 43000, 0.042, (15000, 18000), (30, 22, 22, 13, 13),
        (13, 21, 21, 22.5, 22.5), (3200, 1350, 7000, 1310), (15500, 18000), 60),
    _vc("1+1+3", ARTIC, "single", 42000, 0.021, (14500, 17000), (33, 27, 13.5, 13.5, 13),
        (14, 24, 20.7, 20.7, 20.6), (3600, 7200, 1310, 1310), (15500, 18000), 60),
    _vc("2+1+2", CENTRE, "single", 43000, 0.007, (16000, 19000), (22, 22, 24, 16, 16), (13, 13, 24, 25, 25),
        (1900, 4200, 4500, 1310), (15500, 18000), 60),
    # 6 axles, 28 %: 6x4 tractor + tridem semitrailer is the trunk-road workhorse
    _vc("1+2+3", ARTIC, "tandem", 49000, 0.224, (14500, 18000), (29, 19, 19, 11, 11, 11),
        (11, 18.5, 18.5, 17.3, 17.3, 17.4), (3300, 1350, 6500, 1310, 1310), (16000, 18000), 60),
    _vc("2+1+3", ARTIC, "single", 46000, 0.036, (14500, 17500), (19, 19, 26, 12, 12, 12),
        (10, 10, 23, 19, 19, 19), (1900, 2900, 6600, 1310, 1310), (16000, 18000), 60),
    _vc("2+2+2", CENTRE, "tandem", 49000, 0.020, (19000, 22000), (20, 20, 17, 17, 13, 13),
        (11, 11, 18, 18, 21, 21), (1800, 3000, 1350, 4600, 1310), (15000, 18000), 58),
)
_CUMULATIVE = tuple(itertools.accumulate(c.share for c in CLASSES))
BY_GROUPS_DRIVE = {(c.axle_groups, c.drive_axle): c for c in CLASSES}
# When a record carries only the axle count, LEGAL.md §1 says: take the most common row for that count.
DEFAULT_LIMIT_KG = {2: 18000, 3: 25000, 4: 31000, 5: 43000}
EMPTY_SHARE = 0.33  # return trips run empty
MAX_SPLIT_ERROR = 0.006  # WIM axle sums differ from the gross; keep within ±0.6 % (+ 10 kg rounding)


def class_of(vehicle: int) -> VehicleClass:
    """The class of vehicle number `vehicle` in a plate pool: fixed, so a plate never changes layout."""
    u = (vehicle * _GOLDEN + 0.5) % 1.0
    return CLASSES[min(bisect.bisect(_CUMULATIVE, u * _CUMULATIVE[-1]), len(CLASSES) - 1)]


def limit_kg(record: dict[str, object]) -> int:
    """The simulator's own legal limit for a record, inferring the layout from the axle count if absent."""
    axles = record["axle_count"]
    assert isinstance(axles, int)
    vclass = BY_GROUPS_DRIVE.get((str(record.get("axle_groups")), str(record.get("drive_axle"))))
    if vclass is not None:
        return vclass.limit_kg
    return DEFAULT_LIMIT_KG.get(axles, 49000)


def gross_kg(rng: random.Random, vclass: VehicleClass, overload_rate: float | None) -> int:
    """A measured gross weight in 10 kg steps: empty, legally loaded, or over the limit by a given rate."""
    limit = vclass.limit_kg
    if overload_rate is not None:
        rate = min(overload_rate, vclass.max_overload_rate)
        return max(int(limit * (1 + rate) / 10) * 10, limit + 10)
    rand = rng.random
    low, high = vclass.tare_kg
    tare = low + rand() * (high - low)
    if rand() < EMPTY_SHARE:
        return int(tare * (0.97 + 0.09 * rand()) / 10) * 10
    if vclass.light:  # light trucks: a few tonnes, sometimes well over their licence (大吨小标)
        return int((tare + 300 + 6700 * rand() * rand() ** 0.5) / 10) * 10
    # loaders aim at the limit: the product of two uniforms puts most loads within 20 % of it
    return min(int((tare + (limit - tare) * (1.0 - 0.8 * rand() * rand())) / 10) * 10, limit)


def axle_weights(rng: random.Random, vclass: VehicleClass, gross: int) -> list[int]:
    """Per-axle weights in 10 kg steps whose sum is within ±1 % of `gross` (most within ±0.5 %)."""
    tare = min((vclass.tare_kg[0] + vclass.tare_kg[1]) / 2, gross * 0.95)
    payload = gross - tare
    rand = rng.random
    # per-axle scatter ±3 % (uniform); the sum error is a sum of three uniforms (sd 0.22 %)
    raw = [(tare * t + payload * p) * (0.97 + 0.06 * rand()) for t, p in vclass.splits]
    error = (rand() + rand() + rand() - 1.5) * 0.0044
    if error > MAX_SPLIT_ERROR or error < -MAX_SPLIT_ERROR:
        error = MAX_SPLIT_ERROR if error > 0 else -MAX_SPLIT_ERROR
    scale = gross * (1 + error) / sum(raw) / 10
    return [int(w * scale + 0.5) * 10 for w in raw]


def spacings_mm(rng: random.Random, vclass: VehicleClass) -> list[int]:
    """Axle spacings with the few centimetres of scatter a loop/strip sensor reports."""
    rand = rng.random
    return [s + int(rand() * 81) - 40 for s in vclass.spacings_mm]


def dimensions_mm(rng: random.Random, vclass: VehicleClass) -> tuple[int, int, int]:
    """Length, width, height from a laser profiler; about 1 % over-size (GB 1589: 18.1 m, 2.55 m, 4 m)."""
    rand = rng.random
    low, high = vclass.length_mm
    length = low + int(rand() * (high - low))
    if vclass.light:
        width, height = 1900 + int(rand() * 300), 2300 + int(rand() * 700)
    else:
        width, height = 2400 + int(rand() * 151), 2900 + int(rand() * 1101)
    roll = rand()
    if roll < 0.004:
        length = 18200 + int(rand() * 2300)
    elif roll < 0.007:
        width = 2600 + int(rand() * 600)
    elif roll < 0.010:
        height = 4050 + int(rand() * 550)
    return length, width, height
