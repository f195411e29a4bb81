"""Legal weight and size limits of a freight vehicle (LEGAL.md §1).

Sources: 超限运输车辆行驶公路管理规定 (交通运输部令2016年第62号) Art. 3 — the law, cited as
"超限规定第三条" — and its operational table, the 《公路货运车辆超限超载认定标准》 (交公路发〔2016〕124号),
cited as "认定标准", which refines Art. 3 by axle layout (4-axle centre-axle train 1+2+1 → 35 000 kg,
5-axle articulated train 1+1+3 → 42 000 kg). Limits are integer kg; a vehicle is over a limit when it
is strictly greater.

How a row is chosen:
- 2 axles: 18 000, whatever else the record says.
- 3 and 4 axles: a stated vehicle type picks the Art. 3 category (载货汽车 vs 汽车列车). When the type is
  unknown (absent or "other"), the axle groups pick it through the table's group column
  (3: 1+2 / 2+1 truck, 1+1+1 train; 4: 2+2 truck, 1+1+2 / 1+1+1+1 train, 1+2+1 centre-axle train).
  A stated centre-axle train with groups 1+2+1 gets 35 000, otherwise a train gets 36 000.
- 5 axles: 43 000, except 42 000 for 1+1+3 when the type is articulated or unknown.
- 6 to 12 axles: trains; 49 000 with a tandem drive axle, 46 000 with a single one. The drive axle is
  the stated one, else the group right after the steer group: groups[1] == 1 → single, == 2 →
  tandem (a twin steer is written as one group of 2, as in the table's 2+1+3). A stated value wins
  over the groups. The stated type is irrelevant here.
- Axle groups that do not sum to the axle count are ignored (treated as absent); a stated type wins
  over contradicting groups. Unrecognised type or drive codes are treated as absent.

`inferred` is True exactly when the record's attributes leave more than one row of Art. 3 / the table
possible, with different limits, or fit no row, so the default row for the axle count was used:
- 3 or 4 axles, type unknown and groups absent or not in the table (default: truck, 25 000 / 31 000);
- 4 axles, centre-axle train stated but no groups (36 000; the 1+2+1 row, 35 000, is not excluded);
- 5 axles, no groups and the type unknown or articulated (43 000; 1+1+3, 42 000, is not excluded),
  or a stated rigid truck (no 5-axle truck row exists; 43 000);
- 6+ axles, drive axle neither stated nor derivable from the groups (49 000).
It is never True for 2 axles (one row only). An inferred limit's `basis` ends in "（按轴数推定）".

Not implemented, because WIM records do not carry the attributes: the +1 000 kg air-suspension
allowances (3/4-axle trucks 26 000 / 32 000, 4-axle articulated 37 000) and the −3 000 kg for a
non-drive axle on single tyres. Both would lower or raise the limit only with evidence the record
lacks; the reviewer checks the 行驶证 in those cases.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

from zhichao.domain.errors import InvalidVehicle
from zhichao.domain.vehicles import (
    ARTICULATED_TRAIN,
    CENTRE_AXLE_TRAIN,
    DRIVE_AXLES,
    RIGID_TRUCK,
    SINGLE_DRIVE,
    TANDEM_DRIVE,
    TRAIN_TYPES,
)

ART3 = "超限规定第三条"
TABLE = "认定标准"
INFERRED_NOTE = "（按轴数推定）"

# Outer dimensions, 超限规定第三条 rows 1–3, in mm; over means strictly greater.
MAX_HEIGHT_MM = 4_000
MAX_WIDTH_MM = 2_550
MAX_LENGTH_MM = 18_100


@dataclass(frozen=True, slots=True)
class Limit:
    """The legal gross-mass limit in kg, its Chinese basis label, and whether it was a default."""

    kg: int
    basis: str
    inferred: bool


def _limit(kg: int, label: str, inferred: bool = False) -> Limit:
    return Limit(kg, label + INFERRED_NOTE if inferred else label, inferred)


def _truck(axles: int, kg: int, inferred: bool = False) -> Limit:
    return _limit(kg, f"{axles}轴载货汽车 {ART3}", inferred)


def _train(axles: int, kg: int, inferred: bool = False) -> Limit:
    return _limit(kg, f"{axles}轴汽车列车 {ART3}", inferred)


def _three_axles(groups: tuple[int, ...] | None, kind: str | None) -> Limit:
    if kind == RIGID_TRUCK or (kind is None and groups in ((1, 2), (2, 1))):
        return _truck(3, 25_000)
    if kind in TRAIN_TYPES or (kind is None and groups == (1, 1, 1)):
        return _train(3, 27_000)
    return _truck(3, 25_000, inferred=True)


def _four_axles(groups: tuple[int, ...] | None, kind: str | None) -> Limit:
    if kind == RIGID_TRUCK or (kind is None and groups == (2, 2)):
        return _truck(4, 31_000)
    if kind in (CENTRE_AXLE_TRAIN, None) and groups == (1, 2, 1):
        return _limit(35_000, f"4轴中置轴挂车列车(1+2+1) {TABLE}")
    if kind in TRAIN_TYPES:
        return _train(4, 36_000, inferred=kind == CENTRE_AXLE_TRAIN and groups is None)
    if groups in ((1, 1, 2), (1, 1, 1, 1)):
        return _train(4, 36_000)
    return _truck(4, 31_000, inferred=True)


def _five_axles(groups: tuple[int, ...] | None, kind: str | None) -> Limit:
    if kind in (ARTICULATED_TRAIN, None) and groups == (1, 1, 3):
        return _limit(42_000, f"5轴铰接列车(1+1+3) {TABLE}")
    ambiguous = groups is None and kind in (ARTICULATED_TRAIN, None)
    return _train(5, 43_000, inferred=ambiguous or kind == RIGID_TRUCK)


def _drive_from_groups(groups: tuple[int, ...] | None) -> str | None:
    # The group after the steer group is the tractor's (or towing truck's) drive axle group.
    if groups is None or len(groups) < 2:
        return None
    return {1: SINGLE_DRIVE, 2: TANDEM_DRIVE}.get(groups[1])


def _six_or_more_axles(axles: int, groups: tuple[int, ...] | None, drive: str | None) -> Limit:
    drive = drive or _drive_from_groups(groups)
    if drive == SINGLE_DRIVE:
        return _limit(46_000, f"{axles}轴汽车列车(单驱动轴) {ART3}")
    return _limit(49_000, f"{axles}轴汽车列车(双驱动轴) {ART3}", inferred=drive is None)


@lru_cache(maxsize=4096)
def weight_limit(
    axle_count: int,
    axle_groups: tuple[int, ...] | None = None,
    vehicle_type: str | None = None,
    drive_axle: str | None = None,
) -> Limit:
    """The gross-mass limit for this layout (see the module docstring for the rows and `inferred`).

    Pure and cached: the number of distinct layouts is small. Raises InvalidVehicle below 2 axles.
    """
    if axle_count < 2:
        raise InvalidVehicle(f"轴数无效：{axle_count}（至少 2 轴）")
    groups = axle_groups if axle_groups and sum(axle_groups) == axle_count else None
    kind = vehicle_type if vehicle_type == RIGID_TRUCK or vehicle_type in TRAIN_TYPES else None
    if axle_count == 2:
        return _truck(2, 18_000)
    if axle_count == 3:
        return _three_axles(groups, kind)
    if axle_count == 4:
        return _four_axles(groups, kind)
    if axle_count == 5:
        return _five_axles(groups, kind)
    drive = drive_axle if drive_axle in DRIVE_AXLES else None
    return _six_or_more_axles(axle_count, groups, drive)


def size_violations(length_mm: int | None, width_mm: int | None, height_mm: int | None) -> tuple[str, ...]:
    """Codes of the outer dimensions strictly above 超限规定第三条 rows 1–3, in row order
    ("height", "width", "length"); an absent dimension is not a violation."""
    found: list[str] = []
    if height_mm is not None and height_mm > MAX_HEIGHT_MM:
        found.append("height")
    if width_mm is not None and width_mm > MAX_WIDTH_MM:
        found.append("width")
    if length_mm is not None and length_mm > MAX_LENGTH_MM:
        found.append("length")
    return tuple(found)
