"""Request helpers shared by the API and the console: the container, the caller, the body, an uploaded file."""

from __future__ import annotations

from collections.abc import Sequence

from fastapi import Request
from starlette.datastructures import UploadFile

from zhichao.bootstrap import Container
from zhichao.services import personal_data
from zhichao.services.auth import bearer_token, require_role, user_for_session, user_for_token
from zhichao.services.errors import NotAuthenticated, PayloadTooLarge
from zhichao.services.ports import User

SESSION_COOKIE = "zhichao_session"


def container(request: Request) -> Container:
    c: Container = request.app.state.container
    return c


def current_user(request: Request) -> User | None:
    """The logged-in user (session cookie) or the API token's user; None when neither is given."""
    c = container(request)
    token = bearer_token(request.headers.get("authorization"))
    if token:
        return user_for_token(c.users, token)
    return user_for_session(c.users, request.cookies.get(SESSION_COOKIE), c.clock())


def user_with_role(request: Request, roles: frozenset[str]) -> User:
    user = current_user(request)
    if user is None:
        raise NotAuthenticated("login_required", "请先登录或提供 API 令牌")
    return require_role(user, roles)


def log_personal_read(request: Request, user: User, channel: str, subject: str, shown: Sequence[str]) -> None:
    """The audit entry ``personal_data.read`` for what ``user`` is about to be shown (nothing when ``shown`` is
    empty); 503 ``audit_unavailable`` when it cannot be written, before anything is sent
    (services/personal_data.py)."""
    c = container(request)
    personal_data.log_read(c.audit, user, channel=channel, subject=subject, shown=shown, now=c.clock(),
                           origin=request.client.host if request.client else "unknown")


async def read_body(request: Request, limit: int) -> bytes:
    """The request body, refusing (413) as soon as it passes ``limit`` bytes."""
    declared = request.headers.get("content-length")
    if declared is not None and declared.isdigit() and int(declared) > limit:
        raise PayloadTooLarge("body_too_large", f"请求体超过 {limit} 字节的上限")
    chunks: list[bytes] = []
    size = 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > limit:
            raise PayloadTooLarge("body_too_large", f"请求体超过 {limit} 字节的上限")
        chunks.append(chunk)
    return b"".join(chunks)


# Multipart framing (boundaries, part headers) and the form's small text fields, on top of the file itself.
FORM_OVERHEAD_BYTES = 64 * 1024


async def read_form_file(request: Request, limit: int) -> tuple[dict[str, str], tuple[str, bytes] | None]:
    """A form's text fields and its ``file`` part (its name and at most ``limit`` + 1 of its bytes, so that
    a check can still say "too large"); None when no file part was sent. A body declared larger than such
    a form can be is refused (413) before it is read."""
    declared = request.headers.get("content-length")
    if declared is not None and declared.isdigit() and int(declared) > limit + FORM_OVERHEAD_BYTES:
        raise PayloadTooLarge("body_too_large", f"请求体超过 {limit + FORM_OVERHEAD_BYTES} 字节的上限")
    async with request.form(max_files=1, max_fields=16) as form:
        fields = {key: value for key, value in form.multi_items() if isinstance(value, str)}
        part = form.get("file")
        if not isinstance(part, UploadFile):
            return fields, None
        data = await part.read(limit + 1)
        # A file input left empty is sent as a part with no name and no bytes: no file.
        return fields, (part.filename or "", data) if part.filename or data else None
