"""The SMS gateway over HTTP (docs/notifications.md has the protocol).

POST ``{"msg_id", "phone", "text", "sign_name"}`` as compact UTF-8 JSON, with ``X-Signature`` = lowercase
hex HMAC-SHA256 of exactly those bytes under the shared secret. The gateway answers 2xx
``{"ok": true, "id": …}`` when it took the message, and dedupes by ``msg_id`` (the outbox's dedupe_key):
a resend after a crash gets the first answer again, not a second SMS.
"""

from __future__ import annotations

import hashlib
import hmac
import json

from zhichao.adapters.notifiers.http import post_json
from zhichao.domain.outbox import DeliveryFailed, Message


def signature(secret: str, body: bytes) -> str:
    return hmac.new(secret.encode("utf-8"), body, hashlib.sha256).hexdigest()


class SmsGateway:
    def __init__(self, url: str, secret: str, sign_name: str, timeout_s: float) -> None:
        self._url, self._secret, self._sign_name, self._timeout_s = url, secret, sign_name, timeout_s

    def send(self, message: Message) -> str:
        """The gateway's id for the SMS; ``DeliveryFailed`` (4xx not retryable, 5xx and timeouts retryable)."""
        body = json.dumps({"msg_id": message.dedupe_key, "phone": message.recipient, "text": message.body,
                           "sign_name": self._sign_name}, ensure_ascii=False, separators=(",", ":")).encode("utf-8")
        _, answer = post_json(self._url, body, {"X-Signature": signature(self._secret, body)}, self._timeout_s)
        try:
            reply = json.loads(answer)
        except ValueError:
            reply = None
        if not isinstance(reply, dict) or reply.get("ok") is not True or not reply.get("id"):
            # A 2xx that is not the protocol's answer (a proxy's page, a half-deployed gateway): sending again
            # is safe, the gateway dedupes by msg_id.
            raise DeliveryFailed(f"短信网关应答无法识别：{answer[:200].decode('utf-8', 'replace')}", retryable=True)
        return str(reply["id"])
