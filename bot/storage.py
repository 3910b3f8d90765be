"""Storage facade for the runtime: each method is one transaction over the functions in bot.repo.

Handlers that need several steps in one transaction use `async with storage.transaction() as session:` and
call bot.repo directly.
"""
from __future__ import annotations

from collections.abc import Iterable
from contextlib import AbstractAsyncContextManager
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot import repo
from bot.models import LineUser, Role


class Storage:
    def __init__(self, sessions: async_sessionmaker[AsyncSession]) -> None:
        self.sessions = sessions

    def transaction(self) -> AbstractAsyncContextManager[AsyncSession]:
        return self.sessions.begin()

    async def get_or_create_user(self, line_user_id: str) -> LineUser:
        async with self.transaction() as session:
            user = await repo.get_or_create_user(session, line_user_id)
            await repo.touch_user(session, line_user_id)
            return user

    async def mark_followed(self, line_user_id: str, followed: bool) -> None:
        async with self.transaction() as session:
            await repo.mark_followed(session, line_user_id, followed)

    async def set_user_role(self, line_user_id: str, role: str, lao_code: str | None = None) -> None:
        async with self.transaction() as session:
            await repo.set_user_role(session, line_user_id, Role(role), lao_code=lao_code)

    async def record_interaction(self, **fields: Any) -> bool:
        """Idempotent on webhook_event_id: a re-run of the same event stores nothing new."""
        async with self.transaction() as session:
            return await repo.record_interaction(session, **fields)

    async def sync_laos(self, laos: Iterable[Any]) -> int:
        """Mirror the knowledge LAO directory into the database (tickets and users refer to it)."""
        rows = [(lao.code, lao.name, lao.type, lao.province, lao.district, lao.subdistrict, lao.region,
                 lao.is_mentor) for lao in laos]
        async with self.transaction() as session:
            return await repo.sync_laos(session, rows)
