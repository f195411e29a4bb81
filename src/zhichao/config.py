"""Settings: one typed object, read once from ``ZHICHAO_*`` environment variables.

Every field carries its documentation in ``metadata["doc"]``; ``docs/settings.md`` must list each
one (a test checks it). Defaults just work: without ``ZHICHAO_DATABASE_URL`` the database is a SQLite
file in the data directory.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field, fields, replace
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, unquote, urlsplit

from zhichao.domain.errors import ZhichaoError

ENV_PREFIX = "ZHICHAO_"


def _doc(text: str) -> dict[str, str]:
    return {"doc": text}


def _secret(text: str) -> dict[str, str]:
    """A secret: also read from the file ``ZHICHAO_<NAME>_FILE`` names, left out of the settings' repr, and
    masked in every log line (``zhichao.logs.remember_secrets``)."""
    return {"doc": text, "secret": "yes"}


@dataclass(frozen=True, slots=True)
class Settings:
    data_dir: Path = field(
        default=Path("zhichao-data"),
        metadata=_doc("Directory for the SQLite database, evidence files and demo files."),
    )
    database_url: str = field(
        default="",
        repr=False,
        metadata=_secret(
            "SQLAlchemy URL of the database, e.g. `postgresql+psycopg://user@host/db`. "
            "Empty: the SQLite file `zhichao.sqlite3` in the data directory."
        ),
    )
    rule_set: str = field(
        default="ZJ-2020",
        metadata=_doc("Rule set applied to new records: `ZJ-2020` (浙江省公路条例) or `MOT-2016`."),
    )
    local_plate_prefixes: tuple[str, ...] = field(
        default=("浙D",),
        metadata=_doc("Comma-separated plate prefixes that count as local vehicles, e.g. `浙D` or `浙` (a province, or "
                      "a province and its issuing authority: one or two characters)."),
    )
    max_batch_records: int = field(
        default=1000, metadata=_doc("Most records accepted in one ingest batch (contract: 1–1000).")
    )
    max_body_bytes: int = field(
        default=4 * 1024 * 1024,
        metadata=_doc("Largest ingest request body in bytes; larger bodies are answered with 413."),
    )
    sqlite_synchronous: str = field(
        default="FULL",
        metadata=_doc(
            "SQLite `synchronous` pragma: `FULL` keeps every acknowledged batch through a power loss; "
            "`NORMAL` is faster but may lose the last commits on power loss (never on a crash)."
        ),
    )
    sqlite_busy_timeout_ms: int = field(
        default=10_000, metadata=_doc("How long a SQLite writer waits for the write lock, in ms.")
    )
    db_pool_size: int = field(default=5, metadata=_doc(
        "PostgreSQL connection pool size per process (an ingest worker holds one connection while it stores a "
        "flush; a web server one per request being served). The pool may open as many again for a burst."))
    partition_months_ahead: int = field(default=3, metadata=_doc(
        "PostgreSQL: how many months of `records` partitions are created ahead of the current one, by the "
        "daily job and `zhichao db partitions` (docs/postgresql.md)."))
    session_ttl_s: int = field(
        default=12 * 3600, metadata=_doc("Console login session lifetime in seconds.")
    )
    cookie_secure: bool = field(
        default=False,
        metadata=_doc("Mark the session cookie `Secure` (set it when the console is served over HTTPS)."),
    )
    login_max_failures: int = field(
        default=5,
        metadata=_doc("Failed console logins for one username within `ZHICHAO_LOGIN_FAILURE_WINDOW_S` before it "
                      "is locked out (counted in each process's memory)."),
    )
    login_max_failures_per_address: int = field(
        default=20,
        metadata=_doc("Failed console logins from one client address within the window before it is locked out "
                      "(higher than per username: a bureau's offices may share one address)."),
    )
    login_failure_window_s: int = field(
        default=900, metadata=_doc("Window in seconds over which failed console logins are counted.")
    )
    login_lockout_s: int = field(
        default=900,
        metadata=_doc("How long a locked-out username or address is refused (429 `login_throttled`), in seconds."),
    )
    station_heartbeat_interval_s: int = field(
        default=60,
        metadata=_doc("How often a station is expected to send a heartbeat (seconds); a station may have its own. "
                      "Nothing for twice this long: health `late`."),
    )
    station_grace_s: int = field(
        default=600,
        metadata=_doc("Silence tolerated after the interval before a station is `down` (seconds); a station may "
                      "have its own."),
    )
    station_data_quiet_s: int = field(
        default=3600,
        metadata=_doc("A station alive but with no record for this long (seconds) is `late` (reason `no_data`)."),
    )
    device_alert_recipient: str = field(
        default="default",
        metadata=_doc("DingTalk recipient (robot name) of station alerts: down and back up, data-quality warnings, "
                      "suspensions, certificate reminders."),
    )
    alert_window_s: int = field(
        default=1800,
        metadata=_doc("A live alert fires once per vehicle per rule within this many seconds (lanes, nearby "
                      "stations and resent batches do not repeat it)."),
    )
    alert_overload_min_pct: float = field(
        default=30.0,
        metadata=_doc("Actionable overloads at enforcement sites raise a live alert from this overload rate (%); 0: "
                      "every actionable overload. The others go to review as before."),
    )
    kpi_overload_line_pct: int = field(
        default=0,
        metadata=_doc("KPI 5 counts trucks at or over this overload rate (%, a multiple of 10: the overload bands); "
                      "0: the rule set's own line (Zhejiang: over 20 %)."),
    )
    kpi_site_min_online_days: int = field(
        default=10,
        metadata=_doc("KPI 5 leaves out, and lists, enforcement sites with fewer days of data than this per 30-day "
                      "month (pro rata for other periods)."),
    )
    kpi_site_min_trucks_per_month: int = field(
        default=500,
        metadata=_doc("KPI 5 leaves out, and lists, enforcement sites that weighed fewer trucks than this per 30-day "
                      "month (pro rata for other periods)."),
    )
    alert_robot: str = field(
        default="",
        metadata=_doc("DingTalk recipient (robot name) of live alerts; empty: alerts go to the screens and phones "
                      "only. Needs `ZHICHAO_DINGTALK_WEBHOOK_URL`."),
    )
    alert_robot_min_severity: int = field(
        default=3, metadata=_doc("Live alerts of at least this severity (1–4) go to the DingTalk robot.")
    )
    device_default_mpe_pct: float = field(
        default=5.0,
        metadata=_doc("Maximum permissible error (%) of a device whose accuracy class is not recorded (class 5 in "
                      "service: ±5 %, LEGAL.md). Drift beyond half of it warns; beyond it, enforcement use stops."),
    )
    heartbeat_min_interval_s: float = field(
        default=5.0,
        metadata=_doc("Heartbeats from one station closer together than this (seconds) are refused with 429 and "
                      "counted, so a flood cannot load the database."),
    )
    api_rate_per_token: float = field(
        default=100.0,
        metadata=_doc("Requests per second each bearer token (a user's API token, a station's token, the metrics "
                      "token) may make on average; beyond it and the burst, 429 `rate_limited` with `Retry-After`. "
                      "Counted in each process's memory: N web processes allow N times the rate. 0: no limit. "
                      "The check API is left out (each partner's own rate)."),
    )
    api_burst_per_token: int = field(
        default=1000,
        metadata=_doc("Requests one bearer token may make at once before `ZHICHAO_API_RATE_PER_TOKEN` applies (the "
                      "size of its token bucket)."),
    )
    quality_sweep_s: int = field(
        default=900,
        metadata=_doc("How often the serving process summarises the stations' days and runs the data-quality "
                      "checks (seconds)."),
    )
    partner_rate_per_s: int = field(
        default=50,
        metadata=_doc("Calls per second a partner system may make to the check API unless its account sets its own "
                      "rate (`zhichao user add --rate`); calls over it are refused with 429."),
    )
    check_refuse_open_rate_pct: float = field(
        default=0.0,
        metadata=_doc("When above 0, the check API also answers `refuse_entry` for a vehicle with an unresolved case "
                      "at or above this overload rate (%); at 0, only the dishonesty list refuses entry."),
    )
    sanction_sweep_s: int = field(
        default=3600,
        metadata=_doc("How often the serving process applies the joint-punishment rules (Art. 66, the dishonesty "
                      "list) and proposes sanctions to leaders (seconds)."),
    )
    source_max_per_year: int = field(
        default=3,
        metadata=_doc("A freight source with more than this many penalised overloaded departures in a rolling year "
                      "is proposed for joint punishment."),
    )
    entrance_window_s: int = field(
        default=86_400,
        metadata=_doc("A truck refused at one highway entrance (over 105 % of its limit) and weighed within the line "
                      "at another entrance within this many seconds is flagged as having entered after a refusal."),
    )
    export_dir: str = field(
        default="",
        metadata=_doc("Directory where the serving process writes the partners' reminder lists every day "
                      "(`inspection-YYYY-MM-DD.csv`, `transfer-YYYY-MM-DD.csv`; the last 30 of each are kept) and "
                      "the quarterly reports (`reports/quarterly-YYYY-Qn.pdf`, `.xlsx`, `.json`; docs/reports.md). "
                      "Empty: `exports` under the data directory."),
    )
    password_hash_memory_kib: int = field(
        default=65_536,
        metadata=_doc("Memory of each Argon2id password hash, in KiB (RFC 9106 low-memory profile: 64 MiB). Lower it "
                      "only where passwords protect nothing (the test suite)."),
    )
    password_hash_time_cost: int = field(
        default=3, metadata=_doc("Argon2id passes over that memory (RFC 9106: 3)."),
    )
    display_timezone: str = field(
        default="Asia/Shanghai", metadata=_doc("Time zone in which times are shown to people.")
    )
    future_skew_s: int = field(
        default=600,
        metadata=_doc("Records captured more than this many seconds after their arrival are rejected."),
    )
    min_plate_confidence: float = field(
        default=0.80,
        metadata=_doc("Plate readings below this confidence are flagged for the reviewer to check (0–1)."),
    )
    double_capture_window_s: int = field(
        default=5,
        metadata=_doc("The same plate in an adjacent lane of one site within this many seconds is one crossing."),
    )
    evidence_grace_s: int = field(
        default=600,
        metadata=_doc("Seconds after capture by which a record's plate and side photos must have arrived."),
    )
    onsite_window_s: int = field(
        default=7200,
        metadata=_doc("An on-site handling of the plate within this many seconds of a passage is the same act."),
    )
    evidence_backend: str = field(
        default="filesystem",
        metadata=_doc("Where evidence files are kept: `filesystem` (under the data directory) or `s3`."),
    )
    s3_endpoint_url: str = field(
        default="", metadata=_doc("S3-compatible endpoint, e.g. `http://minio:9000` (empty: AWS).")
    )
    s3_bucket: str = field(default="zhichao-evidence", metadata=_doc("Bucket for evidence files."))
    s3_access_key: str = field(default="", repr=False, metadata=_secret("Access key for the S3-compatible store."))
    s3_secret_key: str = field(default="", repr=False, metadata=_secret("Secret key for the S3-compatible store."))
    s3_region: str = field(default="us-east-1", metadata=_doc("Region name sent to the S3-compatible store."))
    max_image_bytes: int = field(default=8 * 1024 * 1024, metadata=_doc("Largest evidence image accepted, in bytes."))
    max_video_bytes: int = field(
        default=200 * 1024 * 1024, metadata=_doc("Largest evidence video accepted, in bytes.")
    )
    max_image_pixels: int = field(
        default=40_000_000,
        metadata=_doc("Images declaring more pixels than this are refused unread (decompression bombs)."),
    )
    plate_check_enabled: bool = field(
        default=True,
        metadata=_doc("Queue each arriving plate photo for the optional OCR cross-check (`zhichao ocr run`)."),
    )
    statement_days: int = field(
        default=5,
        metadata=_doc(
            "Working days the party has to state and defend after the pre-decision notice (行政处罚法 Art. 45, 64, 85)."
        ),
    )
    deadline_warn_days: int = field(
        default=3,
        metadata=_doc("The deadline sweep raises a case this many days before its deadline, and again after."),
    )
    deadline_recipient: str = field(
        default="default",
        metadata=_doc("DingTalk recipient (robot name) the deadline sweep's reminders go to."),
    )
    payment_webhook_secret: str = field(
        default="",
        repr=False,
        metadata=_secret(
            "Shared secret of the bank / e-payment notifications (HMAC-SHA256, docs/api.md). Empty: notifications "
            "are refused and payments are entered by finance only."
        ),
    )
    owner_lookups_per_minute: int = field(
        default=10, metadata=_doc("Owner self-service look-ups allowed per client address per minute.")
    )
    sms_gateway_url: str = field(
        default="",
        repr=False,
        metadata=_secret("URL the SMS gateway takes messages at (docs/notifications.md). Empty: SMS not configured; "
                      "SMS notices wait, marked 通道未配置."),
    )
    sms_gateway_secret: str = field(
        default="", repr=False, metadata=_secret("Shared secret for the `X-Signature` HMAC-SHA256 of each SMS request.")
    )
    sms_sign_name: str = field(
        default="绍兴市交通运输局", metadata=_doc("SMS signature (短信签名) the gateway puts before each text.")
    )
    dingtalk_webhook_url: str = field(
        default="",
        repr=False,
        metadata=_secret("DingTalk custom robot webhook URL (with its `access_token`). Empty: DingTalk not "
                         "configured."),
    )
    dingtalk_secret: str = field(
        default="", repr=False, metadata=_secret("The robot's 加签 secret (`SEC…`); empty: requests are not signed.")
    )
    smtp_host: str = field(
        default="", metadata=_doc("SMTP relay host for e-mail notices. Empty: e-mail not configured.")
    )
    smtp_port: int = field(default=25, metadata=_doc("SMTP relay port."))
    smtp_from: str = field(default="zhichao@localhost", metadata=_doc("From address of e-mail notices."))
    notify_timeout_s: float = field(
        default=10.0, metadata=_doc("Seconds a channel (SMS, DingTalk, SMTP) may take to answer before the send "
                                    "counts as failed and is retried.")
    )
    outbox_batch_size: int = field(default=20, metadata=_doc("Notices one worker run claims at a time."))
    outbox_max_attempts: int = field(
        default=8, metadata=_doc("Sends started before a failing notice is given up (`dead`).")
    )
    outbox_backoff_base_s: int = field(
        default=60, metadata=_doc("Wait after a notice's first failure, in seconds; doubled after each further one.")
    )
    outbox_backoff_cap_s: int = field(default=3600, metadata=_doc("Longest wait between two sends of a notice, in s."))
    outbox_lease_s: int = field(
        default=300,
        metadata=_doc("A claim older than this (seconds) belongs to a dead worker and is taken again; keep it above "
                      "batch size × notify timeout."),
    )
    outbox_interval_s: float = field(
        default=5.0, metadata=_doc("Seconds the notice worker waits when nothing is due.")
    )
    authority_name: str = field(
        default="绍兴市交通运输局",
        metadata=_doc("The authority named at the head of every case document and above its seal."),
    )
    document_number_pattern: str = field(
        default="绍交执超{word}〔{year}〕{seq:05d}号",
        metadata=_doc(
            "Pattern of document numbers (文号): `{word}` the kind's character (通 告 罚 催 抄 教), `{year}`, `{seq}` "
            "the kind's running number in that year (format specs such as `{seq:05d}` allowed); all three are required."
        ),
    )
    documents_dir: Path = field(
        default=Path(""),
        metadata=_doc(
            "Directory of the bureau's own document templates: a file there (`decision.html`, `base.html`, "
            "`documents.css` …, the quarterly report's `quarterly_report.html`, `quarterly_report.css`, "
            "`quarterly_charts.css`) replaces the shipped one of the same name. Empty: the shipped templates only."
        ),
    )
    payment_instructions: str = field(
        default="通过“浙里办”电子缴款，或到指定银行转账缴纳（收款账户以缴款通知为准），缴款时注明行政处罚决定书文号",
        metadata=_doc(
            "How to pay, printed on decisions and reminders (bank account, e-payment). The decision adds the 15-day "
            "period and 不得向执法人员当场缴纳现金 (行政处罚法 Art. 67) itself."
        ),
    )
    owner_portal_url: str = field(
        default="http://127.0.0.1:8000/owner",
        metadata=_doc("Owner self-service page printed on notices; the notice code opens the case there."),
    )
    metrics_token: str = field(
        default="",
        repr=False,
        metadata=_secret("Bearer token with which Prometheus may read `GET /metrics`. Empty: only admins and direct "
                      "(not proxied) requests from the same machine may read it."),
    )
    log_format: str = field(
        default="text",
        metadata=_doc("`text`, or `json`: one JSON object per line (time, level, logger, message, extra fields) from "
                      "`zhichao serve` and the other commands. Tokens, passwords and `Authorization` headers are "
                      "masked in both."),
    )
    host: str = field(default="127.0.0.1", metadata=_doc("Address `zhichao serve` listens on."))
    port: int = field(default=8000, metadata=_doc("Port `zhichao serve` listens on."))
    mqtt_url: str = field(
        default="mqtt://127.0.0.1:1883",
        repr=False,
        metadata=_secret("Broker the MQTT ingest workers consume (`zhichao ingest-mqtt`), as "
                      "`mqtt://username:password@host:port` (docs/mqtt.md)."),
    )
    mqtt_share_group: str = field(
        default="zhichao",
        metadata=_doc("Shared subscription group of the ingest workers: they subscribe to `$share/GROUP/"
                      "zhichao/v1/stations/+/records`, and the broker gives each message to one of them."),
    )
    mqtt_client_id_prefix: str = field(
        default="",
        metadata=_doc("Client ids of the ingest workers are this prefix, `-` and the worker's number; keep them the "
                      "same across restarts, so each worker resumes its session. Empty: `zhichao-ingest-<host name>`."),
    )
    mqtt_session_expiry_s: int = field(
        default=86_400,
        metadata=_doc("How long the broker keeps a stopped worker's session, with its unacknowledged messages (s)."),
    )
    mqtt_flush_ms: int = field(
        default=50,
        metadata=_doc("An ingest worker collects messages this long after the first one (ms), then commits them "
                      "in one transaction per station."),
    )
    mqtt_flush_max_messages: int = field(
        default=200,
        metadata=_doc("Most messages in one flush; the broker is asked to keep at most twice this many "
                      "unacknowledged messages on the way to each worker."),
    )
    mqtt_metrics_port: int = field(
        default=0,
        metadata=_doc("First port of the ingest workers' Prometheus metrics (`GET /metrics` with no access check): "
                      "worker N listens on this port + N at `ZHICHAO_MQTT_METRICS_HOST`. 0: not served "
                      "(docs/monitoring.md)."),
    )
    mqtt_metrics_host: str = field(
        default="127.0.0.1",
        metadata=_doc("Address the ingest workers' metrics ports listen on; keep it private (Prometheus only)."),
    )
    mqtt_auth_secret: str = field(
        default="",
        repr=False,
        metadata=_secret("Shared secret the broker sends in the `X-Zhichao-Mqtt-Secret` header when it calls "
                      "`POST /api/v1/mqtt/auth` and `/acl` (EMQX HTTP authentication and authorization). Empty: "
                      "those endpoints answer 404."),
    )
    mqtt_worker_username: str = field(
        default="zhichao-ingest",
        metadata=_doc("Broker username of the ingest workers: the broker-auth endpoints let it subscribe to every "
                      "station's records and publish results; `zhichao mqtt-passwords` writes it for Mosquitto."),
    )
    mqtt_worker_password: str = field(
        default="",
        repr=False,
        metadata=_secret("Broker password of the ingest workers' account. Empty: the account is refused by the "
                      "broker-auth endpoints, and `zhichao mqtt-passwords` refuses to write it."),
    )

    @property
    def sqlalchemy_url(self) -> str:
        if self.database_url:
            return self.database_url
        return f"sqlite:///{(self.data_dir / 'zhichao.sqlite3').resolve()}"

    def secret_values(self) -> list[str]:
        """What must never appear in a log line: each secret's value, and of a URL its password and query values
        (the rest of ``postgresql://user:pw@db/zhichao`` is not secret and stays readable)."""
        found: list[str] = []
        for f in fields(self):
            value = getattr(self, f.name)
            if not f.metadata.get("secret") or not value:
                continue
            if "://" not in value:
                found.append(value)
                continue
            parts = urlsplit(value)
            found += [parts.password or "", unquote(parts.password or ""), *(v for _, v in parse_qsl(parts.query))]
        return [v for v in found if v]

    def with_overrides(self, **changes: Any) -> Settings:
        return replace(self, **changes)


class SettingsError(ZhichaoError, ValueError):
    """A ``ZHICHAO_*`` variable holds a value of the wrong shape, or a secret's file cannot be used. The commands
    print it as ``错误 [code]: message`` and exit with status 2; the message names the variable (and a secret's
    file by its path, never its content)."""

    code = "invalid_setting"

    def __init__(self, message: str, code: str | None = None, details: object = None) -> None:
        super().__init__(code, message, details)


def _convert(name: str, raw: str, default: object) -> object:
    if isinstance(default, bool):
        if raw.lower() in {"1", "true", "yes", "on"}:
            return True
        if raw.lower() in {"0", "false", "no", "off"}:
            return False
        raise SettingsError(f"{ENV_PREFIX}{name.upper()} must be true or false, not {raw!r}")
    if isinstance(default, float):
        try:
            return float(raw)
        except ValueError:
            raise SettingsError(f"{ENV_PREFIX}{name.upper()} must be a number, not {raw!r}") from None
    if isinstance(default, int):
        try:
            return int(raw)
        except ValueError:
            raise SettingsError(f"{ENV_PREFIX}{name.upper()} must be an integer, not {raw!r}") from None
    if isinstance(default, Path):
        return Path(raw)
    if isinstance(default, tuple):
        return tuple(part.strip() for part in raw.split(",") if part.strip())
    return raw


def load_settings(environ: Mapping[str, str] | None = None) -> Settings:
    """Read every setting from ``environ`` (default: the process environment)."""
    env = os.environ if environ is None else environ
    defaults = Settings()
    values: dict[str, Any] = {}
    for f in fields(Settings):
        raw = _raw(env, f.name, bool(f.metadata.get("secret")))
        if raw is not None:
            values[f.name] = _convert(f.name, raw, getattr(defaults, f.name))
    settings = replace(defaults, **values)
    if not all(1 <= len(p) <= 2 for p in settings.local_plate_prefixes):
        raise SettingsError(f"{ENV_PREFIX}LOCAL_PLATE_PREFIXES holds one- or two-character prefixes (浙D, 浙), "
                            f"not {','.join(settings.local_plate_prefixes)!r}")
    line = settings.kpi_overload_line_pct
    if line % 10 or not 0 <= line <= 100:
        raise SettingsError(f"{ENV_PREFIX}KPI_OVERLOAD_LINE_PCT must be 0 or a multiple of 10 up to 100, not {line}")
    if settings.api_rate_per_token < 0 or (settings.api_rate_per_token > 0 and settings.api_burst_per_token < 1):
        raise SettingsError(f"{ENV_PREFIX}API_RATE_PER_TOKEN must be 0 (off) or above, with "
                            f"{ENV_PREFIX}API_BURST_PER_TOKEN at least 1")
    if settings.log_format not in {"text", "json"}:
        raise SettingsError(f"{ENV_PREFIX}LOG_FORMAT must be text or json, not {settings.log_format!r}")
    if not 0 <= settings.partition_months_ahead <= 24:
        raise SettingsError(f"{ENV_PREFIX}PARTITION_MONTHS_AHEAD must be 0–24, not {settings.partition_months_ahead}")
    if not 0 <= settings.mqtt_metrics_port <= 65_535:
        raise SettingsError(f"{ENV_PREFIX}MQTT_METRICS_PORT must be 0–65535, not {settings.mqtt_metrics_port}")
    if settings.db_pool_size < 1:
        raise SettingsError(f"{ENV_PREFIX}DB_POOL_SIZE must be at least 1, not {settings.db_pool_size}")
    from zhichao.logs import remember_secrets

    remember_secrets(settings.secret_values())
    return settings


def documented_settings() -> list[tuple[str, str]]:
    """(environment variable, documentation) for every setting."""
    return [(ENV_PREFIX + f.name.upper(), f.metadata["doc"]) for f in fields(Settings)]


FILE_SUFFIX = "_FILE"


def _raw(env: Mapping[str, str], name: str, secret: bool) -> str | None:
    """The setting's text: its variable, or for a secret the content of the file ``ZHICHAO_<NAME>_FILE`` names
    (Docker and Kubernetes secrets), without its trailing line break. Both at once are refused."""
    variable = ENV_PREFIX + name.upper()
    path = env.get(variable + FILE_SUFFIX)
    if path is None:
        return env.get(variable)
    if not secret:
        raise SettingsError(f"{variable}{FILE_SUFFIX}：只有密钥类设置（{', '.join(secret_settings())}）可以从文件读取，"
                            f"请直接设置 {variable}", "setting_file_not_secret", {"variable": variable + FILE_SUFFIX})
    if variable in env:
        raise SettingsError(f"{variable} 与 {variable}{FILE_SUFFIX} 不能同时设置，请只保留其中一个",
                            "secret_file_conflict", {"variables": [variable, variable + FILE_SUFFIX]})
    try:
        text = Path(path).read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        reason = exc.strerror if isinstance(exc, OSError) and exc.strerror else "不是 UTF-8 文本"
        raise SettingsError(f"无法读取 {variable}{FILE_SUFFIX} 指定的文件 {path}：{reason}", "secret_file_unreadable",
                            {"variable": variable + FILE_SUFFIX, "path": path}) from None
    return text.rstrip("\r\n")


def secret_settings() -> list[str]:
    """The environment variables of the secrets, each of which may also be given as ``<NAME>_FILE``."""
    return [ENV_PREFIX + f.name.upper() for f in fields(Settings) if f.metadata.get("secret")]
