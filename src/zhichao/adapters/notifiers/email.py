"""E-mail through an SMTP relay (smtplib; no TLS or login: the bureau's internal relay).

The Message-ID is derived from the outbox's dedupe_key (``<token@domain of From>``), so a resend after a
crash carries the same id; mail systems that keep ids (most clients, many archives) show it once. SMTP
itself does not dedupe. A 5xx answer (address refused, message refused) is not retryable; 4xx,
disconnects and timeouts are.
"""

from __future__ import annotations

import smtplib
from email.message import EmailMessage
from email.utils import formatdate

from zhichao.domain.outbox import DeliveryFailed, Message, message_token


def message_id(dedupe_key: str, sender: str) -> str:
    domain = sender.rpartition("@")[2] or "zhichao.invalid"
    return f"<{message_token(dedupe_key)}@{domain}>"


class SmtpMailer:
    def __init__(self, host: str, port: int, sender: str, timeout_s: float) -> None:
        self._host, self._port, self._sender, self._timeout_s = host, port, sender, timeout_s

    def compose(self, message: Message) -> EmailMessage:
        mail = EmailMessage()
        mail["From"] = self._sender
        mail["To"] = message.recipient
        mail["Subject"] = message.subject
        mail["Date"] = formatdate(localtime=False, usegmt=True)
        mail["Message-ID"] = message_id(message.dedupe_key, self._sender)
        mail.set_content(message.body)
        return mail

    def send(self, message: Message) -> str:
        """The Message-ID; ``DeliveryFailed`` if the relay did not take the message."""
        mail = self.compose(message)
        try:
            with smtplib.SMTP(self._host, self._port, timeout=self._timeout_s) as smtp:
                smtp.send_message(mail)
        except smtplib.SMTPRecipientsRefused as exc:
            codes = [code for code, _ in exc.recipients.values()]
            raise DeliveryFailed(f"收件人被拒绝：{exc.recipients}", retryable=all(c < 500 for c in codes)) from None
        except smtplib.SMTPResponseException as exc:
            detail = exc.smtp_error.decode("utf-8", "replace") if isinstance(exc.smtp_error, bytes) else exc.smtp_error
            raise DeliveryFailed(f"SMTP {exc.smtp_code}: {detail}", retryable=exc.smtp_code < 500) from None
        except (smtplib.SMTPException, OSError) as exc:
            raise DeliveryFailed(f"{type(exc).__name__}: {exc}", retryable=True) from None
        return str(mail["Message-ID"])
