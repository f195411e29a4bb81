"""Argon2id password hashing (memory-hard), behind the ``PasswordHasher`` port."""

from __future__ import annotations

from argon2 import PasswordHasher as _Argon2
from argon2.exceptions import InvalidHashError, VerificationError


class Argon2Hasher:
    """Argon2id with the RFC 9106 low-memory profile (64 MiB, t=3) unless told otherwise. A hash carries its
    own parameters, so hashes made with other parameters still verify."""

    def __init__(self, memory_kib: int = 65_536, time_cost: int = 3) -> None:
        self._hasher = _Argon2(memory_cost=memory_kib, time_cost=time_cost)

    def hash(self, password: str) -> str:
        return self._hasher.hash(password)

    def verify(self, password_hash: str, password: str) -> bool:
        try:
            return self._hasher.verify(password_hash, password)
        except (VerificationError, InvalidHashError):
            return False
