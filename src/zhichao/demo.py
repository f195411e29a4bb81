"""``zhichao demo``: the Shaoxing network, demo users, a day of history and live simulated traffic with faults.

Everything lives in the data directory (SQLite): run it again with the same directory and it picks
up where it stopped. Demo credentials are written there too (mode 0600) and printed at start.
"""

from __future__ import annotations

import json
import logging
import os
import random
import threading
from collections.abc import Callable
from datetime import datetime, timedelta
from importlib import resources
from pathlib import Path
from typing import Any

from zhichao import demo_accidents, demo_command, demo_story
from zhichao.adapters.db.migrate import upgrade
from zhichao.bootstrap import Container, build
from zhichao.config import load_settings
from zhichao.domain.errors import ZhichaoError
from zhichao.services import sanctions
from zhichao.services.auth import ROLES, add_user, reset_credentials
from zhichao.services.evidence import upload
from zhichao.services.ports import User
from zhichao.services.stations import record_heartbeat
from zhichao.simulation.evidence import evidence_files
from zhichao.simulation.faults import Drift, demo_faults, drift_neighbours
from zhichao.simulation.feed import feed_direct
from zhichao.simulation.traffic import Traffic, load_sim_stations
from zhichao.simulation.vehicles import limit_kg
from zhichao.web.console.labels import ROLES as ROLE_LABELS

TOKENS_FILE = "demo-station-tokens.json"
LOGINS_FILE = "demo-logins.json"
# Two reviewers: a record's first and second review must be done by different people.
DEMO_USERS = (("reviewer", "reviewer", "审核员 张敏"), ("reviewer2", "reviewer", "审核员 李强"),
              ("officer", "officer", "执法员 王磊"), ("legal", "legal", "法制审核 陈静"),
              ("leader", "leader", "领导 刘洋"), ("admin", "admin", "管理员 赵刚"),
              ("partner", "partner", "高速入口核查系统"))
LIVE_TICK_S = 2.0
HISTORY_DAYS = timedelta(days=20)  # the drifting scale's history: 3 days of baseline, then 17 of drift
THROUGH_SHARE = 0.15  # trucks weighed again at the next site on their road (the paired comparison)
MISSING_PHOTO_SHARE = 1 / 30
GATES_FILE = "shaoxing_gates.json"
GATE_OVERLOAD_SHARE = 0.01  # entrance scales turn most overloads back before they set off: fewer come
log = logging.getLogger("zhichao.demo")


def load_network(name: str = "shaoxing_stations.json") -> dict[str, Any]:
    """The 85 enforcement sites, or (``shaoxing_gates.json``) the highway entrance and freight-source scales."""
    text = resources.files("zhichao.data").joinpath(name).read_text(encoding="utf-8")
    network: dict[str, Any] = json.loads(text)
    return network


def _write_private(path: Path, value: Any) -> None:
    path.write_text(json.dumps(value, ensure_ascii=False, indent=1), encoding="utf-8")
    os.chmod(path, 0o600)


def _register_network(c: Container, network: dict[str, Any]) -> None:
    from zhichao.services.stations import import_network

    path = c.settings.data_dir / TOKENS_FILE
    known = json.loads(path.read_text(encoding="utf-8")) if path.exists() else {"stations": {}}
    lanes = {s["station_id"]: s["lanes"] for s in network["stations"]}
    for station_id, token in import_network(c.stations, network, now=c.clock()).items():
        known["stations"][station_id] = {"token": token, "lanes": lanes[station_id]}
    _write_private(path, known)


def _demo_logins(c: Container) -> dict[str, dict[str, str]]:
    logins: dict[str, dict[str, str]] = {}
    for username, role, name in DEMO_USERS:
        assert role in ROLES
        if c.users.by_username(username) is None:
            _, password, token = add_user(c.users, c.hasher, username, role, now=c.clock(),
                                          display_name=name, demo=True)
        else:
            password, token = reset_credentials(c.users, c.hasher, username)
        logins[username] = {"role": role, "password": password, "token": token}
    _write_private(c.settings.data_dir / LOGINS_FILE, logins)
    return logins


class DemoTraffic(threading.Thread):
    """Backfills recent history, then feeds live traffic and heartbeats every ``LIVE_TICK_S`` seconds.

    The network carries the simulator's demo faults (``simulation/faults.demo_faults``): a silent station,
    a dead lane, a drifting scale, a dirty camera, a clock running ahead. The drifting scale and its
    neighbours get ``HISTORY_DAYS`` of history (the rest of the network one day), enough for a baseline
    after its verification and for the drift to show; history arrives as stations upload it, an hour at a
    time, so each record's arrival time is its hour's end and a silent station looks silent at once.
    """

    def __init__(self, c: Container, network: dict[str, Any], gates: dict[str, Any], backfill: timedelta,
                 seed: int) -> None:
        super().__init__(name="demo-traffic", daemon=True)
        self._c = c
        # highway entrances and freight sources: their own trucks (entrance scales see few overloads)
        stations, gate_stations = load_sim_stations(network), load_sim_stations(gates)
        fleet = len(stations) + len(gate_stations)  # the two simulators' trucks are based at different sites
        self._gates = Traffic(gate_stations, random.Random(seed + 2), overload_share=GATE_OVERLOAD_SHARE,
                              repeat_offenders=0, fleet=(len(stations), fleet))
        self._faults = demo_faults(stations, c.clock())
        self._traffic = Traffic(stations, random.Random(seed), faults=self._faults, through_share=THROUGH_SHARE,
                                fleet=(0, fleet))
        drifting = next(f for f in self._faults if isinstance(f, Drift))
        history = set(drift_neighbours(stations, drifting))
        self._history = Traffic(stations, random.Random(seed), faults=self._faults, through_share=THROUGH_SHARE,
                                only=history, fleet=(0, fleet))
        self._drifting = drifting.station_id
        self._avoid = history | {f.station_id for f in self._faults}  # the story's site must be trustworthy
        self._network = network
        self._backfill = backfill
        self._rng = random.Random(seed + 1)
        self.stop = threading.Event()

    def _feed(self, traffic: Traffic, start: datetime, end: datetime, photos: bool = True) -> int:
        """Feed [start, end) an hour at a time, each hour arriving at its end (``now`` for the last)."""
        c, accepted = self._c, 0
        while start < end and not self.stop.is_set():
            until = min(end, start + timedelta(hours=1))
            totals = feed_direct(c.ingest_store, c.ingest_policy, traffic.between(start, until), _at(until),
                                 after=self._upload_photos if photos else None)
            accepted, start = accepted + totals.accepted, until
        return accepted

    def _beat(self, start: datetime, end: datetime) -> None:
        for traffic in (self._traffic, self._gates):
            for station_id, at, body in traffic.heartbeats(start, end):
                record_heartbeat(self._c.stations, station_id, body, now=at)

    def _upload_photos(self, batch: list[dict[str, object]]) -> None:
        """Upload the photos of the records reviewers will see (over the actionable line), as stations do.

        About one in thirty never arrives, so the demo shows what a missing photo does to a review.
        """
        for record in batch:
            if not record.get("images") or int(str(record["gross_weight_kg"])) * 10 <= limit_kg(record) * 12:
                continue
            if self._rng.random() < MISSING_PHOTO_SHARE:
                continue
            for file in evidence_files(record):
                try:
                    upload(self._c.evidence, str(record["station_id"]), str(record["record_id"]), file.sha256,
                           file.content, file.content_type, now=self._c.clock())
                except ZhichaoError as exc:  # a record the ingest refused has nothing to attach to
                    log.debug("demo photo not uploaded: %s", exc.message)

    def _backfill_history(self, now: datetime) -> int:
        c = self._c
        drifting = c.stations.get(self._drifting)
        if drifting is None or drifting.last_record_at is not None:  # a restarted demo has its history
            return 0
        return self._feed(self._history, now - HISTORY_DAYS, now - self._backfill, photos=False)

    def _users(self) -> dict[str, User]:
        return {name: found[0] for name, _, _ in DEMO_USERS if (found := self._c.users.by_username(name))}

    def _tell_story(self) -> None:
        c = self._c
        users = self._users()
        told = demo_story.tell(c, users, self._network, self._avoid)
        if told:
            now = c.clock()
            proposed = sanctions.sweep(c.sanctions, now.astimezone(c.sanctions.tz).date(), now)
            print(f"  一超四罚示例：{demo_story.PLATE} 近一年 {told} 次超限已作出处罚决定，"
                  f"生成 {len(proposed)} 条处罚建议（领导在“失信名单”中确认）", flush=True)

    def run(self) -> None:
        c = self._c
        now = c.clock()
        try:
            self._tell_story()
        except ZhichaoError as exc:  # the story is a convenience: the demo runs without it
            log.warning("the demo's repeat offender was not told: %s", exc.message)
        road_site = next(s.station_id for s in load_sim_stations(self._network)
                         if s.county_code == "330603" and s.station_id not in self._avoid)
        feed_direct(c.ingest_store, c.ingest_policy, demo_story.scenes(now, road_site), c.clock,
                    after=self._upload_photos)
        try:
            line = demo_command.set_up(c, self._users(), self._network)
            if line:
                print(line, flush=True)
        except ZhichaoError as exc:  # a convenience too
            log.warning("the command centre's demo was not set up: %s", exc.message)
        try:
            line = demo_accidents.seed(c, self._users())
            if line:
                print(line, flush=True)
        except ZhichaoError as exc:  # a convenience too
            log.warning("the demo's accidents were not imported: %s", exc.message)
        history = self._backfill_history(now)
        accepted = self._feed(self._traffic, now - self._backfill, now)
        self._feed(self._gates, now - self._backfill, now, photos=False)
        self._beat(now - timedelta(minutes=2), now)
        hours = self._backfill.total_seconds() / 3600
        print(f"  历史数据已生成：{accepted} 条过车记录（近 {hours:g} 小时）"
              + (f"，另有 {self._drifting} 等站点近 {HISTORY_DAYS.days} 天 {history} 条" if history else ""),
              flush=True)
        c.devices.sweep_health(c.clock())
        # the first quality sweep reads the whole history: beside the live traffic, not before it
        threading.Thread(target=lambda: c.devices.sweep_quality(c.clock()), name="demo-quality", daemon=True).start()
        last = now
        while not self.stop.wait(LIVE_TICK_S):
            now = c.clock()
            self._feed(self._traffic, last, now)
            self._feed(self._gates, last, now, photos=False)
            self._beat(last, now)
            last = now


def _at(moment: datetime) -> Callable[[], datetime]:
    """A clock stopped at ``moment``: when a backfilled hour arrives."""
    return lambda: moment


def _banner(host: str, port: int, logins: dict[str, dict[str, str]], data_dir: Path) -> str:
    lines = [
        "绍兴市治超非现场执法平台 — 演示模式（数据均为模拟）",
        f"  控制台：http://{host}:{port}/      API 文档：http://{host}:{port}/docs",
        f"  数据目录：{data_dir}",
        "  演示账号（用户名 / 密码 / 角色）：",
    ]
    lines += [f"    {u:<10} {v['password']:<18} {v['role']:<9} {ROLE_LABELS[v['role']]}" for u, v in logins.items()]
    lines.append(f"  站点令牌：{data_dir / TOKENS_FILE}    按 Ctrl+C 停止")
    return "\n".join(lines)


def run_demo(data_dir: str, *, host: str = "127.0.0.1", port: int = 8000, backfill_hours: float = 24.0,
             seed: int = 20190101) -> None:
    import uvicorn

    from zhichao import background
    from zhichao.simulation.gateway import ROBOT_SECRET, SMS_SECRET, FakeGateway
    from zhichao.web.app import create_app

    # The bureau's SMS gateway and DingTalk group lie outside the platform: the demo plays them locally.
    gateway = FakeGateway().start()
    settings = load_settings().with_overrides(
        data_dir=Path(data_dir).resolve(), database_url="", owner_portal_url=f"http://{host}:{port}/owner",
        sms_gateway_url=gateway.sms_url, sms_gateway_secret=SMS_SECRET,
        dingtalk_webhook_url=gateway.robot_url, dingtalk_secret=ROBOT_SECRET, alert_robot="command-centre")
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    c = build(settings)
    upgrade(c.db)
    network, gates = load_network(), load_network(GATES_FILE)
    _register_network(c, network)
    _register_network(c, gates)
    logins = _demo_logins(c)
    print(_banner(host, port, logins, settings.data_dir), flush=True)
    print(f"  模拟短信网关与钉钉机器人（已收到的通知）：{gateway.url}/_received", flush=True)
    traffic = DemoTraffic(c, network, gates, timedelta(hours=backfill_hours), seed)
    traffic.start()
    background.start(c, traffic.stop)
    try:
        uvicorn.run(create_app(c), host=host, port=port, log_level="warning")
    finally:
        traffic.stop.set()
        c.close()
        gateway.stop()
