"""What the station board, a station's page and the ticket list show: read models of device health.

Filled by ``services/device_health.py`` (``board``, ``station_detail``, ``list_tickets``) from the station
registry, the swept states, the per-day summaries and the tickets; rendered by the console and the API.
Codes stay codes here (``up``, ``warn``, ``calibration_drift``); Chinese labels are the console's business.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any


@dataclass(frozen=True, slots=True)
class FindingView:
    """One data-quality finding of a station's latest summarised day."""

    code: str  # calibration_drift, peak_shift, paired_difference, read_rate_low, lane_silent, volume_low, ...
    level: str  # warn or alarm
    message: str  # Chinese, complete
    value: float
    threshold: float


@dataclass(frozen=True, slots=True)
class StationStatus:
    """One station on the board."""

    station_id: str
    name: str
    kind: str  # site, highway, source
    county_code: str | None
    road: str | None
    stake: str | None
    lat: float | None
    lon: float | None
    lanes: int
    state: str  # enabled, repair, stopped
    health: str  # up, late, down (computed now from the last heartbeat and record)
    health_reason: str | None  # never_seen, silent, heartbeat_late, no_data; None when up
    health_since: datetime | None  # when the swept health last changed
    quality: str | None  # ok, warn, alarm; None until enough data was summarised
    suspended_since: datetime | None  # enforcement use of new records suspended (drift beyond the MPE)
    findings: tuple[FindingView, ...]
    cert_number: str | None
    cert_valid_to: date | None
    cert_status: str  # valid, expiring (≤ 30 days), expired, not_yet, missing
    last_record_at: datetime | None
    last_heartbeat_at: datetime | None
    clock_offset_s: float | None  # station clock minus server time at the last heartbeat
    open_ticket: int | None  # id of the open repair ticket, if any
    drift_pct: float | None = None  # the latest calibration drift reading
    read_rate: float | None = None  # the latest day's plate read rate


@dataclass(frozen=True, slots=True)
class DayPoint:
    """One local day of a station, for the charts."""

    day: date
    trucks: int
    read_rate: float | None
    steer6_median_kg: float | None  # six-axle steering-axle median of the day
    drift_pct: float | None  # rolling-window drift against the baseline, as of this day
    pair_median_pct: float | None  # median difference against neighbouring stations, as of this day
    online: bool
    normal: bool
    findings: tuple[FindingView, ...] = ()
    hours: tuple[int, ...] = ()
    lanes: Mapping[int, int] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class BaselineView:
    first_day: date
    last_day: date
    steer6_median_kg: float | None
    steer5_median_kg: float | None
    trucks: int


@dataclass(frozen=True, slots=True)
class StationEvent:
    """A row of the station's history: a health or quality change, a suspension, a check, a certificate."""

    at: datetime
    kind: str  # health, quality, suspension, check, certificate, ticket, state
    from_state: str | None
    to_state: str | None
    reason: str | None
    message: str
    actor: str | None


@dataclass(frozen=True, slots=True)
class Ticket:
    """A repair ticket (报修)."""

    id: int
    station_id: str
    station_name: str
    state: str  # open, assigned, closed
    fault: str
    opened_at: datetime
    opened_by: str
    assignee: str | None
    assigned_at: datetime | None
    closed_at: datetime | None
    closed_by: str | None
    resolution: str | None
    out_hours: float  # time the station was out: opened → closed (or now)
    version: int


@dataclass(frozen=True, slots=True)
class Certificate:
    """A verification certificate (检定证书) as recorded, newest first."""

    number: str
    body: str | None
    accuracy_class: str | None
    valid_from: date
    valid_to: date
    recorded_at: datetime | None  # None: the certificate the station was registered with
    recorded_by: str | None


@dataclass(frozen=True, slots=True)
class StationDetail:
    status: StationStatus
    days: list[DayPoint]  # oldest first, the last `days` days
    baseline: BaselineView | None
    mpe_pct: float
    pairs: Mapping[str, tuple[float, int]]  # neighbour station → (median difference %, pairs) over the window
    events: list[StationEvent]  # newest first
    tickets: list[Ticket]  # newest first
    certificates: list[Certificate]  # newest first
    heartbeat_status: Mapping[str, Any] | None  # the last heartbeat's status object
