"""The interfaces services talk to. Real adapters live in ``zhichao.adapters``; ``bootstrap`` wires them."""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping, Sequence
from contextlib import AbstractContextManager
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any, NamedTuple, Protocol

from zhichao.domain.entrance import Entry, Refusal


class NewRecord(NamedTuple):
    """A judged record as it is stored (the columns of ``records`` but its key)."""

    station_id: str
    record_id: str
    lane: int
    captured_at: datetime
    received_at: datetime
    plate: str
    plate_raw: str
    plate_color: str
    plate_confidence: float | None
    speed_kmh: float
    axle_count: int
    axle_weights_kg: list[int]
    gross_weight_kg: int
    axle_groups: str | None
    vehicle_type: str | None
    drive_axle: str | None
    axle_spacings_mm: list[int] | None
    length_mm: int | None
    width_mm: int | None
    height_mm: int | None
    direction: str | None
    images: list[dict[str, Any]] | None
    video: dict[str, Any] | None
    flags: list[str] | None
    size_violations: str | None
    rule_set: str
    limit_kg: int
    limit_basis: str
    limit_inferred: bool
    overload_kg: int
    overload_rate_x100: int
    overloaded: bool
    actionable: bool
    fine_yuan: int
    warning_only: bool
    legal_basis: str
    band: int


class CountKey(NamedTuple):
    station_id: str
    hour: datetime
    axle_count: int
    band: int


class DayKey(NamedTuple):
    """A ``daily_counts`` row: station × local day × band, what the KPI dashboard sums."""

    station_id: str
    day: date
    band: int


@dataclass(slots=True)
class Counts:
    """Counters of one ``hourly_counts`` row (added to what is stored)."""

    trucks: int = 0
    overloaded: int = 0
    actionable: int = 0
    over_highway_line: int = 0
    gross_100t: int = 0
    gross_80t: int = 0
    plate_unread: int = 0
    gross_kg_sum: int = 0
    overload_kg_sum: int = 0


@dataclass(frozen=True, slots=True)
class Rejection:
    station_id: str
    received_at: datetime
    source: str
    record_index: int | None
    record_id: str | None
    raw: bytes
    errors: list[dict[str, str]]


@dataclass(frozen=True, slots=True)
class StationInfo:
    """What ingest needs to know of a station."""

    station_id: str
    lanes: int
    accuracy_class: str | None
    state: str
    token_hash: str
    road: str | None = None
    cert_valid_from: date | None = None
    cert_valid_to: date | None = None
    speed_min_kmh: float | None = None
    speed_max_kmh: float | None = None
    suspended_since: datetime | None = None  # drift beyond the MPE: new records are not evidence
    kind: str = "site"  # site (enforcement), highway (entrance scale), source (freight source scale)


@dataclass(frozen=True, slots=True)
class FlagRow:
    """A screening flag raised on a stored record."""

    station_id: str
    record_id: str
    code: str
    blocking: bool
    detail: str


class IngestTransaction(Protocol):
    def insert_new_records(self, rows: Iterable[NewRecord]) -> list[NewRecord]:
        """Insert the rows whose (station, record_id) is not stored yet; return the rows inserted.

        ``rows`` may be a lazy iterator: it is consumed exactly once."""

    def add_counts(self, counts: Mapping[CountKey, Counts]) -> None: ...

    def add_day_counts(self, counts: Mapping[DayKey, Counts]) -> None: ...

    def add_rejections(self, rejections: Iterable[Rejection]) -> None: ...

    def touch_station(self, station_id: str, last_record_at: datetime | None, received_at: datetime) -> None: ...

    def add_flags(self, flags: Sequence[FlagRow], now: datetime) -> None:
        """Raise flags (a flag already raised for the record and code is raised again, not doubled)."""

    def add_refusals(self, rows: Sequence[dict[str, Any]]) -> None:
        """Trucks turned back at a highway entrance."""

    def open_refusals(self, plates: Sequence[str], start: datetime, end: datetime) -> list[Refusal]:
        """Refusals of these plates in [start, end) not yet matched with an entry elsewhere."""

    def mark_entered(self, matches: Sequence[tuple[Refusal, Entry]]) -> None: ...

    def queue_reviews(self, rows: Sequence[NewRecord], now: datetime) -> None:
        """Put actionable records in the review queue (pending first review)."""

    def nearby(self, station_id: str, plates: Sequence[str], start: datetime, end: datetime) -> list[Any]:
        """Stored passages of these plates at this station captured in [start, end]: each with
        ``station_id``, ``record_id``, ``lane``, ``captured_at`` and ``plate``."""

    def permits_for(self, plates: Sequence[str]) -> list[Any]:
        """The oversize-transport permits of these plates (domain ``Permit`` objects)."""

    def onsite_for(self, plates: Sequence[str], start: datetime, end: datetime) -> list[Any]:
        """On-site handlings of these plates in [start, end] (domain ``OnsiteHandling`` objects)."""


class IngestStore(Protocol):
    def transaction(self) -> AbstractContextManager[IngestTransaction]:
        """A write transaction: committed when the block ends normally, rolled back otherwise."""

    def station(self, station_id: str) -> StationInfo | None: ...


@dataclass(frozen=True, slots=True)
class Station:
    """A station of the registry, as people and partner systems see it."""

    station_id: str
    name: str
    kind: str
    county_code: str | None
    road: str | None
    stake: str | None
    lanes: int
    direction: str | None
    lat: float | None
    lon: float | None
    accuracy_class: str | None
    cert_number: str | None
    cert_body: str | None
    cert_valid_from: Any
    cert_valid_to: Any
    speed_min_kmh: float | None
    speed_max_kmh: float | None
    state: str
    opened_on: Any
    demo: bool
    last_record_at: datetime | None
    last_received_at: datetime | None
    last_heartbeat_at: datetime | None
    last_heartbeat_status: Any = None
    health: str | None = None  # as last swept (services/device_health.py)
    health_reason: str | None = None
    health_since: datetime | None = None
    quality: str | None = None
    quality_since: datetime | None = None
    suspended_since: datetime | None = None
    baseline_from: Any = None
    heartbeat_interval_s: int | None = None
    grace_s: int | None = None
    mpe_pct: float | None = None


@dataclass(frozen=True, slots=True)
class User:
    id: int
    username: str
    display_name: str
    role: str
    active: bool
    scopes: str | None = None  # a partner's scopes, comma-separated (services/partner_check.py)
    rate_per_s: int | None = None  # a partner's own rate limit (None: the setting's default)


class StationRepository(Protocol):
    def add(self, values: Mapping[str, Any]) -> None: ...

    def exists(self, station_id: str) -> bool: ...

    def all(self) -> list[Station]: ...

    def get(self, station_id: str) -> Station | None: ...

    def id_for_token_hash(self, token_hash: str) -> str | None: ...

    def record_heartbeat(self, station_id: str, at: datetime, status: Mapping[str, Any]) -> None: ...


class UserRepository(Protocol):
    def add(self, values: Mapping[str, Any]) -> User: ...

    def by_username(self, username: str) -> tuple[User, str] | None:
        """The user and their password hash."""

    def by_token_hash(self, token_hash: str) -> User | None: ...

    def set_password(self, username: str, password_hash: str, token_hash: str) -> None: ...

    def add_session(self, token_hash: str, user_id: int, created_at: datetime, expires_at: datetime) -> None: ...

    def by_session(self, token_hash: str, now: datetime) -> User | None: ...

    def drop_session(self, token_hash: str) -> None: ...

    def display_names(self, ids: list[int]) -> dict[int, str]:
        """The display name of each user id."""


class PasswordHasher(Protocol):
    def hash(self, password: str) -> str: ...

    def verify(self, password_hash: str, password: str) -> bool: ...


class RecordReader(Protocol):
    def one(self, station_id: str, record_id: str) -> dict[str, Any] | None: ...

    def stored_flags(self, station_id: str, record_id: str) -> list[dict[str, Any]]:
        """The record's active screening flags as stored (records in review have them)."""

    def by_plate(self, plate: str, overloaded: bool | None, limit: int,
                 before_id: int | None) -> list[dict[str, Any]]: ...

    def latest(self, limit: int, overloaded: bool | None, station_id: str | None,
               since: datetime | None = None, until: datetime | None = None) -> list[dict[str, Any]]: ...



@dataclass(frozen=True, slots=True)
class ReviewFilter:
    states: tuple[str, ...]
    station_id: str | None = None
    county_code: str | None = None
    min_band: int | None = None
    flag: str | None = None
    limit: int = 100


class EvidenceStore(Protocol):
    """Content-addressed, write-once bytes (filesystem or S3-compatible; see adapters/evidence)."""

    def put(self, sha256: str, data: bytes, content_type: str) -> bool:
        """Store ``data`` under its hash; False if already there (kept as is, never overwritten)."""

    def get(self, sha256: str) -> bytes:
        """The stored bytes; KeyError if absent."""

    def exists(self, sha256: str) -> bool: ...

    def put_derived(self, name: str, data: bytes, content_type: str) -> None: ...

    def get_derived(self, name: str) -> bytes | None: ...


@dataclass(frozen=True, slots=True)
class PlateClaim:
    """A plate-reading job a worker holds: ``claimed_at`` is its claim's token (a finish or failure
    counts only while the row is still claimed at that time), ``attempts`` counts this one."""

    station_id: str
    record_id: str
    attempts: int
    claimed_at: datetime


@dataclass(frozen=True, slots=True)
class PlateReading:
    """What OCR read in a plate photo: ``text`` normalised ("" when nothing plate-like), every line raw."""

    text: str
    raw_text: str
    confidence: float | None
    engine: str


@dataclass(frozen=True, slots=True)
class StationChange:
    """A row of ``station_events``: what changed on a station, and why (Chinese message)."""

    kind: str  # health, quality, suspension, check, certificate, ticket
    message: str
    from_state: str | None = None
    to_state: str | None = None
    reason: str | None = None
    actor: str | None = None
    details: Mapping[str, Any] | None = None


@dataclass(frozen=True, slots=True)
class Notice:
    """A notice to queue in the outbox with a change (its key is made from the change's event)."""

    channel: str
    recipient: str
    subject: str
    body: str
    payload: Mapping[str, Any] | None = None


class DeviceRepository(Protocol):
    """Device health storage (adapters/db/device_health.py)."""

    def change_station(self, station_id: str, expected: Mapping[str, Any], values: Mapping[str, Any], now: datetime,
                       change: StationChange, notice: Notice | None = None) -> bool: ...

    def add_event(self, station_id: str, now: datetime, change: StationChange,
                  notice: Notice | None = None) -> None: ...

    def enqueue(self, notice: Notice, dedupe_key: str, now: datetime) -> bool: ...

    def events(self, station_id: str, limit: int = 100) -> list[dict[str, Any]]: ...

    def hours_with_data(self, since: datetime) -> list[tuple[str, datetime, int]]: ...

    def observations(self, start: datetime, end: datetime, by: str = "station") -> Iterator[Any]: ...

    def day_states(self, since: date) -> dict[tuple[str, date], tuple[bool, int]]: ...

    def save_days(self, rows: Sequence[Mapping[str, Any]]) -> None: ...

    def set_day_findings(self, station_id: str, day: date, values: Mapping[str, Any]) -> None: ...

    def days(self, station_id: str | None, since: date, until: date | None = None) -> list[dict[str, Any]]: ...

    def day_flags(self, since: date, until: date) -> list[tuple[str, date, bool, bool]]: ...

    def tickets(self, state: str | None = None, station_id: str | None = None,
                limit: int = 500) -> list[dict[str, Any]]: ...

    def ticket(self, ticket_id: int) -> dict[str, Any] | None: ...

    def repair_spans(self, start: datetime, end: datetime) -> list[tuple[str, datetime, datetime | None]]: ...

    def open_ticket(self, values: Mapping[str, Any], now: datetime, change: StationChange,
                    notice: Notice | None) -> int: ...

    def move_ticket(self, ticket_id: int, version: int, states: Sequence[str], values: Mapping[str, Any],
                    now: datetime, change: StationChange) -> bool: ...

    def certificates(self, station_id: str) -> list[dict[str, Any]]: ...

    def record_certificate(self, values: Mapping[str, Any], station_values: Mapping[str, Any], now: datetime,
                           change: StationChange) -> None: ...

    def reset_quality(self, station_id: str, station_values: Mapping[str, Any], now: datetime,
                      change: StationChange) -> None: ...


@dataclass(frozen=True, slots=True)
class CaseQuery:
    """What the case list (and its export) narrows to; None everywhere: every case, newest first."""

    state: str | None = None
    plate: str | None = None  # as stored (normalised)
    due_by: date | None = None  # the cases with a deadline by then, soonest first
    opened_from: datetime | None = None  # UTC, included
    opened_before: datetime | None = None  # UTC, excluded
    county: str | None = None  # the county of the case's station
    local: bool | None = None  # plates starting with ``local_prefixes`` (True) or not (False)
    local_prefixes: tuple[str, ...] = ()
    states: frozenset[str] | None = None  # an outcome group (domain/kpis.py CASE_GROUPS)
