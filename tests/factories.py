"""Factories for LINE webhook events and signed request bodies (real shapes, as LINE sends them)."""
from __future__ import annotations

import base64
import hashlib
import hmac
import itertools
import json
import time
import uuid
from typing import Any

_ids = itertools.count(1)


def user_id(n: int | str) -> str:
    """A LINE-shaped user id (U + 32 hex) that is stable for `n`."""
    return "U" + hashlib.md5(str(n).encode()).hexdigest()


def _common(kind: str, user: str, **extra: Any) -> dict[str, Any]:
    event: dict[str, Any] = {
        "type": kind,
        "mode": "active",
        "timestamp": int(time.time() * 1000),
        "source": {"type": "user", "userId": user},
        "webhookEventId": "01" + uuid.uuid4().hex.upper()[:24],
        "deliveryContext": {"isRedelivery": False},
    }
    event.update(extra)
    return event


def text_event(text: str, user: str | None = None, *, reply_token: str | None = None, **extra: Any) -> dict:
    message = {"id": str(next(_ids)), "type": "text", "text": text, "quoteToken": uuid.uuid4().hex}
    return _common("message", user or user_id(1), replyToken=reply_token or uuid.uuid4().hex,
                   message=message, **extra)


def sticker_event(user: str | None = None) -> dict:
    message = {"id": str(next(_ids)), "type": "sticker", "packageId": "446", "stickerId": "1988",
               "stickerResourceType": "STATIC", "quoteToken": uuid.uuid4().hex}
    return _common("message", user or user_id(1), replyToken=uuid.uuid4().hex, message=message)


def image_event(user: str | None = None) -> dict:
    message = {"id": str(next(_ids)), "type": "image", "quoteToken": uuid.uuid4().hex,
               "contentProvider": {"type": "line"}}
    return _common("message", user or user_id(1), replyToken=uuid.uuid4().hex, message=message)


def location_event(lat: float, lon: float, address: str | None = None, user: str | None = None) -> dict:
    message = {"id": str(next(_ids)), "type": "location", "latitude": lat, "longitude": lon,
               "address": address}
    return _common("message", user or user_id(1), replyToken=uuid.uuid4().hex, message=message)


def follow_event(user: str | None = None) -> dict:
    return _common("follow", user or user_id(1), replyToken=uuid.uuid4().hex, follow={"isUnblocked": False})


def unfollow_event(user: str | None = None) -> dict:
    return _common("unfollow", user or user_id(1))


def postback_event(data: str, user: str | None = None) -> dict:
    return _common("postback", user or user_id(1), replyToken=uuid.uuid4().hex, postback={"data": data})


def group_text_event(text: str, group: str, user: str | None = None, *, mention_self: bool = False) -> dict:
    event = text_event(text, user)
    event["source"] = {"type": "group", "groupId": group, "userId": user or user_id(1)}
    if mention_self:
        event["message"]["mention"] = {"mentionees": [
            {"index": 0, "length": 4, "type": "user", "userId": "Ubot", "isSelf": True}]}
    return event


def body(*events: dict, destination: str = "U" + "0" * 32) -> bytes:
    return json.dumps({"destination": destination, "events": list(events)}, ensure_ascii=False).encode()


def sign(raw: bytes, secret: str) -> str:
    return base64.b64encode(hmac.new(secret.encode(), raw, hashlib.sha256).digest()).decode()
