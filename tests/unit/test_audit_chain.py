"""The audit log's hash chain: a clean chain verifies, and every kind of tampering fails at its seq."""

from __future__ import annotations

import hashlib
from dataclasses import replace
from datetime import UTC, datetime, timedelta, timezone
from typing import Any

import pytest

from zhichao.domain.audit import GENESIS, AuditEntry, entry_hash, verify

T0 = datetime(2026, 11, 26, 6, 0, tzinfo=UTC)


def chain(n: int = 5) -> list[AuditEntry]:
    out: list[AuditEntry] = []
    prev = GENESIS
    for seq in range(1, n + 1):
        fields: dict[str, Any] = {"at": T0 + timedelta(seconds=seq), "actor": f"user:{seq}", "origin": "10.0.0.1",
                                  "action": "review.approve", "subject": f"record:S1/r{seq}",
                                  "details": {"from_state": "pending_first", "to_state": "pending_second",
                                              "note": "核对无误", "case_id": None}}
        digest = entry_hash(prev, seq, **fields)
        out.append(AuditEntry(seq=seq, prev_hash=prev, hash=digest, **fields))
        prev = digest
    return out


def test_a_clean_chain_verifies() -> None:
    entries = chain()
    result = verify(entries)
    assert (result.ok, result.count, result.first_bad_seq, result.last_hash) == (True, 5, None, entries[-1].hash)


def test_an_empty_log_verifies() -> None:
    assert verify([]).ok and verify([]).count == 0


def test_the_recipe_is_sha256_of_sorted_compact_json_with_utc_microseconds() -> None:
    at = datetime(2026, 11, 26, 14, 0, tzinfo=timezone(timedelta(hours=8)))
    expected = ('{"action":"review.reject","actor":"user:1","at":"2026-11-26T06:00:00.000000Z",'
                '"details":{"a":1,"b":"车牌"},"origin":"cli","prev_hash":"' + GENESIS + '","seq":1,'
                '"subject":"record:S1/r1"}')
    digest = entry_hash(GENESIS, 1, at, "user:1", "cli", "review.reject", "record:S1/r1", {"b": "车牌", "a": 1})
    assert digest == hashlib.sha256(expected.encode("utf-8")).hexdigest()


def test_floats_and_naive_times_are_refused() -> None:
    with pytest.raises(TypeError):
        entry_hash(GENESIS, 1, T0, "system", "cli", "x", "y", {"kg": 1.5})
    with pytest.raises(ValueError):
        entry_hash(GENESIS, 1, T0.replace(tzinfo=None), "system", "cli", "x", "y", {})


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("at", T0 + timedelta(days=1)),
        ("actor", "user:99"),
        ("origin", "192.168.1.1"),
        ("action", "review.reject"),
        ("subject", "record:S1/other"),
        ("details", {"from_state": "pending_first", "to_state": "approved", "note": None, "case_id": 7}),
        ("hash", "f" * 64),
    ],
)
def test_changing_a_field_fails_at_that_entry(field: str, value: object) -> None:
    entries = chain()
    entries[2] = replace(entries[2], **{field: value})
    result = verify(entries)
    assert (result.ok, result.first_bad_seq, result.count) == (False, 3, 2)
    assert "哈希不符" in (result.reason or "")


def test_changing_the_previous_hash_breaks_the_link() -> None:
    entries = chain()
    entries[2] = replace(entries[2], prev_hash="a" * 64)
    result = verify(entries)
    assert (result.ok, result.first_bad_seq) == (False, 3) and "不衔接" in (result.reason or "")


def test_rehashing_a_changed_entry_breaks_the_link_to_the_next() -> None:
    entries = chain()
    e = entries[2]
    forged = replace(e, actor="user:99")
    entries[2] = replace(forged, hash=entry_hash(e.prev_hash, e.seq, e.at, "user:99", e.origin, e.action,
                                                 e.subject, e.details))
    result = verify(entries)
    assert (result.ok, result.first_bad_seq) == (False, 4) and "不衔接" in (result.reason or "")


def forged_after(prev: AuditEntry) -> AuditEntry:
    seq = prev.seq + 1
    return AuditEntry(seq, T0, "system", "cli", "x", "y", {}, prev.hash,
                      entry_hash(prev.hash, seq, T0, "system", "cli", "x", "y", {}))


@pytest.mark.parametrize(
    ("tamper", "bad_seq"),
    [
        (lambda es: es[:2] + es[3:], 3),  # a middle row deleted
        (lambda es: es[1:], 1),  # the first row deleted
        (lambda es: [es[0], es[2], es[1], *es[3:]], 2),  # two rows swapped
        (lambda es: es[:2] + [forged_after(es[1])] + es[2:], 4),  # a well-chained row inserted
    ],
)
def test_deleting_reordering_or_inserting_rows_fails_at_the_gap(tamper: Any, bad_seq: int) -> None:
    result = verify(tamper(chain()))
    assert (result.ok, result.first_bad_seq) == (False, bad_seq)
    assert "序号不连续" in (result.reason or "")


def test_an_inserted_row_with_renumbered_successors_fails() -> None:
    entries = chain()
    fake = forged_after(entries[1])
    renumbered = [replace(e, seq=e.seq + 1) for e in entries[2:]]
    result = verify([*entries[:2], fake, *renumbered])
    assert (result.ok, result.first_bad_seq) == (False, 4)


def test_verify_reads_lazily_and_stops_at_the_first_fault() -> None:
    entries = chain()
    entries[1] = replace(entries[1], actor="user:99")
    seen: list[int] = []

    def stream() -> Any:
        for e in entries:
            seen.append(e.seq)
            yield e

    assert verify(stream()).first_bad_seq == 2 and seen == [1, 2]
