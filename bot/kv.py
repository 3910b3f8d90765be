"""Redis connection: a real server when REDIS_URL is set, otherwise an in-process store with the same API."""
from __future__ import annotations

import fakeredis
import redis.asyncio as aioredis

from bot.settings import Settings

# One embedded server per process, so the webhook and the in-process worker see the same data.
_EMBEDDED_SERVER = fakeredis.FakeServer()


def make_redis(settings: Settings) -> aioredis.Redis:
    """Return a client for the configured Redis, or for the embedded store when none is configured."""
    if settings.redis_url:
        return aioredis.Redis.from_url(settings.redis_url, decode_responses=True)
    return fakeredis.FakeAsyncRedis(server=_EMBEDDED_SERVER, decode_responses=True)


class Keys:
    """The one place Redis keys are spelled. `prefix` separates deployments (and test runs) on one server."""

    def __init__(self, prefix: str) -> None:
        self.prefix = prefix

    @property
    def stream(self) -> str:
        return f"{self.prefix}:events"

    @property
    def dead_letter(self) -> str:
        return f"{self.prefix}:events:dead"

    @property
    def group(self) -> str:
        return f"{self.prefix}:workers"

    def dedupe(self, event_id: str) -> str:
        return f"{self.prefix}:seen:{event_id}"

    def seq(self, chat: str) -> str:
        return f"{self.prefix}:chat:{chat}:seq"

    def done(self, chat: str) -> str:
        return f"{self.prefix}:chat:{chat}:done"

    def lock(self, chat: str) -> str:
        return f"{self.prefix}:chat:{chat}:lock"

    def state(self, chat: str, user: str) -> str:
        return f"{self.prefix}:state:{chat}:{user}"

    def delivery(self, event_id: str, part: int) -> str:
        return f"{self.prefix}:sent:{event_id}:{part}"

    @property
    def clock(self) -> str:
        return f"{self.prefix}:clock:now"

    def processed(self, event_id: str) -> str:
        return f"{self.prefix}:processed:{event_id}"
