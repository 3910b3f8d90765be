"""The webhook's only job: verify the signature on the raw body, durably enqueue every event, return fast.

No NLU, database or LINE API call happens here, so LINE's 2-second limit is never at risk.
"""
from __future__ import annotations

import json
import logging
from dataclasses import dataclass
from typing import Any

from linebot.v3.webhook import WebhookParser

from bot import metrics
from bot.queue import EventQueue

log = logging.getLogger(__name__)


class InvalidSignature(Exception):
    """Missing or wrong X-Line-Signature: nothing is processed or stored."""


class MalformedBody(Exception):
    """Signed correctly (or not checkable) but not a LINE webhook body."""


class NotConfigured(Exception):
    """No channel secret: the server runs in local mode and cannot verify LINE requests."""


@dataclass(frozen=True, slots=True)
class Accepted:
    received: int
    enqueued: int
    duplicates: int


class WebhookReceiver:
    def __init__(self, channel_secret: str, queue: EventQueue) -> None:
        self.parser = WebhookParser(channel_secret) if channel_secret else None
        self.queue = queue

    async def receive(self, body: bytes, signature: str) -> Accepted:
        if self.parser is None:
            raise NotConfigured("LINE_CHANNEL_SECRET is not set")
        if not signature:
            raise InvalidSignature("missing X-Line-Signature")
        try:
            text = body.decode("utf-8")
        except UnicodeDecodeError as exc:
            raise MalformedBody("body is not UTF-8") from exc
        events = self._verified_events(text, signature)
        seqs = await self.queue.enqueue(events)
        for event in events:
            metrics.EVENTS_RECEIVED.labels(str(event.get("type", "unknown"))[:32]).inc()
        duplicates = sum(1 for s in seqs if s == 0)
        if duplicates:
            metrics.EVENTS_DUPLICATE.inc(duplicates)
        return Accepted(received=len(events), enqueued=len(events) - duplicates, duplicates=duplicates)

    def _verified_events(self, text: str, signature: str) -> list[dict[str, Any]]:
        """Check the signature with the SDK's validator, then keep the raw events.

        Full SDK parsing (pydantic models, ~0.2 ms a body) happens in the worker (bot/events.py), so this path
        stays at signature + JSON + one Redis call, and new LINE fields survive untouched in the queue.
        """
        assert self.parser is not None
        if not self.parser.signature_validator.validate(text, signature):
            raise InvalidSignature("signature does not match the body")
        try:
            payload = json.loads(text)
        except ValueError as exc:
            raise MalformedBody("body is not JSON") from exc
        events = payload.get("events") if isinstance(payload, dict) else None
        if not isinstance(events, list) or not all(isinstance(e, dict) for e in events):
            raise MalformedBody("body has no events list")
        return events
