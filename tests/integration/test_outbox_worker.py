"""The notice worker against real local servers (tests/fakes): each channel, failures, retries with
backoff, giving up, channels not configured, and two workers at once; on both databases."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest

from tests.conftest import FixedClock
from tests.fakes.outbox import notice, wired
from tests.fakes.smtp import SmtpSink
from zhichao.bootstrap import Container, build
from zhichao.config import Settings
from zhichao.services import outbox
from zhichao.services.outbox import RunResult
from zhichao.simulation.gateway import FakeGateway


@pytest.fixture
def gateway() -> Iterator[FakeGateway]:
    with FakeGateway() as g:
        yield g


@pytest.fixture
def smtp() -> Iterator[SmtpSink]:
    with SmtpSink() as sink:
        yield sink


@pytest.fixture
def c(settings: Settings, clock: FixedClock, gateway: FakeGateway, smtp: SmtpSink) -> Iterator[Container]:
    container = build(wired(settings, gateway, smtp), clock=clock)
    yield container
    container.close()


def row(c: Container, key: str) -> dict[str, object]:
    found = c.outbox.repo.by_key(key)
    assert found is not None
    return dict(found)


def test_every_channel_delivers_and_records_its_reference(c: Container, gateway: FakeGateway,
                                                         smtp: SmtpSink) -> None:
    for channel in ("sms", "dingtalk", "email", "post"):
        c.outbox.repo.enqueue(**notice(f"n-{channel}", channel, c.clock(), payload={"document_id": 12}))
    assert outbox.run_once(c.outbox, c.clock()) == RunResult(claimed=4, sent=4)
    assert gateway.deliveries()["n-sms"]["phone"] == "13812345678"
    assert "n-dingtalk" in gateway.received.robot[0]["markdown"]["text"]
    assert smtp.messages[0]["Message-ID"] == "<n-email@sxjt.example.cn>"
    letter = json.loads((c.settings.data_dir / "print-queue" / "n-post.json").read_text(encoding="utf-8"))
    assert letter["payload"] == {"document_id": 12} and letter["address"].endswith("王某收")
    refs = {ch: row(c, f"n-{ch}")["delivery_ref"] for ch in ("sms", "email", "post")}
    assert refs == {"sms": "sms-1", "email": "<n-email@sxjt.example.cn>", "post": "n-post.json"}
    assert all(row(c, f"n-{ch}")["state"] == "sent" for ch in ("sms", "dingtalk", "email", "post"))


def test_a_batch_where_one_channel_fails_sends_the_others(c: Container, gateway: FakeGateway,
                                                         smtp: SmtpSink) -> None:
    for channel in ("sms", "dingtalk", "email", "post"):  # claimed in this order: the SMS is the first request
        c.outbox.repo.enqueue(**notice(f"n-{channel}", channel, c.clock()))
    gateway.fail_next(1, 503)
    assert outbox.run_once(c.outbox, c.clock()) == RunResult(claimed=4, sent=3, retried=1)
    failed = row(c, "n-sms")
    assert (failed["state"], failed["attempts"], failed["claimed_at"]) == ("pending", 1, None)
    assert failed["next_attempt_at"] == c.clock() + timedelta(seconds=60)
    assert str(failed["last_error"]).startswith("HTTP 503")
    assert len(gateway.received.robot) == 1 and len(smtp.messages) == 1


def test_a_failing_notice_is_retried_with_backoff_then_sent_once(c: Container, clock: FixedClock,
                                                                gateway: FakeGateway) -> None:
    start = clock.now
    c.outbox.repo.enqueue(**notice("retry-me", "sms", start))
    gateway.fail_next(2)
    assert outbox.run_once(c.outbox, clock()).retried == 1  # attempt 1 fails: next in 60 s
    clock.now = start + timedelta(seconds=59)
    assert outbox.run_once(c.outbox, clock()).claimed == 0  # not due yet
    clock.now = start + timedelta(seconds=60)
    assert outbox.run_once(c.outbox, clock()).retried == 1  # attempt 2 fails: next in 120 s
    assert row(c, "retry-me")["next_attempt_at"] == start + timedelta(seconds=180)
    clock.now = start + timedelta(seconds=180)
    assert outbox.run_once(c.outbox, clock()).sent == 1
    sent = row(c, "retry-me")
    assert (sent["state"], sent["attempts"], sent["last_error"], sent["sent_at"]) == ("sent", 3, None, clock.now)
    assert list(gateway.deliveries()) == ["retry-me"]


def test_a_notice_that_fails_max_attempts_times_goes_dead(c: Container, clock: FixedClock,
                                                          gateway: FakeGateway) -> None:
    c.outbox.repo.enqueue(**notice("doomed", "dingtalk", clock.now))
    gateway.fail_next(10, 500)
    for _ in range(4):  # max_attempts 4
        outbox.run_once(c.outbox, clock())
        clock.now += timedelta(seconds=600)
    dead = row(c, "doomed")
    assert (dead["state"], dead["attempts"]) == ("dead", 4)
    assert str(dead["last_error"]).startswith("HTTP 500")
    assert outbox.run_once(c.outbox, clock()).claimed == 0


def test_a_refusal_goes_dead_at_once(settings: Settings, clock: FixedClock, gateway: FakeGateway) -> None:
    c = build(wired(settings, gateway, sms_gateway_secret="not-the-gateway-secret"), clock=clock)
    c.outbox.repo.enqueue(**notice("refused", "sms", clock.now))
    assert outbox.run_once(c.outbox, clock()) == RunResult(claimed=1, dead=1)
    dead = row(c, "refused")
    assert (dead["state"], dead["attempts"]) == ("dead", 1)
    assert str(dead["last_error"]).startswith("HTTP 401")
    assert gateway.deliveries() == {}
    c.close()


def test_a_gateway_that_hangs_costs_one_timeout_and_the_resend_is_deduped(settings: Settings, clock: FixedClock,
                                                                         gateway: FakeGateway) -> None:
    c = build(wired(settings, gateway, notify_timeout_s=0.5), clock=clock)
    c.outbox.repo.enqueue(**notice("slow", "sms", clock.now))
    c.outbox.repo.enqueue(**notice("fast", "post", clock.now))
    gateway.hang_next(1, 5.0)  # the gateway takes the SMS, but answers after the client gave up
    assert outbox.run_once(c.outbox, clock()) == RunResult(claimed=2, sent=1, retried=1)
    assert "timed out" in str(row(c, "slow")["last_error"])
    clock.now += timedelta(seconds=60)
    assert outbox.run_once(c.outbox, clock()).sent == 1
    assert gateway.sms_requests("slow") == 2 and len(gateway.deliveries()) == 1  # sent twice, one SMS
    assert row(c, "slow")["delivery_ref"] == "sms-1"
    c.close()


def test_notices_of_an_unconfigured_channel_wait_and_go_out_once_it_is_configured(
        settings: Settings, clock: FixedClock, gateway: FakeGateway) -> None:
    bare = build(wired(settings), clock=clock)  # no SMS gateway, no robot, no SMTP: only post
    bare.outbox.repo.enqueue(**notice("later", "sms", clock.now))
    bare.outbox.repo.enqueue(**notice("letter", "post", clock.now))
    assert outbox.run_once(bare.outbox, clock()) == RunResult(claimed=1, sent=1)
    waiting = row(bare, "later")
    assert (waiting["state"], waiting["attempts"], waiting["last_error"]) == ("pending", 0, "通道未配置")
    clock.now += timedelta(days=3)
    assert outbox.run_once(bare.outbox, clock()).claimed == 0  # never given up, never claimed
    assert outbox.listing(bare.outbox)["unconfigured"] == ["sms", "dingtalk", "email"]
    bare.close()
    configured = build(wired(settings, gateway), clock=clock)
    assert outbox.run_once(configured.outbox, clock()).sent == 1
    assert row(configured, "later")["state"] == "sent" and list(gateway.deliveries()) == ["later"]
    configured.close()


def test_a_claim_older_than_the_lease_is_taken_over_and_its_old_holder_records_nothing(c: Container,
                                                                                      clock: FixedClock) -> None:
    repo = c.outbox.repo
    repo.enqueue(**notice("held", "post", clock.now))
    start, lease = clock.now, timedelta(seconds=120)
    first = repo.claim(10, start, "worker-a", start - lease, ["post"], 4)
    assert [x.message.dedupe_key for x in first] == ["held"]
    assert repo.claim(10, start + lease, "worker-b", start, ["post"], 4) == []  # exactly the lease: still held
    later = start + lease + timedelta(seconds=1)
    second = repo.claim(10, later, "worker-b", later - lease, ["post"], 4)
    assert [(x.token, x.attempts) for x in second] == [("worker-b", 2)]
    assert not repo.mark_sent(first[0], later, "from a")
    assert repo.mark_sent(second[0], later, "from b")
    assert row(c, "held")["delivery_ref"] == "from b"


def test_a_stale_claim_on_its_last_attempt_goes_dead(c: Container, clock: FixedClock) -> None:
    repo = c.outbox.repo
    repo.enqueue(**notice("crashes", "post", clock.now))
    for attempt in range(4):  # each claim's worker "dies" while sending
        now = clock.now + timedelta(seconds=121 * attempt)
        assert len(repo.claim(10, now, f"w{attempt}", now - timedelta(seconds=120), ["post"], 4)) == 1
    now = clock.now + timedelta(seconds=121 * 4)
    assert repo.claim(10, now, "w4", now - timedelta(seconds=120), ["post"], 4) == []
    dead = row(c, "crashes")
    assert dead["state"] == "dead" and "工作进程可能已停止" in str(dead["last_error"])


def test_two_workers_running_at_once_send_each_notice_once(settings: Settings, clock: FixedClock) -> None:
    with FakeGateway(latency_s=0.01) as gateway:
        workers = [build(wired(settings, gateway, outbox_batch_size=3), clock=clock) for _ in range(2)]
        for i in range(40):
            workers[0].outbox.repo.enqueue(**notice(f"m{i:02}", ("sms", "post")[i % 2], clock.now))
        results: list[RunResult] = []
        start = threading.Barrier(2)

        def work(w: Container) -> None:
            start.wait()
            results.append(outbox.drain(w.outbox, w.clock))

        threads = [threading.Thread(target=work, args=(w,)) for w in workers]
        for t in threads:
            t.start()
        for t in threads:
            t.join(60)
        # Which worker claims what is the scheduler's business (one may take all on a busy machine);
        # what must hold is that the claims never overlap: 40 claimed in all, each notice sent once.
        assert len(results) == 2 and sum(r.claimed for r in results) == 40, results
        assert sum(r.sent for r in results) == 40 and sum(r.lost for r in results) == 0
        assert len(gateway.received.sms) == 20 and len(gateway.deliveries()) == 20  # not one SMS sent twice
        assert workers[0].outbox.repo.counts() == {"sent": 40}
        letters = sorted(p.name for p in Path(settings.data_dir / "print-queue").iterdir())
        assert letters == [f"m{i:02}.json" for i in range(1, 40, 2)]
        for w in workers:
            w.close()
