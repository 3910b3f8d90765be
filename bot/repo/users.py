"""LINE users and the LAO directory."""
from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from itertools import islice
from typing import NamedTuple

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from bot.models import Lao, LineUser, Role
from bot.repo._sql import affected_rows, dialect_insert, now_or

SYNC_BATCH = 500  # rows per upsert statement: 8 columns x 500 stays far below SQLite's bind-parameter limit


class UnknownLaoError(ValueError):
    """A LAO code that is not in the `laos` table (run the LAO directory sync first)."""


LaoRow = tuple[str, str, str, str, str | None, str | None, str | None, bool]


class LaoRecord(NamedTuple):
    """One row of the LAO directory, in the order `sync_laos` accepts plain tuples."""

    code: str
    name: str
    type: str
    province: str
    district: str | None
    subdistrict: str | None
    region: str | None
    is_mentor: bool


async def get_user(session: AsyncSession, line_user_id: str) -> LineUser | None:
    """Return the user with this LINE user id, or None."""
    result = await session.execute(select(LineUser).where(LineUser.line_user_id == line_user_id))
    return result.scalar_one_or_none()


async def get_or_create_user(
    session: AsyncSession, line_user_id: str, *, display_name: str | None = None, now: datetime | None = None
) -> LineUser:
    """Return the user, creating a citizen row on first contact; safe when two events race to create it."""
    user = await get_user(session, line_user_id)
    if user is not None:
        return user
    at = now_or(now)
    # ON CONFLICT DO NOTHING: a concurrent creator wins quietly and the SELECT below returns its row.
    insert = dialect_insert(session, LineUser).values(
        line_user_id=line_user_id, display_name=display_name, role=Role.CITIZEN,
        followed=True, created_at=at, last_seen_at=at,
    )
    await session.execute(insert.on_conflict_do_nothing(index_elements=[LineUser.line_user_id]))
    user = await get_user(session, line_user_id)
    assert user is not None  # inserted above, or by the concurrent winner
    return user


async def require_lao(session: AsyncSession, lao_code: str | None) -> None:
    """Raise UnknownLaoError unless `lao_code` is None or names a known LAO."""
    if lao_code is not None and await session.get(Lao, lao_code) is None:
        raise UnknownLaoError(lao_code)


async def set_user_role(
    session: AsyncSession, line_user_id: str, role: Role, *, lao_code: str | None = None
) -> LineUser:
    """Give a user a role (creating the user if needed); `lao_code`, when given, also sets the LAO."""
    await require_lao(session, lao_code)
    user = await get_or_create_user(session, line_user_id)
    user.role = role
    if lao_code is not None:
        user.lao_code = lao_code
    await session.flush()
    return user


async def set_user_lao(session: AsyncSession, line_user_id: str, lao_code: str | None) -> LineUser:
    """Remember which LAO a user belongs to (None forgets it)."""
    await require_lao(session, lao_code)
    user = await get_or_create_user(session, line_user_id)
    user.lao_code = lao_code
    await session.flush()
    return user


async def mark_followed(
    session: AsyncSession, line_user_id: str, followed: bool, *, now: datetime | None = None
) -> LineUser:
    """Record a follow or unfollow; `unfollowed_at` is set while the user is unfollowed."""
    at = now_or(now)
    user = await get_or_create_user(session, line_user_id, now=at)
    user.followed = followed
    user.unfollowed_at = None if followed else at
    user.last_seen_at = at
    await session.flush()
    return user


async def touch_user(
    session: AsyncSession, line_user_id: str, *, display_name: str | None = None, now: datetime | None = None
) -> bool:
    """Update last-seen (and the display name when given); False when the user does not exist."""
    values: dict[str, object] = {"last_seen_at": now_or(now)}
    if display_name is not None:
        values["display_name"] = display_name
    statement = update(LineUser).where(LineUser.line_user_id == line_user_id).values(**values)
    result = await session.execute(statement)
    return affected_rows(result) == 1


async def get_lao(session: AsyncSession, code: str) -> Lao | None:
    """Return the LAO with this official code, or None."""
    return await session.get(Lao, code)


async def sync_laos(session: AsyncSession, rows: Iterable[LaoRow]) -> int:
    """Insert or update LAOs from the directory; returns the number of rows given.

    Directory fields are overwritten; `away` is run-time state set by mentors, so it is kept.
    """
    count = 0
    iterator = iter(rows)
    while batch := [LaoRecord(*row)._asdict() for row in islice(iterator, SYNC_BATCH)]:
        insert = dialect_insert(session, Lao).values([{**record, "away": False} for record in batch])
        updates = {field: insert.excluded[field] for field in LaoRecord._fields if field != "code"}
        await session.execute(insert.on_conflict_do_update(index_elements=[Lao.code], set_=updates))
        count += len(batch)
    return count
