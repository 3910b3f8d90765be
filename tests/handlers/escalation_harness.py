"""An in-process bot for escalation handler tests: the real router, dispatcher, knowledge, database and state
store, with the embedded Redis, the in-memory LINE gateway and a scripted NLU (the real NLU is exercised by
the end-to-end tests and transcripts; here each test says how a text is understood)."""
from __future__ import annotations

import itertools
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import datetime
from typing import Any

import fakeredis

from bot import db
from bot.clock import Clock
from bot.dispatcher import Dispatcher
from bot.kv import Keys
from bot.line_types import MemoryLedger
from bot.messages import FlexOut, OutMessage, TextOut
from bot.null_gateway import NullGateway
from bot.queue import QueuedEvent
from bot.settings import Settings
from bot.state import StateStore
from bot.storage import Storage
from bot.turn import AppContext
from handlers import build_root_router
from nlu.pii import find_pii
from nlu.types import Candidate, NluResult
from tests.factories import postback_event, text_event, user_id

_seq = itertools.count(1)


class ScriptedNlu:
    """Understands the texts it was told about; after a reload, also any example of the reloaded knowledge."""

    def __init__(self, kb: Any, table: dict[str, str]) -> None:
        self.kb = kb
        self.table = dict(table)  # text -> intent id
        self.reloads: list[Any] = []

    def classify(self, text: str, audience: str | None = None) -> NluResult:
        intent = self.table.get(text.strip()) or self._example_of(text.strip())
        topic = self.kb.intents[intent].topic if intent else None
        candidates = (Candidate(intent, topic, 0.95),) if intent else ()
        return NluResult(text=text, normalized=text, tokens=(), intent=intent, topic=topic,
                         confidence=0.95 if intent else 0.1, decision="answer" if intent else "fallback",
                         candidates=candidates, pii=find_pii(text))

    def _example_of(self, text: str) -> str | None:
        if not self.reloads:
            return None
        learned = (i for i in self.kb.intents.values() if i.id.startswith("learned."))
        return next((i.id for i in learned if text in i.examples), None)

    def reload(self, kb: Any, cache_dir: Any = None) -> None:
        self.kb = kb
        self.reloads.append(kb)


class Bot:
    """Send events as named users; read what each user received."""

    def __init__(self, dispatcher: Dispatcher, gateway: NullGateway, clock: Clock) -> None:
        self.dispatcher = dispatcher
        self.gateway = gateway
        self.clock = clock

    @property
    def ctx(self) -> AppContext:
        return self.dispatcher.ctx

    @staticmethod
    def uid(name: str) -> str:
        return user_id(f"escalation:{name}")

    async def user(self, name: str, role: str, lao: str | None = None) -> str:
        await self.ctx.storage.set_user_role(self.uid(name), role, lao_code=lao)
        return self.uid(name)

    async def send(self, name: str, text: str) -> list[OutMessage]:
        return await self._handle(text_event(text, self.uid(name)))

    async def postback(self, name: str, data: str) -> list[OutMessage]:
        return await self._handle(postback_event(data, self.uid(name)))

    async def at(self, when: datetime) -> None:
        await self.clock.set(when)

    def take(self, name: str) -> list[OutMessage]:
        """Messages pushed to `name` since the last take (answers to their own events come from send)."""
        return self.gateway.take(self.uid(name))

    async def _handle(self, event: dict[str, Any]) -> list[OutMessage]:
        sender = event["source"]["userId"]
        queued = QueuedEvent(f"{next(_seq)}-0", event["webhookEventId"], sender, next(_seq), event)
        before = len(self.gateway.sent)
        await self.dispatcher.handle(queued)
        mine = [b for b in self.gateway.sent[before:] if b.to == sender and b.method == "reply"]
        self.gateway.sent = [b for b in self.gateway.sent if not any(b is m for m in mine)]
        return [m for batch in mine for m in batch.messages]


def texts(messages: list[OutMessage]) -> str:
    """Every readable string of the messages (flex: alt text and text nodes)."""
    out: list[str] = []
    for message in messages:
        if isinstance(message, TextOut):
            out.append(message.text)
        elif isinstance(message, FlexOut):
            out += [message.alt_text, *_flex_texts(message.contents)]
    return "\n".join(out)


def _flex_texts(node: Any) -> list[str]:
    if isinstance(node, list):
        return [t for child in node for t in _flex_texts(child)]
    if not isinstance(node, dict):
        return []
    found = [node["text"]] if node.get("type") == "text" else []
    return found + [t for key in ("body", "footer", "contents") for t in _flex_texts(node.get(key))]


def choices(messages: list[OutMessage]) -> dict[str, str]:
    """label -> postback data (or message text) of quick replies and flex buttons."""
    found: dict[str, str] = {}
    for message in messages:
        for item in message.quick_replies:
            found[item.label] = item.data or item.message_text
        if isinstance(message, FlexOut):
            found.update(_buttons(message.contents))
    return found


def _buttons(node: Any) -> dict[str, str]:
    if isinstance(node, list):
        return {k: v for child in node for k, v in _buttons(child).items()}
    if not isinstance(node, dict):
        return {}
    found = {node["action"]["label"]: node["action"]["data"]} if node.get("type") == "button" else {}
    for key in ("body", "footer", "contents"):
        found.update(_buttons(node.get(key)))
    return found


@asynccontextmanager
async def running_bot(
    kb: Any, database_url: str, table: dict[str, str], **settings: Any
) -> AsyncIterator[Bot]:
    """A bot on a migrated database (SLA polling is driven by the test, not by a loop)."""
    prefix = f"h{uuid.uuid4().hex[:8]}"
    config = Settings(REDIS_URL="", DATABASE_URL=database_url, THONGTHIN_STREAM_PREFIX=prefix,
                      THONGTHIN_LOADING_AFTER_S=0, **settings)
    engine = db.create_engine_from_url(database_url)
    redis = fakeredis.FakeAsyncRedis(server=fakeredis.FakeServer(), decode_responses=True)
    keys, gateway = Keys(prefix), NullGateway()
    storage = Storage(db.session_factory(engine))
    await storage.sync_laos(kb.laos.values())
    clock = Clock(redis, keys.clock)
    ctx = AppContext(settings=config, kb=kb, nlu=ScriptedNlu(kb, table), storage=storage, clock=clock)
    states = StateStore(redis, keys, 1800)
    dispatcher = Dispatcher(build_root_router(), ctx, states, gateway, MemoryLedger(), keys)
    try:
        yield Bot(dispatcher, gateway, clock)
    finally:
        await engine.dispose()
        await redis.aclose()
