"""Types shared by the LINE gateways and their callers: ledger, outcomes, errors, the Gateway protocol.

bot/line_api.py (the real LINE client) and bot/null_gateway.py (the local stand-in) both speak in these
terms, and the pipeline and handlers depend only on them; keeping them here lets either gateway be imported
without the other. The ledger states below are the vocabulary of the delivery state machine described in
bot/line_api.py.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Literal, Protocol

from linebot.v3.messaging import ApiException, ErrorResponse

from bot.messages import OutMessage
from bot.replies import enforce_limits

# Fixed forever: changing it would give a reclaimed event a new retry key and so a second push.
RETRY_KEY_NAMESPACE = uuid.UUID("8a3f6c52-5d1e-4f0b-9a7c-3b2e1d0c4f65")

SENDING_REPLY, SENT_REPLY, SENT_REPLY_ASSUMED = "sending:reply", "sent:reply", "sent:reply-assumed"
UNSENT_REPLY = "unsent:reply"  # LINE refused the reply (429) without processing it: safe to try again
SENDING_PUSH, SENT_PUSH, SENT_NOTHING = "sending:push", "sent:push", "sent:nothing"

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


async def settled_or_fitted(
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


def _seconds(value: str | None) -> float | None:
    """Retry-After in seconds (LINE sends delta-seconds; an HTTP date is ignored and backoff used instead)."""
    try:
        return max(0.0, float(value)) if value is not None else None
    except ValueError:
        return None
