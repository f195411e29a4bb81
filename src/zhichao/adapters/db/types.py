"""Column types that behave the same on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import DateTime, Dialect
from sqlalchemy.types import TypeDecorator

# SQLite keeps datetimes as text in this exact shape (SQLAlchemy's own storage format); the ingest
# hot path writes it directly, so both must agree.
SQLITE_DATETIME_FORMAT = "%Y-%m-%d %H:%M:%S.%f"


class UtcDateTime(TypeDecorator[datetime]):
    """An aware datetime stored in UTC: ``timestamptz`` on PostgreSQL, UTC text on SQLite.

    Naive datetimes are refused on the way in, so no local time is ever stored by mistake.
    """

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> Any:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to a UTC column")
        value = value.astimezone(UTC)
        if dialect.name == "sqlite":
            return value.replace(tzinfo=None)
        return value

    def process_result_value(self, value: Any, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if isinstance(value, str):
            value = datetime.fromisoformat(value)
        if value.tzinfo is None:
            return value.replace(tzinfo=UTC)  # type: ignore[no-any-return]
        return value.astimezone(UTC)  # type: ignore[no-any-return]


def sqlite_text(value: datetime) -> str:
    """The text SQLite stores for an aware datetime (see ``UtcDateTime``).

    ``isoformat`` with ``timespec="microseconds"`` gives exactly ``SQLITE_DATETIME_FORMAT`` at a
    tenth of ``strftime``'s cost; the microseconds are always written, so text order is time order.
    """
    return value.astimezone(UTC).replace(tzinfo=None).isoformat(" ", "microseconds")
