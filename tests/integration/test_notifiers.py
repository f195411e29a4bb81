"""Each channel adapter against a real local server: what goes on the wire, and which failures are retried.

The fakes check the signatures independently (zhichao/simulation/gateway.py), so a delivery proves the signing
is right and a refusal under a wrong secret proves it is checked."""

from __future__ import annotations

import json
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.fakes.smtp import SmtpSink, free_port
from zhichao.adapters.notifiers.dingtalk import DingTalkRobot
from zhichao.adapters.notifiers.email import SmtpMailer
from zhichao.adapters.notifiers.post import PrintQueue
from zhichao.adapters.notifiers.sms import SmsGateway, signature
from zhichao.domain.outbox import DeliveryFailed, Message
from zhichao.simulation.gateway import ROBOT_SECRET, SMS_SECRET, FakeGateway


def message(channel: str, recipient: str, key: str = "case:7:send_notice:1:sms", **changes: object) -> Message:
    values: dict[str, object] = {"id": 1, "channel": channel, "recipient": recipient, "subject": "浙D12345 超限案件",
                                 "body": "您的车辆浙D12345经检测超限，请于15日内接受处理。", "dedupe_key": key,
                                 "payload": None, "case_id": 7, **changes}
    return Message(**values)  # type: ignore[arg-type]


SMS = message("sms", "13812345678")


@pytest.fixture
def gateway() -> Iterator[FakeGateway]:
    with FakeGateway() as g:
        yield g


def test_an_sms_signed_with_the_shared_secret_is_delivered(gateway: FakeGateway) -> None:
    ref = SmsGateway(gateway.sms_url, SMS_SECRET, "绍兴市交通运输局", 2.0).send(SMS)
    assert ref == "sms-1"
    assert gateway.deliveries()[SMS.dedupe_key] == {
        "msg_id": SMS.dedupe_key, "phone": "13812345678", "text": SMS.body, "sign_name": "绍兴市交通运输局",
        "id": "sms-1"}


def test_an_sms_signed_with_another_secret_is_refused_401_and_not_retried(gateway: FakeGateway) -> None:
    with pytest.raises(DeliveryFailed) as failed:
        SmsGateway(gateway.sms_url, "another-secret", "绍兴市交通运输局", 2.0).send(SMS)
    assert not failed.value.retryable and failed.value.reason.startswith("HTTP 401")
    assert gateway.deliveries() == {}


def test_a_body_changed_after_signing_is_refused(gateway: FakeGateway) -> None:
    body = json.dumps({"msg_id": "x", "phone": "13812345678", "text": "罚款 200 元", "sign_name": "绍兴"}).encode()
    forged = body.replace(b"200", b"2000")
    request = urllib.request.Request(gateway.sms_url, data=forged, method="POST",
                                     headers={"X-Signature": signature(SMS_SECRET, body)})
    with pytest.raises(urllib.error.HTTPError) as refused:
        urllib.request.urlopen(request, timeout=2)
    assert refused.value.code == 401


def test_the_gateway_dedupes_a_resent_sms_by_its_message_id(gateway: FakeGateway) -> None:
    sms = SmsGateway(gateway.sms_url, SMS_SECRET, "绍兴市交通运输局", 2.0)
    assert sms.send(SMS) == sms.send(SMS) == "sms-1"
    assert gateway.sms_requests(SMS.dedupe_key) == 2 and len(gateway.deliveries()) == 1


@pytest.mark.parametrize(("status", "retryable"), [(500, True), (502, True), (503, True), (429, True),
                                                    (400, False), (403, False), (404, False)])
def test_server_errors_are_retried_and_client_errors_are_not(gateway: FakeGateway, status: int,
                                                            retryable: bool) -> None:
    gateway.fail_next(1, status)
    with pytest.raises(DeliveryFailed) as failed:
        SmsGateway(gateway.sms_url, SMS_SECRET, "绍兴", 2.0).send(SMS)
    assert failed.value.retryable is retryable


def test_a_hanging_gateway_costs_one_timeout_and_is_retried(gateway: FakeGateway) -> None:
    gateway.hang_next(1, 10.0)
    started = time.monotonic()
    with pytest.raises(DeliveryFailed) as failed:
        SmsGateway(gateway.sms_url, SMS_SECRET, "绍兴", 0.5).send(SMS)
    assert time.monotonic() - started < 3
    assert failed.value.retryable


def test_a_gateway_that_is_down_is_retried() -> None:
    with pytest.raises(DeliveryFailed) as failed:
        SmsGateway(f"http://127.0.0.1:{free_port()}/sms", SMS_SECRET, "绍兴", 1.0).send(SMS)
    assert failed.value.retryable


def test_a_signed_robot_post_is_taken_and_carries_the_message_id(gateway: FakeGateway) -> None:
    ref = DingTalkRobot(gateway.robot_url, ROBOT_SECRET, 2.0).send(message("dingtalk", "default", "deadline:7"))
    assert ref.startswith("dingtalk:")
    [post] = gateway.received.robot
    assert post["msgtype"] == "markdown" and post["markdown"]["title"] == "浙D12345 超限案件"
    assert post["markdown"]["text"].endswith("消息编号：deadline:7")


def test_a_robot_url_as_recipient_is_posted_to_directly(gateway: FakeGateway) -> None:
    robot = DingTalkRobot("http://127.0.0.1:9/unused", ROBOT_SECRET, 2.0)
    robot.send(message("dingtalk", gateway.robot_url, "direct"))
    assert len(gateway.received.robot) == 1


@pytest.mark.parametrize(("secret", "token", "errcode"), [("SECwrong", None, 310000), ("", None, 310000),
                                                          (ROBOT_SECRET, "wrong-token", 300001)])
def test_a_wrong_robot_sign_or_token_is_refused_and_not_retried(gateway: FakeGateway, secret: str,
                                                                token: str | None, errcode: int) -> None:
    url = gateway.robot_url if token is None else f"{gateway.url}/robot/send?access_token={token}"
    with pytest.raises(DeliveryFailed) as failed:
        DingTalkRobot(url, secret, 2.0).send(message("dingtalk", "default"))
    assert f"errcode {errcode}" in failed.value.reason and not failed.value.retryable
    assert gateway.received.robot == []


def test_a_busy_robot_is_retried(gateway: FakeGateway) -> None:
    gateway.fail_next(1, 500)
    with pytest.raises(DeliveryFailed) as failed:
        DingTalkRobot(gateway.robot_url, ROBOT_SECRET, 2.0).send(message("dingtalk", "default"))
    assert failed.value.retryable


def test_an_email_reaches_the_smtp_server_with_a_message_id_from_the_dedupe_key() -> None:
    with SmtpSink() as smtp:
        mailer = SmtpMailer("127.0.0.1", smtp.port, "zhichao@sxjt.example.cn", 2.0)
        ref = mailer.send(message("email", "wang@example.com", "case:7:decide:4:email"))
        [mail] = smtp.messages
    assert ref == mail["Message-ID"]
    assert ref.startswith("<case_7_decide_4_email-") and ref.endswith("@sxjt.example.cn>")
    assert (mail["To"], mail["Subject"]) == ("wang@example.com", "浙D12345 超限案件")
    assert mail.get_content().strip() == "您的车辆浙D12345经检测超限，请于15日内接受处理。"
    assert smtp.handler.envelopes == [("zhichao@sxjt.example.cn", ["wang@example.com"])]


@pytest.mark.parametrize(("refuse", "retryable"), [("refuse", False), ("defer", True)])
def test_a_refused_mail_recipient_is_given_up_and_a_deferred_one_retried(refuse: str, retryable: bool) -> None:
    with SmtpSink() as smtp:
        getattr(smtp.handler, refuse).add("wang@example.com")
        mailer = SmtpMailer("127.0.0.1", smtp.port, "zhichao@sxjt.example.cn", 2.0)
        with pytest.raises(DeliveryFailed) as failed:
            mailer.send(message("email", "wang@example.com"))
    assert failed.value.retryable is retryable


def test_an_smtp_server_that_is_down_is_retried() -> None:
    with pytest.raises(DeliveryFailed) as failed:
        SmtpMailer("127.0.0.1", free_port(), "zhichao@sxjt.example.cn", 1.0).send(message("email", "wang@example.com"))
    assert failed.value.retryable


def test_a_letter_is_one_print_job_named_by_its_message_id_even_when_sent_twice(tmp_path: Path) -> None:
    queue = PrintQueue(tmp_path / "print-queue")
    letter = message("post", "浙江省绍兴市越城区人民中路 1 号 王某收", "case:7:send_notice:1:post",
                     payload={"document_id": 12})
    first = queue.send(letter)
    assert queue.send(letter) == first  # an existing file is not a second letter
    assert first.startswith("case_7_send_notice_1_post-") and first.endswith(".json")
    assert [p.name for p in (tmp_path / "print-queue").iterdir()] == [first]  # no temporary left behind
    job = json.loads((tmp_path / "print-queue" / first).read_text(encoding="utf-8"))
    assert job == {"msg_id": "case:7:send_notice:1:post", "address": "浙江省绍兴市越城区人民中路 1 号 王某收",
                   "subject": "浙D12345 超限案件", "body": "您的车辆浙D12345经检测超限，请于15日内接受处理。",
                   "payload": {"document_id": 12}, "case_id": 7}


def test_a_print_queue_that_cannot_be_written_is_retried(tmp_path: Path) -> None:
    (tmp_path / "print-queue").write_text("a file where the directory should be")
    with pytest.raises(DeliveryFailed) as failed:
        PrintQueue(tmp_path / "print-queue").send(message("post", "绍兴市 王某收"))
    assert failed.value.retryable
