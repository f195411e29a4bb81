"""User endpoints: records, vehicles, stations (contract §2); the partner check is in api/sanctions.py."""

from __future__ import annotations

from typing import Any
from zoneinfo import ZoneInfo

from fastapi import APIRouter, Query, Request

from zhichao.services import records as record_service
from zhichao.services.auth import READ_ROLES
from zhichao.services.screening import flags_of_view
from zhichao.services.stations import health
from zhichao.web.api.params import QueryRowId
from zhichao.web.deps import container, user_with_role

router = APIRouter(prefix="/api/v1", tags=["records (查询)"])


@router.get("/records/{station_id}/{record_id}", summary="一条过车记录及其判定")
def get_record(station_id: str, record_id: str, request: Request) -> dict[str, Any]:
    user_with_role(request, READ_ROLES)
    c = container(request)

    def rules(record: dict[str, Any]) -> list[dict[str, Any]]:
        station = c.ingest_store.station(record["station_id"])
        return flags_of_view(record, station, c.ingest_policy.screening, c.ingest_policy.tz)

    return record_service.get_record(c.records, station_id, record_id, rules)


@router.get("/records", summary="最新过车记录（控制台使用）")
def latest(request: Request, limit: int = Query(50, ge=1, le=500), overloaded: bool | None = None,
           station: str | None = None) -> dict[str, Any]:
    user_with_role(request, READ_ROLES)
    rows = record_service.latest_records(container(request).records, limit=limit, overloaded=overloaded,
                                         station_id=station)
    return {"records": rows}


@router.get("/vehicles/{plate}/records", summary="某车辆的过车记录，新的在前")
def vehicle_records(plate: str, request: Request, overloaded: bool | None = None,
                    limit: int = Query(100, ge=1, le=500), before_id: QueryRowId = None) -> dict[str, Any]:
    user_with_role(request, READ_ROLES)
    return record_service.vehicle_records(container(request).records, plate, overloaded=overloaded,
                                          limit=limit, before_id=before_id)


@router.get("/stations", summary="全部站点及其在线状态")
def list_stations(request: Request) -> list[dict[str, Any]]:
    user_with_role(request, READ_ROLES)
    c = container(request)
    now = c.clock()
    tz = ZoneInfo(c.settings.display_timezone)
    return [
        {"station_id": s.station_id, "name": s.name, "kind": s.kind, "county_code": s.county_code,
         "road": s.road, "stake": s.stake, "lanes": s.lanes, "state": s.state,
         "health": health(s, now, c.health_policy),
         "last_record_at": s.last_record_at.astimezone(tz).isoformat() if s.last_record_at else None,
         "lat": s.lat, "lon": s.lon, "accuracy_class": s.accuracy_class,
         "certificate": {"number": s.cert_number, "body": s.cert_body,
                         "valid_from": s.cert_valid_from.isoformat() if s.cert_valid_from else None,
                         "valid_to": s.cert_valid_to.isoformat() if s.cert_valid_to else None}}
        for s in c.stations.all()
    ]
