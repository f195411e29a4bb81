"""Letters printed for post (邮寄): each notice becomes one print job, a JSON file in the print queue
directory (``<data dir>/print-queue``) that the post room's printing picks up.

The file is named by the message id (``message_token(dedupe_key)`` + ``.json``) and published without
ever replacing a file: written to a temporary file, flushed to disk, then hard-linked to its name (which
fails if the name exists) and the temporary removed. A resend after a crash finds the file and answers
with the same name: an existing file is not a second letter. The job holds the payload the caller gave
(e.g. ``{"document_id": 12}``: the case document to print with it).
"""

from __future__ import annotations

import contextlib
import json
import os
import tempfile
from pathlib import Path

from zhichao.domain.outbox import DeliveryFailed, Message, message_token


def job(message: Message) -> dict[str, object]:
    return {"msg_id": message.dedupe_key, "address": message.recipient, "subject": message.subject,
            "body": message.body, "payload": dict(message.payload or {}), "case_id": message.case_id}


class PrintQueue:
    def __init__(self, directory: Path) -> None:
        self._dir = directory

    def path_for(self, message: Message) -> Path:
        return self._dir / f"{message_token(message.dedupe_key)}.json"

    def send(self, message: Message) -> str:
        """The print job's file name; ``DeliveryFailed`` (retryable) if it cannot be written."""
        target = self.path_for(message)
        try:
            if not target.exists():
                self._publish(target, json.dumps(job(message), ensure_ascii=False, indent=2).encode("utf-8"))
        except OSError as exc:
            raise DeliveryFailed(f"打印队列写入失败：{exc}", retryable=True) from None
        return target.name

    def _publish(self, target: Path, data: bytes) -> None:
        self._dir.mkdir(parents=True, exist_ok=True)
        fd, temporary = tempfile.mkstemp(dir=self._dir, prefix=".tmp-", suffix=".part")
        try:
            with os.fdopen(fd, "wb") as out:
                out.write(data)
                out.flush()
                os.fsync(out.fileno())
            with contextlib.suppress(FileExistsError):  # published meanwhile by another worker: the same letter
                os.link(temporary, target)
        finally:
            os.unlink(temporary)
        directory = os.open(self._dir, os.O_RDONLY)
        try:
            os.fsync(directory)  # the new name survives a power loss
        finally:
            os.close(directory)
