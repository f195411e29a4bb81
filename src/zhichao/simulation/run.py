"""``zhichao simulate``: traffic for the last N hours, sent over HTTP, published over MQTT, or written
through the ingest service."""

from __future__ import annotations

import argparse
import json
import random
from datetime import UTC, datetime, timedelta
from pathlib import Path

from zhichao.services.errors import InvalidInput
from zhichao.simulation.feed import FeedTotals, HttpFeeder, feed_direct
from zhichao.simulation.mqtt_feed import MqttFeeder, PublishTotals, parse_broker_url
from zhichao.simulation.traffic import SimStation, Traffic


def _check(args: argparse.Namespace) -> None:
    if not 1 <= args.batch <= 1000:
        raise InvalidInput("invalid_batch", "--batch 必须是 1–1000 的整数")
    if not 0 <= args.overload_share <= 1:
        raise InvalidInput("invalid_share", "--overload-share 必须在 0–1 之间")
    if args.hours <= 0:
        raise InvalidInput("invalid_hours", "--hours 必须大于 0")
    if args.url and args.mqtt:
        raise InvalidInput("conflicting_targets", "--url 与 --mqtt 只能选一个")
    if args.url and not args.tokens:
        raise InvalidInput("tokens_required", "通过 --url 发送时需要 --tokens 站点令牌文件")
    if args.mqtt:
        broker = parse_broker_url(args.mqtt)
        if broker.username and args.tokens:
            raise InvalidInput("conflicting_credentials",
                               "--mqtt 地址中已有用户名时不能再给 --tokens（各站点用自己的编号和令牌登录）")


def _tokens_file(path: str) -> dict[str, dict[str, object]]:
    try:
        stations: dict[str, dict[str, object]] = json.loads(Path(path).read_text(encoding="utf-8"))["stations"]
    except (OSError, ValueError, KeyError, TypeError):
        raise InvalidInput("invalid_tokens", f"无法读取站点令牌文件 {path}（应为 {{\"stations\": {{站点编号: "
                                             "{\"token\", \"lanes\"}}}}）") from None
    return stations


def simulate(args: argparse.Namespace) -> FeedTotals | PublishTotals:
    _check(args)
    rng = random.Random(args.seed)
    if args.tokens and (args.url or args.mqtt):
        tokens_file = _tokens_file(args.tokens)
        stations = [SimStation(sid, int(str(v["lanes"]))) for sid, v in sorted(tokens_file.items())]
        traffic = Traffic(stations, rng, overload_share=args.overload_share)
        end = datetime.now(UTC)
        tokens = {sid: str(v["token"]) for sid, v in tokens_file.items()}
        feeder = MqttFeeder(args.mqtt, tokens) if args.mqtt else HttpFeeder(args.url, tokens)
        try:
            return feeder.feed(traffic.between(end - timedelta(hours=args.hours), end), size=args.batch)
        finally:
            feeder.close()
    from zhichao.bootstrap import build_current

    c = build_current()
    stations = [SimStation(s.station_id, s.lanes, s.state) for s in c.stations.all() if s.state == "enabled"]
    traffic = Traffic(stations, rng, overload_share=args.overload_share)
    end = c.clock()
    records = traffic.between(end - timedelta(hours=args.hours), end)
    if args.mqtt:  # stations from the database, published anonymously or with the URL's credentials
        c.close()
        mqtt = MqttFeeder(args.mqtt)
        try:
            return mqtt.feed(records, size=args.batch)
        finally:
            mqtt.close()
    return feed_direct(c.ingest_store, c.ingest_policy, records, c.clock, size=args.batch)
