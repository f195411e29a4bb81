"""``zhichao simulate``: traffic for the last N hours, sent over HTTP or written through the ingest service."""

from __future__ import annotations

import argparse
import json
import random
from datetime import timedelta
from pathlib import Path

from zhichao.services.errors import InvalidInput
from zhichao.simulation.feed import FeedTotals, HttpFeeder, feed_direct
from zhichao.simulation.traffic import SimStation, Traffic


def _check(args: argparse.Namespace) -> None:
    if not 1 <= args.batch <= 1000:
        raise InvalidInput("invalid_batch", "--batch 必须是 1–1000 的整数")
    if not 0 <= args.overload_share <= 1:
        raise InvalidInput("invalid_share", "--overload-share 必须在 0–1 之间")
    if args.hours <= 0:
        raise InvalidInput("invalid_hours", "--hours 必须大于 0")
    if args.url and not args.tokens:
        raise InvalidInput("tokens_required", "通过 --url 发送时需要 --tokens 站点令牌文件")


def simulate(args: argparse.Namespace) -> FeedTotals:
    _check(args)
    rng = random.Random(args.seed)
    if args.url:
        tokens_file = json.loads(Path(args.tokens).read_text(encoding="utf-8"))["stations"]
        stations = [SimStation(sid, int(v["lanes"])) for sid, v in sorted(tokens_file.items())]
        traffic = Traffic(stations, rng, overload_share=args.overload_share)
        from datetime import UTC, datetime

        end = datetime.now(UTC)
        feeder = HttpFeeder(args.url, {sid: v["token"] for sid, v in tokens_file.items()})
        try:
            return feeder.feed(traffic.between(end - timedelta(hours=args.hours), end), size=args.batch)
        finally:
            feeder.close()
    from zhichao.bootstrap import build_current

    c = build_current()
    stations = [SimStation(s.station_id, s.lanes, s.state) for s in c.stations.all() if s.state == "enabled"]
    traffic = Traffic(stations, rng, overload_share=args.overload_share)
    end = c.clock()
    return feed_direct(c.ingest_store, c.ingest_policy, traffic.between(end - timedelta(hours=args.hours), end),
                       c.clock, size=args.batch)
