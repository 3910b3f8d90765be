"""Turns one queued event into a handled turn: parse, load user and state, understand, route, deliver, record.

The worker calls `Dispatcher.handle`; `thongthin chat` calls the same method, so the terminal and LINE share
one code path.
"""
from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from bot.events import InboundEvent, parse_event
from bot.kv import Keys
from bot.queue import QueuedEvent
from bot.routing import Router
from bot.state import StateStore
from bot.turn import AppContext, Turn, UserInfo
from bot.repo.invites import mask_invite_codes
from nlu.pii import redact

log = logging.getLogger(__name__)

NLU_MAX_CHARS = 2_000  # long complaints keep their meaning in the first paragraphs; bounds NLU time


class Dispatcher:
    def __init__(
        self, root: Router, ctx: AppContext, states: StateStore, gateway: Any, ledger: Any, keys: Keys
    ) -> None:
        self.root = root
        self.ctx = ctx
        self.states = states
        self.gateway = gateway
        self.ledger = ledger
        self.keys = keys

    async def handle(self, queued: QueuedEvent) -> Turn | None:
        """Process one event to completion. Safe to run again for the same event (exactly-once in effect)."""
        started = time.perf_counter()
        event = parse_event(queued.event_id, queued.payload)
        if event.kind == "unknown" or event.standby or not event.source.user_id:
            await self._record(event, None, started)
            return None
        user = await self._load_user(event)
        turn = Turn(event=event, user=user, state=await self.states.load(event.source.chat_id, user.line_user_id),
                    ctx=self.ctx, now=await self.ctx.clock.now())
        async with self._loading_indicator(event):
            if event.text:
                turn.nlu = self.ctx.nlu.classify(event.text[:NLU_MAX_CHARS], audience=user.nlu_audience)
            await self.root.route(turn)
        await self._deliver(turn)
        await self.states.save(event.source.chat_id, user.line_user_id, turn.state)
        await self._record(event, turn, started)
        return turn

    async def _load_user(self, event: InboundEvent) -> UserInfo:
        storage, user_id = self.ctx.storage, event.source.user_id
        if event.kind in ("follow", "unfollow"):
            await storage.mark_followed(user_id, event.kind == "follow")
        row = await storage.get_or_create_user(user_id)
        return UserInfo(line_user_id=user_id, role=row.role, lao_code=row.lao_code, display_name=row.display_name)

    async def _deliver(self, turn: Turn) -> None:
        event = turn.event
        messages = turn.reply.build()
        if messages:
            await self.gateway.deliver(
                key=self.keys.delivery(event.event_id, 0),
                to=event.source.chat_id,
                reply_token=event.reply_token,
                event_time_ms=event.timestamp_ms,
                messages=messages,
                ledger=self.ledger,
            )
        for part, (to, pushed) in enumerate(turn.pushes, start=1):
            await self.gateway.deliver(
                key=self.keys.delivery(event.event_id, part),
                to=to,
                reply_token=None,
                event_time_ms=event.timestamp_ms,
                messages=pushed,
                ledger=self.ledger,
            )

    @asynccontextmanager
    async def _loading_indicator(self, event: InboundEvent) -> AsyncIterator[None]:
        """Show LINE's loading animation in 1:1 chats when an answer takes noticeably long."""
        delay = self.ctx.settings.loading_after_s
        if event.source.kind != "user" or event.kind != "message" or delay <= 0:
            yield
            return
        task = asyncio.create_task(self._show_loading_later(event.source.chat_id, delay))
        try:
            yield
        finally:
            task.cancel()

    async def _show_loading_later(self, chat_id: str, delay: float) -> None:
        await asyncio.sleep(delay)
        try:
            await self.gateway.show_loading(chat_id, 20)
        except Exception:  # noqa: BLE001 - cosmetic; never fail a turn over it
            log.warning("loading animation failed", exc_info=True)

    async def _record(self, event: InboundEvent, turn: Turn | None, started: float) -> None:
        nlu = turn.nlu if turn else None
        text = redact(mask_invite_codes(event.text)) if event.text else None  # PDPA; one-time codes
        await self.ctx.storage.record_interaction(
            webhook_event_id=event.event_id,
            line_user_id=event.source.user_id,
            chat_id=event.source.chat_id,
            event_type=event.kind,
            message_type=event.message_type,
            text=text,
            intent=getattr(nlu, "intent", None),
            topic=getattr(nlu, "topic", None),
            confidence=getattr(nlu, "confidence", None),
            decision=getattr(nlu, "decision", None),
            latency_ms=int((time.perf_counter() - started) * 1000),
        )
