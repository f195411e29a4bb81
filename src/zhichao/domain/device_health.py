"""Whether a station is up, late or down, and whether its verification certificate is valid; pure.

A station shows signs of life in two ways: heartbeats (contract §2, every ``interval``) and the records
it sends. The state comes from the newest of the two and from the time passed in, never from a clock:

    quiet ≤ 2 × interval            up     (one heartbeat may be missed or late: jitter, a slow network)
    quiet ≤ interval + grace        late   heartbeat_late
    quiet > interval + grace        down   silent            (never_seen: nothing ever arrived)
    alive, but no record for ``data_quiet``: late, no_data  (the controller runs, the lanes send nothing)

A station in repair or stopped is not judged: its state is its registry state, and the sweep neither
changes nor alerts on it (KPI 1 excludes it, KPIS.md).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

UP, LATE, DOWN = "up", "late", "down"
HEALTH_STATES = (UP, LATE, DOWN)
NEVER_SEEN, SILENT, HEARTBEAT_LATE, NO_DATA = "never_seen", "silent", "heartbeat_late", "no_data"
JUDGED_STATES = frozenset({"enabled"})  # registry states whose health is swept and alerted

CERT_VALID, CERT_EXPIRING, CERT_EXPIRED, CERT_NOT_YET, CERT_MISSING = (
    "valid", "expiring", "expired", "not_yet", "missing")
CERT_REMINDER_DAYS = (30, 7)  # reminders this many days before the certificate's last valid day


@dataclass(frozen=True, slots=True)
class HealthPolicy:
    """How often a station should speak, and how long a silence is tolerated before it is down."""

    interval: timedelta = timedelta(seconds=60)
    grace: timedelta = timedelta(minutes=10)
    data_quiet: timedelta = timedelta(hours=1)

    def with_station(self, interval_s: int | None, grace_s: int | None) -> HealthPolicy:
        """The policy with a station's own interval and grace, where it has them."""
        return HealthPolicy(timedelta(seconds=interval_s) if interval_s else self.interval,
                            timedelta(seconds=grace_s) if grace_s else self.grace, self.data_quiet)


@dataclass(frozen=True, slots=True)
class Health:
    state: str
    reason: str | None  # None when up


def assess(now: datetime, last_heartbeat: datetime | None, last_record: datetime | None,
           policy: HealthPolicy) -> Health:
    """The station's health at ``now`` from its last heartbeat and its last received record."""
    seen = [t for t in (last_heartbeat, last_record) if t is not None]
    if not seen:
        return Health(DOWN, NEVER_SEEN)
    quiet = now - max(seen)
    if quiet > policy.interval + policy.grace:
        return Health(DOWN, SILENT)
    if quiet > 2 * policy.interval:
        return Health(LATE, HEARTBEAT_LATE)
    if last_record is None or now - last_record > policy.data_quiet:
        return Health(LATE, NO_DATA)
    return Health(UP, None)


def certificate_status(valid_from: date | None, valid_to: date | None, today: date, warn_days: int = 30) -> str:
    """``valid``, ``expiring`` (its last day within ``warn_days``), ``expired``, ``not_yet`` or ``missing``."""
    if valid_from is None or valid_to is None:
        return CERT_MISSING
    if today < valid_from:
        return CERT_NOT_YET
    if today > valid_to:
        return CERT_EXPIRED
    return CERT_EXPIRING if (valid_to - today).days <= warn_days else CERT_VALID


def certificate_reminder(valid_to: date | None, today: date) -> str | None:
    """Which reminder is due today: ``"30"`` or ``"7"`` (days before the last valid day), ``"expired"``
    after it, or None. The sweep sends each once per certificate (its notice key carries this value)."""
    if valid_to is None:
        return None
    left = (valid_to - today).days
    if left < 0:
        return "expired"
    due = [d for d in CERT_REMINDER_DAYS if left <= d]
    return str(min(due)) if due else None


def certificate_valid_on(valid_from: date | None, valid_to: date | None, day: date) -> bool:
    return valid_from is not None and valid_to is not None and valid_from <= day <= valid_to
