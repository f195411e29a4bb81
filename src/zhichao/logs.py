"""Log output of the serving process and the commands: text or JSON lines, with secrets masked.

``ZHICHAO_LOG_FORMAT=json`` writes one object per line: ``time`` (UTC, RFC 3339), ``level``, ``logger``,
``message``, the record's extra fields (``log.info("…", extra={"station_id": …})``) and ``exc_info``.
Whatever the format, ``SecretFilter`` masks bearer tokens, the platform's own tokens, ``Authorization``
values, passwords and secrets written as ``key=value`` or ``"key": "value"``, and passwords in URLs, in
the message, its arguments and the extra fields, before any handler formats them. Those are patterns; the
secrets the settings hold (from ``ZHICHAO_*`` or from ``ZHICHAO_*_FILE`` files) are also masked by value,
whatever their shape and wherever they appear (``remember_secrets``, called by ``load_settings``).
"""

from __future__ import annotations

import json
import logging
import re
import sys
import threading
from collections.abc import Iterable
from datetime import UTC, datetime
from typing import Any, TextIO

MASK = "***"
_SECRET_KEY = r"[\w-]*(?:password|passwd|token|secret|api[_-]?key|access[_-]?key|signature)[\w-]*"
_PATTERNS = (
    # Authorization: Bearer …, Basic …, or a bare value
    (re.compile(r"(?i)\b(authorization[\"']?\s*[:=]\s*[\"']?)(?:(bearer|basic|token)\s+)?[^\s\"',;}]+"),
     lambda m: f"{m[1]}{m[2] + ' ' if m[2] else ''}{MASK}"),
    (re.compile(r"(?i)\b(bearer\s+)[A-Za-z0-9._~+/=-]+"), lambda m: f"{m[1]}{MASK}"),
    # station (zst_), user (zut_) and session (zss_) tokens, wherever they appear
    (re.compile(r"\bz(?:st|ut|ss)_[A-Za-z0-9_-]{16,}"), lambda m: MASK),
    (re.compile(rf"(?i)\b({_SECRET_KEY})([\"']?\s*[:=]\s*[\"']?)[^\s\"'&,;}}]+"), lambda m: f"{m[1]}{m[2]}{MASK}"),
    # scheme://user:password@host
    (re.compile(r"(://[^/\s:@]+:)[^@\s/]+@"), lambda m: f"{m[1]}{MASK}@"),
)
_SECRET_NAME = re.compile(rf"(?i)^{_SECRET_KEY}$|^authorization$")
# attributes every LogRecord has; the others were passed as ``extra``
_STANDARD = frozenset(vars(logging.LogRecord("", 0, "", 0, "", None, None))) | {
    "message", "asctime", "taskName", "color_message"}  # uvicorn's coloured copy of the message
# libraries that say too much at INFO: PDF layout steps, Alembic's plugin list
QUIET = ("weasyprint", "fontTools", "alembic.runtime.plugins")
TEXT_FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"


# Shorter values would mask ordinary words; the patterns above still cover a short secret in its usual places.
MIN_SECRET_CHARS = 4


class _KnownSecrets:
    """The exact values to mask, as one alternation (longest first, so a secret containing another goes whole)."""

    def __init__(self) -> None:
        self.values: set[str] = set()
        self.pattern: re.Pattern[str] | None = None
        self.lock = threading.Lock()

    def add(self, values: Iterable[str]) -> None:
        forms = {form for v in values if len(v) >= MIN_SECRET_CHARS
                 for form in (v, repr(v)[1:-1], json.dumps(v, ensure_ascii=False)[1:-1])}
        with self.lock:
            if forms <= self.values:
                return
            self.values |= forms
            ordered = sorted(self.values, key=len, reverse=True)
            self.pattern = re.compile("|".join(map(re.escape, ordered)))

    def clear(self) -> None:
        with self.lock:
            self.values, self.pattern = set(), None


_KNOWN = _KnownSecrets()


def remember_secrets(values: Iterable[str]) -> None:
    """Mask these values wherever they appear from now on: as they are, as ``repr`` and JSON write them."""
    _KNOWN.add(values)


def forget_secrets() -> None:
    """Forget the values ``remember_secrets`` was given (for tests)."""
    _KNOWN.clear()


def mask(text: str) -> str:
    known = _KNOWN.pattern
    if known is not None:
        text = known.sub(MASK, text)
    for pattern, replace in _PATTERNS:
        text = pattern.sub(replace, text)
    return text


def _masked(name: str, value: object) -> object:
    if _SECRET_NAME.match(name):
        return MASK
    if isinstance(value, str):
        return mask(value)
    if isinstance(value, dict):
        return {k: _masked(str(k), v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_masked(name, v) for v in value]
    if value is None or isinstance(value, bool | int | float):
        return value
    return mask(str(value))  # an object in the extras is written as its text: masked as text


class SecretFilter(logging.Filter):
    """Masks secrets in place, so every handler after it sees the masked record. Never drops one."""

    def filter(self, record: logging.LogRecord) -> bool:
        record.msg, record.args = mask(record.getMessage()), None
        for key in extras(record):
            setattr(record, key, _masked(key, getattr(record, key)))
        return True


def extras(record: logging.LogRecord) -> list[str]:
    return [key for key in vars(record) if key not in _STANDARD and not key.startswith("_")]


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        line: dict[str, Any] = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        line.update((key, getattr(record, key)) for key in extras(record) if key not in line)
        if record.exc_info:
            line["exc_info"] = mask(self.formatException(record.exc_info))
        return json.dumps(line, ensure_ascii=False, default=str)


class _MaskingTextFormatter(logging.Formatter):
    def formatException(self, ei: Any) -> str:  # noqa: N802 — the logging API's name
        return mask(super().formatException(ei))

    def format(self, record: logging.LogRecord) -> str:
        # The record caches its traceback's text for every handler: another handler may have written it unmasked.
        return mask(super().format(record))


class _StderrHandler(logging.StreamHandler[TextIO]):
    """Writes to whatever ``sys.stderr`` is at the time (test runners replace it)."""

    def __init__(self) -> None:
        super().__init__(sys.stderr)

    @property
    def stream(self) -> TextIO:
        return sys.stderr

    @stream.setter
    def stream(self, _value: TextIO) -> None:
        """Ignored: the handler keeps following ``sys.stderr`` (logging.StreamHandler sets it on init)."""


def configure(log_format: str, level: int = logging.INFO) -> logging.Handler:
    """Send the root logger's records to stderr in ``log_format`` (``text`` or ``json``), secrets masked.

    Replaces the handler an earlier call installed, so calling it again (serve after the command line
    was read) changes the format instead of doubling every line.
    """
    root = logging.getLogger()
    for old in [h for h in root.handlers if isinstance(h, _StderrHandler)]:
        root.removeHandler(old)
    handler = _StderrHandler()
    handler.addFilter(SecretFilter())
    handler.setFormatter(JsonFormatter() if log_format == "json" else _MaskingTextFormatter(TEXT_FORMAT))
    root.addHandler(handler)
    root.setLevel(level)
    for name in QUIET:
        logging.getLogger(name).setLevel(max(level, logging.WARNING))
    return handler
