"""The partner check's answer from a plate's row, the per-partner rate limit and the call log (pure parts)."""

from __future__ import annotations

from datetime import date
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from zhichao.services.errors import InvalidInput
from zhichao.services.partner_check import (
    CallLog,
    CheckPolicy,
    PartnerLimiter,
    TooManyCalls,
    answer,
    parse_scopes,
)

TZ = ZoneInfo("Asia/Shanghai")
CASE = {"code": "unresolved_case", "case_id": 7, "station_id": "SX-YC-001", "record_id": "r1",
        "captured_at": "2026-03-01T05:30:00+00:00", "state": "decided", "fine_yuan": 456, "overload_rate_x100": 2310}
LISTING = {"code": "dishonesty_list", "sanction_id": 3, "rule": "art66_vehicle", "basis": "第六十六条",
           "since": "2026-09-02", "until": "2028-09-01"}


def row(*entries: dict[str, Any], worst: int | None = 2310) -> dict[str, Any]:
    cases = [e for e in entries if e["code"] == "unresolved_case"]
    return {"unresolved_cases": len(cases), "worst_open_rate_x100": worst, "listed_until": None,
            "entries": list(entries)}


@pytest.mark.parametrize(("today", "listed"), [
    (date(2026, 9, 1), False),  # the day before it was confirmed
    (date(2026, 9, 2), True),
    (date(2028, 9, 1), True),  # the last day of its two years
    (date(2028, 9, 2), False),  # dropped off, without anyone rewriting the row
])
def test_a_listing_counts_only_within_its_two_years(today: date, listed: bool) -> None:
    got = answer("浙D12345", row(LISTING, CASE), today, CheckPolicy(), TZ)
    assert (got["blacklisted"], got["refuse_entry"]) == (listed, listed)
    assert got["listed_until"] == ("2028-09-01" if listed else None)
    assert [r["code"] for r in got["reasons"]] == (["dishonesty_list"] if listed else []) + ["unresolved_case"]


def test_an_unresolved_case_is_told_in_local_time_with_its_state() -> None:
    got = answer("浙D12345", row(CASE), date(2026, 3, 2), CheckPolicy(), TZ)
    reason = got["reasons"][0]
    assert reason["captured_at"] == "2026-03-01T13:30:00+08:00" and reason["overload_rate_pct"] == 23.1
    assert reason["message"] == "2026-03-01 在 SX-YC-001 超限 23.10%，案件未结（处罚决定已送达，罚款 456 元）"
    assert got["unresolved_cases"] == 1 and got["refuse_entry"] is False


@pytest.mark.parametrize(("threshold", "worst", "refused"), [
    (None, 9999, False), (2310, 2310, True), (2311, 2310, False), (2310, None, False),
])
def test_serious_unresolved_cases_refuse_entry_only_when_set(threshold: int | None, worst: int | None,
                                                             refused: bool) -> None:
    got = answer("浙D12345", row(CASE, worst=worst), date(2026, 3, 2), CheckPolicy(threshold), TZ)
    assert got["refuse_entry"] is refused and got["blacklisted"] is False


def test_a_plate_without_a_row_has_nothing_against_it() -> None:
    assert answer("浙D12345", None, date(2026, 3, 2), CheckPolicy(), TZ) == {
        "plate": "浙D12345", "unresolved_cases": 0, "blacklisted": False, "reasons": [], "refuse_entry": False,
        "listed_until": None}


def test_each_partner_has_its_own_bucket() -> None:
    now = [100.0]
    limiter = PartnerLimiter(clock=lambda: now[0])
    for _ in range(3):
        limiter.take(1, 3)
    with pytest.raises(TooManyCalls) as refused:
        limiter.take(1, 3)
    assert refused.value.code == "rate_limited" and refused.value.details["retry_after_s"] == pytest.approx(0.333)
    limiter.take(2, 3)  # another partner is not held back
    now[0] += 1 / 3
    limiter.take(1, 3)  # a third of a second later, one more call
    with pytest.raises(TooManyCalls):
        limiter.take(1, 3)


class FlakyStore:
    def __init__(self) -> None:
        self.fail = True
        self.rows: list[dict[str, Any]] = []

    def log_calls(self, rows: Any) -> None:
        if self.fail:
            raise OSError("database away")
        self.rows += rows


def test_calls_not_written_are_kept_for_the_next_flush() -> None:
    store = FlakyStore()
    log = CallLog(store)  # type: ignore[arg-type]
    log.add({"n": 1})
    with pytest.raises(OSError):
        log.flush()
    log.add({"n": 2})
    store.fail = False
    assert log.flush() == 2 and store.rows == [{"n": 1}, {"n": 2}]
    assert log.flush() == 0


@pytest.mark.parametrize(("text", "stored"), [
    (None, None), ("", None), ("inspection", "inspection"), ("transfer, inspection,transfer", "inspection,transfer"),
])
def test_scopes(text: str | None, stored: str | None) -> None:
    assert parse_scopes(text) == stored


def test_an_unknown_scope_is_named() -> None:
    with pytest.raises(InvalidInput) as refused:
        parse_scopes("inspection,entrance")
    assert refused.value.code == "unknown_scope" and "entrance" in str(refused.value)
