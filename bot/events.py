"""Inbound events: raw LINE webhook events parsed with the SDK and converted to our own small types.

SDK models stay at this edge (they are generated pydantic.v1 classes); the rest of the code sees `InboundEvent`.
Anything the SDK cannot parse becomes kind "unknown" with the raw dict kept, so new LINE features are recorded,
counted and never crash the pipeline.
"""
from __future__ import annotations

import logging
from dataclasses import dataclass, field
from typing import Any

from linebot.v3.webhooks import (
    Event,
    GroupSource,
    LocationMessageContent,
    MessageEvent,
    PostbackEvent,
    RoomSource,
    StickerMessageContent,
    TextMessageContent,
    UserSource,
)

from bot import metrics

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class Source:
    kind: str  # user | group | room | unknown
    user_id: str | None
    chat_id: str

    @property
    def is_group(self) -> bool:
        return self.kind in ("group", "room")


@dataclass(frozen=True, slots=True)
class Location:
    latitude: float
    longitude: float
    title: str | None = None
    address: str | None = None


@dataclass(frozen=True, slots=True)
class InboundEvent:
    event_id: str
    kind: str  # message | follow | unfollow | postback | join | leave | ... | unknown
    timestamp_ms: int
    source: Source
    mode: str = "active"
    redelivery: bool = False
    reply_token: str | None = None
    message_type: str | None = None  # text | image | video | audio | file | location | sticker
    message_id: str | None = None
    text: str | None = None
    mentions_self: bool = False
    postback_data: str | None = None
    postback_params: dict[str, Any] = field(default_factory=dict)
    location: Location | None = None
    sticker_keywords: tuple[str, ...] = ()
    raw: dict[str, Any] = field(default_factory=dict)

    @property
    def standby(self) -> bool:
        """A module channel has chat control: record, never answer."""
        return self.mode == "standby"


def parse_event(event_id: str, raw: dict[str, Any]) -> InboundEvent:
    """Parse one raw webhook event; unknown or malformed ones become kind "unknown"."""
    try:
        sdk_event = Event.from_dict(raw)
    except Exception:  # noqa: BLE001 - the SDK raises ValueError/ValidationError/KeyError on odd input
        sdk_event = None
    if sdk_event is None or type(sdk_event).__name__ == "UnknownEvent":
        metrics.UNKNOWN_EVENTS.inc()
        log.info("unknown or malformed event kept raw: type=%r id=%s", raw.get("type"), event_id)
        return _unknown(event_id, raw)
    return _convert(event_id, sdk_event, raw)


def _unknown(event_id: str, raw: dict[str, Any]) -> InboundEvent:
    source = _raw_source(raw.get("source"))
    timestamp = raw.get("timestamp")
    return InboundEvent(
        event_id=event_id,
        kind="unknown",
        timestamp_ms=timestamp if isinstance(timestamp, int) else 0,
        source=source,
        mode=str(raw.get("mode") or "active"),
        raw=raw,
    )


def _raw_source(source: Any) -> Source:
    if not isinstance(source, dict):
        return Source("unknown", None, "unknown")
    user = source.get("userId") if isinstance(source.get("userId"), str) else None
    chat = source.get("groupId") or source.get("roomId") or user or "unknown"
    return Source(str(source.get("type") or "unknown"), user, str(chat))


def _source(sdk_source: Any) -> Source:
    user = getattr(sdk_source, "user_id", None)
    if isinstance(sdk_source, GroupSource):
        return Source("group", user, sdk_source.group_id)
    if isinstance(sdk_source, RoomSource):
        return Source("room", user, sdk_source.room_id)
    if isinstance(sdk_source, UserSource) and user:
        return Source("user", user, user)
    return Source("unknown", user, user or "unknown")


def _convert(event_id: str, ev: Any, raw: dict[str, Any]) -> InboundEvent:
    base: dict[str, Any] = {
        "event_id": event_id,
        "kind": str(raw.get("type")),
        "timestamp_ms": int(ev.timestamp),
        "source": _source(ev.source),
        "mode": str(getattr(ev.mode, "value", ev.mode) or "active"),
        "redelivery": bool(ev.delivery_context and ev.delivery_context.is_redelivery),
        "reply_token": getattr(ev, "reply_token", None),
        "raw": raw,
    }
    if isinstance(ev, MessageEvent):
        base.update(_message_fields(ev.message))
    elif isinstance(ev, PostbackEvent):
        base["postback_data"] = ev.postback.data
        base["postback_params"] = dict(ev.postback.params or {})
    return InboundEvent(**base)


def _message_fields(message: Any) -> dict[str, Any]:
    fields: dict[str, Any] = {"message_type": str(message.type), "message_id": message.id}
    if isinstance(message, TextMessageContent):
        fields["text"] = message.text
        fields["mentions_self"] = _mentions_self(message)
    elif isinstance(message, LocationMessageContent):
        fields["location"] = Location(message.latitude, message.longitude, message.title, message.address)
    elif isinstance(message, StickerMessageContent):
        fields["sticker_keywords"] = tuple(message.keywords or ())
    return fields


def _mentions_self(message: TextMessageContent) -> bool:
    mention = message.mention
    if not mention or not mention.mentionees:
        return False
    return any(getattr(m, "is_self", False) for m in mention.mentionees)
