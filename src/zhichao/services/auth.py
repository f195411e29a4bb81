"""Who is calling: stations by their token, people by session or API token, and what roles may do.

Station and API tokens are 256-bit random strings, so a SHA-256 of the token is a safe thing to
store and look up by. Passwords are people's choices and get a memory-hard hash (Argon2id).
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from datetime import datetime, timedelta

from zhichao.services.errors import InvalidInput, NotAuthenticated, PermissionDenied
from zhichao.services.partner_check import parse_scopes
from zhichao.services.ports import (
    IngestStore,
    PasswordHasher,
    StationInfo,
    StationRepository,
    User,
    UserRepository,
)

ROLES = ("reviewer", "officer", "legal", "leader", "admin", "partner")
# Roles that may read records, vehicles and stations; a partner system may only call the check API.
READ_ROLES = frozenset({"reviewer", "officer", "legal", "leader", "admin"})
CHECK_ROLES = READ_ROLES | {"partner"}


def new_token(prefix: str) -> str:
    return f"{prefix}_{secrets.token_urlsafe(32)}"


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def new_password() -> str:
    return secrets.token_urlsafe(12)


def bearer_token(authorization: str | None) -> str | None:
    if not authorization:
        return None
    scheme, _, value = authorization.partition(" ")
    return value.strip() or None if scheme.lower() == "bearer" else None


def authenticate_station(store: IngestStore, stations: StationRepository, station_id: str,
                         token: str | None) -> StationInfo:
    """The station whose path was called, if ``token`` is its token.

    401 without a token or with an unknown one; 403 with the valid token of another station.
    """
    if not token:
        raise NotAuthenticated("missing_token", "缺少站点令牌（Authorization: Bearer <令牌>）")
    digest = token_hash(token)
    info = store.station(station_id)
    if info is not None and hmac.compare_digest(info.token_hash, digest):
        return info
    owner = stations.id_for_token_hash(digest)
    if owner is not None:
        raise PermissionDenied("wrong_station", f"该令牌属于站点 {owner}，不能向站点 {station_id} 上传数据")
    raise NotAuthenticated("invalid_token", "站点令牌无效")


def user_for_token(users: UserRepository, token: str | None) -> User:
    if not token:
        raise NotAuthenticated("login_required", "请先登录或提供 API 令牌")
    user = users.by_token_hash(token_hash(token))
    if user is None or not user.active:
        raise NotAuthenticated("invalid_token", "API 令牌无效")
    return user


def require_role(user: User, allowed: frozenset[str]) -> User:
    if user.role not in allowed:
        raise PermissionDenied("role_not_allowed", "当前角色无权执行此操作")
    return user


def add_user(users: UserRepository, hasher: PasswordHasher, username: str, role: str, *, now: datetime,
             display_name: str | None = None, demo: bool = False, scopes: str | None = None,
             rate_per_s: int | None = None) -> tuple[User, str, str]:
    """Create a user; return it with its new password and API token (shown once, stored hashed). A partner
    may call the check API; its scopes add the exports it may fetch, and it may have its own rate limit."""
    if role not in ROLES:
        raise InvalidInput("unknown_role", f"角色必须是 {'、'.join(ROLES)} 之一", {"role": role})
    if role == "partner":
        scopes = parse_scopes(scopes)
        if rate_per_s is not None and not 1 <= rate_per_s <= 10_000:
            raise InvalidInput("invalid_rate", "调用频率上限须为每秒 1–10000 次")
    elif scopes or rate_per_s is not None:
        raise InvalidInput("partner_only", "导出用途和调用频率只适用于合作方（partner）账号")
    if not username or len(username) > 64 or not username.isprintable() or " " in username:
        raise InvalidInput("invalid_username", "用户名必须是 1–64 个不含空格的字符")
    if users.by_username(username) is not None:
        raise InvalidInput("username_taken", f"用户名 {username} 已存在")
    password, token = new_password(), new_token("zut")
    user = users.add({
        "username": username, "display_name": display_name or username, "role": role,
        "password_hash": hasher.hash(password), "token_hash": token_hash(token),
        "active": True, "demo": demo, "created_at": now, "scopes": scopes, "rate_per_s": rate_per_s,
    })
    return user, password, token


def reset_credentials(users: UserRepository, hasher: PasswordHasher, username: str) -> tuple[str, str]:
    password, token = new_password(), new_token("zut")
    users.set_password(username, hasher.hash(password), token_hash(token))
    return password, token


_DUMMY_HASHES: dict[int, str] = {}


def _dummy_hash(hasher: PasswordHasher) -> str:
    if id(hasher) not in _DUMMY_HASHES:
        _DUMMY_HASHES[id(hasher)] = hasher.hash(secrets.token_urlsafe(16))
    return _DUMMY_HASHES[id(hasher)]


def log_in(users: UserRepository, hasher: PasswordHasher, username: str, password: str, *, now: datetime,
           ttl: timedelta) -> tuple[User, str]:
    """Check a password and open a session; return the user and the session token for the cookie."""
    found = users.by_username(username)
    # An unknown name still costs one hash check, so the answer's timing does not tell which
    # usernames exist.
    password_hash = found[1] if found is not None else _dummy_hash(hasher)
    if not hasher.verify(password_hash, password) or found is None or not found[0].active:
        raise NotAuthenticated("bad_credentials", "用户名或密码错误")
    session = new_token("zss")
    users.add_session(token_hash(session), found[0].id, now, now + ttl)
    return found[0], session


def user_for_session(users: UserRepository, session: str | None, now: datetime) -> User | None:
    if not session:
        return None
    user = users.by_session(token_hash(session), now)
    return user if user is not None and user.active else None
