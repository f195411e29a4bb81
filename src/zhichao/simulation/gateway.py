"""A stand-in SMS gateway and DingTalk robot for the demo and the tests: a real HTTP server (stdlib, in a
thread) on a free port. The bureau's real gateway lies outside the platform; this one plays it locally.

- ``POST /sms``: the protocol of docs/notifications.md. A missing or wrong ``X-Signature`` (hex
  HMAC-SHA256 of the body under ``sms_secret``) → 401; a malformed body → 400. A new ``msg_id`` is
  delivered (``{"ok": true, "id": "sms-<n>"}``); a known one is answered with its first id and not
  delivered again.
- ``POST /robot/send?access_token=…&timestamp=…&sign=…``: DingTalk's custom robot. A wrong token →
  errcode 300001; a missing or wrong sign, or a timestamp over an hour off → errcode 310000 (HTTP 200,
  as DingTalk does). The robot does not dedupe (neither does DingTalk): every post is delivered.
- ``fail_next(n, status)``: the next n requests get ``status`` (500) and deliver nothing.
  ``hang_next(n, seconds)``: the next n requests are delivered, then answered only after ``seconds``
  (longer than the client's timeout: the answer is lost, the message is not).
- ``GET /_received`` returns what was received; ``POST /_fail`` and ``POST /_hang`` (JSON ``n``,
  ``status`` / ``seconds``) do what the methods do, for a test that drives the gateway from outside.
"""

from __future__ import annotations

import base64
import contextlib
import hashlib
import hmac
import json
import re
import threading
import time
import urllib.parse
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import TracebackType
from typing import Any

SMS_SECRET = "sms-shared-secret"
ROBOT_TOKEN = "robot-token"
ROBOT_SECRET = "SEC0123456789abcdef"
_MOBILE = re.compile(r"1[3-9]\d{9}")


@dataclass
class Received:
    """Everything the fake saw: ``sms`` every signed SMS request body (resends included), ``delivered``
    msg_id → the SMS first delivered under it, ``robot`` every robot post that passed the checks,
    ``requests`` every request (path, status)."""

    sms: list[dict[str, Any]] = field(default_factory=list)
    delivered: dict[str, dict[str, Any]] = field(default_factory=dict)
    robot: list[dict[str, Any]] = field(default_factory=list)
    requests: list[tuple[str, int]] = field(default_factory=list)


class FakeGateway:
    def __init__(self, sms_secret: str = SMS_SECRET, robot_secret: str = ROBOT_SECRET,
                 robot_token: str = ROBOT_TOKEN, latency_s: float = 0.0) -> None:
        self.sms_secret, self.robot_secret, self.robot_token = sms_secret, robot_secret, robot_token
        self.latency_s = latency_s
        self.received = Received()
        self.lock = threading.Lock()
        self._fail: list[int] = []
        self._hang: list[float] = []
        self._released = threading.Event()
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(self))
        self._server.daemon_threads = True
        self._server.block_on_close = False  # a hanging request must not hold up stop()
        self._thread = threading.Thread(target=self._server.serve_forever, args=(0.05,), name="fake-gateway",
                                        daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self._server.server_address[1]}"

    @property
    def sms_url(self) -> str:
        return f"{self.url}/sms"

    @property
    def robot_url(self) -> str:
        return f"{self.url}/robot/send?access_token={self.robot_token}"

    def start(self) -> FakeGateway:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._released.set()
        self._server.shutdown()
        self._server.server_close()

    def __enter__(self) -> FakeGateway:
        return self.start()

    def __exit__(self, t: type[BaseException] | None, v: BaseException | None, tb: TracebackType | None) -> None:
        self.stop()

    def fail_next(self, n: int, status: int = 500) -> None:
        with self.lock:
            self._fail.extend([status] * n)

    def hang_next(self, n: int, seconds: float) -> None:
        with self.lock:
            self._hang.extend([seconds] * n)

    def sms_requests(self, msg_id: str) -> int:
        """How many signed requests carried ``msg_id`` (a resend counts, a delivery does not twice)."""
        with self.lock:
            return sum(1 for s in self.received.sms if s["msg_id"] == msg_id)

    def deliveries(self) -> dict[str, dict[str, Any]]:
        with self.lock:
            return dict(self.received.delivered)

    def wait_for(self, condition: Any, timeout_s: float = 10.0) -> None:
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            with self.lock:
                if condition(self.received):
                    return
            time.sleep(0.02)
        raise AssertionError("the fake gateway did not receive what was expected in time")

    # The handler's side: each returns (status, answer) and records what it saw.

    def _next_fault(self) -> tuple[int | None, float]:
        with self.lock:
            status = self._fail.pop(0) if self._fail else None
            hang = self._hang.pop(0) if self._hang and status is None else 0.0
            return status, hang

    def handle_sms(self, body: bytes, signature: str) -> tuple[int, dict[str, Any]]:
        expected = hmac.new(self.sms_secret.encode(), body, hashlib.sha256).hexdigest()
        if not hmac.compare_digest(expected, signature):
            return 401, {"ok": False, "error": "bad signature"}
        try:
            sms = json.loads(body)
            assert isinstance(sms, dict) and {"msg_id", "phone", "text", "sign_name"} <= set(sms)
            assert _MOBILE.fullmatch(sms["phone"]) and sms["text"] and sms["msg_id"]
        except (ValueError, AssertionError):
            return 400, {"ok": False, "error": "bad request"}
        with self.lock:
            self.received.sms.append(sms)
            delivered = self.received.delivered
            duplicate = sms["msg_id"] in delivered
            if not duplicate:
                delivered[sms["msg_id"]] = {**sms, "id": f"sms-{len(delivered) + 1}"}
            return 200, {"ok": True, "id": delivered[sms["msg_id"]]["id"], "duplicate": duplicate}

    def handle_robot(self, query: dict[str, list[str]], body: bytes) -> tuple[int, dict[str, Any]]:
        if query.get("access_token") != [self.robot_token]:
            return 200, {"errcode": 300001, "errmsg": "token is not exist"}
        if self.robot_secret:
            timestamp, sign = query.get("timestamp", [""])[0], query.get("sign", [""])[0]
            digest = hmac.new(self.robot_secret.encode(), f"{timestamp}\n{self.robot_secret}".encode(),
                              hashlib.sha256).digest()
            fresh = timestamp.isdigit() and abs(time.time() * 1000 - int(timestamp)) < 3600_000
            if not fresh or not hmac.compare_digest(base64.b64encode(digest).decode(), sign):
                return 200, {"errcode": 310000, "errmsg": "sign not match"}
        try:
            post = json.loads(body)
            assert post["msgtype"] in ("markdown", "text") and post[post["msgtype"]]
        except (ValueError, KeyError, AssertionError, TypeError):
            return 200, {"errcode": 40035, "errmsg": "缺少参数 json"}
        with self.lock:
            self.received.robot.append(post)
        return 200, {"errcode": 0, "errmsg": "ok"}

    def snapshot(self) -> dict[str, Any]:
        with self.lock:
            r = self.received
            return {"sms": list(r.sms), "delivered": dict(r.delivered), "robot": list(r.robot),
                    "requests": list(r.requests)}

    def control(self, path: str, body: bytes) -> tuple[int, dict[str, Any]]:
        order = json.loads(body or b"{}")
        if path == "/_fail":
            self.fail_next(int(order.get("n", 1)), int(order.get("status", 500)))
        elif path == "/_hang":
            self.hang_next(int(order.get("n", 1)), float(order["seconds"]))
        else:
            return 404, {"error": "no such control"}
        return 200, {"ok": True}


def _handler(gateway: FakeGateway) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 — the stdlib's name
            """Quiet: what arrived is read back from ``/_received``, not from a log."""

        def _answer(self, status: int, answer: dict[str, Any]) -> None:
            data = json.dumps(answer, ensure_ascii=False).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json; charset=utf-8")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def do_GET(self) -> None:  # noqa: N802 — the stdlib's name
            if self.path == "/_received":
                self._answer(200, gateway.snapshot())
            else:
                self._answer(404, {"error": "not found"})

        def do_POST(self) -> None:  # noqa: N802 — the stdlib's name
            body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
            parts = urllib.parse.urlsplit(self.path)
            if parts.path.startswith("/_"):
                self._answer(*gateway.control(parts.path, body))
                return
            if gateway.latency_s:
                time.sleep(gateway.latency_s)
            failure, hang = gateway._next_fault()
            if failure is not None:
                status, answer = failure, {"ok": False, "errcode": -1, "error": "injected failure"}
            elif parts.path == "/sms":
                status, answer = gateway.handle_sms(body, self.headers.get("X-Signature", ""))
            elif parts.path == "/robot/send":
                status, answer = gateway.handle_robot(urllib.parse.parse_qs(parts.query), body)
            else:
                status, answer = 404, {"error": "not found"}
            with gateway.lock:
                gateway.received.requests.append((parts.path, status))
            if hang:
                gateway._released.wait(hang)  # delivered, but the answer comes too late (or never)
            with contextlib.suppress(OSError):  # the client gave up (timeout) or was killed: the answer is lost
                self._answer(status, answer)

    return Handler
