"""Cross-site request forgery: a form post another site makes a browser send carries its session cookie.

An unsafe request (POST, PUT, PATCH, DELETE) that comes with the console's session cookie and no bearer
token must name this site as its ``Origin`` (or, when a browser leaves that out, its ``Referer``);
anything else is refused with 403 ``csrf_refused`` before the route runs, so nothing is done. Requests
with a bearer token (API clients, stations) cannot be forged by another page and are not checked.

The comparison is on host and port only: behind a TLS proxy the app sees ``http`` while the browser
says ``https``, and an attacker cannot serve a page from this host anyway. The session cookie is also
``SameSite=Lax`` (``web/console/pages.py``); this check is the second lock, for older browsers and for
sibling sites on the same registrable domain, which SameSite counts as the same site.
"""

from __future__ import annotations

from urllib.parse import urlsplit

from fastapi import Request

from zhichao.services.auth import bearer_token
from zhichao.services.errors import PermissionDenied
from zhichao.web.deps import SESSION_COOKIE

UNSAFE_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})


def _host_of(url: str) -> str | None:
    parts = urlsplit(url)
    return parts.netloc.lower() if parts.scheme in ("http", "https") and parts.netloc else None


async def same_origin(request: Request) -> None:
    """A route dependency of the whole app: refuse a cookie-authenticated unsafe request from elsewhere. Async,
    though it waits for nothing: a plain function would cost every request a trip through the thread pool."""
    if request.method not in UNSAFE_METHODS or not request.cookies.get(SESSION_COOKIE):
        return
    if bearer_token(request.headers.get("authorization")):
        return
    claimed = request.headers.get("origin") or request.headers.get("referer") or ""
    host = request.headers.get("host", "").lower()
    if not host or _host_of(claimed) != host:
        raise PermissionDenied("csrf_refused", "请求来源不是本系统页面，已拒绝（请从本系统页面重新提交）")
