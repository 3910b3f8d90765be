"""One-time role invitation codes: created by an admin, redeemed once by the person who types them in chat."""
from __future__ import annotations

import re

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from bot.models import Invite, Role
from bot.repo._sql import now_or
from bot.repo.users import get_or_create_user, require_lao

# No 0/O, 1/I/L: codes are read aloud and typed on phones. 31^10 ≈ 8e14 codes.
CODE_ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"
CODE_LENGTH = 10
DEFAULT_INVITE_TTL = timedelta(days=7)


class InviteStatus(StrEnum):
    OK = "ok"
    UNKNOWN = "unknown"
    USED = "used"
    EXPIRED = "expired"


@dataclass(frozen=True, slots=True)
class InviteResult:
    """What happened to a redemption; `role` and `lao_code` are set only when it succeeded."""

    status: InviteStatus
    role: Role | None = None
    lao_code: str | None = None

    @property
    def ok(self) -> bool:
        return self.status is InviteStatus.OK


# What a typed invite code looks like (any case, optional dash/space), for masking it in stored text.
INVITE_CODE_PATTERN = re.compile(r"\b[A-Za-z0-9]{5}[ -]?[A-Za-z0-9]{5}\b")


def mask_invite_codes(text: str) -> str:
    """Replace anything shaped like an invite code (dashed, or mixing letters and digits): a one-time secret."""
    def mask(match: re.Match[str]) -> str:
        token = match.group(0)
        mixed = any(c.isdigit() for c in token) and any(c.isalpha() for c in token)
        return "[รหัสเชิญ]" if mixed or "-" in token else token

    return INVITE_CODE_PATTERN.sub(mask, text)


def normalize_invite_code(code: str) -> str:
    """Uppercase and drop spaces and dashes, so "abcde-fghjk" and "ABCDE FGHJK" are the same code."""
    return "".join(ch for ch in code.upper() if ch not in " -\t\n")


def hash_invite_code(code: str) -> str:
    """The stored form of a code (SHA-256 hex of the normalised code)."""
    return hashlib.sha256(normalize_invite_code(code).encode()).hexdigest()


def _new_code() -> str:
    raw = "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))
    return f"{raw[:5]}-{raw[5:]}"


async def create_invite(
    session: AsyncSession,
    role: Role,
    *,
    lao_code: str | None = None,
    created_by: int | None = None,
    ttl: timedelta = DEFAULT_INVITE_TTL,
    now: datetime | None = None,
) -> str:
    """Create a one-time invite and return its plain code (shown once; only the hash is stored)."""
    await require_lao(session, lao_code)
    at = now_or(now)
    code = _new_code()
    session.add(Invite(code_hash=hash_invite_code(code), role=role, lao_code=lao_code,
                       created_by=created_by, created_at=at, expires_at=at + ttl))
    await session.flush()
    return code


async def redeem_invite(
    session: AsyncSession, code: str, line_user_id: str, *, now: datetime | None = None
) -> InviteResult:
    """Use a code to give the user its role (and LAO); exactly one of two racing redemptions succeeds.

    The conditional UPDATE is the whole check: a second transaction waits on the row lock and then
    finds `used_at` already set, so it matches nothing.
    """
    at = now_or(now)
    code_hash = hash_invite_code(code)
    user = await get_or_create_user(session, line_user_id, now=at)
    claim = (
        update(Invite)
        .where(Invite.code_hash == code_hash, Invite.used_at.is_(None), Invite.expires_at > at)
        .values(used_by=user.id, used_at=at)
        .returning(Invite.role, Invite.lao_code)
    )
    row = (await session.execute(claim)).first()
    if row is None:
        return InviteResult(await _why_not(session, code_hash))
    role, lao_code = Role(row.role), row.lao_code
    user.role = role
    if lao_code is not None:
        user.lao_code = lao_code
    await session.flush()
    return InviteResult(InviteStatus.OK, role, lao_code)


async def _why_not(session: AsyncSession, code_hash: str) -> InviteStatus:
    query = select(Invite).where(Invite.code_hash == code_hash).execution_options(populate_existing=True)
    invite = (await session.execute(query)).scalar_one_or_none()
    if invite is None:
        return InviteStatus.UNKNOWN
    return InviteStatus.USED if invite.used_at is not None else InviteStatus.EXPIRED
