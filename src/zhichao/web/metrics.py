"""``GET /metrics``: the process's metrics in the Prometheus text format, for admins, Prometheus and the machine.

Allowed: a bearer token equal to ``ZHICHAO_METRICS_TOKEN``, an admin (session or API token), or a
request from the loopback address that no proxy forwarded (a reverse proxy on the same machine connects
from 127.0.0.1 too, and adds ``X-Forwarded-For``; deploy/nginx.conf also refuses ``/metrics`` outright).
"""

from __future__ import annotations

import hmac

from fastapi import APIRouter, Request
from fastapi.responses import Response

from zhichao.adapters.metrics import CONTENT_TYPE
from zhichao.services.auth import bearer_token
from zhichao.web.deps import container, user_with_role

router = APIRouter(include_in_schema=False)
LOOPBACK = frozenset({"127.0.0.1", "::1"})
ADMIN = frozenset({"admin"})
_PROXY_HEADERS = ("x-forwarded-for", "x-real-ip", "forwarded")


def _trusted(request: Request, metrics_token: str) -> bool:
    token = bearer_token(request.headers.get("authorization"))
    if metrics_token and token and hmac.compare_digest(token.encode(), metrics_token.encode()):
        return True
    host = request.client.host if request.client else ""
    return host in LOOPBACK and not any(h in request.headers for h in _PROXY_HEADERS)


@router.get("/metrics")
def metrics(request: Request) -> Response:
    c = container(request)
    if not _trusted(request, c.settings.metrics_token):
        user_with_role(request, ADMIN)  # 401 without credentials, 403 for another role
    return Response(c.metrics.render(), media_type=CONTENT_TYPE)
