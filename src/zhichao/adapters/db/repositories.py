"""SQL repositories for stations, users and record reads (SQLAlchemy Core; few rows each)."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime, tzinfo
from typing import Any

from sqlalchemy import RowMapping, delete, insert, select, update

from zhichao.adapters.db.engine import Database
from zhichao.adapters.db.tables import record_flags, records, sessions, stations, users
from zhichao.services.ports import Station, User

_STATION_FIELDS = Station.__dataclass_fields__
_USER_COLUMNS = (users.c.id, users.c.username, users.c.display_name, users.c.role, users.c.active, users.c.scopes,
                 users.c.rate_per_s)


class SqlStationRepository:
    def __init__(self, db: Database) -> None:
        self._db = db

    def add(self, values: Mapping[str, Any]) -> None:
        with self._db.writer.begin() as conn:
            conn.execute(insert(stations).values(**values))

    def exists(self, station_id: str) -> bool:
        return self.get(station_id) is not None

    def _select(self) -> Any:
        return select(*(stations.c[name] for name in _STATION_FIELDS))

    def all(self) -> list[Station]:
        with self._db.reader.connect() as conn:
            rows = conn.execute(self._select().order_by(stations.c.station_id))
            return [Station(*row) for row in rows]

    def get(self, station_id: str) -> Station | None:
        with self._db.reader.connect() as conn:
            row = conn.execute(self._select().where(stations.c.station_id == station_id)).first()
        return None if row is None else Station(*row)

    def id_for_token_hash(self, token_hash: str) -> str | None:
        query = select(stations.c.station_id).where(stations.c.token_hash == token_hash)
        with self._db.reader.connect() as conn:
            found: str | None = conn.execute(query).scalar()
        return found

    def record_heartbeat(self, station_id: str, at: datetime, status: Mapping[str, Any]) -> None:
        with self._db.writer.begin() as conn:
            conn.execute(
                update(stations).where(stations.c.station_id == station_id)
                .values(last_heartbeat_at=at, last_heartbeat_status=dict(status))
            )


class SqlUserRepository:
    def __init__(self, db: Database) -> None:
        self._db = db

    def add(self, values: Mapping[str, Any]) -> User:
        with self._db.writer.begin() as conn:
            new_id = conn.execute(insert(users).values(**values).returning(users.c.id)).scalar_one()
        return User(new_id, values["username"], values["display_name"], values["role"], values["active"],
                    values.get("scopes"), values.get("rate_per_s"))

    def by_username(self, username: str) -> tuple[User, str] | None:
        query = select(*_USER_COLUMNS, users.c.password_hash).where(users.c.username == username)
        with self._db.reader.connect() as conn:
            row = conn.execute(query).first()
        return None if row is None else (User(*row[:-1]), row[-1])

    def by_token_hash(self, token_hash: str) -> User | None:
        with self._db.reader.connect() as conn:
            row = conn.execute(select(*_USER_COLUMNS).where(users.c.token_hash == token_hash)).first()
        return None if row is None else User(*row)

    def set_password(self, username: str, password_hash: str, token_hash: str) -> None:
        with self._db.writer.begin() as conn:
            conn.execute(update(users).where(users.c.username == username)
                         .values(password_hash=password_hash, token_hash=token_hash))

    def add_session(self, token_hash: str, user_id: int, created_at: datetime, expires_at: datetime) -> None:
        with self._db.writer.begin() as conn:
            conn.execute(delete(sessions).where(sessions.c.expires_at < created_at))
            conn.execute(insert(sessions).values(token_hash=token_hash, user_id=user_id,
                                                 created_at=created_at, expires_at=expires_at))

    def by_session(self, token_hash: str, now: datetime) -> User | None:
        query = (select(*_USER_COLUMNS).join(sessions, sessions.c.user_id == users.c.id)
                 .where(sessions.c.token_hash == token_hash, sessions.c.expires_at > now))
        with self._db.reader.connect() as conn:
            row = conn.execute(query).first()
        return None if row is None else User(*row)

    def display_names(self, ids: list[int]) -> dict[int, str]:
        if not ids:
            return {}
        query = select(users.c.id, users.c.display_name).where(users.c.id.in_(ids))
        with self._db.reader.connect() as conn:
            return {int(i): str(name) for i, name in conn.execute(query)}

    def drop_session(self, token_hash: str) -> None:
        with self._db.writer.begin() as conn:
            conn.execute(delete(sessions).where(sessions.c.token_hash == token_hash))


_RECORD_FIELDS = [c for c in records.c if c.name != "id"]
_VERDICT_KEYS = ("rule_set", "limit_kg", "limit_basis", "overload_kg", "overload_rate_pct", "overloaded",
                 "actionable", "fine_yuan", "warning_only", "legal_basis")


def record_view(row: RowMapping, tz: tzinfo) -> dict[str, Any]:
    """A stored record in the shape of the API: contract §1 fields, ``verdict`` (§3), and additions.

    Times are stored in UTC and shown with the offset of ``tz`` (Asia/Shanghai by default).
    """
    out = {c.name: row[c.name] for c in _RECORD_FIELDS}
    for key in ("captured_at", "received_at"):
        out[key] = out[key].astimezone(tz).isoformat()
    out["overload_rate_pct"] = out.pop("overload_rate_x100") / 100
    out["verdict"] = {k: out.pop(k) for k in _VERDICT_KEYS}
    out["verdict"]["limit_inferred"] = out.pop("limit_inferred")
    out["verdict"]["band"] = out.pop("band")
    sizes = out.pop("size_violations")
    out["size_violations"] = sizes.split(",") if sizes else []
    out["screening_flags"] = []  # filled by the reader: stored flags, or the rules' answer
    out["id"] = row["id"]
    return out


class SqlRecordReader:
    def __init__(self, db: Database, tz: tzinfo) -> None:
        self._db = db
        self._tz = tz

    def _rows(self, query: Any) -> list[dict[str, Any]]:
        with self._db.reader.connect() as conn:
            return [record_view(r, self._tz) for r in conn.execute(query).mappings()]

    def one(self, station_id: str, record_id: str) -> dict[str, Any] | None:
        rows = self._rows(select(records).where(records.c.station_id == station_id,
                                                records.c.record_id == record_id))
        return rows[0] if rows else None

    def stored_flags(self, station_id: str, record_id: str) -> list[dict[str, Any]]:
        rf = record_flags.c
        query = (select(rf.code, rf.blocking, rf.detail)
                 .where(rf.station_id == station_id, rf.record_id == record_id, rf.cleared_at.is_(None))
                 .order_by(rf.code))
        with self._db.reader.connect() as conn:
            return [dict(r._mapping) for r in conn.execute(query)]

    def by_plate(self, plate: str, overloaded: bool | None, limit: int, before_id: int | None) -> list[dict[str, Any]]:
        query = select(records).where(records.c.plate == plate)
        if overloaded is not None:
            query = query.where(records.c.overloaded == overloaded)
        if before_id is not None:
            query = query.where(records.c.id < before_id)
        return self._rows(query.order_by(records.c.captured_at.desc(), records.c.id.desc()).limit(limit))

    def latest(self, limit: int, overloaded: bool | None, station_id: str | None,
               since: datetime | None = None, until: datetime | None = None) -> list[dict[str, Any]]:
        return self._rows(latest_query(select(records), overloaded, station_id, since, until).limit(limit))


def latest_query(query: Any, overloaded: bool | None, station_id: str | None, since: datetime | None = None,
                 until: datetime | None = None) -> Any:
    """``query`` over ``records`` narrowed to the filter of 实时过车 (captured in [since, until)), newest first.
    The page and its export both read through this, so they list the same passages."""
    if overloaded is not None:
        query = query.where(records.c.overloaded == overloaded)
    if station_id is not None:
        query = query.where(records.c.station_id == station_id)
    if since is not None:
        query = query.where(records.c.captured_at >= since)
    if until is not None:
        query = query.where(records.c.captured_at < until)
    # By capture time (the captured_at index), so a station that uploads late does not push
    # older passages above newer ones.
    return query.order_by(records.c.captured_at.desc(), records.c.id.desc())

