"""Mosquitto's password file: ``username:$7$101$<salt>$<hash>`` per line, the format of mosquitto 2.0's
``mosquitto_passwd`` (PBKDF2-HMAC-SHA512, 101 iterations, a 12-byte salt, both in standard base64)."""

from __future__ import annotations

import base64
import hashlib
import os
import secrets
from pathlib import Path

ITERATIONS = 101  # mosquitto_passwd's own default; the broker reads the count from each line


def password_line(username: str, password: str, salt: bytes | None = None) -> str:
    salt = secrets.token_bytes(12) if salt is None else salt
    digest = hashlib.pbkdf2_hmac("sha512", password.encode(), salt, ITERATIONS)
    b64 = base64.b64encode
    return f"{username}:$7${ITERATIONS}${b64(salt).decode()}${b64(digest).decode()}"


def write_user(path: Path, username: str, password: str) -> None:
    """Set ``username``'s line in the file at ``path``, keeping every other user's line (a station's line
    written when its token was issued). The file is replaced whole, readable by its owner only."""
    kept = []
    if path.exists():
        kept = [line for line in path.read_text(encoding="utf-8").splitlines()
                if line.strip() and line.split(":", 1)[0] != username]
    tmp = path.with_name(path.name + ".tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as out:
        out.write("\n".join([*kept, password_line(username, password)]) + "\n")
    os.replace(tmp, path)
