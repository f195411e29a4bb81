"""Parameter types shared by the API's routes.

A row id is a signed 64-bit integer in both databases (``BigId`` in adapters/db/tables.py): a larger
number cannot be bound to a query at all (SQLite raises ``OverflowError``, PostgreSQL a ``DataError``), so
the edge refuses it like any other malformed parameter, with 400 ``invalid_request``.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import Path, Query

MAX_ROW_ID = 2**63 - 1

QueryRowId = Annotated[int | None, Query(ge=1, le=MAX_ROW_ID, description="a row id (1 … 2⁶³−1)")]
RowId = Annotated[int, Path(ge=1, le=MAX_ROW_ID, description="a row id (1 … 2⁶³−1)")]
