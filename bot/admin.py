"""Administrator operations behind the `thongthin officer|mentor|admin|richmenu` commands: one-time
invite codes, direct role grants, and the rich-menu sync. The database work is in bot/repo/roles.py; this
module opens the database and knowledge base the way the runtime does (schema up to date, LAO directory
mirrored first).
"""

from __future__ import annotations

import asyncio
import re
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import timedelta
from typing import Any

from bot import db
from bot.line_api import LineGateway
from bot.models import Role
from bot.repo.invites import create_invite
from bot.repo.roles import grant_role, staff_users
from bot.repo.users import get_user
from bot.richmenu import SyncReport, build_menus, link_role_menu, sync_rich_menus
from bot.settings import Settings
from bot.storage import Storage

LINE_USER_ID = re.compile(r"^U[0-9a-f]{32}$")


class AdminError(ValueError):
    """A request the command refuses (unknown LAO, bad user id, no LINE channel); says why."""


@asynccontextmanager
async def opened(settings: Settings) -> AsyncIterator[tuple[Any, Storage]]:
    """(knowledge base, storage) with the schema migrated and the LAO directory synced into the database."""
    from knowledge.loader import load_knowledge

    url = settings.effective_database_url
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    await asyncio.to_thread(db.ensure_schema, url)
    kb = load_knowledge(settings.knowledge_dir)
    engine = db.create_engine_from_url(url, pool_size=1)
    try:
        storage = Storage(db.session_factory(engine))
        await storage.sync_laos(kb.laos.values())
        yield kb, storage
    finally:
        await engine.dispose()


def check_target(kb: Any, role: Role, lao_code: str | None) -> None:
    """Officers and mentors belong to a known LAO; mentors only to a mentor LAO; admins to none."""
    if role is Role.ADMIN:
        return
    lao = kb.lao_by_code(lao_code) if lao_code else None
    if lao is None:
        raise AdminError(f"unknown LAO code {lao_code!r}; see `thongthin lao list`")
    if role is Role.MENTOR and not lao.is_mentor:
        raise AdminError(f"{lao.code} ({lao.name}) is not a mentor LAO; see `thongthin lao list --mentors`")


def check_user_id(line_user_id: str) -> None:
    if not LINE_USER_ID.match(line_user_id):
        raise AdminError(f"{line_user_id!r} is not a LINE user id (U followed by 32 hex digits)")


async def issue_invite(settings: Settings, role: Role, lao_code: str | None, days: int = 7) -> str:
    """A new one-time code for `role` at `lao_code`; the only place the plain code ever exists."""
    if days < 1:
        raise AdminError("an invite must be valid for at least one day")
    async with opened(settings) as (kb, storage):
        check_target(kb, role, lao_code)
        async with storage.transaction() as session:
            return await create_invite(session, role, lao_code=lao_code, ttl=timedelta(days=days))


async def give_role(settings: Settings, line_user_id: str, role: Role, lao_code: str | None) -> bool:
    """Grant a role directly; returns whether the role's rich menu was linked (False in local mode too)."""
    check_user_id(line_user_id)
    async with opened(settings) as (kb, storage):
        check_target(kb, role, lao_code)
        async with storage.transaction() as session:
            await grant_role(session, line_user_id, role, lao_code=lao_code)
    return not settings.local_mode and await link_role_menu(settings, line_user_id, role.value)


async def sync_menus(settings: Settings) -> SyncReport:
    """Create or update the three role menus on LINE and re-link staff whose menu changed."""
    if settings.local_mode:
        raise AdminError("no LINE channel configured (LINE_CHANNEL_SECRET / LINE_CHANNEL_ACCESS_TOKEN)")
    async with opened(settings) as (kb, storage):
        async with storage.transaction() as session:
            staff = [
                (user, role.value)
                for user, role in await staff_users(session, (Role.OFFICER, Role.MENTOR, Role.ADMIN))
            ]
        menus = await asyncio.to_thread(build_menus, kb.responses)
    async with LineGateway.from_settings(settings) as gateway:
        return await sync_rich_menus(gateway, menus, staff)


async def relink(settings: Settings, line_user_id: str) -> str:
    """Link the menu of the user's current role again (repairs a failed link); returns the role."""
    check_user_id(line_user_id)
    if settings.local_mode:
        raise AdminError("no LINE channel configured (LINE_CHANNEL_SECRET / LINE_CHANNEL_ACCESS_TOKEN)")
    async with opened(settings) as (_kb, storage), storage.transaction() as session:
        user = await get_user(session, line_user_id)
    if user is None:
        raise AdminError(f"{line_user_id} has never talked to the bot")
    role = user.role.value
    if not await link_role_menu(settings, line_user_id, role):
        raise AdminError("LINE refused the link; see the log above")
    return role
