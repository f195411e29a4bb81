"""Checks shared by the evidence store adapters (the port itself is ``services.ports.EvidenceStore``).

Evidence is keyed by the SHA-256 of its bytes (64 lower-case hex digits) and is never overwritten or
deleted by the application: ``put`` of a hash already stored keeps what is stored and answers False.
Derived files (thumbnails) are caches under names such as ``thumb/<sha256>.jpg``; they may be replaced
and rebuilt at any time.
"""

from __future__ import annotations

import hashlib
import re

from zhichao.services.ports import EvidenceStore

__all__ = ["EvidenceStore", "checked_content", "checked_derived_name", "checked_key"]

SHA256_HEX = re.compile(r"[0-9a-f]{64}")
DERIVED_NAME = re.compile(r"[A-Za-z0-9_-][A-Za-z0-9._-]*(/[A-Za-z0-9_-][A-Za-z0-9._-]*)*")


def checked_key(sha256: str) -> str:
    """`sha256` if it is 64 lower-case hex digits (it becomes a path or an object key), else ValueError."""
    if not SHA256_HEX.fullmatch(sha256):
        raise ValueError(f"not a lower-case hex SHA-256: {sha256!r}")
    return sha256


def checked_content(sha256: str, data: bytes) -> None:
    """Refuse to file bytes under a hash that is not theirs: the address is the evidence's identity."""
    actual = hashlib.sha256(data).hexdigest()
    if actual != checked_key(sha256):
        raise ValueError(f"the bytes hash to {actual}, not {sha256}")


def checked_derived_name(name: str) -> str:
    """`name` if it is a relative path of plain segments (no ``..``, no leading ``/``), else ValueError."""
    if not DERIVED_NAME.fullmatch(name) or len(name) > 200:
        raise ValueError(f"not a derived file name: {name!r}")
    return name
