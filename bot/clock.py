"""Time for the bot. Production uses the system clock; tests may set a Redis key to move time (SLA timers,
seasonal deadlines) when THONGTHIN_ALLOW_CLOCK_OVERRIDE is on. Off by default, so production ignores the key."""
from __future__ import annotations

from datetime import UTC, datetime

import redis.asyncio as aioredis


class Clock:
    def __init__(self, redis: aioredis.Redis | None = None, key: str | None = None) -> None:
        self.redis = redis
        self.key = key  # None: system time only

    async def now(self) -> datetime:
        """Aware UTC now (or the overridden instant)."""
        if self.redis is not None and self.key:
            value = await self.redis.get(self.key)
            if value:
                return datetime.fromisoformat(value).astimezone(UTC)
        return datetime.now(UTC)

    async def set(self, when: datetime) -> None:
        """Move time (tests only; requires the override to be enabled)."""
        if self.redis is None or not self.key:
            raise RuntimeError("clock override is not enabled (THONGTHIN_ALLOW_CLOCK_OVERRIDE)")
        await self.redis.set(self.key, when.astimezone(UTC).isoformat())
