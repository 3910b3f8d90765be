"""Builds the long-lived parts from Settings: the webhook edge (Redis queue + DB ping) and the full worker
runtime (knowledge, NLU, storage, LINE gateway, dispatcher). `app.py` wires handlers into it."""
from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass, field
from typing import Any

import redis.asyncio as aioredis
from sqlalchemy.ext.asyncio import AsyncEngine

from bot import db
from bot.clock import Clock
from bot.dispatcher import Dispatcher
from bot.kv import Keys, make_redis
from bot.line_api import gateway_from_settings
from bot.queue import EventQueue
from bot.storage import Storage
from bot.routing import Router
from bot.settings import Settings
from bot.state import RedisLedger, StateStore
from bot.turn import AppContext
from bot.worker import Worker

log = logging.getLogger(__name__)


@dataclass
class Runtime:
    settings: Settings
    redis: aioredis.Redis
    keys: Keys
    queue: EventQueue
    engine: AsyncEngine
    dispatcher: Dispatcher | None = None
    gateway: Any = None
    _closers: list[Any] = field(default_factory=list)

    async def healthy(self) -> dict[str, bool]:
        checks = {"database": await db.ping(self.engine), "redis": False}
        try:
            checks["redis"] = bool(await self.redis.ping())
        except Exception:  # noqa: BLE001 - any failure means "not healthy"
            checks["redis"] = False
        return checks

    def make_worker(self, name: str | None = None) -> Worker:
        assert self.dispatcher is not None, "build_full() first"
        s = self.settings
        return Worker(self.queue, self.dispatcher.handle, name=name, concurrency=s.worker_concurrency,
                      reclaim_idle_ms=s.reclaim_idle_ms, max_attempts=s.max_attempts)

    async def aclose(self) -> None:
        for closer in reversed(self._closers):
            try:
                await closer()
            except Exception:  # noqa: BLE001 - best effort on shutdown
                log.warning("error while closing", exc_info=True)


async def build_edge(settings: Settings) -> Runtime:
    """What a webhook node needs: the queue and health checks. Starts in well under a second."""
    redis = make_redis(settings)
    keys = Keys(settings.stream_prefix)
    engine = db.create_engine_from_url(settings.effective_database_url)
    rt = Runtime(settings, redis, keys, EventQueue(redis, keys, settings.dedupe_ttl_s), engine)
    rt._closers += [redis.aclose, engine.dispose]
    await rt.queue.ensure_group()
    return rt


async def build_full(settings: Settings, root: Router, gateway: Any = None) -> Runtime:
    """Everything a worker needs. `gateway` overrides the LINE client (the terminal chat passes its own)."""
    from knowledge.loader import load_knowledge  # heavy imports only where needed
    from nlu.engine import NluEngine

    rt = await build_edge(settings)
    await asyncio.to_thread(db.ensure_schema, settings.effective_database_url)
    kb = load_knowledge(settings.knowledge_dir)
    engine_nlu = await asyncio.to_thread(NluEngine.from_knowledge, kb, settings.data_dir / "cache")
    storage = Storage(db.session_factory(rt.engine))
    await storage.sync_laos(kb.laos.values())
    rt.gateway = gateway or gateway_from_settings(settings)
    await rt.gateway.start()
    rt._closers.append(rt.gateway.aclose)
    clock = Clock(rt.redis, rt.keys.clock if settings.allow_clock_override else None)
    ctx = AppContext(settings=settings, kb=kb, nlu=engine_nlu, storage=storage, clock=clock)
    states = StateStore(rt.redis, rt.keys, settings.state_ttl_s)
    ledger = RedisLedger(rt.redis, settings.dedupe_ttl_s)
    rt.dispatcher = Dispatcher(root, ctx, states, rt.gateway, ledger, rt.keys)
    return rt
