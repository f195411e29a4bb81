"""The tamper-evident audit log: entries chained by SHA-256, and the check that the chain is intact.

Hash recipe (so an outside auditor can recompute it in any language)::

    hash = lowercase hex SHA-256 of the UTF-8 bytes of
           JSON({"action", "actor", "at", "details", "origin", "prev_hash", "seq", "subject"})

where JSON is compact (no whitespace: ``,`` and ``:`` separators), object keys sorted at every level,
non-ASCII characters written as themselves (not ``\\uXXXX``), and:

- ``at`` is the UTC time as ``YYYY-MM-DDTHH:MM:SS.ffffffZ`` (always six digits of microseconds);
- ``seq`` is an integer, 1 for the first entry, each next entry one more;
- ``prev_hash`` is the previous entry's ``hash``, or ``GENESIS`` (64 zeros) for entry 1;
- ``details`` holds only strings, integers, booleans, null, arrays and objects with string keys.
  Floats are refused: their text differs between languages, and the recipe must not.

This is RFC 8785 (JCS) for these types, with the key order of the (ASCII) keys we use.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

GENESIS = "0" * 64


@dataclass(frozen=True, slots=True)
class AuditEntry:
    seq: int
    at: datetime
    actor: str  # "user:12", "station:SX-KQ-001", "system"
    origin: str  # client IP, or "cli" / "worker"
    action: str  # "review.approve", "evidence.upload"
    subject: str  # "record:SX-KQ-001/abc"
    details: Mapping[str, Any]  # what changed
    prev_hash: str
    hash: str


@dataclass(frozen=True, slots=True)
class VerifyResult:
    ok: bool
    count: int  # entries checked (all of them when ok)
    first_bad_seq: int | None = None
    reason: str | None = None
    last_hash: str = GENESIS  # of the last good entry: publish it to detect a truncated tail


def utc_text(at: datetime) -> str:
    if at.tzinfo is None:
        raise ValueError("audit time must be timezone-aware")
    return at.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def _no_floats(value: Any) -> Any:
    if isinstance(value, float):
        raise TypeError("audit details must not hold floats (see the hash recipe)")
    if isinstance(value, Mapping):
        return {str(k): _no_floats(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_no_floats(v) for v in value]
    return value


def canonical(prev_hash: str, seq: int, at: datetime, actor: str, origin: str, action: str, subject: str,
              details: Mapping[str, Any]) -> bytes:
    """The exact bytes that are hashed (the recipe in the module docstring)."""
    payload = {"action": action, "actor": actor, "at": utc_text(at), "details": _no_floats(details),
               "origin": origin, "prev_hash": prev_hash, "seq": seq, "subject": subject}
    return json.dumps(payload, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode("utf-8")


def entry_hash(prev_hash: str, seq: int, at: datetime, actor: str, origin: str, action: str, subject: str,
               details: Mapping[str, Any]) -> str:
    return hashlib.sha256(canonical(prev_hash, seq, at, actor, origin, action, subject, details)).hexdigest()


def recomputed(e: AuditEntry) -> str:
    return entry_hash(e.prev_hash, e.seq, e.at, e.actor, e.origin, e.action, e.subject, e.details)


def _fault(e: AuditEntry, expected_seq: int, prev_hash: str) -> tuple[int, str] | None:
    """What is wrong with ``e`` as the entry after one whose hash is ``prev_hash``, if anything."""
    if e.seq != expected_seq:
        return expected_seq, f"序号不连续：应为第 {expected_seq} 条，实为第 {e.seq} 条（有记录被删除、插入或调换）"
    if e.prev_hash != prev_hash:
        return e.seq, "与上一条的哈希不衔接（上一条被改动、删除或替换）"
    try:
        actual = recomputed(e)
    except (TypeError, ValueError) as exc:
        return e.seq, f"内容无法按规则计算哈希：{exc}"
    if actual != e.hash:
        return e.seq, "内容与哈希不符（本条被改动）"
    return None


def verify(entries: Iterable[AuditEntry]) -> VerifyResult:
    """Check entries given in seq order; stops at the first fault. Reads the iterable once, lazily."""
    count, prev_hash = 0, GENESIS
    for e in entries:
        fault = _fault(e, count + 1, prev_hash)
        if fault is not None:
            return VerifyResult(False, count, fault[0], fault[1], prev_hash)
        count, prev_hash = count + 1, e.hash
    return VerifyResult(True, count, last_hash=prev_hash)
