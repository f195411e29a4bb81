"""The ``zhichao`` command (contract §4). Thin: parse, call one service, format.

Errors print ``错误 [code]: message`` on stderr and exit with status 2; nothing is changed.
"""

from __future__ import annotations

import argparse
import json
import sys
import threading
from collections.abc import Callable, Sequence
from datetime import date
from pathlib import Path
from typing import Any

from zhichao.cli_backup import backup_parsers
from zhichao.cli_mqtt import mqtt_passwords_parser
from zhichao.cli_reports import report_parser
from zhichao.domain.errors import ZhichaoError
from zhichao.services.errors import InvalidInput

Handler = Callable[[argparse.Namespace], int]


def _print_json(value: Any, default: Callable[[Any], Any] | None = None) -> None:
    print(json.dumps(value, ensure_ascii=False, default=default))


def cmd_judge(args: argparse.Namespace) -> int:
    from zhichao.domain.judge import judge
    from zhichao.domain.rulesets import get_rule_set
    from zhichao.domain.vehicles import Vehicle, parse_axle_groups

    if not 2 <= args.axles <= 12:
        raise InvalidInput("invalid_axles", "轴数必须是 2–12 的整数", {"axles": args.axles})
    if args.gross_kg <= 0:
        raise InvalidInput("invalid_gross", "车货总质量必须是大于 0 的整数（kg）", {"gross_kg": args.gross_kg})
    groups = None
    if args.axle_groups:
        groups = parse_axle_groups(args.axle_groups)
        if sum(groups) != args.axles:
            raise InvalidInput("axle_groups_mismatch", "各轴组轴数之和必须等于轴数", {"axle_groups": args.axle_groups})
    vehicle = Vehicle(args.axles, args.gross_kg, groups, args.vehicle_type, args.drive_axle)
    verdict = judge(vehicle, get_rule_set(args.rule_set))
    if args.json:
        _print_json(verdict.to_contract())
        return 0
    print("\n".join(_verdict_lines(verdict.to_contract())))
    return 0


def _verdict_lines(v: dict[str, Any]) -> list[str]:
    if not v["overloaded"]:
        outcome = "未超限"
    elif v["warning_only"]:
        outcome = "超限，在不予处罚范围内（批评教育）"
    else:
        outcome = f"超限，可处罚，罚款 {v['fine_yuan']} 元"
    return [
        f"限值：{v['limit_kg']} kg（{v['limit_basis']}）",
        f"超限：{v['overload_kg']} kg，超限率 {v['overload_rate_pct']:.2f}%",
        f"结论：{outcome}",
        f"依据：{v['legal_basis']}（规则集 {v['rule_set']}）",
    ]


def cmd_station_add(args: argparse.Namespace) -> int:
    from zhichao.bootstrap import build_current
    from zhichao.services.stations import add_station

    c = build_current()
    extra = {"road": args.road, "stake": args.stake, "accuracy_class": args.accuracy_class}
    token = add_station(c.stations, args.station_id, args.name, args.lanes, now=c.clock(),
                        county_code=args.county, kind=args.kind, extra=extra)
    if args.json:
        _print_json({"station_id": args.station_id, "token": token})
    else:
        print(f"站点 {args.station_id} 已登记。令牌（只显示这一次，请交给站点集成方）：\n{token}")
    return 0


def cmd_user_add(args: argparse.Namespace) -> int:
    from zhichao.bootstrap import build_current
    from zhichao.services.auth import add_user

    c = build_current()
    user, password, token = add_user(c.users, c.hasher, args.username, args.role, now=c.clock(),
                                     display_name=args.display_name, scopes=args.scopes, rate_per_s=args.rate)
    if args.json:
        _print_json({"username": user.username, "password": password, "token": token})
    else:
        print(f"用户 {user.username}（{user.role}）已创建。\n密码：{password}\nAPI 令牌：{token}\n（只显示这一次）")
    return 0


def cmd_db_partitions(args: argparse.Namespace) -> int:
    from zhichao.adapters.db import partitions
    from zhichao.background import ensure_partitions
    from zhichao.bootstrap import build_current

    c = build_current()
    since = None
    if args.since:
        try:
            since = date.fromisoformat(args.since + "-01")
        except ValueError:
            raise InvalidInput("invalid_month", f"--from 须为 YYYY-MM 形式的月份，而不是 {args.since!r}") from None
        if since > c.clock().date():
            raise InvalidInput("month_in_future", "--from 的月份不能晚于本月（以后各月由每日任务提前创建）")
    if c.db.dialect != "postgresql":
        print("SQLite 数据库不分区，无需操作")
        return 0
    created = ensure_partitions(c, since)
    print(f"新建分区 {len(created)} 个" + (f"：{', '.join(created)}" if created else ""))
    with c.db.reader.connect() as conn:
        for p in partitions.partitions(conn):
            print(f"{p.name}\t{p.month or '默认'}\t约 {p.rows_estimate} 条")
    return 0


def cmd_db_upgrade(args: argparse.Namespace) -> int:
    from zhichao.adapters.db.engine import open_database
    from zhichao.adapters.db.migrate import upgrade
    from zhichao.adapters.db.sanctions import SqlSanctionRepository
    from zhichao.config import load_settings

    settings = load_settings()
    db = open_database(settings)
    upgrade(db)
    print(f"数据库已升级到最新版本：{db.writer.url.render_as_string(hide_password=True)}")
    sanctions = SqlSanctionRepository(db)
    if sanctions.links_missing():  # a database from before cases were linked to their parties
        print(f"已为既有案件建立当事方关联，并更新 {sanctions.rebuild()} 个车牌的核查结果")
    return 0


def cmd_serve(args: argparse.Namespace) -> int:
    import uvicorn

    from zhichao import background
    from zhichao.bootstrap import build_current
    from zhichao.logs import configure
    from zhichao.web.app import create_app

    c = build_current()
    host, port = args.host or c.settings.host, args.port or c.settings.port
    configure(c.settings.log_format)  # uvicorn's own loggers too (log_config=None): one format, secrets masked
    stop = threading.Event()
    background.start(c, stop)
    try:
        uvicorn.run(create_app(c), host=host, port=port, log_level="info", proxy_headers=False, log_config=None)
    finally:
        stop.set()
    return 0


def cmd_demo(args: argparse.Namespace) -> int:
    from zhichao.demo import run_demo

    run_demo(args.data_dir, host=args.host, port=args.port, backfill_hours=args.backfill_hours, seed=args.seed)
    return 0


def cmd_simulate(args: argparse.Namespace) -> int:
    from zhichao.simulation.mqtt_feed import PublishTotals
    from zhichao.simulation.run import simulate

    totals = simulate(args)
    if isinstance(totals, PublishTotals):
        t = totals
        refused = f"，拒绝 {t.refused_messages} 条消息（{t.refused_records} 条记录）" if t.refused_messages else ""
        print(f"已发布 {t.messages} 条消息（{t.records} 条记录），"
              f"代理已确认 {t.acked_messages} 条消息（{t.acked_records} 条记录）{refused}")
        return 1 if t.refused_messages else 0
    print(f"已发送 {totals.batches} 批：接收 {totals.accepted} 条，"
          f"重复 {totals.duplicates} 条，拒收 {totals.rejected} 条")
    return 0


def cmd_ocr_run(args: argparse.Namespace) -> int:
    import logging
    import signal
    import threading

    from zhichao.adapters.ocr import RapidOcrReader
    from zhichao.bootstrap import build_current
    from zhichao.services import plate_check

    reader = RapidOcrReader()
    reader.check()  # 未安装 OCR 组件 → exit 2 before touching the database
    c = build_current()
    if args.once:
        print(f"车牌图像核对：处理 {plate_check.drain(c.plate_check, reader, c.clock)} 条")
        return 0
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    stop = threading.Event()
    for signum in (signal.SIGINT, signal.SIGTERM):
        signal.signal(signum, lambda *_: stop.set())
    print(f"车牌图像核对进程已启动（空闲时每 {args.interval:g} 秒查看一次），Ctrl-C 停止")
    plate_check.run_forever(c.plate_check, reader, stop, args.interval, c.clock)
    return 0


def _read_csv_file(path: str) -> str:
    from pathlib import Path

    try:
        return Path(path).read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise InvalidInput("unreadable_file", f"无法读取 {path}（须为 UTF-8 编码的 CSV）：{exc}") from None


def cmd_register_import(args: argparse.Namespace) -> int:

    from zhichao.bootstrap import build_current
    from zhichao.services import registers

    c = build_current()
    rows = registers.read_csv(_read_csv_file(args.file), registers.REQUIRED[args.register])
    stored = registers.add_entries(c.registers, args.register, rows, now=c.clock())
    print(f"已导入 {stored} 条")
    return 0


def cmd_audit_verify(args: argparse.Namespace) -> int:
    from zhichao.bootstrap import build_current
    from zhichao.services.audit import verify_chain

    c = build_current()
    result = verify_chain(c.audit)
    if not result.ok:
        print(f"审计链被篡改：第 {result.first_bad_seq} 条 {result.reason}")
        return 1
    print(f"审计链完整：{result.count} 条（末条哈希 {result.last_hash}）")
    return 0


def cmd_outbox_run(args: argparse.Namespace) -> int:
    import signal

    from zhichao.bootstrap import build_current
    from zhichao.logs import configure
    from zhichao.services import outbox

    c = build_current()
    if args.once:
        r = outbox.drain(c.outbox, c.clock)
        print(f"通知发送：已发送 {r.sent} 条，稍后重试 {r.retried} 条，停止重试 {r.dead} 条")
        return 0
    configure(c.settings.log_format)
    stop = threading.Event()
    for signum in (signal.SIGINT, signal.SIGTERM):
        signal.signal(signum, lambda *_: stop.set())
    interval = c.settings.outbox_interval_s if args.interval is None else args.interval
    print(f"通知发送进程已启动（空闲时每 {interval:g} 秒查看一次），Ctrl-C 停止")
    outbox.run_forever(c.outbox, stop, interval, c.clock)
    return 0


def cmd_outbox_list(args: argparse.Namespace) -> int:
    from zoneinfo import ZoneInfo

    from zhichao.bootstrap import build_current
    from zhichao.domain.outbox import CHANNEL_LABELS, STATE_LABELS
    from zhichao.services import outbox

    c = build_current()
    found = outbox.listing(c.outbox, state=args.state, channel=args.channel, limit=args.limit)
    if args.json:
        _print_json(found, default=str)
        return 0
    counts = "，".join(f"{STATE_LABELS[s]} {found['counts'].get(s, 0)} 条" for s in STATE_LABELS)
    print(f"通知：{counts}")
    if found["unconfigured"]:
        names = "、".join(CHANNEL_LABELS[ch] for ch in found["unconfigured"])
        print(f"未配置的通道：{names}（其通知保持待发送，配置后发出）")
    tz = ZoneInfo(c.settings.display_timezone)
    for row in found["rows"]:
        due = "" if row["state"] != "pending" else f"  下次 {row['next_attempt_at'].astimezone(tz):%Y-%m-%d %H:%M}"
        error = f"  错误：{row['last_error']}" if row["last_error"] else ""
        channel = CHANNEL_LABELS.get(row["channel"], row["channel"])
        state = STATE_LABELS.get(row["state"], row["state"])
        print(f"#{row['id']}  {channel}  {row['recipient']}  {state}  已尝试 {row['attempts']} 次{due}  "
              f"{row['subject']}{error}")
    return 0


def _register_parsers(sub: Any) -> None:
    for name, help_text in (("permit", "oversize-transport permits (超限运输许可)"),
                            ("onsite", "on-site handlings (现场处理)")):
        group = sub.add_parser(name, help=help_text).add_subparsers(dest="action", required=True)
        p = group.add_parser("import", help="import a UTF-8 CSV with a header line; one bad row imports nothing")
        p.add_argument("file")
        p.set_defaults(handler=cmd_register_import, register=name)


def _judge_parser(sub: Any) -> None:
    p = sub.add_parser("judge", help="judge one vehicle against the legal limit and print the verdict")
    p.add_argument("--axles", type=int, required=True)
    p.add_argument("--gross-kg", type=int, required=True)
    p.add_argument("--axle-groups")
    p.add_argument("--vehicle-type", choices=["rigid_truck", "centre_axle_train", "articulated_train",
                                              "full_trailer_train", "other"])
    p.add_argument("--drive-axle", choices=["single", "tandem"])
    p.add_argument("--rule-set", default="ZJ-2020", choices=["ZJ-2020", "MOT-2016"])
    p.add_argument("--json", action="store_true", help="print exactly the verdict object of the contract")
    p.set_defaults(handler=cmd_judge)


def _station_parser(sub: Any) -> None:
    station = sub.add_parser("station", help="manage stations").add_subparsers(dest="action", required=True)
    p = station.add_parser("add", help="register a station and print its token")
    p.add_argument("station_id")
    p.add_argument("--name", required=True)
    p.add_argument("--lanes", type=int, required=True)
    p.add_argument("--county", help="GB/T 2260 county code, e.g. 330603")
    p.add_argument("--kind", default="site", choices=["site", "highway", "source"])
    p.add_argument("--road")
    p.add_argument("--stake")
    p.add_argument("--accuracy-class")
    p.add_argument("--json", action="store_true")
    p.set_defaults(handler=cmd_station_add)


def _user_parser(sub: Any) -> None:
    user = sub.add_parser("user", help="manage users").add_subparsers(dest="action", required=True)
    p = user.add_parser("add", help="create a user and print a password and an API token")
    p.add_argument("username")
    p.add_argument("--role", required=True, choices=["reviewer", "officer", "legal", "leader", "admin", "partner"])
    p.add_argument("--display-name")
    p.add_argument("--scopes", help="the exports a partner may fetch, comma-separated: inspection, transfer")
    p.add_argument("--rate", type=int, help="a partner's own limit of check calls per second")
    p.add_argument("--json", action="store_true")
    p.set_defaults(handler=cmd_user_add)


def _simulate_parser(sub: Any) -> None:
    p = sub.add_parser("simulate",
                       help="send realistic traffic to a server or an MQTT broker, or write it to the database")
    p.add_argument("--url", help="server address, e.g. http://127.0.0.1:8000 (default: write to the database)")
    p.add_argument("--mqtt", metavar="URL",
                   help="publish to an MQTT broker instead, e.g. mqtt://127.0.0.1:1883 (QoS 1; with --tokens each "
                        "station logs in with its id and token; docs/mqtt.md)")
    p.add_argument("--tokens", help="JSON file of station tokens (the demo writes demo-station-tokens.json)")
    p.add_argument("--hours", type=float, default=1.0, help="hours of traffic ending now (default 1)")
    p.add_argument("--seed", type=int, default=1)
    p.add_argument("--overload-share", type=float, default=0.04)
    p.add_argument("--batch", type=int, default=500, help="records per batch (1–1000)")
    p.set_defaults(handler=cmd_simulate)


def cmd_ingest_mqtt(args: argparse.Namespace) -> int:
    from zhichao.mqtt_workers import run_workers

    if not 1 <= args.workers <= 64:
        raise InvalidInput("invalid_workers", "--workers 必须是 1–64 的整数")
    run_workers(args.workers)
    return 0


def _ingest_mqtt_parser(sub: Any) -> None:
    p = sub.add_parser("ingest-mqtt", help="consume station records from the MQTT broker (docs/mqtt.md)")
    p.add_argument("--workers", type=int, default=1, help="worker processes on the shared subscription (default 1)")
    p.set_defaults(handler=cmd_ingest_mqtt)


def _ocr_parser(sub: Any) -> None:
    ocr = sub.add_parser("ocr", help="plate cross-check by OCR (needs zhichao[ocr])")
    p = ocr.add_subparsers(dest="action", required=True).add_parser(
        "run", help="read queued plate photos and flag disagreements with the station's plate")
    p.add_argument("--once", action="store_true", help="read what is queued now, then exit")
    p.add_argument("--interval", type=float, default=10.0, metavar="S", help="seconds to wait when idle (default 10)")
    p.set_defaults(handler=cmd_ocr_run)


def _outbox_parser(sub: Any) -> None:
    from zhichao.domain.outbox import CHANNELS, STATES

    group = sub.add_parser("outbox", help="notices to parties and staff (SMS, DingTalk, e-mail, post)")
    actions = group.add_subparsers(dest="action", required=True)
    run = actions.add_parser("run", help="send due notices; keeps running unless --once")
    run.add_argument("--once", action="store_true", help="send what is due now, then exit")
    run.add_argument("--interval", type=float, metavar="S", help="seconds to wait when idle (default: setting)")
    run.set_defaults(handler=cmd_outbox_run)
    listed = actions.add_parser("list", help="counts by state, channels not configured, the newest notices")
    listed.add_argument("--state", choices=STATES)
    listed.add_argument("--channel", choices=CHANNELS)
    listed.add_argument("--limit", type=int, default=50)
    listed.add_argument("--json", action="store_true")
    listed.set_defaults(handler=cmd_outbox_list)


def cmd_cases_sweep(args: argparse.Namespace) -> int:
    from zhichao.bootstrap import build_current
    from zhichao.services.case_deadlines import sweep_deadlines

    c = build_current()
    s = c.settings
    queued = sweep_deadlines(c.cases, c.clock(), warn_days=s.deadline_warn_days, recipient=s.deadline_recipient)
    print(f"已提醒 {queued} 个案件期限（已提醒过的不再重复）")
    return 0


def cmd_parties_import(args: argparse.Namespace) -> int:

    from zhichao.bootstrap import build_current
    from zhichao.services.party_import import import_parties
    from zhichao.services.ports import User

    c = build_current()
    text = _read_csv_file(args.file)
    operator = User(id=0, username="cli", display_name="命令行", role="admin", active=True)
    result = import_parties(c.cases, operator, text, now=c.clock(), origin="cli")
    print(f"已读取 {result['rows']} 行，设置当事人 {result['set']} 项，保留执法人员录入的 {result['kept']} 项")
    return 0


def cmd_devices_sweep(args: argparse.Namespace) -> int:
    from zhichao.bootstrap import build_current

    c = build_current()
    now = c.clock()
    changed = c.devices.sweep_health(now)
    quality = c.devices.sweep_quality(now)
    print(f"站点在线状态变化 {changed} 个；汇总站点日 {quality.days} 个，数据质量或暂停状态变化 {quality.changes} 个")
    return 0


def cmd_devices_kpi(args: argparse.Namespace) -> int:
    from datetime import date

    from zhichao.bootstrap import build_current

    try:
        start, end = date.fromisoformat(args.start), date.fromisoformat(args.end)
    except ValueError:
        raise InvalidInput("invalid_date", "--from 与 --to 须为 YYYY-MM-DD 日期") from None
    c = build_current()
    for kpi in c.devices.kpis(start, end, args.county, c.clock()):
        shown = "无数据" if kpi.value is None else f"{kpi.value:.2%}"
        print(f"{kpi.id}: {shown}（{kpi.numerator} / {kpi.denominator}，目标 {kpi.target or '未定'}）")
        for e in kpi.excluded:
            print(f"  不计入：{e.station_id} {e.name} {e.reason} {e.days} 天")
    return 0


def cmd_registry_import(args: argparse.Namespace) -> int:
    from zhichao.bootstrap import build_current
    from zhichao.domain.registries import KIND_LABELS
    from zhichao.services.registries import import_registry

    c = build_current()
    try:
        result = import_registry(c.registries, args.kind, _read_csv_file(args.file), now=c.clock())
    except InvalidInput as exc:
        for row in exc.details if isinstance(exc.details, list) else []:
            print(f"  第 {row['row']} 行 {row['field']}：{row['message']}", file=sys.stderr)
        raise
    print(f"{KIND_LABELS[args.kind]}名录：读取 {result['rows']} 行，新增 {result['inserted']}，"
          f"更新 {result['updated']}，未变 {result['unchanged']}")
    return 0


def cmd_exports_write(args: argparse.Namespace) -> int:
    from dataclasses import replace

    from zhichao.bootstrap import build_current
    from zhichao.services.partner_exports import write_files

    c = build_current()
    ctx = replace(c.exports, directory=Path(args.dir)) if args.dir else c.exports
    for path in write_files(ctx, c.clock()):
        print(path)
    return 0


def _exports_parser(sub: Any) -> None:
    p = sub.add_parser("exports", help="partners' reminder lists (annual inspection, ownership transfer)")
    w = p.add_subparsers(dest="action", required=True).add_parser("write", help="write today's lists as CSV files")
    w.add_argument("--dir", help="directory (default: the EXPORT_DIR setting, else exports/ in the data directory)")
    w.set_defaults(handler=cmd_exports_write)


def _registry_parser(sub: Any) -> None:
    from zhichao.domain.registries import KINDS

    registry = sub.add_parser("registry", help="registries of 一超四罚: vehicles, drivers, enterprises, sources")
    p = registry.add_subparsers(dest="action", required=True).add_parser(
        "import", help="import a CSV file (all rows checked; one bad row imports nothing)")
    p.add_argument("kind", choices=KINDS)
    p.add_argument("file")
    p.set_defaults(handler=cmd_registry_import)


def _device_parsers(sub: Any) -> None:
    devices = sub.add_parser("devices", help="device health: sweeps and KPI 1").add_subparsers(dest="action",
                                                                                               required=True)
    devices.add_parser("sweep", help="sweep station health and data quality once").set_defaults(
        handler=cmd_devices_sweep)
    p = devices.add_parser("kpi", help="device online and normal rates (KPI 1) for a period")
    p.add_argument("--from", dest="start", required=True)
    p.add_argument("--to", dest="end", required=True)
    p.add_argument("--county")
    p.set_defaults(handler=cmd_devices_kpi)


def _case_parsers(sub: Any) -> None:
    cases = sub.add_parser("cases", help="the case workflow").add_subparsers(dest="action", required=True)
    cases.add_parser("sweep", help="raise the cases whose deadline is near or past (once per deadline)").set_defaults(
        handler=cmd_cases_sweep)
    parties = sub.add_parser("parties", help="parties of cases (一超四罚)").add_subparsers(dest="action", required=True)
    p = parties.add_parser("import", help="fill open cases' parties from a register's CSV (plate, role, name, ...)")
    p.add_argument("file")
    p.set_defaults(handler=cmd_parties_import)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="zhichao", description="治超非现场执法平台")
    sub = parser.add_subparsers(dest="command", required=True)
    demo = sub.add_parser("demo", help="start the console and API with demo data and live traffic")
    demo.add_argument("--port", type=int, default=8000)
    demo.add_argument("--host", default="127.0.0.1")
    demo.add_argument("--data-dir", default="zhichao-demo")
    demo.add_argument("--backfill-hours", type=float, default=24.0)
    demo.add_argument("--seed", type=int, default=20190101)
    demo.set_defaults(handler=cmd_demo)
    serve = sub.add_parser("serve", help="serve the API and console on the configured database")
    serve.add_argument("--host")
    serve.add_argument("--port", type=int)
    serve.set_defaults(handler=cmd_serve)
    _judge_parser(sub)
    _station_parser(sub)
    _user_parser(sub)
    _simulate_parser(sub)
    _ingest_mqtt_parser(sub)
    mqtt_passwords_parser(sub)
    _register_parsers(sub)
    _ocr_parser(sub)
    _outbox_parser(sub)
    _case_parsers(sub)
    _device_parsers(sub)
    _registry_parser(sub)
    _exports_parser(sub)
    report_parser(sub)
    backup_parsers(sub)
    db = sub.add_parser("db", help="database maintenance").add_subparsers(dest="action", required=True)
    db.add_parser("upgrade", help="apply migrations").set_defaults(handler=cmd_db_upgrade)
    p = db.add_parser("partitions", help="PostgreSQL: create the records' month partitions ahead, and list them")
    p.add_argument("--from", dest="since", metavar="YYYY-MM",
                   help="also create every month from this one on (before importing a backlog of old records)")
    p.set_defaults(handler=cmd_db_partitions)
    audit = sub.add_parser("audit", help="the tamper-evident audit log").add_subparsers(dest="action", required=True)
    audit.add_parser("verify", help="check the hash chain; exit 1 if it was tampered with").set_defaults(
        handler=cmd_audit_verify)
    return parser


def _json_logs() -> None:
    """JSON log lines for every command when asked; text stays Python's default except for the long-running
    commands, which configure it themselves. A malformed setting is left to the command that reads it."""
    from zhichao.config import SettingsError, load_settings
    from zhichao.logs import configure

    try:
        if load_settings().log_format == "json":
            configure("json")
    except SettingsError:
        return  # the command that reads the settings reports the malformed one, with its name


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    _json_logs()
    handler: Handler = args.handler
    try:
        return handler(args)
    except ZhichaoError as exc:
        print(f"错误 [{exc.code}]: {exc.message}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
