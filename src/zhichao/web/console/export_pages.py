"""``GET /console/export/{list}.{csv|xlsx}``: a console list as a file, with the query parameters of its page
(docs/exports.md). The lists and their columns are in ``export_sheets.py``.

In order: the list and the format are known (else 400 ``unknown_list`` / ``unknown_format``); the caller may
read the page (its own gate: the login page, or 403); the filter is the page's (400 on a malformed date or a
reversed period); the audit entry is committed; then the rows leave. A refusal writes nothing.

CSV is streamed as it is read from the database, a thousand rows a chunk. Excel cannot be: a workbook is a
zip whose directory comes last. It is written by XlsxWriter in constant-memory mode into a private temporary
directory under the data directory, then sent and deleted. The route is a plain ``def``, so FastAPI runs it
in a worker thread and the workbook is written there, never on the event loop.
"""

from __future__ import annotations

import shutil
import tempfile
from collections.abc import Iterator, Mapping
from pathlib import Path
from urllib.parse import quote

from fastapi import APIRouter, Request
from fastapi.responses import FileResponse, Response, StreamingResponse
from starlette.background import BackgroundTask

from zhichao.adapters.documents.spreadsheet import Sheet, csv_stream, write_xlsx
from zhichao.bootstrap import Container
from zhichao.services import exports
from zhichao.services.errors import InvalidInput
from zhichao.web.console.export_sheets import LISTS, Cells, ListExport, local_today
from zhichao.web.console.list_filters import filter_audit
from zhichao.web.deps import container

router = APIRouter(include_in_schema=False)
MEDIA_TYPES: Mapping[str, str] = {
    "csv": "text/csv; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}
_HEADERS = {"Cache-Control": "no-store", "X-Content-Type-Options": "nosniff"}


def _choose(filename: str) -> tuple[str, ListExport, str]:
    """The list's name, its export and the format, from ``records.csv`` and the like."""
    name, _, fmt = filename.rpartition(".")
    if not name:
        name, fmt = filename, ""
    found = LISTS.get(name)
    if found is None:
        known = "、".join(f"{spec.title}（{key}）" for key, spec in LISTS.items())
        raise InvalidInput("unknown_list", f"没有可导出的列表「{name[:32]}」；可导出：{known}",
                           {"list": name[:32], "lists": sorted(LISTS)})
    if fmt not in MEDIA_TYPES:
        raise InvalidInput("unknown_format", f"不支持的导出格式「{fmt[:16]}」，请选择 xlsx（Excel）或 csv",
                           {"format": fmt[:16], "formats": sorted(MEDIA_TYPES)})
    return name, found, fmt


def content_disposition(title: str, fallback: str) -> str:
    """``attachment`` with the Chinese file name (RFC 5987 ``filename*``) and an ASCII one for old clients."""
    return f"attachment; filename=\"{fallback}\"; filename*=UTF-8''{quote(title, safe='')}"


@router.get("/console/export/{filename}")
def export_list(filename: str, request: Request) -> Response:
    name, spec, fmt = _choose(filename)
    user = spec.viewer(request)
    if isinstance(user, Response):
        return user
    c = container(request)
    f = spec.parse(request, c)
    rows = spec.rows(c, f)  # refuses what the list's service refuses; reads nothing yet
    origin = request.client.host if request.client else "unknown"
    exports.log_export(c.list_exports, user, name, fmt, filter_audit(f), now=c.clock(), origin=origin)
    day = local_today(c).isoformat()
    headers = {**_HEADERS, "Content-Disposition": content_disposition(f"{spec.title}-{day}.{fmt}",
                                                                      f"{name}-{day}.{fmt}")}
    if fmt == "csv":
        return StreamingResponse(csv_stream(spec.columns, rows), media_type=MEDIA_TYPES["csv"], headers=headers)
    return _workbook(c, spec, rows, headers)


def _workbook(c: Container, spec: ListExport, rows: Iterator[Cells], headers: dict[str, str]) -> Response:
    """The rows written into a workbook in a fresh temporary directory, sent, then the directory removed."""
    parent = c.settings.data_dir / "tmp"
    parent.mkdir(parents=True, exist_ok=True)
    folder = Path(tempfile.mkdtemp(prefix="export-", dir=parent))
    try:
        path = folder / "export.xlsx"
        write_xlsx(path, [Sheet(spec.title, spec.columns, rows)])
    except BaseException:
        shutil.rmtree(folder, ignore_errors=True)
        raise
    return FileResponse(path, media_type=MEDIA_TYPES["xlsx"], headers=headers,
                        background=BackgroundTask(shutil.rmtree, folder, ignore_errors=True))
