"""The one place where real adapters are wired into services."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta, tzinfo
from importlib import resources
from pathlib import Path
from zoneinfo import ZoneInfo

from zhichao.adapters.db.accidents import SqlAccidents
from zhichao.adapters.db.alerts import SqlAlertStore
from zhichao.adapters.db.audit import SqlAuditLog
from zhichao.adapters.db.cases import SqlCaseRepository
from zhichao.adapters.db.command import SqlCommandReader
from zhichao.adapters.db.device_health import SqlDeviceRepository
from zhichao.adapters.db.engine import Database, open_database
from zhichao.adapters.db.entrance import SqlEntranceReader
from zhichao.adapters.db.evasion import SqlEvasionStore
from zhichao.adapters.db.evidence_registry import SqlEvidenceRegistry
from zhichao.adapters.db.exports import SqlExportReader
from zhichao.adapters.db.ingest_store import SqlIngestStore
from zhichao.adapters.db.inspections import SqlInspectionRepository
from zhichao.adapters.db.kpis import SqlKpiReader
from zhichao.adapters.db.leader import Leadership
from zhichao.adapters.db.metrics import SqlBacklog
from zhichao.adapters.db.outbox import SqlOutboxRepository
from zhichao.adapters.db.plate_readings import SqlPlateReadingRepository
from zhichao.adapters.db.quarterly import SqlQuarterlyReader
from zhichao.adapters.db.registers import SqlRegisters
from zhichao.adapters.db.registries import SqlRegistries
from zhichao.adapters.db.repositories import SqlRecordReader, SqlStationRepository, SqlUserRepository
from zhichao.adapters.db.reviews import SqlReviewRepository
from zhichao.adapters.db.sanctions import SqlPlateChecks, SqlSanctionRepository
from zhichao.adapters.db.sources import SqlSourceReader
from zhichao.adapters.db.trajectories import SqlTrajectoryReader
from zhichao.adapters.evidence.filesystem import FilesystemEvidenceStore
from zhichao.adapters.evidence.thumbnails import thumbnail_for
from zhichao.adapters.metrics import ProcessMetrics, observe_batch
from zhichao.adapters.notifiers.dingtalk import DingTalkRobot
from zhichao.adapters.notifiers.email import SmtpMailer
from zhichao.adapters.notifiers.post import PrintQueue
from zhichao.adapters.notifiers.sms import SmsGateway
from zhichao.adapters.ocr import RapidOcrReader
from zhichao.adapters.passwords import Argon2Hasher
from zhichao.config import Settings, SettingsError, load_settings
from zhichao.domain.alerts import AlertPolicy
from zhichao.domain.deadlines import Holidays, load_holidays
from zhichao.domain.device_health import HealthPolicy
from zhichao.domain.documents import Issuer
from zhichao.domain.evidence import EvidenceLimits
from zhichao.domain.kpis import SiteRule
from zhichao.domain.regions import RegionTable, load_regions
from zhichao.domain.rulesets import get_rule_set
from zhichao.domain.screening import ScreeningPolicy
from zhichao.services.accidents import AccidentContext
from zhichao.services.alerts import AlertContext, AlertEngine
from zhichao.services.case_documents import CaseDocuments
from zhichao.services.cases import CaseContext
from zhichao.services.command import CommandContext
from zhichao.services.device_health import DeviceContext
from zhichao.services.devices import Devices
from zhichao.services.entrance import EntranceContext
from zhichao.services.evasion import EvasionContext
from zhichao.services.evidence import EvidenceContext
from zhichao.services.evidence_package import PackageContext
from zhichao.services.exports import ListExports
from zhichao.services.ingest import IngestPolicy
from zhichao.services.inspections import InspectionContext
from zhichao.services.kpis import KpiContext
from zhichao.services.outbox import Notifier, OutboxContext, OutboxPolicy
from zhichao.services.partner_check import CallLog, CheckContext, CheckPolicy, PartnerLimiter
from zhichao.services.partner_exports import ExportContext
from zhichao.services.plate_check import PlateCheckContext
from zhichao.services.ports import EvidenceStore
from zhichao.services.quarterly import QuarterlyContext
from zhichao.services.reviews import ReviewContext
from zhichao.services.sanctions import SanctionContext
from zhichao.services.sources import SourceContext
from zhichao.services.trajectories import TrajectoryContext


def evidence_store(settings: Settings) -> EvidenceStore:
    if settings.evidence_backend == "s3":
        from zhichao.adapters.evidence.s3 import S3EvidenceStore, s3_client

        client = s3_client(settings.s3_endpoint_url, settings.s3_access_key, settings.s3_secret_key,
                           settings.s3_region)
        return S3EvidenceStore(client, settings.s3_bucket)
    if settings.evidence_backend != "filesystem":
        raise SettingsError(f"ZHICHAO_EVIDENCE_BACKEND must be filesystem or s3, not {settings.evidence_backend!r}")
    return FilesystemEvidenceStore(settings.data_dir / "evidence")


def _data_text(name: str) -> str:
    return resources.files("zhichao.data").joinpath(name).read_text(encoding="utf-8")


def case_context(settings: Settings, db: Database, tz: ZoneInfo, holidays: Holidays, regions: RegionTable,
                 records: SqlRecordReader, stations: SqlStationRepository, store: EvidenceStore) -> CaseContext:
    from zhichao.adapters.documents.pdf import render_pdf, templates_dir_setting

    templates = templates_dir_setting(settings.documents_dir)
    repo = SqlCaseRepository(db)
    documents = CaseDocuments(
        repo=repo, records=records, stations=stations, store=store,
        render=lambda kind, context: render_pdf(kind, context, templates_dir=templates),
        issuer=Issuer(settings.authority_name, settings.payment_instructions, settings.owner_portal_url),
        number_pattern=settings.document_number_pattern, holidays=holidays, tz=tz,
        statement_days=settings.statement_days,
    )
    return CaseContext(
        repo=repo, holidays=holidays, regions=regions, tz=tz, local_prefixes=tuple(settings.local_plate_prefixes),
        statement_days=settings.statement_days, documents=documents, portal_url=settings.owner_portal_url,
        authority=settings.authority_name, store=store,
    )


def notifiers(settings: Settings) -> dict[str, Notifier]:
    """The configured channels' adapters: a channel whose URL or host is empty is left out (not configured);
    post (the print queue under the data directory) always is."""
    timeout = settings.notify_timeout_s
    found: dict[str, Notifier] = {"post": PrintQueue(settings.data_dir / "print-queue")}
    if settings.sms_gateway_url:
        found["sms"] = SmsGateway(settings.sms_gateway_url, settings.sms_gateway_secret, settings.sms_sign_name,
                                  timeout)
    if settings.dingtalk_webhook_url:
        found["dingtalk"] = DingTalkRobot(settings.dingtalk_webhook_url, settings.dingtalk_secret, timeout)
    if settings.smtp_host:
        found["email"] = SmtpMailer(settings.smtp_host, settings.smtp_port, settings.smtp_from, timeout)
    return found


def outbox_context(settings: Settings, db: Database) -> OutboxContext:
    policy = OutboxPolicy(batch_size=settings.outbox_batch_size, max_attempts=settings.outbox_max_attempts,
                          backoff_base_s=settings.outbox_backoff_base_s, backoff_cap_s=settings.outbox_backoff_cap_s,
                          lease_s=settings.outbox_lease_s)
    return OutboxContext(SqlOutboxRepository(db), notifiers(settings), policy)


def utc_now() -> datetime:
    return datetime.now(UTC)


@dataclass
class Container:
    """Everything an entry point needs, built once per process."""

    settings: Settings
    db: Database
    ingest_store: SqlIngestStore
    stations: SqlStationRepository
    users: SqlUserRepository
    records: SqlRecordReader
    hasher: Argon2Hasher
    ingest_policy: IngestPolicy
    health_policy: HealthPolicy
    reviews: ReviewContext
    cases: CaseContext
    registers: SqlRegisters
    evidence: EvidenceContext
    packages: PackageContext
    plate_check: PlateCheckContext
    audit: SqlAuditLog
    outbox: OutboxContext
    devices: Devices
    registries: SqlRegistries
    sanctions: SanctionContext
    checks: CheckContext
    entrance: EntranceContext
    evasion: EvasionContext
    command: CommandContext
    sources: SourceContext
    exports: ExportContext
    alerts: AlertContext
    alert_engine: AlertEngine
    alert_leader: Leadership  # the serving process that holds it runs the alert engine
    inspections: InspectionContext
    kpis: KpiContext
    accidents: AccidentContext
    list_exports: ListExports
    quarterly: QuarterlyContext
    metrics: ProcessMetrics
    clock: Callable[[], datetime] = field(default=utc_now)

    def close(self) -> None:
        self.alert_leader.release()
        self.db.dispose()


def build(settings: Settings | None = None, clock: Callable[[], datetime] = utc_now) -> Container:
    settings = settings or load_settings()
    db = open_database(settings)
    tz = ZoneInfo(settings.display_timezone)
    records = SqlRecordReader(db, tz)
    screening = ScreeningPolicy(
        min_plate_confidence=settings.min_plate_confidence,
        double_capture_window_s=settings.double_capture_window_s,
        evidence_grace_s=settings.evidence_grace_s,
        onsite_window_s=settings.onsite_window_s,
    )
    holidays = load_holidays(_data_text("holidays_cn.json"))
    reviews = ReviewContext(SqlReviewRepository(db), records, screening, tz, holidays)
    store = evidence_store(settings)
    plate_check = PlateCheckContext(SqlPlateReadingRepository(db), store)
    evidence = EvidenceContext(
        store, SqlEvidenceRegistry(db), records, reviews,
        EvidenceLimits(settings.max_image_bytes, settings.max_video_bytes, settings.max_image_pixels), thumbnail_for,
        plate_check if settings.plate_check_enabled else None,
    )
    stations, users = SqlStationRepository(db), SqlUserRepository(db)
    health = HealthPolicy(interval=timedelta(seconds=settings.station_heartbeat_interval_s),
                          grace=timedelta(seconds=settings.station_grace_s),
                          data_quiet=timedelta(seconds=settings.station_data_quiet_s))
    ingest_store = SqlIngestStore(db)
    alert_context = AlertContext(
        SqlAlertStore(db), stations, tz,
        AlertPolicy(round(settings.alert_overload_min_pct * 100), timedelta(seconds=settings.alert_window_s)),
        settings.alert_robot or None, settings.alert_robot_min_severity)
    alert_engine = AlertEngine(alert_context, clock)
    entrance = EntranceContext(SqlEntranceReader(db), tz)
    inspections = InspectionContext(SqlInspectionRepository(db), store, tz, RapidOcrReader())
    cases = case_context(settings, db, tz, holidays, load_regions(_data_text("plate_regions.json")), records,
                         stations, store)
    devices = Devices(DeviceContext(SqlDeviceRepository(db), stations, tz, health, settings.device_alert_recipient,
                                    settings.device_default_mpe_pct), ingest_store.forget)
    return Container(
        settings=settings,
        db=db,
        ingest_store=ingest_store,
        stations=stations,
        users=users,
        records=records,
        hasher=Argon2Hasher(settings.password_hash_memory_kib, settings.password_hash_time_cost),
        ingest_policy=IngestPolicy(
            rules=get_rule_set(settings.rule_set),
            max_batch_records=settings.max_batch_records,
            future_skew=timedelta(seconds=settings.future_skew_s),
            screening=screening,
            tz=tz,
            entrance_window=timedelta(seconds=settings.entrance_window_s),
            after_commit=alert_engine.wake,
            on_result=observe_batch,
        ),
        health_policy=health,
        reviews=reviews,
        cases=cases,
        registers=SqlRegisters(db),
        evidence=evidence,
        packages=PackageContext(evidence, stations, users),
        plate_check=plate_check,
        audit=SqlAuditLog(db),
        outbox=outbox_context(settings, db),
        devices=devices,
        registries=SqlRegistries(db),
        sanctions=SanctionContext(SqlSanctionRepository(db), tz, settings.source_max_per_year),
        checks=check_context(settings, db, tz),
        entrance=entrance,
        evasion=EvasionContext(SqlEvasionStore(db), tz),
        command=CommandContext(SqlCommandReader(db), stations, health,
                               TrajectoryContext(SqlTrajectoryReader(db), stations, tz)),
        sources=SourceContext(SqlSourceReader(db), tz),
        alerts=alert_context,
        alert_engine=alert_engine,
        alert_leader=Leadership(db, "alert-engine", settings.data_dir),
        exports=ExportContext(SqlPlateChecks(db), tz, Path(settings.export_dir) if settings.export_dir
                              else settings.data_dir / "exports"),
        inspections=inspections,
        kpis=KpiContext(SqlKpiReader(db), cases.repo, devices, inspections, entrance, stations, tz,
                        tuple(cases.local_prefixes),
                        SiteRule(settings.kpi_site_min_online_days, settings.kpi_site_min_trucks_per_month),
                        settings.kpi_overload_line_pct // 10 if settings.kpi_overload_line_pct else None),
        accidents=AccidentContext(SqlAccidents(db), tz),
        list_exports=ListExports(SqlExportReader(db), tz),
        quarterly=quarterly_context(settings, db, tz),
        metrics=ProcessMetrics(SqlBacklog(db), alert_engine),
        clock=clock,
    )


def check_context(settings: Settings, db: Database, tz: tzinfo) -> CheckContext:
    rate = settings.check_refuse_open_rate_pct
    store = SqlPlateChecks(db)
    policy = CheckPolicy(round(rate * 100) if rate > 0 else None, settings.partner_rate_per_s)
    return CheckContext(store, policy, tz, PartnerLimiter(), CallLog(store))


def quarterly_context(settings: Settings, db: Database, tz: ZoneInfo) -> QuarterlyContext:
    """The quarterly report: its SQL, its wording, PDF and Excel writers, stored under EXPORT_DIR/reports."""
    from zhichao.adapters.documents.pdf import templates_dir_setting
    from zhichao.adapters.documents.quarterly import render_pdf, write_report_xlsx
    from zhichao.domain.quarterly import city_of
    from zhichao.domain.quarterly_tables import ReportSettings

    rules = get_rule_set(settings.rule_set)
    line = (f"超限率超过 {rules.no_penalty_rate_pct}%" if rules.no_penalty_rate_pct
            else f"超限超过 {rules.no_penalty_kg} 千克")
    wording = ReportSettings(city_of(settings.authority_name), settings.authority_name,
                             f"{line}（现行规则集 {rules.id}，{rules.legal_basis}）",
                             tuple(settings.local_plate_prefixes), load_regions(_data_text("plate_regions.json")), tz)
    templates = templates_dir_setting(settings.documents_dir)
    exports = Path(settings.export_dir) if settings.export_dir else settings.data_dir / "exports"
    return QuarterlyContext(SqlQuarterlyReader(db), SourceContext(SqlSourceReader(db), tz), wording,
                            exports / "reports", lambda report: render_pdf(report, templates_dir=templates),
                            write_report_xlsx)


def build_current(settings: Settings | None = None) -> Container:
    """``build``, refusing a database whose schema is not at the newest migration."""
    from zhichao.adapters.db.migrate import is_current
    from zhichao.services.errors import InvalidInput

    c = build(settings)
    if not is_current(c.db):
        c.close()
        raise InvalidInput("schema_out_of_date", "数据库结构不是最新版本，请先运行 zhichao db upgrade")
    return c
