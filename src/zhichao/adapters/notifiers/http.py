"""POSTing JSON with a short timeout (urllib, no extra dependency), failures as ``DeliveryFailed``.

4xx (but 408 and 429) and redirects are not retryable (the request itself is wrong: signature, address, configuration);
5xx, timeouts and connection errors are. The timeout bounds each wait on the socket (connect, each read),
so a gateway that hangs costs one timeout, not a stuck worker.
"""

from __future__ import annotations

import urllib.error
import urllib.request
from collections.abc import Mapping
from typing import Any

from zhichao.domain.outbox import DeliveryFailed


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args: Any, **kwargs: Any) -> None:
        return None  # a redirect then surfaces as an HTTPError with its 3xx status


_OPENER = urllib.request.build_opener(_NoRedirect)
_BUSY = (408, 429)  # request timeout, too many requests: the same request may pass later


def post_json(url: str, body: bytes, headers: Mapping[str, str], timeout_s: float) -> tuple[int, bytes]:
    """POST ``body``; the 2xx status and the answer's bytes, or ``DeliveryFailed``."""
    request = urllib.request.Request(url, data=body, method="POST",
                                     headers={"Content-Type": "application/json; charset=utf-8", **headers})
    try:
        with _OPENER.open(request, timeout=timeout_s) as response:
            return int(response.status), bytes(response.read())
    except urllib.error.HTTPError as exc:
        try:
            detail = exc.read()[:200].decode("utf-8", "replace")
        except OSError:
            detail = exc.reason if isinstance(exc.reason, str) else ""
        raise DeliveryFailed(f"HTTP {exc.code}: {detail}", retryable=exc.code >= 500 or exc.code in _BUSY) from None
    except (TimeoutError, urllib.error.URLError, OSError) as exc:
        raise DeliveryFailed(f"{type(exc).__name__}: {exc}", retryable=True) from None
