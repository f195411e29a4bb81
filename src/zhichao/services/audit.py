"""Checking the audit log's hash chain (the recipe and the checks are in domain/audit.py)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Protocol

from zhichao.domain.audit import AuditEntry, VerifyResult, verify


class AuditLog(Protocol):
    def entries(self, after_seq: int = 0, batch: int = 1000) -> Iterator[AuditEntry]: ...


def verify_chain(log: AuditLog, batch: int = 1000) -> VerifyResult:
    """Verify the whole chain, ``batch`` entries in memory at a time."""
    return verify(log.entries(0, batch))
