"""Dialect-specific INSERT, for the upserts and ON CONFLICT DO NOTHING both databases support."""
from __future__ import annotations

from datetime import datetime
from typing import Any, cast

from sqlalchemy import CursorResult, Result
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession

from bot.models import utcnow


def dialect_insert(session: AsyncSession, entity: Any) -> postgresql.Insert | sqlite.Insert:
    """An INSERT with `on_conflict_do_nothing` / `on_conflict_do_update` for the session's database."""
    name = session.get_bind().dialect.name
    if name == "postgresql":
        return postgresql.insert(entity)
    if name == "sqlite":
        return sqlite.insert(entity)
    raise NotImplementedError(f"unsupported database dialect: {name}")


def affected_rows(result: Result[Any]) -> int:
    """Rows matched by an UPDATE/DELETE (session.execute types its result as a plain Result)."""
    return cast(CursorResult[Any], result).rowcount


def now_or(now: datetime | None) -> datetime:
    """The given time (a test's controllable clock) or the current UTC time."""
    return now if now is not None else utcnow()
