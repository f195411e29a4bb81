"""KPI 1, the devices' online rate and normal rate (KPIS.md), counted in device-days; pure.

A device is an enforcement station's weighing system. For each day of the period a device is expected
to report unless it was stopped, not yet opened, or under repair (a repair ticket (报修) open for any part
of the day); those days are excluded and listed with the reason. Days after ``today`` are not counted,
nor is ``today`` itself until it has ended (a day half over would count every device as offline in the
morning).

    online rate = device-days with data ÷ device-days expected
    normal rate = device-days online and normal ÷ device-days expected

"Normal" on a day (the quality sweep decides it, services/device_quality.py): online, the verification
certificate valid that day, no calibration drift beyond the device's MPE, plate read rate and volume
not abnormal. KPIS.md counts normal *devices* ÷ enabled devices; over a period, device-days are that
count summed day by day, so one day and one device are weighed the same way in both rates.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, timedelta

from zhichao.domain.kpis import NORMAL_RATE, ONLINE_RATE, Exclusion, KpiValue, target

STOPPED, REPAIR, NOT_OPENED = "stopped", "repair", "not_opened"
ONLINE_RULE = "有数据的设备日 ÷ 应在线设备日（停用、未启用、报修期间除外）"
NORMAL_RULE = "在线且数据质量正常的设备日 ÷ 应在线设备日（证书有效、无超差漂移、识别率与流量正常）"
EXCLUSION_LABELS = {STOPPED: "停用", REPAIR: "报修维修中", NOT_OPENED: "尚未启用"}


@dataclass(frozen=True, slots=True)
class DeviceFacts:
    """What KPI 1 needs of one device over a period."""

    station_id: str
    name: str
    county_code: str | None
    state: str  # the registry state now: enabled, repair, stopped
    opened_on: date | None
    online_days: frozenset[date] = frozenset()
    normal_days: frozenset[date] = frozenset()
    repair_days: frozenset[date] = frozenset()


def days_between(start: date, end: date) -> list[date]:
    return [start + timedelta(days=i) for i in range((end - start).days + 1)]


def _expected(device: DeviceFacts, days: Sequence[date]) -> tuple[list[date], list[Exclusion]]:
    if device.state == STOPPED:
        return [], [Exclusion(device.station_id, device.name, STOPPED, len(days))]
    not_opened = [d for d in days if device.opened_on is not None and d < device.opened_on]
    repair = [d for d in days if d in device.repair_days and d not in not_opened]
    out = [Exclusion(device.station_id, device.name, reason, len(group))
           for reason, group in ((NOT_OPENED, not_opened), (REPAIR, repair)) if group]
    skip = set(not_opened) | set(repair)
    return [d for d in days if d not in skip], out


def device_kpis(devices: Iterable[DeviceFacts], start: date, end: date, today: date) -> tuple[KpiValue, KpiValue]:
    """KPI 1 over the days from ``start`` to ``end`` (inclusive) that ended before ``today``."""
    days = days_between(start, min(end, today - timedelta(days=1))) if start <= end else []
    online = normal = expected = 0
    exclusions: list[Exclusion] = []
    per_online: list[tuple[str, int, int]] = []
    per_normal: list[tuple[str, int, int]] = []
    for device in sorted(devices, key=lambda d: d.station_id):
        counted, excluded = _expected(device, days)
        exclusions += excluded
        on = sum(1 for d in counted if d in device.online_days)
        ok = sum(1 for d in counted if d in device.online_days and d in device.normal_days)
        online, normal, expected = online + on, normal + ok, expected + len(counted)
        if counted:
            per_online.append((device.station_id, on, len(counted)))
            per_normal.append((device.station_id, ok, len(counted)))
    year = end.year
    return (
        KpiValue(ONLINE_RATE, online / expected if expected else None, target(ONLINE_RATE, year), online, expected,
                 tuple(exclusions), ONLINE_RULE, tuple(per_online)),
        KpiValue(NORMAL_RATE, normal / expected if expected else None, target(NORMAL_RATE, year), normal, expected,
                 tuple(exclusions), NORMAL_RULE, tuple(per_normal)),
    )
