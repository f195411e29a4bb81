"""SQL for device health: swept states changed conditionally (one change, one event, one notice, however
many sweeps race), station events, per-day summaries, repair tickets and certificates."""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from datetime import date, datetime
from typing import Any

from sqlalchemy import Connection, func, insert, or_, select, update

from zhichao.adapters.db import outbox
from zhichao.adapters.db.engine import Database
from zhichao.adapters.db.tables import (
    certificates,
    hourly_counts,
    records,
    repair_tickets,
    station_days,
    station_events,
    stations,
)
from zhichao.services.ports import Notice, StationChange

_OBSERVATION_COLUMNS = (records.c.station_id, records.c.lane, records.c.captured_at, records.c.received_at,
                        records.c.plate, records.c.axle_count, records.c.axle_groups, records.c.axle_weights_kg,
                        records.c.gross_weight_kg)
_DAY_COLUMNS = tuple(station_days.c)
_TICKET_COLUMNS = (*repair_tickets.c, stations.c.name.label("station_name"))


def _same(column: Any, value: Any) -> Any:
    return column.is_(None) if value is None else column == value


def _event(conn: Connection, station_id: str, at: datetime, change: StationChange) -> int:
    values = {"station_id": station_id, "at": at, "kind": change.kind, "from_state": change.from_state,
              "to_state": change.to_state, "reason": change.reason, "message": change.message,
              "actor": change.actor, "details": dict(change.details) if change.details else None}
    event_id: int = conn.execute(insert(station_events).values(**values).returning(station_events.c.id)).scalar_one()
    return event_id


def _notify(conn: Connection, notice: Notice | None, event_id: int, now: datetime) -> None:
    if notice is not None:
        outbox.enqueue(conn, channel=notice.channel, recipient=notice.recipient, subject=notice.subject,
                       body=notice.body, dedupe_key=f"station-event:{event_id}", now=now,
                       payload=dict(notice.payload) if notice.payload else None)


class SqlDeviceRepository:
    def __init__(self, db: Database) -> None:
        self._db = db

    # -- swept states -------------------------------------------------------------------------------
    def change_station(self, station_id: str, expected: Mapping[str, Any], values: Mapping[str, Any], now: datetime,
                       change: StationChange, notice: Notice | None = None) -> bool:
        """Set ``values`` on the station only if its columns still hold ``expected``; then, in the same
        transaction, write the event and queue the notice. False (nothing written) if another sweep won."""
        with self._db.writer.begin() as conn:
            where = [stations.c.station_id == station_id, *(_same(stations.c[k], v) for k, v in expected.items())]
            if conn.execute(update(stations).where(*where).values(**values)).rowcount != 1:
                return False
            _notify(conn, notice, _event(conn, station_id, now, change), now)
        return True

    def add_event(self, station_id: str, now: datetime, change: StationChange, notice: Notice | None = None) -> None:
        with self._db.writer.begin() as conn:
            _notify(conn, notice, _event(conn, station_id, now, change), now)

    def enqueue(self, notice: Notice, dedupe_key: str, now: datetime) -> bool:
        with self._db.writer.begin() as conn:
            return outbox.enqueue(conn, channel=notice.channel, recipient=notice.recipient, subject=notice.subject,
                                  body=notice.body, dedupe_key=dedupe_key, now=now,
                                  payload=dict(notice.payload) if notice.payload else None)

    def events(self, station_id: str, limit: int = 100) -> list[dict[str, Any]]:
        query = (select(station_events).where(station_events.c.station_id == station_id)
                 .order_by(station_events.c.at.desc(), station_events.c.id.desc()).limit(limit))
        return self._all(query)

    # -- per-day summaries ----------------------------------------------------------------------------
    def hours_with_data(self, since: datetime) -> list[tuple[str, datetime, int]]:
        """(station, UTC hour, trucks) of every hour with trucks since ``since``, from the hourly counters."""
        h = hourly_counts.c
        query = select(h.station_id, h.hour, func.sum(h.trucks)).where(h.hour >= since).group_by(h.station_id, h.hour)
        with self._db.reader.connect() as conn:
            return [(str(s), hour, int(n)) for s, hour, n in conn.execute(query)]

    def observations(self, start: datetime, end: datetime, by: str = "station") -> Iterator[Any]:
        """Every record captured in [start, end), with what the quality checks read, streamed in order of
        station (``by="station"``) or of read plate (``by="plate"``, unread plates left out), then capture
        time: the database sorts, so the caller holds one station's or one plate's records at a time."""
        query = select(*_OBSERVATION_COLUMNS).where(records.c.captured_at >= start, records.c.captured_at < end)
        if by == "plate":
            query = query.where(records.c.plate != "").order_by(records.c.plate, records.c.captured_at)
        else:
            query = query.order_by(records.c.station_id, records.c.captured_at)
        with self._db.reader.connect() as conn:
            yield from conn.execution_options(yield_per=5000).execute(query)

    def day_states(self, since: date) -> dict[tuple[str, date], tuple[bool, int]]:
        """(station, day) → whether the stored summary is complete, and how many trucks it counted."""
        c = station_days.c
        query = select(c.station_id, c.day, c.complete, c.trucks).where(c.day >= since)
        with self._db.reader.connect() as conn:
            return {(str(s), d): (bool(done), int(n)) for s, d, done, n in conn.execute(query)}

    def save_days(self, rows: Sequence[Mapping[str, Any]]) -> None:
        """Write these (station, day) summaries. A day already stored keeps its findings until they are
        judged again (so a reader never sees a day without them)."""
        c = station_days.c
        with self._db.writer.begin() as conn:
            for row in rows:
                key = (c.station_id == row["station_id"], c.day == row["day"])
                if conn.execute(update(station_days).where(*key).values(**row)).rowcount == 0:
                    conn.execute(insert(station_days).values(**row, findings=[], normal=False))

    def set_day_findings(self, station_id: str, day: date, values: Mapping[str, Any]) -> None:
        with self._db.writer.begin() as conn:
            conn.execute(update(station_days).where(station_days.c.station_id == station_id,
                                                   station_days.c.day == day).values(**values))

    def days(self, station_id: str | None, since: date, until: date | None = None) -> list[dict[str, Any]]:
        """Stored days, oldest first (every station when ``station_id`` is None)."""
        query = select(*_DAY_COLUMNS).where(station_days.c.day >= since)
        if until is not None:
            query = query.where(station_days.c.day <= until)
        if station_id is not None:
            query = query.where(station_days.c.station_id == station_id)
        return self._all(query.order_by(station_days.c.station_id, station_days.c.day))

    def day_flags(self, since: date, until: date) -> list[tuple[str, date, bool, bool]]:
        """(station, day, online, normal) for KPI 1, without the summaries."""
        c = station_days.c
        query = select(c.station_id, c.day, c.online, c.normal).where(c.day >= since, c.day <= until)
        with self._db.reader.connect() as conn:
            return [(str(s), d, bool(o), bool(n)) for s, d, o, n in conn.execute(query)]

    # -- tickets -------------------------------------------------------------------------------------
    def tickets(self, state: str | None = None, station_id: str | None = None,
                limit: int = 500) -> list[dict[str, Any]]:
        query = select(*_TICKET_COLUMNS).join(stations, stations.c.station_id == repair_tickets.c.station_id)
        if state is not None:
            query = query.where(repair_tickets.c.state == state)
        if station_id is not None:
            query = query.where(repair_tickets.c.station_id == station_id)
        return self._all(query.order_by(repair_tickets.c.opened_at.desc(), repair_tickets.c.id.desc()).limit(limit))

    def ticket(self, ticket_id: int) -> dict[str, Any] | None:
        rows = self._all(select(*_TICKET_COLUMNS).join(stations, stations.c.station_id == repair_tickets.c.station_id)
                         .where(repair_tickets.c.id == ticket_id))
        return rows[0] if rows else None

    def repair_spans(self, start: datetime, end: datetime) -> list[tuple[str, datetime, datetime | None]]:
        """(station, opened, closed or None) of the tickets open at any time in [start, end)."""
        t = repair_tickets.c
        query = select(t.station_id, t.opened_at, t.closed_at).where(
            t.opened_at < end, or_(t.closed_at.is_(None), t.closed_at >= start))
        with self._db.reader.connect() as conn:
            return [(str(s), o, c) for s, o, c in conn.execute(query)]

    def open_ticket(self, values: Mapping[str, Any], now: datetime, change: StationChange,
                    notice: Notice | None) -> int:
        """Insert the ticket; an enabled station goes into repair (its health is then neither swept nor
        counted); one event."""
        with self._db.writer.begin() as conn:
            ticket_id: int = conn.execute(insert(repair_tickets).values(**values)
                                          .returning(repair_tickets.c.id)).scalar_one()
            conn.execute(update(stations).where(stations.c.station_id == values["station_id"],
                                                stations.c.state == "enabled").values(state="repair"))
            _notify(conn, notice, _event(conn, values["station_id"], now, change), now)
        return ticket_id

    def move_ticket(self, ticket_id: int, version: int, states: Sequence[str], values: Mapping[str, Any],
                    now: datetime, change: StationChange) -> bool:
        """Conditional update on the ticket's version and state; closing the last open ticket of a station in
        repair puts it back to enabled."""
        t = repair_tickets.c
        with self._db.writer.begin() as conn:
            station_id = conn.execute(select(t.station_id).where(t.id == ticket_id)).scalar()
            done = conn.execute(update(repair_tickets).where(t.id == ticket_id, t.version == version,
                                                             t.state.in_(states))
                                .values(**values, version=version + 1)).rowcount
            if done != 1:
                return False
            if values.get("state") == "closed":
                others = conn.execute(select(func.count()).select_from(repair_tickets).where(
                    t.station_id == station_id, t.state != "closed")).scalar_one()
                if not others:
                    conn.execute(update(stations).where(stations.c.station_id == station_id,
                                                        stations.c.state == "repair").values(state="enabled"))
            _event(conn, str(station_id), now, change)
        return True

    # -- certificates and checks ---------------------------------------------------------------------
    def certificates(self, station_id: str) -> list[dict[str, Any]]:
        c = certificates.c
        return self._all(select(certificates).where(c.station_id == station_id)
                         .order_by(c.valid_from.desc(), c.id.desc()))

    def record_certificate(self, values: Mapping[str, Any], station_values: Mapping[str, Any], now: datetime,
                           change: StationChange) -> None:
        with self._db.writer.begin() as conn:
            conn.execute(insert(certificates).values(**values))
            conn.execute(update(stations).where(stations.c.station_id == values["station_id"]).values(**station_values))
            _event(conn, values["station_id"], now, change)

    def reset_quality(self, station_id: str, station_values: Mapping[str, Any], now: datetime,
                      change: StationChange) -> None:
        with self._db.writer.begin() as conn:
            conn.execute(update(stations).where(stations.c.station_id == station_id).values(**station_values))
            _event(conn, station_id, now, change)

    def _all(self, query: Any) -> list[dict[str, Any]]:
        with self._db.reader.connect() as conn:
            return [dict(r._mapping) for r in conn.execute(query)]

