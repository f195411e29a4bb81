"""Headers every response carries, whatever produced it (a page, JSON, a redirect, a file, an error):
the browser must not sniff types, frame the app, leak the address in the Referer, or use the
microphone. Pages add their Content-Security-Policy themselves (console/pages.py): JSON needs none,
and the API documentation page runs Swagger UI's own inline script.

The mobile pages (console/mobile_pages.py) ask for the camera (a photo) and the position (where an
inspection took place), on this origin only."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, MutableMapping
from typing import Any

HEADERS: tuple[tuple[bytes, bytes], ...] = (
    (b"x-content-type-options", b"nosniff"),
    (b"x-frame-options", b"DENY"),
    (b"referrer-policy", b"same-origin"),
    (b"permissions-policy", b"camera=(self), geolocation=(self), microphone=(), payment=(), usb=()"),
)
_NAMES = frozenset(name for name, _ in HEADERS)


class SecurityHeaders:
    """ASGI middleware adding ``HEADERS`` to each response that does not set them already."""

    def __init__(self, app: Callable[..., Awaitable[None]]) -> None:
        self.app = app

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def with_headers(message: MutableMapping[str, Any]) -> None:
            if message["type"] == "http.response.start":
                present = {name.lower() for name, _ in message.get("headers", [])} & _NAMES
                message["headers"] = [*message.get("headers", []), *(h for h in HEADERS if h[0] not in present)]
            await send(message)

        await self.app(scope, receive, with_headers)
