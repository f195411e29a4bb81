"""Console pages (placeholder until the console is written)."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse

router = APIRouter()


def error_page(request: Request, status: int, message: str) -> HTMLResponse:
    return HTMLResponse(f"<p>{message}</p>", status_code=status)
