"""The station registry: register stations (one token each), import a network, report health."""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from datetime import date, datetime
from typing import Any

from zhichao.domain.device_health import HealthPolicy, assess
from zhichao.services.auth import new_token, token_hash
from zhichao.services.errors import InvalidInput
from zhichao.services.ports import Station, StationRepository

STATION_ID = re.compile(r"^[A-Za-z0-9._-]{1,32}$")
STATES = ("enabled", "repair", "stopped")
KINDS = ("site", "highway", "source")
COUNTY_CODE = re.compile(r"^\d{6}$")


def health(station: Station, now: datetime, policy: HealthPolicy) -> str:
    """``up``, ``late`` or ``down`` now, from the last heartbeat and the last record received."""
    own = policy.with_station(station.heartbeat_interval_s, station.grace_s)
    return assess(now, station.last_heartbeat_at, station.last_received_at, own).state


def _check_spec(station_id: str, name: str, lanes: int, county_code: str | None, state: str, kind: str) -> None:
    if not STATION_ID.match(station_id):
        raise InvalidInput("invalid_station_id", "站点编号必须是 1–32 位字母、数字或 . _ -", {"station_id": station_id})
    if not name.strip():
        raise InvalidInput("invalid_name", "站点名称不能为空")
    if not 1 <= lanes <= 16:
        raise InvalidInput("invalid_lanes", "车道数必须是 1–16 的整数", {"lanes": lanes})
    if county_code is not None and not COUNTY_CODE.match(county_code):
        raise InvalidInput("invalid_county", "区县代码必须是 6 位数字（GB/T 2260）", {"county": county_code})
    if state not in STATES:
        raise InvalidInput("invalid_state", f"状态必须是 {'、'.join(STATES)} 之一")
    if kind not in KINDS:
        raise InvalidInput("invalid_kind", f"站点类型必须是 {'、'.join(KINDS)} 之一")


def add_station(repo: StationRepository, station_id: str, name: str, lanes: int, *, now: datetime,
                county_code: str | None = None, state: str = "enabled", kind: str = "site",
                extra: Mapping[str, Any] | None = None) -> str:
    """Register a station and return its token (shown once; only its hash is stored)."""
    _check_spec(station_id, name, lanes, county_code, state, kind)
    if repo.exists(station_id):
        raise InvalidInput("station_exists", f"站点 {station_id} 已登记")
    token = new_token("zst")
    repo.add({
        **(extra or {}), "station_id": station_id, "name": name.strip(), "lanes": lanes,
        "county_code": county_code, "state": state, "kind": kind,
        "token_hash": token_hash(token), "created_at": now,
    })
    return token


def _date(value: str | None) -> date | None:
    return date.fromisoformat(value) if value else None


def network_extra(spec: Mapping[str, Any], demo: bool) -> dict[str, Any]:
    """Registry columns from one station of a network file (see ``data/shaoxing_stations.json``)."""
    cert = spec.get("certificate") or {}
    speed = spec.get("speed_range_kmh") or [None, None]
    return {
        "road": spec.get("road"), "stake": spec.get("stake"), "direction": spec.get("direction"),
        "lat": spec.get("lat"), "lon": spec.get("lon"), "accuracy_class": spec.get("accuracy_class"),
        "cert_number": cert.get("number"), "cert_body": cert.get("body"),
        "cert_valid_from": _date(cert.get("valid_from")), "cert_valid_to": _date(cert.get("valid_to")),
        "speed_min_kmh": speed[0], "speed_max_kmh": speed[1],
        "opened_on": _date(spec.get("opened_on")), "demo": demo,
    }


def import_network(repo: StationRepository, network: Mapping[str, Any], *, now: datetime) -> dict[str, str]:
    """Register every station of a network file not yet registered; return their new tokens."""
    demo = bool(network.get("demo"))
    tokens: dict[str, str] = {}
    specs: Sequence[Mapping[str, Any]] = network["stations"]
    for spec in specs:
        if repo.exists(spec["station_id"]):
            continue
        tokens[spec["station_id"]] = add_station(
            repo, spec["station_id"], spec["name"], int(spec["lanes"]), now=now,
            county_code=spec.get("county_code"), state=spec.get("state", "enabled"),
            kind=spec.get("kind", "site"), extra=network_extra(spec, demo),
        )
    return tokens


def heartbeat_status(body: Any) -> dict[str, Any]:
    """The status to store of a heartbeat ``{"at": RFC 3339, "status": {...}}``, with the station's clock
    reading as ``sent_at``; ``InvalidInput`` for anything else."""
    if not isinstance(body, dict):
        raise InvalidInput("invalid_heartbeat", "心跳必须是 JSON 对象：{\"at\": ..., \"status\": {...}}")
    status = body.get("status", {})
    if not isinstance(status, dict):
        raise InvalidInput("invalid_heartbeat", "status 必须是 JSON 对象", {"field": "status"})
    at = body.get("at")
    try:
        sent = datetime.fromisoformat(at) if isinstance(at, str) else None
    except ValueError:
        sent = None
    if sent is None or sent.tzinfo is None:
        raise InvalidInput("invalid_heartbeat", "at 必须是带时区偏移的 RFC 3339 时间", {"field": "at"})
    return {**status, "sent_at": sent.isoformat()}


def record_heartbeat(repo: StationRepository, station_id: str, body: Any, *, now: datetime) -> None:
    """Store a station's heartbeat: ``{"at": RFC 3339, "status": {...}}``."""
    repo.record_heartbeat(station_id, now, heartbeat_status(body))
