"""A station-day's anomalies other than calibration: read rate, silent lanes, volume, axle mix, clock (pure).

Each check takes ``DaySummary`` figures and returns one WARN ``Finding`` or None. None also means "too
little data to say" (below the policy's minimum counts), never "checked and fine" for a station with no
traffic. A threshold is crossed only when the figure is strictly beyond it. ``blocks_normal`` says which
findings keep a device out of KPI 1's 设备正常率 (KPIS.md: no drift beyond the MPE, read rate and volume
not abnormal). docs/data-quality.md explains each threshold.
"""

from __future__ import annotations

import statistics
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from zhichao.domain import histograms
from zhichao.domain.quality import ALARM, WARN, DaySummary, Finding, thousands


@dataclass(frozen=True, slots=True)
class AnomalyPolicy:
    read_rate_min: float = 0.90
    read_min_trucks: int = 100
    lane_min_trucks: int = 20
    volume_low: float = 0.5
    volume_high: float = 2.0
    volume_min_history: int = 2
    volume_min_expected: int = 200
    axle_mix_max_distance: float = 0.15
    axle_mix_min_trucks: int = 300
    clock_tolerance_s: int = 120


# KPI 1: a device with one of these findings is not "normal" that day; calibration drift only at ALARM
# (beyond the MPE). Peak shifts, paired differences, axle mix and clock skew are warnings to look into.
BLOCKS_NORMAL = frozenset({"read_rate_low", "lane_silent", "volume_low", "volume_high"})


def blocks_normal(f: Finding) -> bool:
    """True when ``f`` keeps the device out of 设备正常率 (KPIS.md KPI 1)."""
    return f.code in BLOCKS_NORMAL or (f.code == "calibration_drift" and f.level == ALARM)


def read_rate(day: DaySummary, policy: AnomalyPolicy) -> Finding | None:
    """``read_rate_low`` when plates read ÷ trucks < ``read_rate_min`` over at least ``read_min_trucks``."""
    if day.trucks < policy.read_min_trucks:
        return None
    rate = day.plates_read / day.trucks
    if rate >= policy.read_rate_min:
        return None
    message = (
        f"车牌识别率 {rate:.1%}（{thousands(day.trucks)} 辆中识别 {thousands(day.plates_read)} 辆），"
        f"低于 {policy.read_rate_min:.0%}；未识别车牌的记录无法立案，请检查抓拍相机的镜头、补光和角度。"
    )
    detail = {"trucks": day.trucks, "plates_read": day.plates_read}
    return Finding("read_rate_low", WARN, rate, policy.read_rate_min, message, detail)


def silent_lanes(day: DaySummary, lanes: int, policy: AnomalyPolicy) -> Finding | None:
    """``lane_silent`` for lanes 1..``lanes`` without a truck while the station averaged at least
    ``lane_min_trucks`` trucks per lane over the same hours (a dead loop, strip or camera on one lane)."""
    if lanes <= 0:
        return None
    average = day.trucks / lanes
    silent = [lane for lane in range(1, lanes + 1) if day.lanes.get(lane, 0) == 0]
    if not silent or average < policy.lane_min_trucks:
        return None
    names = "、".join(f"{lane} 号" for lane in silent)
    message = (
        f"车道 {names}当日无过车记录，而本站 {lanes} 条车道平均每条 {average:.0f} 辆"
        f"（不少于 {policy.lane_min_trucks} 辆），请检查该车道的称重传感器和线圈。"
    )
    return Finding("lane_silent", WARN, float(len(silent)), float(policy.lane_min_trucks), message, {"lanes": silent})


def volume(
    day: DaySummary, same_weekdays: Sequence[DaySummary], upto_hour: int, policy: AnomalyPolicy
) -> Finding | None:
    """``volume_low`` / ``volume_high``: trucks in hours [0, ``upto_hour``) against the median of the same
    hours on earlier same-weekday days with trucks (days without any are outages, not traffic). Needs
    ``volume_min_history`` such days and an expected count of at least ``volume_min_expected``."""
    hours = max(0, min(upto_hour, 24))
    history = [sum(d.hours[:hours]) for d in same_weekdays if d.trucks > 0]
    if hours == 0 or len(history) < policy.volume_min_history:
        return None
    expected = statistics.median(history)
    if expected < policy.volume_min_expected:
        return None
    observed = sum(day.hours[:hours])
    ratio = observed / expected
    span = f"0–{hours} 时" if hours < 24 else "全天"
    weekday = f"星期{'一二三四五六日'[day.day.weekday()]}"
    basis = (
        f"{span}过车 {thousands(observed)} 辆，为此前 {len(history)} 个{weekday}同时段中位数 "
        f"{thousands(expected)} 辆的 {ratio:.0%}"
    )
    detail = {"observed": observed, "expected": expected, "history_days": len(history), "upto_hour": hours}
    if ratio < policy.volume_low:
        message = f"{basis}（低于 {policy.volume_low:.0%}），请检查设备是否漏检或车道停用。"
        return Finding("volume_low", WARN, ratio, policy.volume_low, message, detail)
    if ratio > policy.volume_high:
        message = f"{basis}（高于 {policy.volume_high:.0%}），请检查是否重复上传或一车多检。"
        return Finding("volume_high", WARN, ratio, policy.volume_high, message, detail)
    return None


AXLE_LABELS: Mapping[int, str] = {2: "二轴", 3: "三轴", 4: "四轴", 5: "五轴", 6: "六轴"}


def axle_mix(day: DaySummary, baseline_mix: Mapping[int, int], policy: AnomalyPolicy) -> Finding | None:
    """``axle_mix_changed`` when the shares of trucks per axle count are further than
    ``axle_mix_max_distance`` (total variation distance: half the sum of the share differences, 0 to 1)
    from the baseline's. Both need ``axle_mix_min_trucks`` trucks."""
    n_day, n_base = histograms.total(day.axle_mix), histograms.total(baseline_mix)
    if n_day < policy.axle_mix_min_trucks or n_base < policy.axle_mix_min_trucks:
        return None
    axles = sorted(set(day.axle_mix) | set(baseline_mix))
    shares = {a: (baseline_mix.get(a, 0) / n_base, day.axle_mix.get(a, 0) / n_day) for a in axles}
    distance = round(sum(abs(now - was) for was, now in shares.values()) / 2, 9)  # no float noise at the edge
    if distance <= policy.axle_mix_max_distance:
        return None
    biggest = sorted(axles, key=lambda a: (-round(abs(shares[a][1] - shares[a][0]), 9), a))[:2]
    changes = "，".join(
        f"{AXLE_LABELS.get(a, f'{a} 轴')}车占比 {shares[a][0]:.0%} → {shares[a][1]:.0%}" for a in biggest
    )
    message = (
        f"轴型构成与基线相比变化 {distance:.2f}（总变差距离，阈值 {policy.axle_mix_max_distance:.2f}）：{changes}；"
        f"可能是轴数识别故障（漏轴、并轴），请核查。"
    )
    detail = {str(a): {"baseline": was, "day": now} for a, (was, now) in shares.items()}
    return Finding("axle_mix_changed", WARN, distance, policy.axle_mix_max_distance, message, detail)


def clock(heartbeat_offset_s: float | None, day: DaySummary, policy: AnomalyPolicy) -> Finding | None:
    """``clock_skew``: the heartbeat's offset (station clock − server clock) beyond ``clock_tolerance_s``,
    or records captured more than that after they were received (``day.max_ahead_s``). The heartbeat
    wins when both are present; a clock running behind shows only in the heartbeat."""
    tolerance = policy.clock_tolerance_s
    note = "抓拍时间是证据的一部分，请校准设备时钟（NTP）。"
    if heartbeat_offset_s is not None and abs(heartbeat_offset_s) > tolerance:
        way = "快" if heartbeat_offset_s > 0 else "慢"
        seconds = f"{abs(heartbeat_offset_s):.0f}"
        message = f"设备时钟比服务器{way} {seconds} 秒（心跳报告），超过允许的 {tolerance} 秒；{note}"
        detail = {"source": "heartbeat", "offset_s": heartbeat_offset_s}
        return Finding("clock_skew", WARN, float(heartbeat_offset_s), float(tolerance), message, detail)
    if day.ahead > 0 and day.max_ahead_s > tolerance:
        message = (
            f"{day.ahead} 条记录的抓拍时间晚于服务器接收时间，最多晚 {day.max_ahead_s} 秒，"
            f"超过允许的 {tolerance} 秒，设备时钟偏快；{note}"
        )
        detail = {"source": "records", "ahead": day.ahead, "max_ahead_s": day.max_ahead_s}
        return Finding("clock_skew", WARN, float(day.max_ahead_s), float(tolerance), message, detail)
    return None
