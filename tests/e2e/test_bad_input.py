"""Every kind of awkward input has a defined outcome (one server process with its in-process worker)."""
from __future__ import annotations

import json
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from tests.databases import fresh_database
from tests.e2e.conftest import POSTGRES_URL, REDIS_URL
from tests.e2e.stack import Stack
from tests.factories import (
    body,
    follow_event,
    group_text_event,
    image_event,
    sign,
    sticker_event,
    text_event,
    user_id,
)
from tests.fakeline.server import FakeLine


@pytest.fixture(scope="module")
def line() -> Iterator[FakeLine]:
    with FakeLine() as fake:
        yield fake


@pytest.fixture(scope="module")
def app(line: FakeLine, data_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    if not REDIS_URL:
        pytest.skip("TEST_REDIS_URL not set")
    with fresh_database("postgres" if POSTGRES_URL else "sqlite", tmp_path_factory.mktemp("db")) as url:
        deployment = Stack(line_base_url=line.base_url, line_token=line.access_token, redis_url=REDIS_URL,
                           database_url=url, data_dir=data_dir)
        try:
            deployment.serve(worker=True)
            yield deployment
        finally:
            deployment.stop()


@pytest.fixture(autouse=True)
def clean(line: FakeLine) -> None:
    line.reset()


def answered(line: FakeLine, event: dict, timeout: float = 5) -> list[dict]:
    token = event["replyToken"]
    assert line.wait_for(lambda: any(s.reply_token == token for s in line.replies()), timeout), line.calls()
    return next(s.messages for s in line.replies() if s.reply_token == token)


def nothing_sent(line: FakeLine, wait: float = 1.0) -> bool:
    time.sleep(wait)
    return line.sent() == []


def test_malformed_json_with_valid_signature_is_400(app: Stack, line: FakeLine):
    raw = b'{"destination": "U1", "events": [{"type": "message",'
    response = app.post(raw=raw, signature=sign(raw, "e2e-channel-secret"))
    assert response.status_code == 400 and "malformed" in response.json()["message"]
    raw = json.dumps({"destination": "U1"}).encode()
    assert app.post(raw=raw, signature=sign(raw, "e2e-channel-secret")).status_code == 400


def test_body_over_one_mebibyte_is_413(app: Stack):
    raw = body(text_event("ก" * (1024 * 1024)))
    assert app.post(raw=raw).status_code == 413


def test_url_verification_with_no_events_is_200(app: Stack, line: FakeLine):
    assert app.post().status_code == 200
    assert nothing_sent(line, 0.3)


def test_unknown_event_type_is_accepted_recorded_and_not_answered(app: Stack, line: FakeLine):
    future = {"type": "hologram", "mode": "active", "timestamp": int(time.time() * 1000),
              "source": {"type": "user", "userId": user_id("future")}, "webhookEventId": "01FUTURE00000000000001",
              "deliveryContext": {"isRedelivery": False}, "replyToken": "tok-future", "hologram": {"x": 1}}
    no_common_fields = {"type": "message", "message": {"type": "text", "text": "hi"}}
    assert app.post(future, no_common_fields).status_code == 200
    assert nothing_sent(line)
    metrics = httpx.get(app.base_url + "/metrics").text
    assert "thongthin_events_unknown_total 2.0" in metrics


def test_standby_events_are_recorded_but_never_answered(app: Stack, line: FakeLine):
    event = text_event("สวัสดีครับ", user_id("standby"), mode="standby")
    event.pop("replyToken")
    assert app.post(event).status_code == 200
    assert nothing_sent(line)


def test_sticker_and_image_get_a_friendly_answer(app: Stack, line: FakeLine):
    sticker, image = sticker_event(user_id("sticker")), image_event(user_id("image"))
    assert app.post(sticker, image).status_code == 200
    assert answered(line, sticker)[0]["text"]
    assert answered(line, image)[0]["text"]


@pytest.mark.parametrize("text", ["😀🙏🎉", "ภาษี" * 1250, "  \u200b  ", "ครับบบบบบบ ๕๕๕๕๕"],
                         ids=["emoji", "5000-chars", "blank", "elongated"])
def test_odd_texts_get_a_valid_answer(app: Stack, line: FakeLine, text: str):
    event = text_event(text, user_id(f"odd{len(text)}"))
    assert app.post(event).status_code == 200
    messages = answered(line, event, timeout=10)
    assert messages and all(m.get("text") or m.get("altText") for m in messages)


def test_follow_gets_a_welcome(app: Stack, line: FakeLine):
    event = follow_event(user_id("newfriend"))
    assert app.post(event).status_code == 200
    messages = answered(line, event)
    assert messages[-1].get("quickReply", {}).get("items")


def test_group_messages_are_answered_only_when_addressed(app: Stack, line: FakeLine):
    silent = group_text_event("สวัสดีครับ", "Cgroup1", user_id("g1"))
    addressed = group_text_event("สวัสดีครับ", "Cgroup1", user_id("g1"), mention_self=True)
    assert app.post(silent).status_code == 200
    assert nothing_sent(line)
    assert app.post(addressed).status_code == 200
    assert answered(line, addressed)


def test_server_error_from_line_is_retried(app: Stack, line: FakeLine):
    line.fail_next(2, status=500, path="/v2/bot/message/reply")
    event = text_event("สวัสดีครับ", user_id("flaky"))
    assert app.post(event).status_code == 200
    answered(line, event, timeout=10)
    assert [c.status for c in line.calls("/v2/bot/message/reply")] == [500, 500, 200]
