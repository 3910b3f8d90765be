"""LineGateway against the fake LINE API over real HTTP: delivery state machine, retries, base URLs."""

from __future__ import annotations

import logging
import socket
import time
from collections.abc import AsyncIterator

import pytest

from bot.line_api import LineGateway, gateway_from_settings
from bot.line_types import (
    SENDING_PUSH,
    SENDING_REPLY,
    SENT_PUSH,
    SENT_REPLY,
    SENT_REPLY_ASSUMED,
    UNSENT_REPLY,
    LineApiError,
    LineProfile,
    MemoryLedger,
    retry_key_for,
)
from bot.messages import FlexOut, QuickReply, TextOut
from bot.metrics import REGISTRY
from bot.null_gateway import NullGateway
from bot.settings import Settings
from tests.fakeline import FakeLine

USER = "U4af4980629aaaaaaaaaaaaaaaaaaaaaa"
REPLY_PATH, PUSH_PATH = "/v2/bot/message/reply", "/v2/bot/message/push"
HELLO = [TextOut("สวัสดีค่ะ", (QuickReply("เมนู"),))]


def make_gateway(line: FakeLine, **overrides: float) -> LineGateway:
    options = {
        "timeout_s": 2.0,
        "max_retries": 3,
        "backoff_base_s": 0.01,
        "reply_window_s": 50.0,
        **overrides,
    }
    return LineGateway(line.access_token, line.base_url, line.base_url, **options)  # type: ignore[arg-type]


@pytest.fixture
async def gateway(line: FakeLine) -> AsyncIterator[LineGateway]:
    async with make_gateway(line) as gw:
        yield gw


def now_ms() -> int:
    return int(time.time() * 1000)


async def deliver(
    gw: LineGateway,
    ledger: MemoryLedger,
    key: str = "ev-1",
    token: str | None = "rt-1",
    event_time_ms: int | None = None,
    messages: list | None = None,
):
    return await gw.deliver(
        key=key,
        to=USER,
        reply_token=token,
        event_time_ms=event_time_ms or now_ms(),
        messages=messages if messages is not None else HELLO,
        ledger=ledger,
    )


def calls_count(endpoint: str, status: str) -> float:
    labels = {"endpoint": endpoint, "status": status}
    return REGISTRY.get_sample_value("thongthin_line_api_calls_total", labels) or 0.0


async def test_reply_within_the_window(line: FakeLine, gateway: LineGateway) -> None:
    line.register_reply_token("rt-1", USER)
    before = calls_count("reply", "200")
    ledger = MemoryLedger()
    delivery = await deliver(gateway, ledger)
    assert (delivery.status, delivery.method) == ("replied", "reply")
    assert delivery.request_id == line.replies()[0].request_id  # read from x-line-request-id
    assert ledger.values == {"ev-1": SENT_REPLY}
    assert line.messages_to(USER) == ["สวัสดีค่ะ"]
    assert calls_count("reply", "200") == before + 1
    sent_item = line.replies()[0].messages[0]["quickReply"]["items"][0]["action"]
    assert sent_item == {"type": "message", "label": "เมนู", "text": "เมนู"}


async def test_used_token_on_first_attempt_falls_back_to_push(line: FakeLine, gateway: LineGateway) -> None:
    line.register_reply_token("rt-1", USER)
    line.expire_reply_token("rt-1")
    ledger = MemoryLedger()
    delivery = await deliver(gateway, ledger)
    assert (delivery.status, delivery.method) == ("pushed", "push")
    assert ledger.values["ev-1"] == SENT_PUSH
    [push] = line.pushes()
    assert push.retry_key == retry_key_for("ev-1") and push.to == (USER,)
    assert line.messages_to(USER) == ["สวัสดีค่ะ"]


async def test_stale_event_is_pushed_without_trying_the_token(line: FakeLine, gateway: LineGateway) -> None:
    ledger = MemoryLedger()
    delivery = await deliver(gateway, ledger, event_time_ms=now_ms() - 120_000)
    assert delivery.status == "pushed"
    assert line.calls(REPLY_PATH) == [] and len(line.pushes()) == 1


async def test_event_without_token_is_pushed(line: FakeLine, gateway: LineGateway) -> None:
    delivery = await deliver(gateway, MemoryLedger(), token=None)
    assert delivery.status == "pushed" and line.messages_to(USER) == ["สวัสดีค่ะ"]


async def test_429_honours_retry_after_then_delivers_once(line: FakeLine, gateway: LineGateway) -> None:
    line.register_reply_token("rt-1", USER)
    line.fail_next(1, status=429, retry_after=1, path=REPLY_PATH)
    started = time.monotonic()
    delivery = await deliver(gateway, MemoryLedger())
    assert time.monotonic() - started >= 0.95  # waited as LINE asked, not the 10 ms backoff
    assert delivery.status == "replied"
    assert [c.status for c in line.calls(REPLY_PATH)] == [429, 200]
    assert len(line.replies()) == 1 and line.pushes() == []


async def test_500_then_200_delivers_once(line: FakeLine, gateway: LineGateway) -> None:
    line.fail_next(1, status=500, path=PUSH_PATH)
    delivery = await gateway.push(USER, HELLO, retry_key=retry_key_for("mentor-answer-1"))
    assert delivery.status == "pushed"
    assert [c.status for c in line.calls(PUSH_PATH)] == [500, 200]
    assert line.messages_to(USER) == ["สวัสดีค่ะ"]


async def test_400_with_details_is_logged_and_not_retried(
    line: FakeLine, gateway: LineGateway, caplog: pytest.LogCaptureFixture
) -> None:
    # A flex button label of 41 graphemes passes the SDK but LINE rejects it (limit 40).
    footer = {
        "type": "box",
        "layout": "vertical",
        "contents": [{"type": "button", "action": {"type": "message", "label": "ก" * 41, "text": "x"}}],
    }
    card = {"type": "bubble", "footer": footer}
    ledger = MemoryLedger()
    with caplog.at_level(logging.WARNING, logger="bot.line_api"):
        delivery = await deliver(gateway, ledger, messages=[FlexOut("บัตร", card)])
    assert delivery.status == "failed" and ledger.values["ev-1"] == "failed:reply:400"
    [call] = line.calls(REPLY_PATH)
    assert line.calls(PUSH_PATH) == []  # neither retried nor pushed: the same body would fail again
    assert "messages[0].contents.footer.contents[0].action.label" in caplog.text
    assert "Length must be between 1 and 40" in caplog.text
    assert call.status == 400 and call.response["message"] in caplog.text


async def test_redelivery_after_worker_died_mid_reply_sends_no_duplicate(
    line: FakeLine, gateway: LineGateway
) -> None:
    line.register_reply_token("rt-1", USER)
    ledger = MemoryLedger()
    await deliver(gateway, ledger)
    await ledger.set("ev-1", SENDING_REPLY)  # as if the worker died before recording success
    again = await deliver(gateway, ledger)
    assert again.status == "assumed" and ledger.values["ev-1"] == SENT_REPLY_ASSUMED
    assert len(line.replies()) == 1 and line.pushes() == []
    assert line.messages_to(USER) == ["สวัสดีค่ะ"]


async def test_resumed_reply_that_never_reached_line_is_sent(line: FakeLine, gateway: LineGateway) -> None:
    line.register_reply_token("rt-1", USER)
    ledger = MemoryLedger()
    await ledger.set("ev-1", SENDING_REPLY)  # the dead worker never got its request out
    delivery = await deliver(gateway, ledger)
    assert delivery.status == "replied" and line.messages_to(USER) == ["สวัสดีค่ะ"]


async def test_server_error_after_processing_then_invalid_token_is_assumed_delivered(
    line: FakeLine, gateway: LineGateway
) -> None:
    line.register_reply_token("rt-1", USER)
    line.fail_next(1, status=500, path=REPLY_PATH, after_processing=True)
    delivery = await deliver(gateway, MemoryLedger())
    assert delivery.status == "assumed"
    assert [c.status for c in line.calls(REPLY_PATH)] == [500, 400]
    assert len(line.replies()) == 1 and line.pushes() == []


async def test_timed_out_reply_that_was_delivered_is_not_repeated(line: FakeLine) -> None:
    line.register_reply_token("rt-1", USER)
    line.delay_next(0.6, path=REPLY_PATH)  # LINE processed it; the answer comes too late
    async with make_gateway(line, timeout_s=0.2) as gw:
        delivery = await deliver(gw, MemoryLedger())
    assert delivery.status == "assumed"
    assert line.messages_to(USER) == ["สวัสดีค่ะ"] and line.pushes() == []


async def test_reclaimed_push_reuses_its_retry_key_and_409_counts_as_delivered(
    line: FakeLine, gateway: LineGateway
) -> None:
    ledger = MemoryLedger()
    first = await deliver(gateway, ledger, token=None)
    await ledger.set("ev-1", SENDING_PUSH)  # the worker died after LINE accepted the push
    second = await deliver(gateway, ledger, token=None)
    assert first.status == second.status == "pushed"
    assert second.request_id == first.request_id  # x-line-accepted-request-id of the first push
    assert [c.status for c in line.calls(PUSH_PATH)] == [200, 409]
    assert line.messages_to(USER) == ["สวัสดีค่ะ"]


async def test_timed_out_push_is_retried_with_the_same_key(line: FakeLine) -> None:
    line.delay_next(0.6, path=PUSH_PATH)
    async with make_gateway(line, timeout_s=0.2) as gw:
        delivery = await deliver(gw, MemoryLedger(), token=None)
    assert delivery.status == "pushed"
    keys = {c.headers["x-line-retry-key"] for c in line.calls(PUSH_PATH)}
    assert keys == {retry_key_for("ev-1")}
    assert line.messages_to(USER) == ["สวัสดีค่ะ"]


async def test_transient_failure_raises_and_a_later_attempt_completes(line: FakeLine) -> None:
    ledger = MemoryLedger()
    line.fail_next(10, status=503, path=PUSH_PATH)
    async with make_gateway(line, max_retries=2) as gw:
        with pytest.raises(LineApiError) as raised:
            await deliver(gw, ledger, token=None)
        assert raised.value.retryable and raised.value.status == 503
        assert ledger.values["ev-1"] == SENDING_PUSH
        line.reset()
        delivery = await deliver(gw, ledger, token=None)
    assert delivery.status == "pushed" and line.messages_to(USER) == ["สวัสดีค่ะ"]


async def test_rate_limited_reply_is_retried_by_reply_later(line: FakeLine) -> None:
    line.register_reply_token("rt-1", USER)
    ledger = MemoryLedger()
    line.fail_next(3, status=429, path=REPLY_PATH)
    async with make_gateway(line, max_retries=2) as gw:
        with pytest.raises(LineApiError):
            await deliver(gw, ledger)
        assert ledger.values["ev-1"] == UNSENT_REPLY  # LINE refused it: nothing was delivered
        delivery = await deliver(gw, ledger)
    assert delivery.status == "replied" and len(line.replies()) == 1


async def test_already_sent_events_are_skipped(line: FakeLine, gateway: LineGateway) -> None:
    ledger = MemoryLedger()
    await ledger.set("ev-1", SENT_PUSH)
    delivery = await deliver(gateway, ledger)
    assert delivery.status == "skipped" and line.calls() == []
    empty = await deliver(gateway, MemoryLedger(), key="ev-2", messages=[TextOut("  ")])
    assert empty.status == "skipped" and line.calls() == []


async def test_loading_animation_only_in_one_to_one_chats(line: FakeLine, gateway: LineGateway) -> None:
    assert await gateway.show_loading(USER, seconds=7) is True
    assert await gateway.show_loading("C1234567890abcdef1234567890abcdef") is False
    assert await gateway.show_loading("R1234567890abcdef1234567890abcdef") is False
    [call] = line.calls("/v2/bot/chat/loading/start")
    assert call.status == 202 and call.body == {"chatId": USER, "loadingSeconds": 5}


async def test_profile_and_content_use_their_base_urls(line: FakeLine) -> None:
    line.add_profile(USER, "สมศรี", language="th")
    with FakeLine(line.access_token, spec_path=None) as data_host:
        data_host.add_content("m-1", b"\x89PNG...", "image/png")
        gw = LineGateway(line.access_token, line.base_url, data_host.base_url, timeout_s=2.0)
        async with gw:
            assert await gw.get_profile(USER) == LineProfile(USER, "สมศรี", None, "th")
            assert await gw.get_profile("U-not-a-friend") is None
            assert await gw.get_content("m-1") == b"\x89PNG..."
        assert [c.path for c in data_host.calls()] == ["/v2/bot/message/m-1/content"]
    assert {c.path for c in line.calls()} == {f"/v2/bot/profile/{USER}", "/v2/bot/profile/U-not-a-friend"}


async def test_network_errors_are_retried_then_raised() -> None:
    with socket.socket() as probe:  # a port nobody listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    before = calls_count("push", "error")
    async with LineGateway("token", f"http://127.0.0.1:{port}", "", max_retries=2, backoff_base_s=0.01) as gw:
        with pytest.raises(LineApiError) as raised:
            await gw.push(USER, HELLO)
    assert raised.value.status is None and raised.value.retryable
    assert not raised.value.maybe_delivered  # refused connections never reached LINE
    assert calls_count("push", "error") == before + 3


async def test_null_gateway_records_instead_of_sending() -> None:
    gw, ledger = NullGateway(), MemoryLedger()
    delivery = await gw.deliver(
        key="ev-1", to=USER, reply_token="rt", event_time_ms=now_ms(), messages=HELLO, ledger=ledger
    )
    again = await gw.deliver(
        key="ev-1", to=USER, reply_token="rt", event_time_ms=now_ms(), messages=HELLO, ledger=ledger
    )
    assert (delivery.status, again.status) == ("replied", "skipped")
    assert await gw.show_loading("C123") is False
    await gw.push("U2", [TextOut("แจ้งผลค่ะ")])
    assert [m.text for m in gw.take(USER)] == ["สวัสดีค่ะ"]
    assert gw.take(USER) == [] and len(gw.sent) == 1


def test_gateway_from_settings_picks_local_mode_without_a_channel() -> None:
    def settings(**env: str) -> Settings:
        return Settings(_env_file=None, **env)  # type: ignore[call-arg]

    local = settings(LINE_CHANNEL_SECRET="", LINE_CHANNEL_ACCESS_TOKEN="")
    assert isinstance(gateway_from_settings(local), NullGateway)
    configured = settings(
        LINE_CHANNEL_SECRET="s", LINE_CHANNEL_ACCESS_TOKEN="t", LINE_API_BASE_URL="http://127.0.0.1:9/"
    )
    gw = gateway_from_settings(configured)
    assert isinstance(gw, LineGateway)
    assert (gw.api_base_url, gw.data_api_base_url) == ("http://127.0.0.1:9", "http://127.0.0.1:9")
