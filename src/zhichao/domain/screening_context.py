"""Screening, part 2: what every rule shares (Flag, ScreeningPolicy, Passage) and the rules that look
beyond the record — other passages, permits, on-site handlings, the evidence store, the clock.

Import from ``zhichao.domain.screening``, which re-exports everything here; this module exists only to
keep each file short (it imports nothing from screening.py, so there is no import cycle).

Every rule is pure: the caller passes the other records, the station's road and `now`. Plates are
compared as normalised text (plates.normalize_plate); an unread plate ("") never matches anything, since
two unread passages are not known to be the same vehicle.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta, timezone
from types import MappingProxyType
from typing import NamedTuple

from zhichao.domain.plates import normalize_plate

DOUBLE_CAPTURE = "double_capture"
PERMIT_HOLDER = "permit_holder"
PERMIT_MISMATCH = "permit_mismatch"
EVIDENCE_MISSING = "evidence_missing"
HANDLED_ON_SITE = "handled_on_site"

IMAGE_KIND_LABELS: Mapping[str, str] = MappingProxyType(
    {"plate": "车牌照片", "front": "车头照片", "side": "侧面照片", "rear": "车尾照片", "overview": "全景照片"}
)
_SHANGHAI = timezone(timedelta(hours=8))  # details show station time; China has no DST, a fixed offset is exact


@dataclass(frozen=True, slots=True)
class Flag:
    """What a rule says about a record: a stable English `code`, whether it is `blocking` (the record can
    never become evidence; a reviewer may only reject it) and a specific Chinese `detail`."""

    code: str
    blocking: bool
    detail: str


@dataclass(frozen=True, slots=True)
class ScreeningPolicy:
    """The thresholds of every rule. Defaults are proposals, each with its reason; all are settings.

    - min_plate_confidence 0.80 [L]: only a warning (see screening.plate), so this trades reviewer
      attention, not evidence; correct reads score well above it with common ANPR engines.
    - min_gross_kg 2 500 (LEGAL.md §6): below it the weighing is implausible. Blocking such a record
      loses nothing: the lowest limit is 18 000 kg (§1).
    - axle_sum_tolerance_pct 3 / _kg 200 [L]: the gross and the axle weights come from the same sensors
      (most controllers add the axles up), so they agree far better than either agrees with the truth
      (class 5 in-service MPE ±5 %, JJG 907, LEGAL.md §3); 3 % (1 470 kg on 49 t) is well past rounding
      and calibration factors, and still below one axle's worth. The 200 kg floor covers light vehicles,
      where per-axle rounding (up to 50 kg an axle at 100 kg resolution) is a larger share of the gross.
    - max_axle_kg 30 000 [L]: about three times the legal single-axle load (GB 1589-2016) and beyond what
      tyres and suspension carry; such a reading is a sensor fault, not an overload.
    - double_capture_window_s 5: a straddling truck crosses both lanes' sensors at once; 5 s covers
      controllers that stamp at the last axle and a few seconds of clock skew between lane controllers.
    - evidence_grace_s 600: stations upload image bytes after the record; ten minutes allows retries
      over a flaky 4G link before the reviewer is told the evidence is missing.
    - onsite_window_s 7 200: a checkpoint intercepts a truck the WIM station pre-screened (or the other way
      round) within minutes to an hour; within 2 h the same plate is the same trip and the same load.
    - blocking_controller_flags: lane straddling is not actionable (LEGAL.md §6: the wheels miss part of
      the sensor); under abnormal acceleration load shifts between axles and the device is outside its
      verified steady-speed conditions. (Evading detection is its own violation, Zhejiang Art. 39/56,
      handled elsewhere.)
    - required_image_kinds plate + side: the plate photo identifies the vehicle, the side photo shows its
      axles (the limit depends on the axle layout, LEGAL.md §1).
    """

    min_plate_confidence: float = 0.80
    min_gross_kg: int = 2_500
    axle_sum_tolerance_pct: int = 3
    axle_sum_tolerance_kg: int = 200
    max_axle_kg: int = 30_000
    double_capture_window_s: int = 5
    evidence_grace_s: int = 600
    onsite_window_s: int = 2 * 3600
    blocking_controller_flags: frozenset[str] = frozenset({"lane_straddle", "abnormal_acceleration"})
    required_image_kinds: tuple[str, ...] = ("plate", "side")

    def __post_init__(self) -> None:
        if not 0.0 <= self.min_plate_confidence <= 1.0:
            raise ValueError(f"min_plate_confidence must be in [0, 1], got {self.min_plate_confidence}")
        counts = (
            self.min_gross_kg, self.axle_sum_tolerance_pct, self.axle_sum_tolerance_kg, self.max_axle_kg,
            self.double_capture_window_s, self.evidence_grace_s, self.onsite_window_s,
        )  # fmt: skip
        if min(counts) < 0:
            raise ValueError(f"screening thresholds must not be negative, got {counts}")
        if not isinstance(self.blocking_controller_flags, frozenset):
            raise ValueError("blocking_controller_flags must be a frozenset")


DEFAULT_POLICY = ScreeningPolicy()


class Passage(NamedTuple):
    """What the rules need of one record. `captured_at` is timezone-aware; `captured_on` is the local
    date at the station (Asia/Shanghai), computed by the caller. `plate` is normalised ("" unread),
    `plate_raw` is what the station sent. `image_kinds` are the kinds the record names.

    A NamedTuple, not a frozen dataclass: one is built for every ingested record, and a frozen
    dataclass of 13 fields costs about 2.5 µs to build against 0.4 µs for the tuple."""

    station_id: str
    lane: int
    captured_at: datetime
    captured_on: date
    plate: str
    plate_raw: str
    plate_confidence: float | None
    speed_kmh: float
    gross_kg: int
    axle_weights_kg: tuple[int, ...]
    controller_flags: tuple[str, ...]
    image_kinds: tuple[str, ...]
    has_video: bool


@dataclass(frozen=True, slots=True)
class NearbyPassage:
    """Another passage at the same site (the caller selects the site), with its plate normalised."""

    record_key: str
    lane: int
    captured_at: datetime
    plate: str


@dataclass(frozen=True, slots=True)
class Permit:
    """An oversize-transport permit (超限运输许可). `roads` empty means any road; `max_gross_kg` None
    means no gross is stated on it. Dates are inclusive."""

    number: str
    plate: str
    valid_from: date
    valid_to: date
    roads: tuple[str, ...]
    max_gross_kg: int | None


@dataclass(frozen=True, slots=True)
class OnsiteHandling:
    """An on-site handling (现场处罚) of a plate at a checkpoint."""

    reference: str
    plate: str
    handled_at: datetime


def _local(moment: datetime) -> str:
    return moment.astimezone(_SHANGHAI).strftime("%Y-%m-%d %H:%M:%S")


def double_capture(
    passage: Passage, nearby: Sequence[NearbyPassage], policy: ScreeningPolicy = DEFAULT_POLICY
) -> Flag | None:
    """Blocking `double_capture` when the same plate passed this site in an ADJACENT lane (lane numbers
    differ by exactly 1) within `double_capture_window_s` (inclusive), before or after. One truck
    straddling two lanes yields two records, each with part of the vehicle on its sensors: neither
    weighing is evidence (LEGAL.md §6, lane straddling). Same-lane repeats (a resend, a truck queueing)
    and lanes farther apart (two vehicles) do not count. Every matching record is named."""
    plate = passage.plate
    if not plate:
        return None
    window = timedelta(seconds=policy.double_capture_window_s)
    at, lane = passage.captured_at, passage.lane
    hits = [n for n in nearby if n.plate == plate and abs(n.lane - lane) == 1 and abs(n.captured_at - at) <= window]
    if not hits:
        return None
    others = "；".join(
        f"记录 {n.record_key}（车道 {n.lane}，相差 {abs(n.captured_at - at).total_seconds():g} 秒）" for n in hits
    )
    return Flag(
        DOUBLE_CAPTURE, True,
        f"车牌 {plate} 在车道 {lane} 抓拍，{policy.double_capture_window_s} 秒内相邻车道另有抓拍：{others}，"
        "疑为跨道行驶或套牌，称重数据不能作为证据",
    )  # fmt: skip


def permit(passage: Passage, permits: Sequence[Permit], road: str | None) -> Flag | None:
    """Blocking `permit_holder` when a permit matches the plate, the capture date (inclusive), the route
    (`road`, the station's road, is in `roads`; an empty `roads` permits any road) and, when it states a
    maximum gross, the gross is not above it: the passage is lawful, not a violation (LEGAL.md §6).

    A permit that matches plate and date but not route or gross does not make the passage lawful
    (driving off the permitted route or above the permitted gross is 超限 without a permit); it gives
    a NON-blocking `permit_mismatch` so the reviewer sees it. An unknown station road (`road` None)
    cannot confirm a route-restricted permit: that is a mismatch too, for the reviewer to check."""
    plate = passage.plate
    if not plate:
        return None
    day, gross = passage.captured_on, passage.gross_kg
    here = (road or "").strip().upper() or None
    near: Flag | None = None
    for p in permits:
        if normalize_plate(p.plate).text != plate or not p.valid_from <= day <= p.valid_to:
            continue
        route_ok = not p.roads or (here is not None and here in {r.strip().upper() for r in p.roads})
        gross_ok = p.max_gross_kg is None or gross <= p.max_gross_kg
        if route_ok and gross_ok:
            return Flag(
                PERMIT_HOLDER, True,
                f"持有超限运输许可 {p.number}（有效期 {p.valid_from} 至 {p.valid_to}，"
                f"路线 {'、'.join(p.roads) or '不限'}），本次通行按许可进行，不属违法",
            )  # fmt: skip
        if near is None:
            near = Flag(PERMIT_MISMATCH, False, _permit_gap(p, road, gross, route_ok, gross_ok))
    return near


def _permit_gap(p: Permit, road: str | None, gross: int, route_ok: bool, gross_ok: bool) -> str:
    reasons = []
    if not route_ok:
        routes = "、".join(p.roads)
        if road:
            reasons.append(f"通行道路 {road} 不在许可路线（{routes}）内")
        else:
            reasons.append(f"站点道路未登记，无法核对许可路线（{routes}）")
    if not gross_ok:
        reasons.append(f"总重 {gross} kg 超过许可总重 {p.max_gross_kg} kg")
    return f"持有超限运输许可 {p.number}，但{'；'.join(reasons)}，许可不覆盖本次通行"


def evidence_missing(
    passage: Passage,
    present_kinds: frozenset[str],
    now: datetime,
    policy: ScreeningPolicy = DEFAULT_POLICY,
    received_at: datetime | None = None,
) -> Flag | None:
    """Blocking `evidence_missing` when a required image kind (policy.required_image_kinds) has not
    ARRIVED (`present_kinds`: bytes uploaded and verified) once `evidence_grace_s` have passed (the
    moment it is reached counts as passed). Incomplete records are not evidence (LEGAL.md §6.2).

    The grace runs from the capture or, when given and later, from `received_at` (when the record itself
    reached the platform): a station that buffered while offline uploads its backlog late, and its
    images deserve the same grace. A required kind the record does not even name can never arrive
    (uploads are accepted only for named images), so it is decided at once. Otherwise None before the
    grace: not yet decided. The rule is pure; re-run it when bytes arrive."""
    missing = [k for k in policy.required_image_kinds if k not in present_kinds]
    if not missing:
        return None
    start = passage.captured_at if received_at is None else max(received_at, passage.captured_at)
    elapsed = now - start
    named = passage.image_kinds
    if elapsed < timedelta(seconds=policy.evidence_grace_s) and all(k in named for k in missing):
        return None
    items = "、".join(
        f"{IMAGE_KIND_LABELS.get(k, k)}（{'已声明，未上传' if k in named else '记录未声明，无法补传'}）"
        for k in missing
    )
    return Flag(
        EVIDENCE_MISSING, True,
        f"缺少{items}；已过 {int(elapsed.total_seconds())} 秒（补传期限 {policy.evidence_grace_s} 秒）",
    )  # fmt: skip


def handled_on_site(
    passage: Passage, handlings: Sequence[OnsiteHandling], policy: ScreeningPolicy = DEFAULT_POLICY
) -> Flag | None:
    """Blocking `handled_on_site` when the same plate was handled on site within `onsite_window_s`
    (inclusive) before or after the capture: it is the same act, already punished, and one act is
    punished once (LEGAL.md §4 Related and §6; 行政处罚法 Art. 29). Every matching handling is named."""
    plate = passage.plate
    if not plate:
        return None
    window = timedelta(seconds=policy.onsite_window_s)
    at = passage.captured_at
    hits = [h for h in handlings if normalize_plate(h.plate).text == plate and abs(h.handled_at - at) <= window]
    if not hits:
        return None
    named = "；".join(
        f"{h.reference}（{_local(h.handled_at)}，与过车相隔 {abs(h.handled_at - at).total_seconds():g} 秒）"
        for h in hits
    )
    return Flag(HANDLED_ON_SITE, True, f"车牌 {plate} 已现场处理：{named}，同一违法行为不得重复处罚")
