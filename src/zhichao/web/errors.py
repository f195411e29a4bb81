"""HTTP statuses for domain errors. The domain knows nothing of HTTP: the edge decides here, once,
for the API's error handler and the console's form routes alike."""

from __future__ import annotations

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
