"""The outbox's pure rules as tables: recipients per channel, backoff, when a notice is given up."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from zhichao.domain.outbox import (
    CHANNEL_LABELS,
    CHANNELS,
    DEAD,
    PENDING,
    STATE_LABELS,
    STATES,
    InvalidNotice,
    after_failure,
    message_token,
    next_attempt,
    validate_notice,
    validate_recipient,
)

NOW = datetime(2026, 11, 26, 6, 0, tzinfo=UTC)


def test_every_channel_and_state_has_a_chinese_label() -> None:
    assert set(CHANNEL_LABELS) == set(CHANNELS) == {"sms", "dingtalk", "email", "post"}
    assert set(STATE_LABELS) == set(STATES) == {"pending", "sent", "dead"}


@pytest.mark.parametrize(
    ("channel", "recipient", "stored"),
    [
        ("sms", "13812345678", "13812345678"),
        ("sms", " 138-1234-5678 ", "13812345678"),
        ("sms", "+86 138 1234 5678", "13812345678"),
        ("sms", "19912345678", "19912345678"),
        ("email", "zhidui@sxjt.gov.cn", "zhidui@sxjt.gov.cn"),
        ("email", " wang.li+case@example.com ", "wang.li+case@example.com"),
        ("post", "浙江省绍兴市越城区人民中路 1 号 王某收", "浙江省绍兴市越城区人民中路 1 号 王某收"),
        ("post", "浙江省绍兴市柯桥区\n王某（收）", "浙江省绍兴市柯桥区\n王某（收）"),
        ("dingtalk", "default", "default"),
        ("dingtalk", "执法大队", "执法大队"),
        ("dingtalk", "https://oapi.dingtalk.com/robot/send?access_token=abc", "https://oapi.dingtalk.com/robot/send?access_token=abc"),
    ],
)
def test_a_valid_recipient_is_stored_normalised(channel: str, recipient: str, stored: str) -> None:
    assert validate_recipient(channel, recipient) == stored


@pytest.mark.parametrize(
    ("channel", "recipient"),
    [
        ("sms", "12812345678"),  # second digit 2: not a mobile number
        ("sms", "1381234567"),  # 10 digits
        ("sms", "138123456789"),  # 12 digits
        ("sms", "0575-85123456"),  # a landline
        ("sms", ""),
        ("email", "zhidui"),
        ("email", "zhidui@localhost"),  # no dot in the domain
        ("email", "a b@example.com"),
        ("email", "a@example.com, b@example.com"),  # one recipient per notice, no header injection
        ("post", "   "),
        ("post", "绍兴\x00市"),
        ("dingtalk", ""),
        ("dingtalk", "two words"),
        ("dingtalk", "ftp://robot"),
        ("post", "浙" * 257),
    ],
)
def test_an_invalid_recipient_is_refused_in_chinese(channel: str, recipient: str) -> None:
    with pytest.raises(InvalidNotice) as refused:
        validate_recipient(channel, recipient)
    assert refused.value.code == "invalid_recipient"
    assert "收件人无效" in refused.value.message


def test_an_unknown_channel_is_refused() -> None:
    with pytest.raises(InvalidNotice) as refused:
        validate_recipient("fax", "0575-85123456")
    assert refused.value.code == "unknown_channel"


@pytest.mark.parametrize(
    ("subject", "body", "dedupe_key", "code"),
    [
        ("通知", "正文", "", "invalid_dedupe_key"),
        ("通知", "正文", "k" * 129, "invalid_dedupe_key"),
        ("通知", "正文", " case:1 ", "invalid_dedupe_key"),
        ("通知", "正文", "case:1\n", "invalid_dedupe_key"),
        ("两行\n标题", "正文", "case:1", "invalid_subject"),
        ("标" * 257, "正文", "case:1", "invalid_subject"),
        ("通知", "  ", "case:1", "empty_body"),
    ],
)
def test_a_malformed_notice_is_refused_with_a_stable_code(subject: str, body: str, dedupe_key: str,
                                                          code: str) -> None:
    with pytest.raises(InvalidNotice) as refused:
        validate_notice("sms", "13812345678", subject, body, dedupe_key)
    assert refused.value.code == code


@pytest.mark.parametrize(
    ("attempts", "wait_s"),
    [
        (0, 60),  # never below the base
        (1, 60),
        (2, 120),
        (3, 240),
        (6, 1920),
        (7, 3600),  # 3840 capped
        (8, 3600),
        (10_000, 3600),  # no overflow, no time wasted on huge powers
    ],
)
def test_backoff_doubles_from_the_base_up_to_the_cap(attempts: int, wait_s: int) -> None:
    assert next_attempt(attempts, NOW, base_s=60, cap_s=3600) == NOW + timedelta(seconds=wait_s)


@pytest.mark.parametrize(
    ("attempts", "retryable", "state", "wait_s"),
    [
        (1, True, PENDING, 60),
        (4, True, PENDING, 480),
        (5, True, DEAD, None),  # the max_attempts-th failure
        (6, True, DEAD, None),
        (1, False, DEAD, None),  # a refusal (4xx) is not tried again
    ],
)
def test_a_failure_is_retried_until_max_attempts_unless_it_is_not_retryable(
        attempts: int, retryable: bool, state: str, wait_s: int | None) -> None:
    expected = None if wait_s is None else NOW + timedelta(seconds=wait_s)
    assert after_failure(attempts, retryable, NOW, max_attempts=5, base_s=60, cap_s=3600) == (state, expected)


@pytest.mark.parametrize(
    ("key", "token"),
    [
        ("notice-12", "notice-12"),
        ("a.b_c-1", "a.b_c-1"),
        ("case:12:send_notice:3:post", "case_12_send_notice_3_post-"),
        (".hidden", "hidden-"),
        ("案件12", "12-"),
        ("案件", "k-"),
    ],
)
def test_the_message_token_is_the_key_when_safe_else_readable_and_hashed(key: str, token: str) -> None:
    made = message_token(key)
    if token.endswith("-"):
        assert made.startswith(token) and len(made) == len(token) + 16
    else:
        assert made == token


def test_different_keys_never_share_a_token() -> None:
    assert message_token("case:1") != message_token("case_1") != message_token("case/1")
