"""Errors the services raise. The web layer translates each once, at the edge.

    ZhichaoError (domain/errors.py)          code, Chinese message, details
    ├── DomainError                           a rule of the domain was broken (e.g. UnknownRuleSet)
    └── ServiceError
        ├── InvalidInput          → 400       the request cannot be used as it is
        ├── NotAuthenticated      → 401       no or a wrong token / session
        ├── PermissionDenied      → 403       authenticated, but not allowed
        ├── NotFound              → 404
        ├── Conflict              → 409       the data already says otherwise
        ├── PayloadTooLarge       → 413
        └── InsufficientStorage   → 507       the store has no room left; nothing of the request was kept
"""

from __future__ import annotations

from dataclasses import dataclass

from zhichao.domain.errors import ZhichaoError


@dataclass(frozen=True, slots=True)
class FieldError:
    """What is wrong with one field of one input."""

    field: str
    message: str
    code: str = "invalid"

    def as_dict(self) -> dict[str, str]:
        return {"field": self.field, "message": self.message, "code": self.code}


class ServiceError(ZhichaoError):
    status = 400


class InvalidInput(ServiceError):
    status = 400


class NotAuthenticated(ServiceError):
    status = 401


class PermissionDenied(ServiceError):
    status = 403


class NotFound(ServiceError):
    status = 404


class Conflict(ServiceError):
    status = 409


class PayloadTooLarge(ServiceError):
    status = 413


class InsufficientStorage(ServiceError):
    status = 507
