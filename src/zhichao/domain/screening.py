"""Screening: rules that attach flags to a record (LEGAL.md §3, §6 "Records that are not actionable evidence").

A BLOCKING flag means the record can never become evidence (a reviewer may only reject it, with a
reason); a non-blocking flag is a warning shown to the reviewer. Every rule is a pure function of its
arguments (no I/O, no clock) returning a Flag, None or a tuple of flags.

Record-only rules, run by `screen` in this fixed order: certificate, suspension, plate, speed, controller_flags,
weights. Rules that need more than the record (double_capture, permit, evidence_missing,
handled_on_site), Flag, ScreeningPolicy (every threshold, with its reason) and Passage live in
screening_context.py and are re-exported here: import everything from this module.

`screen` runs on every ingested record: the clean path builds no string and no list.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime
from types import MappingProxyType

from zhichao.domain.plates import normalize_plate
from zhichao.domain.screening_context import (
    DEFAULT_POLICY,
    DOUBLE_CAPTURE,
    EVIDENCE_MISSING,
    HANDLED_ON_SITE,
    IMAGE_KIND_LABELS,
    PERMIT_HOLDER,
    PERMIT_MISMATCH,
    Flag,
    NearbyPassage,
    OnsiteHandling,
    Passage,
    Permit,
    ScreeningPolicy,
    double_capture,
    evidence_missing,
    handled_on_site,
    permit,
)

__all__ = [
    "BLOCKING_CODES", "DEFAULT_POLICY", "FLAG_LABELS", "IMAGE_KIND_LABELS", "Device", "Flag", "NearbyPassage",
    "OnsiteHandling", "Passage", "Permit", "ScreeningPolicy", "certificate", "controller_flags", "double_capture",
    "evidence_missing", "flag_label", "handled_on_site", "permit", "plate", "screen", "speed", "suspension", "weights",
]  # fmt: skip

CERTIFICATE_INVALID = "certificate_invalid"
DEVICE_SUSPENDED = "device_suspended"
PLATE_UNREAD = "plate_unread"
PLATE_MALFORMED = "plate_malformed"
PLATE_LOW_CONFIDENCE = "plate_low_confidence"
SPEED_OUT_OF_RANGE = "speed_out_of_range"
CONTROLLER_PREFIX = "controller_"
GROSS_IMPLAUSIBLE = "gross_implausible"
AXLE_SUM_MISMATCH = "axle_sum_mismatch"
AXLE_IMPLAUSIBLE = "axle_implausible"

PLATE_OCR_MISMATCH, PLATE_OCR_UNREADABLE = "plate_ocr_mismatch", "plate_ocr_unreadable"
MAX_CODE_LENGTH = 32  # record_flags.code is VARCHAR(32): a longer code would fail the ingest transaction
_CODE_NAME = re.compile(rf"[a-z0-9_]{{1,{MAX_CODE_LENGTH - len(CONTROLLER_PREFIX)}}}")

FLAG_LABELS: Mapping[str, str] = MappingProxyType(
    {
        CERTIFICATE_INVALID: "检定证书无效", DEVICE_SUSPENDED: "设备暂停执法使用",
        PLATE_UNREAD: "车牌未识别", PLATE_MALFORMED: "车牌格式异常",
        PLATE_LOW_CONFIDENCE: "车牌置信度低", SPEED_OUT_OF_RANGE: "车速超出检定范围",
        "controller_lane_straddle": "跨道行驶", "controller_abnormal_acceleration": "异常加减速",
        GROSS_IMPLAUSIBLE: "总重不合理", AXLE_SUM_MISMATCH: "轴重之和与总重不符", AXLE_IMPLAUSIBLE: "轴重不合理",
        DOUBLE_CAPTURE: "重复抓拍", PERMIT_HOLDER: "持有超限运输许可", PERMIT_MISMATCH: "许可条件不符",
        EVIDENCE_MISSING: "证据缺失", HANDLED_ON_SITE: "已现场处理",
        # Raised by the optional plate cross-check (domain/plate_check.py), never blocking.
        PLATE_OCR_MISMATCH: "车牌照片识别不一致", PLATE_OCR_UNREADABLE: "车牌照片未能识别",
    }
)  # fmt: skip

# The codes that block under the default policy. Whether a controller flag blocks depends on
# policy.blocking_controller_flags: Flag.blocking is the authority, this set is for docs and filters.
BLOCKING_CODES: frozenset[str] = frozenset(FLAG_LABELS) - {
    PLATE_LOW_CONFIDENCE, PERMIT_MISMATCH, PLATE_OCR_MISMATCH, PLATE_OCR_UNREADABLE}


def flag_label(code: str) -> str:
    """The short Chinese label of a flag code; an unknown controller flag is 控制器标记."""
    label = FLAG_LABELS.get(code)
    if label is not None:
        return label
    return "控制器标记" if code.startswith(CONTROLLER_PREFIX) else code


@dataclass(frozen=True, slots=True)
class Device:
    """The station's device at capture time: its verification certificate's validity (both dates
    inclusive) and its verified speed range (None: not stated)."""

    cert_valid_from: date | None
    cert_valid_to: date | None
    speed_min_kmh: float | None
    speed_max_kmh: float | None
    suspended_since: datetime | None = None


def suspension(passage: Passage, device: Device) -> Flag | None:
    """Blocking `device_suspended` for a record captured once the station's enforcement use was suspended:
    its scale drifted beyond its maximum permissible error (services/device_quality.py) and has not been
    checked since. A weight from a scale known to be out of tolerance is not evidence (LEGAL.md §3)."""
    since = device.suspended_since
    if since is None or passage.captured_at < since:
        return None
    return Flag(DEVICE_SUSPENDED, True, f"站点自 {since:%Y-%m-%d %H:%M} UTC 起因标定漂移超差暂停执法使用，待检定或核查")


def certificate(passage: Passage, device: Device) -> Flag | None:
    """Blocking `certificate_invalid` unless the device's verification certificate was valid on the
    capture date (local date, bounds inclusive). Data from a device without a valid certificate at
    capture time is never evidence (浙江省公路条例 Art. 40, LEGAL.md §3). A certificate missing either
    date is treated as missing: a 检定证书 always states both its date and its expiry."""
    start, end, day = device.cert_valid_from, device.cert_valid_to, passage.captured_on
    if start is not None and end is not None and start <= day <= end:
        return None
    if start is None or end is None:
        shown = f"有效期 {start or '未登记'} 至 {end or '未登记'}"
        return Flag(CERTIFICATE_INVALID, True, f"设备检定证书缺失（{shown}），过车日期 {day}，数据不能作为证据")
    return Flag(CERTIFICATE_INVALID, True, f"检定证书有效期 {start} 至 {end}，过车日期 {day} 不在有效期内")


def plate(passage: Passage, policy: ScreeningPolicy = DEFAULT_POLICY) -> Flag | None:
    """At most one flag, the most serious: blocking `plate_unread`, blocking `plate_malformed`
    (plates.normalize_plate's shape check), else NON-blocking `plate_low_confidence` when the ANPR
    confidence is below policy.min_plate_confidence (None: the station sent none, no flag).

    Low confidence does not block: every record is reviewed by a person before it is evidence
    (LEGAL.md §6.2), the reviewer compares the text with the plate photo (which evidence_missing
    requires), and a misread is rejected there. Blocking would discard true violations on a number
    the vendor computes in its own way."""
    read = normalize_plate(passage.plate)  # cached; a normalised plate comes back unchanged
    if read.unread:
        raw = passage.plate_raw.strip()
        return Flag(PLATE_UNREAD, True, f"车牌未识别（站点上报：{raw}）" if raw else "车牌未识别（站点上报为空）")
    if not read.well_formed:
        return Flag(PLATE_MALFORMED, True, f"车牌 {read.text} 不符合号牌格式（原始值：{passage.plate_raw}）")
    confidence = passage.plate_confidence
    if confidence is not None and confidence < policy.min_plate_confidence:
        return Flag(
            PLATE_LOW_CONFIDENCE, False,
            f"车牌 {read.text} 识别置信度 {confidence:.2f}，低于 {policy.min_plate_confidence:.2f}，请对照车牌照片核对",
        )  # fmt: skip
    return None


def speed(passage: Passage, device: Device) -> Flag | None:
    """Blocking `speed_out_of_range` when the speed is outside the device's verified range (bounds
    inclusive; a missing bound does not limit): outside it the device's accuracy is not verified
    (LEGAL.md §6)."""
    kmh, low, high = passage.speed_kmh, device.speed_min_kmh, device.speed_max_kmh
    if (low is None or kmh >= low) and (high is None or kmh <= high):
        return None
    shown = f"{'—' if low is None else f'{low:g}'}–{'—' if high is None else f'{high:g}'} km/h"
    return Flag(SPEED_OUT_OF_RANGE, True, f"车速 {kmh:g} km/h 超出设备检定速度范围 {shown}，称重数据不能作为证据")


def _controller_code(name: str) -> str:
    if _CODE_NAME.fullmatch(name):
        return CONTROLLER_PREFIX + name
    # A name that is not a short ASCII code (Chinese, long, odd characters) gets a stable digest.
    return CONTROLLER_PREFIX + "x" + hashlib.blake2s(name.encode(), digest_size=4).hexdigest()


def controller_flags(passage: Passage, policy: ScreeningPolicy = DEFAULT_POLICY) -> tuple[Flag, ...]:
    """One flag per distinct controller flag, in the record's order: `controller_<flag>`, blocking when
    the flag is in policy.blocking_controller_flags, else a warning naming the raw flag. Flags are
    compared stripped and in lower case. A name that cannot be a storage code (not [a-z0-9_], or too
    long for MAX_CODE_LENGTH) gets `controller_x<8 hex digits>`, stable per name."""
    raws = passage.controller_flags
    if not raws:
        return ()
    found: dict[str, Flag] = {}
    for raw in raws:
        name = raw.strip().lower()
        code = _controller_code(name) if name else ""
        if not code or code in found:
            continue
        if name in policy.blocking_controller_flags:
            label = FLAG_LABELS.get(code, raw)
            found[code] = Flag(code, True, f"控制器标记{label}（{raw}），称重数据不能作为证据")
        else:
            found[code] = Flag(code, False, f"控制器标记 {raw}，请审核员留意")
    return tuple(found.values())


def weights(passage: Passage, policy: ScreeningPolicy = DEFAULT_POLICY) -> tuple[Flag, ...]:
    """Implausible weighings (LEGAL.md §6), each blocking, in this order:
    `gross_implausible` when the gross is under policy.min_gross_kg;
    `axle_sum_mismatch` when |sum of axle weights − gross| is over both axle_sum_tolerance_pct of the
    gross and axle_sum_tolerance_kg (i.e. over the larger; exactly at it passes);
    `axle_implausible` when an axle is over policy.max_axle_kg (exactly at it passes) or is 0 kg or
    less (a wheel the sensor missed). See ScreeningPolicy for why these thresholds."""
    gross, axles = passage.gross_kg, passage.axle_weights_kg
    total = sum(axles)
    gap = abs(total - gross)
    low = gross < policy.min_gross_kg
    mismatch = gap * 100 > policy.axle_sum_tolerance_pct * gross and gap > policy.axle_sum_tolerance_kg
    odd = bool(axles) and (max(axles) > policy.max_axle_kg or min(axles) <= 0)
    if not (low or mismatch or odd):
        return ()
    flags: list[Flag] = []
    if low:
        flags.append(Flag(GROSS_IMPLAUSIBLE, True, f"总重 {gross} kg 低于 {policy.min_gross_kg} kg，称重数据不合理"))
    if mismatch:
        allowed = max(policy.axle_sum_tolerance_pct * gross // 100, policy.axle_sum_tolerance_kg)
        flags.append(Flag(
            AXLE_SUM_MISMATCH, True,
            f"轴重之和 {total} kg 与总重 {gross} kg 相差 {gap} kg，超过允许的 {allowed} kg"
            f"（总重的 {policy.axle_sum_tolerance_pct}% 或 {policy.axle_sum_tolerance_kg} kg，取大者）",
        ))  # fmt: skip
    if odd:
        bad = "；".join(
            f"第 {i} 轴 {kg} kg" + (f" 超过 {policy.max_axle_kg} kg" if kg > 0 else "（未测得轴重）")
            for i, kg in enumerate(axles, 1)
            if kg > policy.max_axle_kg or kg <= 0
        )
        flags.append(Flag(AXLE_IMPLAUSIBLE, True, f"轴重不合理：{bad}，疑为传感器故障"))
    return tuple(flags)


def screen(passage: Passage, device: Device, policy: ScreeningPolicy = DEFAULT_POLICY) -> tuple[Flag, ...]:
    """Every record-only rule, in a fixed order: certificate, plate, speed, controller_flags, weights.
    A clean record gives ()."""
    cert, read, fast = certificate(passage, device), plate(passage, policy), speed(passage, device)
    controller, weighing = controller_flags(passage, policy), weights(passage, policy)
    held = suspension(passage, device) if device.suspended_since is not None else None
    if cert is None and read is None and fast is None and held is None and not controller and not weighing:
        return ()
    return tuple(f for f in (cert, held, read, fast) if f is not None) + controller + weighing
