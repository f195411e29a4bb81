"""HTTP statuses for domain errors. The domain knows nothing of HTTP: the edge decides here, once,
for the API's error handler and the console's form routes alike."""

from __future__ import annotations

import sqlite3

from sqlalchemy.exc import DBAPIError, InterfaceError, OperationalError

DOMAIN_STATUS = {
    "same_reviewer": 403,
    "illegal_transition": 409,
    "role_not_allowed": 403,
    "reason_required": 400,
    "legal_review_required": 409,
    "blocked_by_screening": 409,
    "too_large": 413,
    "owner_contact_missing": 409,
    "local_vehicle": 409,
    "unknown_region": 409,
    "window_not_passed": 409,
    "limitation_passed": 409,
    "court_too_early": 409,
    "court_window_closed": 409,
    "not_payable": 409,
    "case_final": 409,
    "calendar_missing": 409,
    "date_missing": 409,
    "alert_state": 409,
    "not_assignee": 403,
    "role_forbidden": 403,
}


def status_of(exc: Exception) -> int:
    """The status a ``ZhichaoError`` is answered with (services' errors carry their own)."""
    return getattr(exc, "status", None) or DOMAIN_STATUS.get(getattr(exc, "code", ""), 400)


# The database out of reach (stopped, restarting, a connection cut by the server): nothing of the request was
# committed, and the same request may succeed a few seconds later. Answered 503 here, never turned into a
# ZhichaoError below the edge: the MQTT workers must see the raw error so that they acknowledge nothing.
DATABASE_ERROR = DBAPIError
DATABASE_UNAVAILABLE = "database_unavailable"
DATABASE_UNAVAILABLE_MESSAGE = "数据库暂时不可用（可能正在重启），本次请求未保存，请稍后重试"
DATABASE_RETRY_AFTER_S = 5


def database_unavailable(exc: BaseException) -> bool:
    """Whether a database error says the database cannot be reached now, rather than that a statement was
    wrong. SQLite calls its syntax errors "operational" too: of its errors only a busy database counts."""
    if not isinstance(exc, DBAPIError):
        return False
    if exc.connection_invalidated or isinstance(exc, InterfaceError):
        return True
    if not isinstance(exc, OperationalError):
        return False
    if isinstance(exc.orig, sqlite3.Error):
        return any(word in str(exc.orig) for word in ("locked", "busy"))
    return True
