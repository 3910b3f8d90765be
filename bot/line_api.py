"""LINE Messaging API gateway (LineGateway): exactly-once-in-effect delivery and retries.

`deliver()` is the state machine the event pipeline relies on. Its progress for one event is written to a
ledger (Redis in production) *before* and *after* each call, so a worker that dies mid-call leaves enough
behind for another worker to finish without sending the answer twice:

    sent:* or failed:*                      -> skip
    fresh token, no attempt (or unsent:reply) -> sending:reply -> reply
        200                                     -> sent:reply
        400 Invalid reply token, first attempt  -> the token died before we used it: push (below)
        400 Invalid reply token after an attempt that may have arrived (5xx, timeout, dead worker)
                                                -> sent:reply-assumed (no push: it would be a duplicate)
        429 after retries                       -> unsent:reply, raise (LINE refused it: reply again later)
    sending:reply recorded by a dead worker -> retry the reply, same rules
    no token, stale event, or dead token    -> sending:push -> push with X-Line-Retry-Key
        200, or 409 (key accepted earlier)      -> sent:push
    other 4xx                               -> failed:<method>:<status>, final (same body would fail again)
    5xx / network errors after retries      -> raise LineApiError, state kept for the next attempt

The retry key is uuid5(namespace, key), so a reclaimed event repeats the same key and LINE answers 409
instead of delivering twice.

The shared types (ledger, Delivery, LineApiError, Gateway) are in bot/line_types.py, the local stand-in in
bot/null_gateway.py and the rich-menu calls in bot/line_richmenu.py, so this module holds only the client.
"""

from __future__ import annotations

import asyncio
import logging
import random
import time
from collections.abc import Awaitable, Callable, Sequence
from types import TracebackType
from typing import Any, Literal, Self

import aiohttp
from linebot.v3.messaging import (
    ApiException,
    ApiResponse,
    AsyncApiClient,
    AsyncMessagingApi,
    AsyncMessagingApiBlob,
    Configuration,
    PushMessageRequest,
    ReplyMessageRequest,
    ShowLoadingAnimationRequest,
)

from bot.line_richmenu import RichMenuApi
from bot.line_types import (
    SENDING_PUSH,
    SENDING_REPLY,
    SENT_NOTHING,
    SENT_PUSH,
    SENT_REPLY,
    SENT_REPLY_ASSUMED,
    UNSENT_REPLY,
    Delivery,
    DeliveryLedger,
    Gateway,
    LineApiError,
    LineProfile,
    retry_key_for,
    settled_or_fitted,
)
from bot.messages import OutMessage
from bot.metrics import LINE_API_CALLS
from bot.null_gateway import NullGateway
from bot.replies import enforce_limits, to_line_messages
from bot.settings import Settings

log = logging.getLogger(__name__)


class LineGateway(RichMenuApi):
    """The real client (line-bot-sdk's async API). Create it anywhere; `start()` it inside the event loop."""

    def __init__(
        self,
        access_token: str,
        api_base_url: str = "https://api.line.me",
        data_api_base_url: str = "https://api-data.line.me",
        timeout_s: float = 10.0,
        max_retries: int = 4,
        backoff_base_s: float = 0.5,
        reply_window_s: float = 50.0,
        max_backoff_s: float = 30.0,
    ) -> None:
        self.access_token = access_token
        self.api_base_url = api_base_url.rstrip("/")
        self.data_api_base_url = (data_api_base_url or api_base_url).rstrip("/")
        self.timeout_s, self.max_retries, self.backoff_base_s = timeout_s, max_retries, backoff_base_s
        self.reply_window_s, self.max_backoff_s = reply_window_s, max_backoff_s
        self._clients: list[AsyncApiClient] = []
        self._api: AsyncMessagingApi | None = None
        self._blob: AsyncMessagingApiBlob | None = None

    @classmethod
    def from_settings(cls, settings: Settings) -> LineGateway:
        return cls(
            settings.line_channel_access_token,
            settings.line_api_base_url,
            settings.effective_data_api_base_url,
            settings.line_timeout_s,
            settings.line_max_retries,
            settings.line_backoff_base_s,
            settings.reply_window_s,
        )

    async def start(self) -> None:
        # The SDK opens an aiohttp session in its constructor, which needs a running loop (line.md §5.2).
        if self._api is not None:
            return
        api_client = AsyncApiClient(Configuration(access_token=self.access_token, host=self.api_base_url))
        data_client = AsyncApiClient(
            Configuration(access_token=self.access_token, host=self.data_api_base_url)
        )
        self._clients = [api_client, data_client]
        self._api, self._blob = AsyncMessagingApi(api_client), AsyncMessagingApiBlob(data_client)

    async def aclose(self) -> None:
        for client in self._clients:
            await client.close()
        self._clients, self._api, self._blob = [], None, None

    async def __aenter__(self) -> Self:
        await self.start()
        return self

    async def __aexit__(
        self, kind: type[BaseException] | None, error: BaseException | None, trace: TracebackType | None
    ) -> None:
        await self.aclose()

    # ---- exactly-once delivery -----------------------------------------------------------------------------

    async def deliver(
        self,
        *,
        key: str,
        to: str,
        reply_token: str | None,
        event_time_ms: int | None,
        messages: Sequence[OutMessage],
        ledger: DeliveryLedger,
    ) -> Delivery:
        """Send one event's answer once. Raises LineApiError only for transient failures (retry later)."""
        state, fitted, skipped = await settled_or_fitted(key, messages, ledger)
        if skipped is not None:
            return skipped
        resumed = state == SENDING_REPLY
        if reply_token and (resumed or (state in (None, UNSENT_REPLY) and self._fresh(event_time_ms))):
            outcome = await self._deliver_by_reply(key, reply_token, fitted, ledger, resumed)
            if outcome is not None:
                return outcome
        return await self._deliver_by_push(key, to, fitted, ledger)

    def _fresh(self, event_time_ms: int | None) -> bool:
        if event_time_ms is None:
            return True
        return time.time() * 1000 - event_time_ms < self.reply_window_s * 1000

    async def _deliver_by_reply(
        self, key: str, token: str, messages: list[OutMessage], ledger: DeliveryLedger, resumed: bool
    ) -> Delivery | None:
        """Reply, or return None when the token was already dead so the caller pushes instead."""
        await ledger.set(key, SENDING_REPLY)
        try:
            request_id = await self._reply(token, messages)
        except LineApiError as error:
            if error.invalid_reply_token and (resumed or error.maybe_delivered):
                # An earlier attempt may have used the token: pushing now could show the answer twice.
                await ledger.set(key, SENT_REPLY_ASSUMED)
                return Delivery("assumed", "reply", error.request_id, SENT_REPLY_ASSUMED)
            if error.invalid_reply_token:
                return None
            if error.retryable:
                if error.status == 429 and not (resumed or error.maybe_delivered):
                    await ledger.set(key, UNSENT_REPLY)
                raise
            return await _record_failure(key, "reply", error, ledger)
        await ledger.set(key, SENT_REPLY)
        return Delivery("replied", "reply", request_id)

    async def _deliver_by_push(
        self, key: str, to: str, messages: list[OutMessage], ledger: DeliveryLedger
    ) -> Delivery:
        if not to:
            await ledger.set(key, "failed:push:no-recipient")
            return Delivery("failed", "push", detail="no recipient to push to")
        await ledger.set(key, SENDING_PUSH)
        try:
            delivery = await self.push(to, messages, retry_key_for(key))
        except LineApiError as error:
            if error.retryable:
                raise
            return await _record_failure(key, "push", error, ledger)
        await ledger.set(key, SENT_PUSH)
        return delivery

    # ---- single API calls ----------------------------------------------------------------------------------

    async def push(self, to: str, messages: Sequence[OutMessage], retry_key: str | None = None) -> Delivery:
        """Push messages (mentor answers, late replies). A repeated retry key counts as delivered (409)."""
        fitted = enforce_limits(messages)
        if not fitted:
            return Delivery("skipped", detail=SENT_NOTHING)
        request = PushMessageRequest(to=to, messages=to_line_messages(fitted))
        try:
            response = await self._call(
                "push",
                lambda: self._messaging.push_message_with_http_info(
                    request, x_line_retry_key=retry_key, _request_timeout=self.timeout_s
                ),
            )
        except LineApiError as error:
            if error.status == 409:
                return Delivery("pushed", "push", error.accepted_request_id, "accepted earlier (retry key)")
            raise
        return Delivery("pushed", "push", _request_id(response))

    async def _reply(self, token: str, messages: list[OutMessage]) -> str | None:
        request = ReplyMessageRequest(reply_token=token, messages=to_line_messages(messages))
        response = await self._call(
            "reply",
            lambda: self._messaging.reply_message_with_http_info(request, _request_timeout=self.timeout_s),
        )
        return _request_id(response)

    async def show_loading(self, chat_id: str, seconds: int = 20) -> bool:
        """Show the typing indicator in a 1:1 chat; LINE refuses group (C…) and room (R…) ids."""
        if not chat_id.startswith("U"):
            return False
        seconds = min(60, max(5, round(seconds / 5) * 5))
        request = ShowLoadingAnimationRequest(chat_id=chat_id, loading_seconds=seconds)
        try:  # cosmetic, so no retries: the answer itself must not wait for it
            await self._call(
                "loading",
                lambda: self._messaging.show_loading_animation_with_http_info(
                    request, _request_timeout=self.timeout_s
                ),
                retries=0,
            )
        except LineApiError:
            return False
        return True

    async def get_profile(self, user_id: str) -> LineProfile | None:
        """The user's LINE profile, or None when LINE has none for us (not a friend, blocked)."""
        try:
            response = await self._call(
                "profile",
                lambda: self._messaging.get_profile_with_http_info(user_id, _request_timeout=self.timeout_s),
            )
        except LineApiError as error:
            if error.status == 404:
                return None
            raise
        data = response.data
        return LineProfile(data.user_id, data.display_name, data.picture_url, data.language)

    async def get_content(self, message_id: str) -> bytes:
        """Binary content of an image/video/audio/file message, from the data API host."""
        if self._blob is None:
            raise RuntimeError("LineGateway.start() was not awaited")
        blob = self._blob
        response = await self._call(
            "content",
            lambda: blob.get_message_content_with_http_info(message_id, _request_timeout=self.timeout_s),
        )
        return bytes(response.data)

    @property
    def _messaging(self) -> AsyncMessagingApi:
        if self._api is None:
            raise RuntimeError("LineGateway.start() was not awaited")
        return self._api

    async def _call(
        self, endpoint: str, send: Callable[[], Awaitable[ApiResponse]], retries: int | None = None
    ) -> ApiResponse:
        """One logical call: retry 429/5xx/network errors with backoff, honouring Retry-After."""
        retries = self.max_retries if retries is None else retries
        maybe_delivered = False
        for attempt in range(retries + 1):
            try:
                response = await send()
            except ApiException as exc:
                LINE_API_CALLS.labels(endpoint, str(exc.status)).inc()
                error = LineApiError.from_api_exception(endpoint, exc)
            except (TimeoutError, aiohttp.ClientError) as exc:
                LINE_API_CALLS.labels(endpoint, "error").inc()
                # Only a refused connection is sure not to have reached LINE; a timeout may come after it.
                unsent = isinstance(exc, aiohttp.ClientConnectorError)
                error = LineApiError(
                    endpoint, None, f"{type(exc).__name__}: {exc}", maybe_delivered=not unsent
                )
            else:
                LINE_API_CALLS.labels(endpoint, str(response.status_code)).inc()
                return response
            maybe_delivered = error.maybe_delivered = maybe_delivered or error.maybe_delivered
            delay = self._backoff(attempt, error.retry_after)
            if not error.retryable or attempt >= retries or delay is None:
                _log_failure(error)
                raise error
            log.warning(
                "LINE %s answered %s; retry %d/%d in %.2fs (request id %s)",
                endpoint,
                error.status,
                attempt + 1,
                retries,
                delay,
                error.request_id,
            )
            await asyncio.sleep(delay)
        raise AssertionError("unreachable")

    def _backoff(self, attempt: int, retry_after: float | None) -> float | None:
        """Seconds to wait before the next attempt; None when LINE asks for longer than we are willing to."""
        if retry_after is not None:
            return retry_after if retry_after <= self.max_backoff_s else None
        ceiling = min(self.max_backoff_s, self.backoff_base_s * 2**attempt)
        return ceiling * random.uniform(0.5, 1.0)  # jitter spreads out workers retrying together


async def _record_failure(
    key: str, method: Literal["reply", "push"], error: LineApiError, ledger: DeliveryLedger
) -> Delivery:
    state = f"failed:{method}:{error.status}"
    await ledger.set(key, state)
    return Delivery("failed", method, error.request_id, str(error))


def _log_failure(error: LineApiError) -> None:
    # 404 (no profile), 409 (retry key seen) and a dead reply token are expected and handled by the caller.
    expected = error.status in (404, 409) or error.invalid_reply_token
    level = logging.INFO if expected else logging.WARNING
    log.log(level, "%s", error)


def _request_id(response: ApiResponse) -> str | None:
    headers: Any = response.headers or {}
    return headers.get("x-line-request-id")



def gateway_from_settings(settings: Settings) -> Gateway:
    """The real gateway when a channel is configured, otherwise the local stand-in."""
    if settings.local_mode:
        log.info("local mode: no LINE channel configured; answers are kept in memory")
        return NullGateway()
    return LineGateway.from_settings(settings)
