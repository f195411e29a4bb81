"""Checks every request passes before any handler runs.

PostgreSQL cannot store or compare text holding the NUL character (U+0000): a parameter carrying one
would fail deep inside a query. It can never be meant (no plate, id or name holds it), so the edge refuses
it in the path and the query string with 400, before anything is read or written. The ingest's record
fields refuse control characters where they are decoded; a NUL in any other body or form that reaches
the database is answered the same 400 by the app's error handler (``holds_nul``), its transaction rolled
back."""

from __future__ import annotations

from fastapi import Request
from sqlalchemy.exc import DataError

from zhichao.services.errors import InvalidInput

_NUL = "\x00"
NUL_CODE = "nul_character"
NUL_MESSAGE = "请求的地址、参数或内容中含有空字符（U+0000），已拒绝"


def holds_nul(exc: Exception) -> bool:
    """The database refused text holding NUL (psycopg refuses it before sending)."""
    return isinstance(exc, DataError) and "NUL" in str(exc.orig)


async def no_nul_character(request: Request) -> None:
    """A route dependency of the whole app. Async, so that it costs no trip through the thread pool."""
    if _NUL in request.url.path or any(_NUL in k or _NUL in v for k, v in request.query_params.multi_items()):
        raise InvalidInput(NUL_CODE, NUL_MESSAGE)
