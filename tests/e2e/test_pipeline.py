"""End to end: signed webhooks over HTTP → Redis stream → worker processes → fake LINE API."""
from __future__ import annotations

import time

import httpx
import redis

from tests.e2e.stack import Stack
from tests.factories import body, sign, text_event, user_id
from tests.fakeline.server import FakeLine


def replies_for(line: FakeLine, token: str) -> list:
    return [s for s in line.replies() if s.reply_token == token]


def stream_length(stack: Stack) -> int:
    client = redis.Redis.from_url(stack.redis_url)
    try:
        return int(client.xlen(f"{stack.prefix}:events"))
    finally:
        client.close()


def test_text_message_is_answered_within_one_second(stack: Stack, fake_line: FakeLine):
    stack.serve()
    stack.start_worker("w1")
    event = text_event("สวัสดีครับ", user_id("fast"))
    started = time.monotonic()
    assert stack.post(event).status_code == 200
    assert fake_line.wait_for(lambda: replies_for(fake_line, event["replyToken"]), timeout=1.0)
    assert time.monotonic() - started < 1.0
    [reply] = replies_for(fake_line, event["replyToken"])
    assert reply.messages and reply.messages[0]["type"] == "text" and reply.messages[0]["text"].strip()


def test_bad_or_missing_signature_is_rejected_and_nothing_is_processed(stack: Stack, fake_line: FakeLine):
    stack.serve()
    stack.start_worker("w1")
    raw = body(text_event("ปลอมตัว", user_id("mallory")))
    assert stack.post(raw=raw, signature=sign(raw, "wrong-secret")).status_code == 400
    assert stack.post(raw=raw, signature="").status_code == 400
    tampered = raw.replace("ปลอมตัว".encode(), "แก้ไข".encode())
    assert stack.post(raw=tampered, signature=sign(raw, "e2e-channel-secret")).status_code == 400
    time.sleep(0.5)
    assert fake_line.calls() == []
    assert stream_length(stack) == 0


def test_same_event_delivered_five_times_gets_one_reply(stack: Stack, fake_line: FakeLine):
    stack.serve()
    stack.start_worker("w1")
    event = text_event("สวัสดีค่ะ", user_id("dup"))
    redelivered = {**event, "deliveryContext": {"isRedelivery": True}}
    for copy in (event, event, redelivered, event, redelivered):
        assert stack.post(copy).status_code == 200
    assert fake_line.wait_for(lambda: replies_for(fake_line, event["replyToken"]), timeout=5)
    time.sleep(1.0)  # room for any duplicate to show up
    assert len(fake_line.sent()) == 1


def test_worker_killed_mid_event_still_replies_exactly_once(stack: Stack, fake_line: FakeLine):
    stack.serve()
    stack.start_worker("doomed")
    fake_line.delay_next(4.0, path="/v2/bot/message/reply")  # hold the reply call open…
    event = text_event("สวัสดีครับ", user_id("killed"))
    assert stack.post(event).status_code == 200
    assert fake_line.wait_for(lambda: fake_line.calls("/v2/bot/message/reply"), timeout=5)
    stack.kill_worker("doomed")  # …and kill the worker while it waits for LINE's answer
    stack.start_worker("survivor")
    assert fake_line.wait_for(lambda: stream_length(stack) == 0, timeout=15), stack.log_text("survivor")
    time.sleep(0.5)
    assert len(fake_line.sent()) == 1
    assert len(replies_for(fake_line, event["replyToken"])) == 1


def test_rate_limited_reply_is_retried_and_delivered_once(stack: Stack, fake_line: FakeLine):
    stack.serve()
    stack.start_worker("w1")
    fake_line.fail_next(1, status=429, retry_after=1, path="/v2/bot/message/reply")
    event = text_event("สวัสดีครับ", user_id("limited"))
    assert stack.post(event).status_code == 200
    assert fake_line.wait_for(lambda: replies_for(fake_line, event["replyToken"]), timeout=10)
    statuses = [c.status for c in fake_line.calls("/v2/bot/message/reply")]
    assert statuses == [429, 200]
    assert len(fake_line.sent()) == 1


def test_two_workers_keep_each_users_order_for_300_events(stack: Stack, fake_line: FakeLine):
    stack.serve()
    stack.start_worker("w1")
    stack.start_worker("w2")
    users = [user_id(f"crowd{n}") for n in range(30)]
    tokens: dict[str, list[str]] = {u: [] for u in users}
    for round_ in range(10):
        for first in range(0, 30, 3):  # each webhook carries events of three users, as LINE may batch them
            events = [text_event(f"สวัสดีครับ รอบ {round_}", u) for u in users[first:first + 3]]
            for e in events:
                tokens[e["source"]["userId"]].append(e["replyToken"])
            assert stack.post(*events).status_code == 200
    assert fake_line.wait_for(lambda: len(fake_line.sent()) >= 300, timeout=60), len(fake_line.sent())
    time.sleep(0.5)
    sent = fake_line.sent()
    assert len(sent) == 300 and len({s.reply_token for s in sent}) == 300  # none lost, none duplicated
    for user, expected in tokens.items():
        got = [s.reply_token for s in sent if s.reply_token in set(expected)]
        assert got == expected, f"order broken for {user}"


def test_health_and_metrics(stack: Stack, fake_line: FakeLine):
    stack.serve()
    assert httpx.get(stack.base_url + "/healthz").json() == {"database": True, "redis": True}
    stack.post(text_event("สวัสดี", user_id("metrics")))
    metrics = httpx.get(stack.base_url + "/metrics").text
    assert 'thongthin_events_received_total{type="message"}' in metrics
