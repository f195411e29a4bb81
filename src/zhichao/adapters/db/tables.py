"""The relational schema (SQLAlchemy Core). Migrations in ``zhichao/migrations`` create it.

Indexes on ``records`` are kept to what queries need: each one slows ingest (see PERFORMANCE.md).
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    Column,
    Date,
    Float,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    PrimaryKeyConstraint,
    SmallInteger,
    String,
    Table,
    Text,
    UniqueConstraint,
    false,
    text,
    true,
)

from zhichao.adapters.db.types import UtcDateTime

metadata = MetaData(
    naming_convention={
        "ix": "ix_%(table_name)s_%(column_0_N_name)s",
        "uq": "uq_%(table_name)s_%(column_0_N_name)s",
        "ck": "ck_%(table_name)s_%(constraint_name)s",
        "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
        "pk": "pk_%(table_name)s",
    }
)

# BIGINT on PostgreSQL; INTEGER on SQLite so that the key is the rowid.
BigId = BigInteger().with_variant(Integer(), "sqlite")

stations = Table(
    "stations",
    metadata,
    Column("station_id", String(32), primary_key=True),
    Column("name", String(128), nullable=False),
    Column("kind", String(16), nullable=False, server_default="site"),
    Column("county_code", String(6)),
    Column("road", String(32)),
    Column("stake", String(32)),
    Column("lanes", SmallInteger, nullable=False),
    Column("direction", String(32)),
    Column("lat", Float),
    Column("lon", Float),
    Column("accuracy_class", String(8)),
    Column("cert_number", String(64)),
    Column("cert_body", String(128)),
    Column("cert_valid_from", Date),
    Column("cert_valid_to", Date),
    Column("speed_min_kmh", Float),
    Column("speed_max_kmh", Float),
    Column("state", String(16), nullable=False, server_default="enabled"),
    Column("opened_on", Date),
    Column("demo", Boolean, nullable=False, server_default=false()),
    Column("token_hash", String(64), nullable=False),
    Column("created_at", UtcDateTime, nullable=False),
    Column("last_record_at", UtcDateTime),
    Column("last_received_at", UtcDateTime),
    Column("last_heartbeat_at", UtcDateTime),
    Column("last_heartbeat_status", JSON),
    # device health (services/device_health.py): the swept states, so a change is written once
    Column("health", String(8)),
    Column("health_reason", String(32)),
    Column("health_since", UtcDateTime),
    Column("quality", String(8)),
    Column("quality_since", UtcDateTime),
    Column("suspended_since", UtcDateTime),
    Column("baseline_from", Date),
    Column("heartbeat_interval_s", Integer),
    Column("grace_s", Integer),
    Column("mpe_pct", Float),
)

# What happened to a station: health and quality changes, suspensions, checks, certificates, tickets.
station_events = Table(
    "station_events",
    metadata,
    Column("id", BigId, primary_key=True, autoincrement=True),
    Column("station_id", String(32), ForeignKey("stations.station_id"), nullable=False),
    Column("at", UtcDateTime, nullable=False),
    Column("kind", String(16), nullable=False),
    Column("from_state", String(16)),
    Column("to_state", String(16)),
    Column("reason", String(32)),
    Column("message", Text, nullable=False),
    Column("actor", String(64)),
    Column("details", JSON),
    Index("ix_station_events_station_id_at", "station_id", "at"),
)

# A station's local day, summarised by the quality sweep: the summary (domain/quality.py), the paired
# differences against other stations, the findings of that day, and whether the device counted as online
# and normal that day (KPI 1). `complete`: summarised after the day (and its late records) ended.
station_days = Table(
    "station_days",
    metadata,
    Column("station_id", String(32), nullable=False),
    Column("day", Date, nullable=False),
    Column("trucks", Integer, nullable=False),
    Column("summary", JSON, nullable=False),
    Column("pairs", JSON, nullable=False),
    Column("findings", JSON, nullable=False),
    Column("drift_pct", Float),
    Column("pair_median_pct", Float),
    Column("online", Boolean, nullable=False),
    Column("normal", Boolean, nullable=False),
    Column("complete", Boolean, nullable=False),
    Column("computed_at", UtcDateTime, nullable=False),
    PrimaryKeyConstraint("station_id", "day"),
    Index("ix_station_days_day", "day"),
)

# Repair tickets (报修): open → assigned → closed; the days they span are excluded from KPI 1.
repair_tickets = Table(
    "repair_tickets",
    metadata,
    Column("id", BigId, primary_key=True, autoincrement=True),
    Column("station_id", String(32), ForeignKey("stations.station_id"), nullable=False),
    Column("state", String(12), nullable=False),
    Column("fault", Text, nullable=False),
    Column("opened_at", UtcDateTime, nullable=False),
    Column("opened_by", String(64), nullable=False),
    Column("assignee", String(64)),
    Column("assigned_at", UtcDateTime),
    Column("closed_at", UtcDateTime),
    Column("closed_by", String(64)),
    Column("resolution", Text),
    Column("version", Integer, nullable=False),
    Index("ix_repair_tickets_station_id", "station_id"),
    Index("ix_repair_tickets_state", "state"),
)

# Verification certificates (检定证书) as recorded; the station row carries the current one.
certificates = Table(
    "certificates",
    metadata,
    Column("id", BigId, primary_key=True, autoincrement=True),
    Column("station_id", String(32), ForeignKey("stations.station_id"), nullable=False),
    Column("number", String(64), nullable=False),
    Column("body", String(128)),
    Column("accuracy_class", String(8)),
    Column("valid_from", Date, nullable=False),
    Column("valid_to", Date, nullable=False),
    Column("recorded_at", UtcDateTime, nullable=False),
    Column("recorded_by", String(64)),
    Index("ix_certificates_station_id", "station_id"),
)

records = Table(
    "records",
    metadata,
    Column("id", BigId, primary_key=True, autoincrement=True),
    Column("station_id", String(32), nullable=False),
    Column("record_id", String(64), nullable=False),
    Column("lane", SmallInteger, nullable=False),
    Column("captured_at", UtcDateTime, nullable=False),
    Column("received_at", UtcDateTime, nullable=False),
    Column("plate", String(16), nullable=False),
    Column("plate_raw", String(32), nullable=False),
    Column("plate_color", String(16), nullable=False),
    Column("plate_confidence", Float),
    Column("speed_kmh", Float, nullable=False),
    Column("axle_count", SmallInteger, nullable=False),
    Column("axle_weights_kg", JSON, nullable=False),
    Column("gross_weight_kg", Integer, nullable=False),
    Column("axle_groups", String(32)),
    Column("vehicle_type", String(24)),
    Column("drive_axle", String(8)),
    Column("axle_spacings_mm", JSON),
    Column("length_mm", Integer),
    Column("width_mm", Integer),
    Column("height_mm", Integer),
    Column("direction", String(32)),
    Column("images", JSON),
    Column("video", JSON),
    Column("flags", JSON),
    Column("size_violations", String(32)),
    Column("rule_set", String(16), nullable=False),
    Column("limit_kg", Integer, nullable=False),
    Column("limit_basis", String(96), nullable=False),
    Column("limit_inferred", Boolean, nullable=False),
    Column("overload_kg", Integer, nullable=False),
    Column("overload_rate_x100", Integer, nullable=False),
    Column("overloaded", Boolean, nullable=False),
    Column("actionable", Boolean, nullable=False),
    Column("fine_yuan", Integer, nullable=False),
    Column("warning_only", Boolean, nullable=False),
    Column("legal_basis", String(64), nullable=False),
    Column("band", SmallInteger, nullable=False),
    UniqueConstraint("station_id", "record_id"),
    Index("ix_records_plate_captured_at", "plate", "captured_at"),
    Index("ix_records_captured_at", "captured_at"),
)

# PostgreSQL only (migration 0017): there ``records`` is partitioned by month (adapters/db/partitions.py),
# its keys carry ``captured_at``, and this table holds the uniqueness of (station_id, record_id) that the
# contract promises. SQLite keeps the unique key on ``records`` and has no such table.
record_keys = Table(
    "record_keys",
    metadata,
    Column("station_id", String(32), primary_key=True),
    Column("record_id", String(64), primary_key=True),
    Column("captured_at", UtcDateTime, nullable=False),
)

# Input that was refused, kept with its reason for audit: one row per rejected record, or one row
# for a whole batch that could not be read (record_index is then NULL).
rejected_input = Table(
    "rejected_input",
    metadata,
    Column("id", BigId, primary_key=True, autoincrement=True),
    Column("station_id", String(32), nullable=False),
    Column("received_at", UtcDateTime, nullable=False),
    Column("source", String(8), nullable=False),
    Column("record_index", Integer),
    Column("record_id", String(64)),
    Column("raw", LargeBinary, nullable=False),
    Column("errors", JSON, nullable=False),
    Index("ix_rejected_input_received_at", "received_at"),
)

# Cases by station × local day opened × state × the plate's first two characters, kept with every opening and
# move (adapters/db/case_days.py): KPI 3 and 4 sum a quarter of these instead of counting its cases.
case_days = Table(
    "case_days",
    metadata,
    Column("station_id", String(32), nullable=False),
    Column("day", Date, nullable=False),
    Column("state", String(24), nullable=False),
    Column("plate_head", String(2), nullable=False),
    Column("cases", Integer, nullable=False),
    PrimaryKeyConstraint("station_id", "day", "state", "plate_head"),
    Index("ix_case_days_day", "day"),
)

# The bureau's own KPI targets per year, laid over the plan's (domain/kpis.py DEFAULT_TARGETS).
kpi_targets = Table(
    "kpi_targets",
    metadata,
    Column("kpi_id", String(40), nullable=False),
    Column("year", SmallInteger, nullable=False),
    Column("target", Float, nullable=False),
    Column("set_by", BigId, nullable=False),
    Column("set_at", UtcDateTime, nullable=False),
    PrimaryKeyConstraint("kpi_id", "year"),
)

def _counters() -> list[Column[Any]]:
    """The counters ``hourly_counts`` and ``daily_counts`` both keep (services/ports.py ``Counts``): trucks,
    over the limit, over the actionable line, over 105 % (the highway line), 百吨王, 80 t or more (the province
    asks what share of them was reviewed; added later, hence its default), unread plates, and sums."""
    return [*(Column(name, Integer, nullable=False)
              for name in ("trucks", "overloaded", "actionable", "over_highway_line", "gross_100t")),
            Column("gross_80t", Integer, nullable=False, server_default="0"),
            Column("plate_unread", Integer, nullable=False),
            *(Column(name, BigInteger, nullable=False) for name in ("gross_kg_sum", "overload_kg_sum"))]


# Counters kept up in the same transaction as the records, so dashboards and KPIs never scan raw
# records. One row per station × UTC hour × axle count × overload band (−1: not overloaded).
hourly_counts = Table(
    "hourly_counts",
    metadata,
    Column("station_id", String(32), nullable=False),
    Column("hour", UtcDateTime, nullable=False),
    Column("axle_count", SmallInteger, nullable=False),
    Column("band", SmallInteger, nullable=False),
    *_counters(),
    PrimaryKeyConstraint("station_id", "hour", "axle_count", "band"),
)

# The same counters by station × local day × band, kept in the same transaction: the KPI dashboard sums a
# quarter of these (about 100 000 rows for a city) where the hourly rows would be millions.
daily_counts = Table(
    "daily_counts",
    metadata,
    Column("station_id", String(32), nullable=False),
    Column("day", Date, nullable=False),
    Column("band", SmallInteger, nullable=False),
    *_counters(),
    PrimaryKeyConstraint("station_id", "day", "band"),
    Index("ix_daily_counts_day", "day"),
)

users = Table(
    "users",
    metadata,
    Column("id", BigId, primary_key=True, autoincrement=True),
    Column("username", String(64), nullable=False, unique=True),
    Column("display_name", String(64), nullable=False),
    Column("role", String(16), nullable=False),
    Column("password_hash", Text, nullable=False),
    Column("token_hash", String(64), unique=True),
    Column("active", Boolean, nullable=False, server_default=true()),
    Column("demo", Boolean, nullable=False, server_default=false()),
    Column("created_at", UtcDateTime, nullable=False),
    # A partner system's scopes (the exports it may fetch besides the check: inspection, transfer) and its
    # own rate limit in check calls per second (NULL: the setting's default).
    Column("scopes", String(128)),
    Column("rate_per_s", Integer),
)

sessions = Table(
    "sessions",
    metadata,
    Column("token_hash", String(64), primary_key=True),
    Column("user_id", BigId, ForeignKey("users.id", ondelete="CASCADE"), nullable=False),
    Column("created_at", UtcDateTime, nullable=False),
    Column("expires_at", UtcDateTime, nullable=False),
)

# Evidence files received and verified (the bytes live in the evidence store, keyed by sha256).
evidence = Table(
    "evidence",
    metadata,
    Column("sha256", String(64), primary_key=True),
    Column("content_type", String(32), nullable=False),
    Column("size_bytes", BigInteger, nullable=False),
    Column("width", Integer),
    Column("height", Integer),
    Column("station_id", String(32), nullable=False),
    Column("record_id", String(64), nullable=False),
    Column("received_at", UtcDateTime, nullable=False),
)

# Screening flags, by record key. A flag is raised once per code; clearing it keeps the row.
record_flags = Table(
    "record_flags",
    metadata,
    Column("station_id", String(32), nullable=False),
    Column("record_id", String(64), nullable=False),
    Column("code", String(32), nullable=False),
    Column("blocking", Boolean, nullable=False),
    Column("detail", Text, nullable=False),
    Column("raised_at", UtcDateTime, nullable=False),
    Column("cleared_at", UtcDateTime),
    PrimaryKeyConstraint("station_id", "record_id", "code"),
)

# Oversize-transport permits (超限运输许可): a passage they cover is lawful.
permits = Table(
    "permits",
    metadata,
    Column("number", String(64), primary_key=True),
    Column("plate", String(16), nullable=False, index=True),
    Column("valid_from", Date, nullable=False),
    Column("valid_to", Date, nullable=False),
    Column("roads", JSON, nullable=False),
    Column("max_gross_kg", Integer),
    Column("issuer", String(64)),
    Column("created_at", UtcDateTime, nullable=False),
)

# On-site handlings (现场处理): the same act is not punished twice.
onsite_handlings = Table(
    "onsite_handlings",
    metadata,
    Column("reference", String(64), primary_key=True),
    Column("plate", String(16), nullable=False, index=True),
    Column("handled_at", UtcDateTime, nullable=False),
    Column("place", String(64)),
    Column("created_at", UtcDateTime, nullable=False),
)

# The two-step review of actionable records. `version` makes every decision a conditional update.
review_items = Table(
    "review_items",
    metadata,
    Column("station_id", String(32), nullable=False),
    Column("record_id", String(64), nullable=False),
    Column("captured_at", UtcDateTime, nullable=False),
    Column("plate", String(16), nullable=False),
    Column("band", SmallInteger, nullable=False),
    Column("overload_rate_x100", Integer, nullable=False),
    Column("gross_kg", Integer),  # NULL only on items queued before it was kept
    Column("state", String(16), nullable=False),
    Column("version", Integer, nullable=False),
    Column("queued_at", UtcDateTime, nullable=False),
    Column("first_by", BigId),
    Column("first_at", UtcDateTime),
    Column("second_by", BigId),
    Column("second_at", UtcDateTime),
    Column("reason_code", String(32)),
    Column("note", Text),
    PrimaryKeyConstraint("station_id", "record_id"),
    Index("ix_review_items_state_captured_at", "state", "captured_at"),
    Index("ix_review_items_plate", "plate"),
    # the share of trucks of 80 t or more that were reviewed (KPIS.md): a few in a thousand items
    Index("ix_review_items_heavy", "captured_at", "station_id", "state", "gross_kg",
          sqlite_where=text("gross_kg >= 80000"),
          postgresql_where=text("gross_kg >= 80000")),
)

# Every review action, in order: who, when, what (the review trail of the evidence package).
review_events = Table(
    "review_events",
    metadata,
    Column("id", BigId, primary_key=True, autoincrement=True),
    Column("station_id", String(32), nullable=False),
    Column("record_id", String(64), nullable=False),
    Column("at", UtcDateTime, nullable=False),
    Column("actor_id", BigId, nullable=False),
    Column("action", String(16), nullable=False),
    Column("from_state", String(16), nullable=False),
    Column("to_state", String(16), nullable=False),
    Column("reason_code", String(32)),
    Column("note", Text),
    Index("ix_review_events_record", "station_id", "record_id"),
    Index("ix_review_events_actor_at", "actor_id", "at"),
)

# Valid cases (有效案件): an approved actionable record becomes a case exactly once.
cases = Table(
    "cases",
    metadata,
    Column("id", BigId, primary_key=True, autoincrement=True),
    Column("station_id", String(32), nullable=False),
    Column("record_id", String(64), nullable=False),
    Column("plate", String(16), nullable=False, index=True),
    Column("captured_at", UtcDateTime, nullable=False),
    Column("state", String(24), nullable=False, index=True),
    Column("fine_yuan", Integer, nullable=False),
    Column("opened_at", UtcDateTime, nullable=False),
    # The local day of opened_at, the day KPI 3 and 4 count the case on. Set with every case; nullable only
    # because SQLite cannot make an added column NOT NULL without copying a table others reference.
    Column("opened_on", Date),
    Column("opened_by", BigId, nullable=False),
    # Every case action is a conditional update on `version` (services/cases.py).
    Column("version", Integer, nullable=False, server_default="0"),
    # A major decision (行政处罚法 Art. 58) needs legal review first; the rule set decides at opening.
    Column("major", Boolean, nullable=False, server_default=false()),
    # The officer in charge (承办人); NULL until someone takes the case.
    Column("assignee_id", BigId),
    # The code printed on the notice with which the owner finds the case on the self-service page.
    Column("notice_code", String(12), unique=True),
    # The dates the law counts from, set by the actions that start each period (domain/deadlines.py).
    Column("notified_on", Date),
    Column("reported_on", Date),
    Column("pre_decision_on", Date),
    Column("decided_on", Date),
    Column("reminded_on", Date),
    Column("paid_on", Date),
    Column("closed_on", Date),
    # The next deadline of the case's current state and what it is for; the deadline sweep reads it.
    Column("due_on", Date, index=True),
    Column("due_kind", String(24)),
    Column("paid_yuan", Integer, nullable=False, server_default="0"),
    Column("late_fee_yuan", Integer, nullable=False, server_default="0"),
    UniqueConstraint("station_id", "record_id"),
    Index("ix_cases_opened_at", "opened_at"),  # KPI 3 and 4 count the cases opened in a period
)

# The plate cross-check's outbox (services/plate_check.py): one row per record whose plate photo is to be
# read by OCR. Workers claim rows with a conditional UPDATE; `text` is the normalised reading ("" when
# nothing plate-like was read), `raw_text` every line the engine read.
plate_readings = Table(
    "plate_readings",
    metadata,
    Column("station_id", String(32), nullable=False),
    Column("record_id", String(64), nullable=False),
    Column("state", String(16), nullable=False),
    Column("attempts", Integer, nullable=False),
    Column("queued_at", UtcDateTime, nullable=False),
    Column("claimed_at", UtcDateTime),
    Column("read_at", UtcDateTime),
    Column("text", String(16)),
    Column("raw_text", Text),
    Column("confidence", Float),
    Column("engine", String(64)),
    Column("error", Text),
    PrimaryKeyConstraint("station_id", "record_id"),
    Index("ix_plate_readings_state_queued_at", "state", "queued_at"),
)

# The tamper-evident audit log (domain/audit.py has the hash recipe). Append-only: `seq` is assigned by
# adapters/db/audit.py inside the acting transaction (not autoincrement), so the chain order is explicit.
audit_log = Table(
    "audit_log",
    metadata,
    Column("seq", BigId, primary_key=True, autoincrement=False),
    Column("at", UtcDateTime, nullable=False),
    Column("actor", String(64), nullable=False),
    Column("origin", String(64), nullable=False),
    Column("action", String(48), nullable=False),
    Column("subject", String(128), nullable=False),
    Column("details", JSON, nullable=False),
    Column("prev_hash", String(64), nullable=False),
    Column("hash", String(64), nullable=False),
    Index("ix_audit_log_subject", "subject"),
)

# Every case action, in order: who (and in which role), when, from which state to which, and why.
case_events = Table(
    "case_events",
    metadata,
    Column("id", BigId, primary_key=True, autoincrement=True),
    Column("case_id", BigId, ForeignKey("cases.id"), nullable=False, index=True),
    Column("at", UtcDateTime, nullable=False),
    Column("actor_id", BigId, nullable=False),
    Column("role", String(16), nullable=False),
    Column("action", String(32), nullable=False),
    Column("from_state", String(24), nullable=False),
    Column("to_state", String(24), nullable=False),
    Column("reason", Text),
    Column("note", Text),
)

# The four liable parties of a case (一超四罚, 超限规定 Art. 32): owner, driver, transport enterprise,
# freight source. Entered by officers or copied from a register; the owner's contact is where notices go.
case_parties = Table(
    "case_parties",
    metadata,
    Column("id", BigId, primary_key=True, autoincrement=True),
    Column("case_id", BigId, ForeignKey("cases.id"), nullable=False),
    Column("role", String(16), nullable=False),
    Column("name", String(128), nullable=False),
    Column("id_number", String(32)),
    Column("phone", String(32)),
    Column("address", String(256)),
    Column("licence", String(64)),
    Column("source", String(16), nullable=False),
    Column("updated_at", UtcDateTime, nullable=False),
    Column("updated_by", BigId, nullable=False),
    UniqueConstraint("case_id", "role"),
)

# Notices to send after commit (STYLE.md: side effects leave through an outbox). A worker claims a due row
# with a conditional UPDATE, sends it through the row's channel with `dedupe_key` as the message id, and
# records the outcome; failures are retried at `next_attempt_at` with backoff.
outbox = Table(
    "outbox",
    metadata,
    Column("id", BigId, primary_key=True, autoincrement=True),
    Column("channel", String(16), nullable=False),
    Column("recipient", String(256), nullable=False),
    Column("subject", String(256), nullable=False),
    Column("body", Text, nullable=False),
    Column("payload", JSON),
    Column("case_id", BigId),
    Column("dedupe_key", String(128), nullable=False, unique=True),
    Column("state", String(12), nullable=False),
    Column("attempts", Integer, nullable=False, server_default="0"),
    Column("created_at", UtcDateTime, nullable=False),
    Column("next_attempt_at", UtcDateTime, nullable=False),
    Column("claimed_at", UtcDateTime),
    Column("claimed_by", String(64)),
    Column("sent_at", UtcDateTime),
    Column("delivery_ref", String(128)),
    Column("last_error", Text),
    Index("ix_outbox_state_next_attempt_at", "state", "next_attempt_at"),
    Index("ix_outbox_case_id", "case_id"),
)

# Payments of a case's fine and late fee: from a bank or e-payment notification (signed webhook) or
# entered by finance with a receipt number — never cash to the officer (行政处罚法 Art. 67). A
# notification sent twice carries the same (method, reference) and is stored once.
payments = Table(
    "payments",
    metadata,
    Column("id", BigId, primary_key=True, autoincrement=True),
    Column("case_id", BigId, ForeignKey("cases.id"), nullable=False, index=True),
    Column("method", String(16), nullable=False),
    Column("reference", String(64), nullable=False),
    Column("amount_yuan", Integer, nullable=False),
    Column("late_fee_yuan", Integer, nullable=False),
    Column("paid_on", Date, nullable=False),
    Column("recorded_at", UtcDateTime, nullable=False),
    Column("recorded_by", String(64), nullable=False),
    Column("payload", JSON),
    UniqueConstraint("method", "reference"),
)

# The documents of a case (notices, decisions, letters) as issued: the bureau's number (文号) from
# `document_counters`, the PDF's hash and where the PDF is kept (the evidence store).
case_documents = Table(
    "case_documents",
    metadata,
    Column("id", BigId, primary_key=True, autoincrement=True),
    Column("case_id", BigId, ForeignKey("cases.id"), nullable=False, index=True),
    Column("kind", String(24), nullable=False),
    Column("year", SmallInteger, nullable=False),
    Column("seq", Integer, nullable=False),
    Column("number", String(64), nullable=False),
    Column("created_at", UtcDateTime, nullable=False),
    Column("created_by", String(64), nullable=False),
    Column("sha256", String(64), nullable=False),
    Column("storage_key", String(256), nullable=False),
    Column("size", Integer, nullable=False),
    UniqueConstraint("kind", "year", "seq"),
)

# Files a party gives the authority, as uploaded (for now the written statement and defence, 陈述申辩书):
# the bytes are kept in the evidence store under `sha256`; `uploaded_by` is "user:<id>" or "owner".
case_attachments = Table(
    "case_attachments",
    metadata,
    Column("id", BigId, primary_key=True, autoincrement=True),
    Column("case_id", BigId, ForeignKey("cases.id"), nullable=False, index=True),
    Column("kind", String(24), nullable=False),
    Column("filename", String(128), nullable=False),
    Column("content_type", String(64), nullable=False),
    Column("sha256", String(64), nullable=False),
    Column("size", Integer, nullable=False),
    Column("uploaded_at", UtcDateTime, nullable=False),
    Column("uploaded_by", String(64), nullable=False),
)

# The next free sequence number of each kind of document in each year (文号 run per kind and year).
document_counters = Table(
    "document_counters",
    metadata,
    Column("kind", String(24), nullable=False),
    Column("year", SmallInteger, nullable=False),
    Column("next_seq", Integer, nullable=False),
    PrimaryKeyConstraint("kind", "year"),
)

# Transfers (抄告) of closed cases on non-local vehicles to the registration region's authority
# (超限规定 Art. 44), within 7 working days of closing; 长三角 (沪苏浙皖) transfers are marked.
transfers = Table(
    "transfers",
    metadata,
    Column("id", BigId, primary_key=True, autoincrement=True),
    Column("case_id", BigId, ForeignKey("cases.id"), nullable=False, unique=True),
    Column("region", String(8), nullable=False),
    Column("authority", String(128), nullable=False),
    Column("long_triangle", Boolean, nullable=False),
    Column("state", String(16), nullable=False),
    Column("due_on", Date, nullable=False),
    Column("created_at", UtcDateTime, nullable=False),
    Column("sent_at", UtcDateTime),
    Column("outcome", Text),
    Column("outcome_at", UtcDateTime),
    Column("package_key", String(256)),
)


# The registries of 一超四罚 (domain/registries.py), kept by import and entry; keyed as the domain keys them.
vehicles = Table(
    "vehicles",
    metadata,
    Column("plate", String(16), primary_key=True),
    Column("vehicle_type", String(32)),
    Column("axle_count", SmallInteger),
    Column("owner_name", String(128)),
    Column("owner_id", String(18)),
    Column("transport_cert", String(64)),
    Column("enterprise_code", String(18)),
    Column("engineering", Boolean),
    Column("updated_at", UtcDateTime, nullable=False),
    Index("ix_vehicles_enterprise_code", "enterprise_code"),
)

drivers = Table(
    "drivers",
    metadata,
    Column("id_number", String(18), primary_key=True),
    Column("name", String(128), nullable=False),
    Column("phone", String(32)),
    Column("qualification_no", String(64)),
    Column("employer_code", String(18)),
    Column("updated_at", UtcDateTime, nullable=False),
    Index("ix_drivers_employer_code", "employer_code"),
)

enterprises = Table(
    "enterprises",
    metadata,
    Column("credit_code", String(18), primary_key=True),
    Column("name", String(128), nullable=False),
    Column("licence_no", String(64)),
    Column("fleet_size", Integer),
    Column("county_code", String(6)),
    Column("address", String(256)),
    Column("phone", String(32)),
    Column("updated_at", UtcDateTime, nullable=False),
)

freight_sources = Table(
    "freight_sources",
    metadata,
    Column("code", String(32), primary_key=True),
    Column("name", String(128), nullable=False),
    Column("address", String(256)),
    Column("county_code", String(6)),
    Column("key_source", Boolean),
    Column("scale", String(128)),
    Column("enterprise_code", String(18)),
    Column("updated_at", UtcDateTime, nullable=False),
    # The platform station of the source's scale (kind "source"): its records are the source's departures.
    Column("station_id", String(32)),
    Index("ix_freight_sources_station_id", "station_id"),
)

# Who a case is about, one row per party kind (vehicle, driver, enterprise, source), keyed as the registries
# key them (services/case_links.py resolves them). Rewritten whenever the case opens or a party changes; the
# sanction rules read a party's penalised cases from here, and each party's page its cases.
case_links = Table(
    "case_links",
    metadata,
    Column("case_id", BigId, ForeignKey("cases.id"), nullable=False),
    Column("kind", String(16), nullable=False),
    Column("key", String(32), nullable=False),
    Column("plate", String(16), nullable=False),
    Column("act_on", Date, nullable=False),  # the day the truck was weighed (Asia/Shanghai)
    PrimaryKeyConstraint("case_id", "kind"),
    Index("ix_case_links_kind_key", "kind", "key"),
)

# Sanctions proposed by the rules (domain/sanctions.py) and what a leader made of them: proposed →
# confirmed (published until `listed_until`, or earlier `lifted_on`) or rejected. Never deleted: an entry
# that dropped off the list stays here as history.
sanctions = Table(
    "sanctions",
    metadata,
    Column("id", BigId, primary_key=True, autoincrement=True),
    Column("party_kind", String(16), nullable=False),
    Column("party_key", String(32), nullable=False),
    Column("rule", String(32), nullable=False),
    Column("basis", Text, nullable=False),
    Column("judged_on", Date, nullable=False),
    Column("window_from", Date, nullable=False),
    Column("count", Integer, nullable=False),
    Column("threshold", Float, nullable=False),
    Column("fleet", Integer),
    Column("case_ids", JSON, nullable=False),
    Column("state", String(16), nullable=False),
    Column("proposed_at", UtcDateTime, nullable=False),
    Column("decided_at", UtcDateTime),
    Column("decided_by", BigId),
    Column("note", Text),
    Column("confirmed_on", Date),
    Column("listed_until", Date),
    Column("lifted_on", Date),
    Column("lifted_by", BigId),
    Column("lift_reason", Text),
    Index("ix_sanctions_party_kind_party_key", "party_kind", "party_key"),
    Index("ix_sanctions_state", "state"),
)

# The partner check's answer for each plate that has something to answer (contract §2): rewritten in the
# transaction of every case move and sanction decision touching the plate, so a check is one primary-key
# read. A plate without a row has nothing against it. `entries` holds the reasons; listing entries carry
# their last day, so an entry drops off at the end of its two years without anyone rewriting the row.
plate_checks = Table(
    "plate_checks",
    metadata,
    Column("plate", String(16), primary_key=True),
    Column("unresolved_cases", Integer, nullable=False),
    Column("worst_open_rate_x100", Integer),  # the highest overload rate among unresolved cases
    Column("listed_until", Date),
    Column("entries", JSON, nullable=False),
    Column("updated_at", UtcDateTime, nullable=False),
)

# Every call a partner system made to the check API (written in batches, services/partner_check.py).
partner_calls = Table(
    "partner_calls",
    metadata,
    Column("id", BigId, primary_key=True, autoincrement=True),
    Column("partner_id", BigId, nullable=False),
    Column("at", UtcDateTime, nullable=False),
    Column("plate", String(32), nullable=False),
    Column("status", SmallInteger, nullable=False),
    Column("unresolved_cases", Integer),
    Column("blacklisted", Boolean),
    Column("refuse_entry", Boolean),
    Index("ix_partner_calls_partner_id_at", "partner_id", "at"),
)

# Trucks turned back at highway entrances (domain/entrance.py), written by ingest with the record; the
# entered_* columns are set when the plate is later weighed within the line at another entrance.
entrance_refusals = Table(
    "entrance_refusals",
    metadata,
    Column("id", BigId, primary_key=True, autoincrement=True),
    Column("station_id", String(32), nullable=False),
    Column("record_id", String(64), nullable=False),
    Column("plate", String(16), nullable=False),
    Column("captured_at", UtcDateTime, nullable=False),
    Column("reason", String(16), nullable=False),
    Column("gross_weight_kg", Integer, nullable=False),
    Column("limit_kg", Integer, nullable=False),
    Column("entered_station_id", String(32)),
    Column("entered_record_id", String(64)),
    Column("entered_at", UtcDateTime),
    UniqueConstraint("station_id", "record_id"),
    Index("ix_entrance_refusals_plate_captured_at", "plate", "captured_at"),
    Index("ix_entrance_refusals_captured_at", "captured_at"),
)

# --- the command centre and 掌上执法 (docs/command-centre.md) ---

# 布控: a plate an officer wants to hear about, with the reason and the last moment the watch holds.
watchlist = Table(
    "watchlist",
    metadata,
    Column("id", BigId, primary_key=True, autoincrement=True),
    Column("plate", String(16), nullable=False),
    Column("reason", Text, nullable=False),
    Column("county_code", String(6)),  # the area whose officers are alerted; NULL: the whole city
    Column("created_by", BigId, nullable=False),
    Column("created_at", UtcDateTime, nullable=False),
    Column("ends_at", UtcDateTime, nullable=False),
    Column("lifted_at", UtcDateTime),
    Column("lifted_by", BigId),
    Column("lift_reason", Text),
    Index("ix_watchlist_plate", "plate"),
)

# Live alerts, one per vehicle per rule within the alert window (not one per lane or per record), with the
# officers' handling: acknowledged, dispatched to an officer (指派), resolved with an outcome.
alerts = Table(
    "alerts",
    metadata,
    Column("id", BigId, primary_key=True, autoincrement=True),
    Column("rule", String(24), nullable=False),
    Column("plate", String(16), nullable=False),
    Column("station_id", String(32), nullable=False),
    Column("record_id", String(64), nullable=False),
    Column("captured_at", UtcDateTime, nullable=False),
    Column("fired_at", UtcDateTime, nullable=False),
    Column("county_code", String(6)),
    Column("severity", SmallInteger, nullable=False),
    Column("title", String(128), nullable=False),
    Column("details", JSON, nullable=False),
    Column("state", String(12), nullable=False),
    Column("acked_by", BigId),
    Column("acked_at", UtcDateTime),
    Column("assigned_to", BigId),
    Column("assigned_by", BigId),
    Column("assigned_at", UtcDateTime),
    Column("outcome", String(24)),
    Column("outcome_note", Text),
    Column("resolved_by", BigId),
    Column("resolved_at", UtcDateTime),
    Column("version", Integer, nullable=False, server_default="1"),
    Index("ix_alerts_rule_plate_captured_at", "rule", "plate", "captured_at"),
    Index("ix_alerts_fired_at", "fired_at"),
    Index("ix_alerts_state", "state"),
)

# Which officers are on duty, and for which area (NULL: the whole city). One row per officer.
officer_duty = Table(
    "officer_duty",
    metadata,
    Column("user_id", BigId, primary_key=True),
    Column("county_code", String(6)),
    Column("since", UtcDateTime, nullable=False),
    Column("until", UtcDateTime),  # NULL while on duty
)

# On-site inspections (检查记录). channel 'handheld' when recorded on the officers' phone page, 'desk' when
# entered by desk staff; KPI 2 is handheld ÷ all. client_id makes a resend from a phone's queue harmless.
inspections = Table(
    "inspections",
    metadata,
    Column("id", BigId, primary_key=True, autoincrement=True),
    Column("client_id", String(64), nullable=False, unique=True),
    Column("channel", String(8), nullable=False),
    Column("officer_id", BigId, nullable=False),
    Column("plate", String(16), nullable=False),
    Column("plate_raw", String(32), nullable=False),
    Column("inspected_at", UtcDateTime, nullable=False),
    Column("place", String(128), nullable=False),
    Column("county_code", String(6)),
    Column("station_id", String(32)),
    Column("lat", Float),
    Column("lon", Float),
    Column("result", String(16), nullable=False),
    Column("measured_weight_kg", Integer),
    Column("limit_kg", Integer),
    Column("cargo", String(64)),
    Column("note", Text),
    Column("photos", JSON, nullable=False),
    Column("signature_sha256", String(64)),
    Column("alert_id", BigId),
    Column("created_at", UtcDateTime, nullable=False),
    Index("ix_inspections_inspected_at", "inspected_at"),
    Index("ix_inspections_plate", "plate"),
)

# What the evasion detectors found (domain/evasion.py): suspicions for people to look at, never verdicts.
# One row per kind, plate, station and first sighting, so running a detector again adds nothing.
evasion_findings = Table(
    "evasion_findings",
    metadata,
    Column("id", BigId, primary_key=True, autoincrement=True),
    Column("kind", String(16), nullable=False),
    Column("plate", String(16), nullable=False),
    Column("station_id", String(32), nullable=False),
    Column("first_at", UtcDateTime, nullable=False),
    Column("last_at", UtcDateTime, nullable=False),
    Column("found_at", UtcDateTime, nullable=False),
    Column("details", JSON, nullable=False),
    Column("state", String(12), nullable=False, server_default="open"),
    UniqueConstraint("kind", "plate", "station_id", "first_at"),
    Index("ix_evasion_findings_found_at", "found_at"),
)

# The accident register (事故登记, docs/accidents.md): the traffic police's accidents involving trucks, imported
# from CSV and kept by their accident number; the quarterly analysis joins them to violating vehicles by plate.
accidents = Table(
    "accidents",
    metadata,
    Column("id", BigId, primary_key=True, autoincrement=True),
    Column("ref", String(64), nullable=False, unique=True),
    Column("occurred_at", UtcDateTime, nullable=False, index=True),
    Column("plate", String(16), nullable=False, index=True),
    Column("place", String(200), nullable=False),
    Column("road", String(64)),
    Column("county_code", String(12)),
    Column("severity", String(16), nullable=False),  # minor, ordinary, major, extraordinary
    Column("deaths", SmallInteger, nullable=False, server_default="0"),
    Column("injuries", SmallInteger, nullable=False, server_default="0"),
    Column("property_loss_yuan", Integer),
    Column("overloaded", Boolean),  # the finding says the truck was overloaded; NULL: not stated
    Column("description", Text),
    Column("imported_at", UtcDateTime, nullable=False),
    Column("imported_by", BigId),
)
