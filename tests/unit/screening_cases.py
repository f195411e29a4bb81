"""The clean passage the screening tables start from (each row changes what it tests)."""

from __future__ import annotations

from datetime import date, datetime, timedelta, timezone
from typing import Any

from zhichao.domain.screening import Passage

AT = datetime(2026, 3, 2, 10, 0, tzinfo=timezone(timedelta(hours=8)))
# A clean 6-axle train: axles sum exactly to the gross, plate read with high confidence.
CLEAN = Passage(
    "S01", 2, AT, date(2026, 3, 2), "浙D12345", "黄浙D12345", 0.95, 62.0, 49_000,
    (7_000, 10_500, 10_500, 7_000, 7_000, 7_000), (), ("plate", "side"), True,
)  # fmt: skip


def passage(**changes: Any) -> Passage:
    return CLEAN._replace(**changes)
