"""LINE Messaging API gateway: exactly-once-in-effect delivery, retries, and a local stand-in.

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
"""

from __future__ import annotations

import asyncio
import logging
import random
import time
import uuid
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from types import TracebackType
from typing import Any, Literal, Protocol, Self

import aiohttp
from linebot.v3.messaging import (
    ApiException,
    ApiResponse,
    AsyncApiClient,
    AsyncMessagingApi,
    AsyncMessagingApiBlob,
    Configuration,
    CreateRichMenuAliasRequest,
    ErrorResponse,
    PushMessageRequest,
    ReplyMessageRequest,
    RichMenuBulkLinkRequest,
    RichMenuRequest,
    ShowLoadingAnimationRequest,
    UpdateRichMenuAliasRequest,
)

from bot.messages import OutMessage
from bot.metrics import LINE_API_CALLS
from bot.replies import enforce_limits, to_line_messages
from bot.settings import Settings

log = logging.getLogger(__name__)

# Fixed forever: changing it would give a reclaimed event a new retry key and so a second push.
RETRY_KEY_NAMESPACE = uuid.UUID("8a3f6c52-5d1e-4f0b-9a7c-3b2e1d0c4f65")

SENDING_REPLY, SENT_REPLY, SENT_REPLY_ASSUMED = "sending:reply", "sent:reply", "sent:reply-assumed"
UNSENT_REPLY = "unsent:reply"  # LINE refused the reply (429) without processing it: safe to try again
SENDING_PUSH, SENT_PUSH, SENT_NOTHING = "sending:push", "sent:push", "sent:nothing"

LOCAL_MODE_NO_MENUS = "No rich menus in local mode (no LINE channel configured)"

DeliveryStatus = Literal["replied", "pushed", "assumed", "skipped", "failed"]


class DeliveryLedger(Protocol):
    """Per-event record of delivery progress (the pipeline keeps it in Redis)."""

    async def get(self, key: str) -> str | None: ...

    async def set(self, key: str, value: str) -> None: ...


class MemoryLedger:
    """In-process ledger for tests and local mode."""

    def __init__(self) -> None:
        self.values: dict[str, str] = {}

    async def get(self, key: str) -> str | None:
        return self.values.get(key)

    async def set(self, key: str, value: str) -> None:
        self.values[key] = value


@dataclass(frozen=True)
class Delivery:
    """Outcome of one delivery: `replied`/`pushed` now, `assumed` delivered earlier, `skipped`, `failed`."""

    status: DeliveryStatus
    method: Literal["reply", "push"] | None = None
    request_id: str | None = None
    detail: str = ""

    @property
    def delivered(self) -> bool:
        return self.status != "failed"


@dataclass(frozen=True)
class LineProfile:
    user_id: str
    display_name: str
    picture_url: str | None = None
    language: str | None = None


@dataclass(eq=False)
class LineApiError(Exception):
    """A LINE call that did not succeed.

    `maybe_delivered`: some attempt of this call ended without a clear answer (5xx, timeout), so LINE may
    have processed it; a 4xx, a 429 or a refused connection is a clear "not processed".
    """

    endpoint: str
    status: int | None
    message: str
    details: list[tuple[str, str]] = field(default_factory=list)  # (property, message)
    request_id: str | None = None
    retry_after: float | None = None
    accepted_request_id: str | None = None
    maybe_delivered: bool = False

    def __str__(self) -> str:
        details = "; ".join(f"{prop}: {msg}" for prop, msg in self.details)
        return (
            f"LINE {self.endpoint} {self.status}: {self.message} [{details}] (request id {self.request_id})"
        )

    @property
    def retryable(self) -> bool:
        return self.status is None or self.status == 429 or self.status >= 500

    @property
    def invalid_reply_token(self) -> bool:
        return self.status == 400 and "reply token" in self.message.lower()

    @classmethod
    def from_api_exception(cls, endpoint: str, exc: ApiException) -> LineApiError:
        headers = exc.headers or {}
        message, details = str(exc.reason or ""), []
        try:
            error = ErrorResponse.from_json(exc.body) if exc.body else None
        except ValueError:  # not LINE's JSON error body (a proxy page, say)
            error = None
        if error is not None:
            message = error.message
            details = [(d.var_property or "", d.message or "") for d in error.details or []]
        return cls(
            endpoint,
            exc.status,
            message,
            details,
            headers.get("x-line-request-id"),
            _seconds(headers.get("retry-after")),
            headers.get("x-line-accepted-request-id"),
            maybe_delivered=exc.status >= 500,  # LINE may have processed the request before failing
        )


class Gateway(Protocol):
    """What the pipeline and handlers need from LINE; implemented by LineGateway and NullGateway."""

    async def start(self) -> None: ...

    async def aclose(self) -> None: ...

    async def deliver(
        self,
        *,
        key: str,
        to: str,
        reply_token: str | None,
        event_time_ms: int | None,
        messages: Sequence[OutMessage],
        ledger: DeliveryLedger,
    ) -> Delivery: ...

    async def push(
        self, to: str, messages: Sequence[OutMessage], retry_key: str | None = None
    ) -> Delivery: ...

    async def show_loading(self, chat_id: str, seconds: int = 20) -> bool: ...

    async def get_profile(self, user_id: str) -> LineProfile | None: ...

    async def get_content(self, message_id: str) -> bytes: ...


async def _settled_or_fitted(
    key: str, messages: Sequence[OutMessage], ledger: DeliveryLedger
) -> tuple[str | None, list[OutMessage], Delivery | None]:
    """The ledger state, the messages fitted to LINE's limits, and a "skipped" result when nothing is left to
    send (already settled for this key, or nothing survives the limits)."""
    state = await ledger.get(key)
    if state and state.startswith(("sent:", "failed:")):
        return state, [], Delivery("skipped", detail=state)
    fitted = enforce_limits(messages)
    if not fitted:
        await ledger.set(key, SENT_NOTHING)
        return state, [], Delivery("skipped", detail=SENT_NOTHING)
    return state, fitted, None


def retry_key_for(key: str) -> str:
    return str(uuid.uuid5(RETRY_KEY_NAMESPACE, key))


class LineGateway:
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
        state, fitted, skipped = await _settled_or_fitted(key, messages, ledger)
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

    # ---- rich menus (driven by bot/richmenu.py; ids and JSON in LINE's own camelCase shape) ----------------

    async def _rich_menu_call(
        self, endpoint: str, method: Callable[..., Awaitable[ApiResponse]], *args: Any,
        retries: int | None = None,
    ) -> ApiResponse:
        return await self._call(endpoint, lambda: method(*args, _request_timeout=self.timeout_s), retries)

    async def create_rich_menu(self, menu: dict[str, Any]) -> str:
        """Create a rich menu from its LINE JSON; returns the new rich menu id."""
        request = RichMenuRequest.from_dict(menu)
        api = self._messaging
        response = await self._rich_menu_call("richmenu.create", api.create_rich_menu_with_http_info, request)
        return str(response.data.rich_menu_id)

    async def upload_rich_menu_image(self, rich_menu_id: str, image: bytes, content_type: str) -> None:
        """Attach the image (JPEG or PNG) on the data API host; LINE accepts one image per menu, once."""
        if self._blob is None:
            raise RuntimeError("LineGateway.start() was not awaited")
        blob = self._blob
        headers = {"Content-Type": content_type}
        await self._call("richmenu.image", lambda: blob.set_rich_menu_image_with_http_info(
            rich_menu_id, bytes(image), _headers=headers, _request_timeout=self.timeout_s))

    async def list_rich_menus(self) -> list[dict[str, Any]]:
        """Every rich menu of the channel, as LINE JSON (richMenuId, name, size, areas, ...)."""
        api = self._messaging
        response = await self._rich_menu_call("richmenu.list", api.get_rich_menu_list_with_http_info)
        return [menu.to_dict() for menu in response.data.richmenus]

    async def delete_rich_menu(self, rich_menu_id: str) -> None:
        api = self._messaging
        await self._rich_menu_call("richmenu.delete", api.delete_rich_menu_with_http_info, rich_menu_id)

    async def set_default_rich_menu(self, rich_menu_id: str) -> None:
        api = self._messaging
        await self._rich_menu_call("richmenu.default", api.set_default_rich_menu_with_http_info, rich_menu_id)

    async def list_rich_menu_aliases(self) -> dict[str, str]:
        """Alias id -> rich menu id."""
        api = self._messaging
        response = await self._rich_menu_call("richmenu.aliases", api.get_rich_menu_alias_list_with_http_info)
        return {alias.rich_menu_alias_id: alias.rich_menu_id for alias in response.data.aliases}

    async def get_rich_menu_alias(self, alias_id: str) -> str | None:
        """The rich menu id an alias points to, or None when the alias does not exist."""
        api = self._messaging
        try:
            response = await self._rich_menu_call(
                "richmenu.alias", api.get_rich_menu_alias_with_http_info, alias_id, retries=1)
        except LineApiError as error:
            if error.status in (400, 404):  # LINE answers an unknown alias with a client error
                return None
            raise
        return str(response.data.rich_menu_id)

    async def create_rich_menu_alias(self, alias_id: str, rich_menu_id: str) -> None:
        request = CreateRichMenuAliasRequest(rich_menu_alias_id=alias_id, rich_menu_id=rich_menu_id)
        api = self._messaging
        await self._rich_menu_call(
            "richmenu.alias_create", api.create_rich_menu_alias_with_http_info, request)

    async def update_rich_menu_alias(self, alias_id: str, rich_menu_id: str) -> None:
        request = UpdateRichMenuAliasRequest(rich_menu_id=rich_menu_id)
        api = self._messaging
        await self._rich_menu_call(
            "richmenu.alias_update", api.update_rich_menu_alias_with_http_info, alias_id, request)

    async def link_rich_menu(self, user_id: str, rich_menu_id: str) -> None:
        """Show this menu to one user (replaces any menu linked before; takes effect at once)."""
        api = self._messaging
        await self._rich_menu_call(
            "richmenu.link", api.link_rich_menu_id_to_user_with_http_info, user_id, rich_menu_id)

    async def link_rich_menu_to_users(self, rich_menu_id: str, user_ids: Sequence[str]) -> None:
        """Bulk link (at most 500 users per call; LINE applies it asynchronously)."""
        request = RichMenuBulkLinkRequest(rich_menu_id=rich_menu_id, user_ids=list(user_ids))
        api = self._messaging
        await self._rich_menu_call(
            "richmenu.bulk_link", api.link_rich_menu_id_to_users_with_http_info, request)

    async def unlink_rich_menu(self, user_id: str) -> None:
        """Back to the default menu for this user."""
        api = self._messaging
        await self._rich_menu_call(
            "richmenu.unlink", api.unlink_rich_menu_id_from_user_with_http_info, user_id)

    async def get_user_rich_menu(self, user_id: str) -> str | None:
        """The menu linked to this user, or None (LINE answers 404 when only the default applies)."""
        api = self._messaging
        try:
            response = await self._rich_menu_call(
                "richmenu.user", api.get_rich_menu_id_of_user_with_http_info, user_id)
        except LineApiError as error:
            if error.status == 404:
                return None
            raise
        return str(response.data.rich_menu_id)


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


def _seconds(value: str | None) -> float | None:
    """Retry-After in seconds (LINE sends delta-seconds; an HTTP date is ignored and backoff used instead)."""
    try:
        return max(0.0, float(value)) if value is not None else None
    except ValueError:
        return None


@dataclass(frozen=True)
class Outgoing:
    """A batch of messages NullGateway would have sent."""

    to: str
    method: Literal["reply", "push"]
    messages: list[OutMessage]


class NullGateway:
    """Local mode (no LINE channel): same interface, keeps what would be sent in memory.

    `thongthin chat` and the embedded server read the answers back with `take()`.
    """

    def __init__(self) -> None:
        self.sent: list[Outgoing] = []
        self.loading: list[str] = []

    async def start(self) -> None:
        return None

    async def aclose(self) -> None:
        return None

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
        _, fitted, skipped = await _settled_or_fitted(key, messages, ledger)
        if skipped is not None:
            return skipped
        method: Literal["reply", "push"] = "reply" if reply_token else "push"
        self.sent.append(Outgoing(to, method, fitted))
        await ledger.set(key, f"sent:{method}")
        return Delivery("replied" if method == "reply" else "pushed", method)

    async def push(self, to: str, messages: Sequence[OutMessage], retry_key: str | None = None) -> Delivery:
        fitted = enforce_limits(messages)
        if not fitted:
            return Delivery("skipped", detail=SENT_NOTHING)
        self.sent.append(Outgoing(to, "push", fitted))
        return Delivery("pushed", "push")

    async def show_loading(self, chat_id: str, seconds: int = 20) -> bool:
        if not chat_id.startswith("U"):
            return False
        self.loading.append(chat_id)
        return True

    async def get_profile(self, user_id: str) -> LineProfile | None:
        return None

    async def get_content(self, message_id: str) -> bytes:
        raise LineApiError("content", 404, "No message content in local mode")

    def take(self, to: str | None = None) -> list[OutMessage]:
        """Remove and return the messages sent so far (to one recipient, or to anyone)."""
        taken = [batch for batch in self.sent if to is None or batch.to == to]
        self.sent = [batch for batch in self.sent if not (to is None or batch.to == to)]
        return [message for batch in taken for message in batch.messages]

    # ---- rich menus: local mode has none; role changes still run through the same calls ---------------

    async def create_rich_menu(self, menu: dict[str, Any]) -> str:
        raise LineApiError("richmenu.create", None, LOCAL_MODE_NO_MENUS)

    async def upload_rich_menu_image(self, rich_menu_id: str, image: bytes, content_type: str) -> None:
        raise LineApiError("richmenu.image", None, LOCAL_MODE_NO_MENUS)

    async def list_rich_menus(self) -> list[dict[str, Any]]:
        return []

    async def delete_rich_menu(self, rich_menu_id: str) -> None:
        return None

    async def set_default_rich_menu(self, rich_menu_id: str) -> None:
        return None

    async def list_rich_menu_aliases(self) -> dict[str, str]:
        return {}

    async def get_rich_menu_alias(self, alias_id: str) -> str | None:
        return None

    async def create_rich_menu_alias(self, alias_id: str, rich_menu_id: str) -> None:
        return None

    async def update_rich_menu_alias(self, alias_id: str, rich_menu_id: str) -> None:
        return None

    async def link_rich_menu(self, user_id: str, rich_menu_id: str) -> None:
        return None

    async def link_rich_menu_to_users(self, rich_menu_id: str, user_ids: Sequence[str]) -> None:
        return None

    async def unlink_rich_menu(self, user_id: str) -> None:
        return None

    async def get_user_rich_menu(self, user_id: str) -> str | None:
        return None


def gateway_from_settings(settings: Settings) -> Gateway:
    """The real gateway when a channel is configured, otherwise the local stand-in."""
    if settings.local_mode:
        log.info("local mode: no LINE channel configured; answers are kept in memory")
        return NullGateway()
    return LineGateway.from_settings(settings)
