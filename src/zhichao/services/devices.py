"""``Devices``: device health as one object on the container, for the API, the console and the background
jobs. Each method is a use case of its own module; this class only binds the context and the clock."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime

from zhichao.domain.kpis import KpiValue
from zhichao.services import certificates, device_health, device_kpis, device_quality, repair_tickets
from zhichao.services.device_health import DeviceContext
from zhichao.services.device_views import StationDetail, StationStatus, Ticket


class Devices:
    def __init__(self, ctx: DeviceContext, forget_station: Callable[[str], None] = lambda _: None) -> None:
        self.ctx = ctx
        self._forget = forget_station  # drop a station from the ingest cache once its suspension changes

    # reads
    def board(self, now: datetime) -> list[StationStatus]:
        return device_health.board(self.ctx, now)

    def station_detail(self, station_id: str, now: datetime, days: int = 30) -> StationDetail:
        return device_health.station_detail(self.ctx, station_id, now, days)

    def tickets(self, state: str | None, now: datetime) -> list[Ticket]:
        return device_health.list_tickets(self.ctx, now, state)

    def kpis(self, start: date, end: date, county: str | None, now: datetime) -> tuple[KpiValue, KpiValue]:
        return device_kpis.device_kpi_values(self.ctx, start, end, county, now)

    # sweeps
    def sweep_health(self, now: datetime) -> int:
        return device_health.sweep_health(self.ctx, now)

    def sweep_quality(self, now: datetime) -> device_quality.QualitySweep:
        result = device_quality.sweep_quality(self.ctx, now)
        certificates.remind_certificates(self.ctx, now)
        if result.changes:
            for s in self.ctx.stations.all():
                self._forget(s.station_id)
        return result

    # changes
    def open_ticket(self, station_id: str, fault: str, actor: str, now: datetime) -> int:
        return repair_tickets.open_ticket(self.ctx, station_id, fault, actor, now)

    def assign_ticket(self, ticket_id: int, assignee: str, actor: str, version: int, now: datetime) -> None:
        repair_tickets.assign_ticket(self.ctx, ticket_id, assignee, actor, version, now)

    def close_ticket(self, ticket_id: int, resolution: str, actor: str, version: int, now: datetime) -> None:
        repair_tickets.close_ticket(self.ctx, ticket_id, resolution, actor, version, now)

    def record_certificate(self, station_id: str, number: str, body: str, accuracy_class: str, valid_from: date,
                           valid_to: date, actor: str, now: datetime) -> None:
        certificates.record_certificate(self.ctx, station_id, number, body, accuracy_class, valid_from, valid_to,
                                        actor, now)
        self._forget(station_id)

    def record_check(self, station_id: str, on: date, result: str, note: str, actor: str, now: datetime) -> None:
        certificates.record_check(self.ctx, station_id, on, result, note, actor, now)
        self._forget(station_id)
