"""Conversation state per (chat, user) in Redis with a TTL, so abandoned flows simply expire."""
from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

import redis.asyncio as aioredis
from pydantic import BaseModel, Field

from bot.kv import Keys


class ConversationState(BaseModel):
    """What we persist between turns: a readable step name and a little data."""

    step: str | None = None
    data: dict[str, Any] = Field(default_factory=dict)
    updated_at: datetime | None = None

    def is_empty(self) -> bool:
        return self.step is None and not self.data

    def reset(self) -> None:
        self.step = None
        self.data = {}


class StateStore:
    def __init__(self, redis: aioredis.Redis, keys: Keys, ttl_s: int) -> None:
        self.redis = redis
        self.keys = keys
        self.ttl_s = ttl_s

    async def load(self, chat: str, user: str) -> ConversationState:
        raw = await self.redis.get(self.keys.state(chat, user))
        if not raw:
            return ConversationState()
        return ConversationState.model_validate(json.loads(raw))

    async def save(self, chat: str, user: str, state: ConversationState) -> None:
        key = self.keys.state(chat, user)
        if state.is_empty():
            await self.redis.delete(key)
            return
        state.updated_at = datetime.now(UTC)
        await self.redis.set(key, state.model_dump_json(), ex=self.ttl_s)

    async def clear(self, chat: str, user: str) -> None:
        await self.redis.delete(self.keys.state(chat, user))


class RedisLedger:
    """Per-event record of what was sent (see LineGateway.deliver), kept as long as dedupe marks."""

    def __init__(self, redis: aioredis.Redis, ttl_s: int) -> None:
        self.redis = redis
        self.ttl_s = ttl_s

    async def get(self, key: str) -> str | None:
        return await self.redis.get(key)

    async def set(self, key: str, value: str) -> None:
        await self.redis.set(key, value, ex=self.ttl_s)
