"""Role changes through invites and by administrators, with their audit trail and a limit on wrong codes.

Like the rest of bot.repo, every function takes the session first and does not commit. Invite codes are never
stored or logged in plain text: the audit entries below say what happened, not which code was typed.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum

from sqlalchemy import func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from bot.models import AuditLog, Invite, LineUser, Role
from bot.repo._sql import affected_rows, now_or
from bot.repo.interactions import audit
from bot.repo.invites import InviteResult, InviteStatus, hash_invite_code, redeem_invite
from bot.repo.users import get_or_create_user, set_user_role

INVITE_REJECTED = "invite.rejected"  # audit action of a wrong, used or expired code (counted for the limit)
ROLE_CHANGED = "role.change"
HELPDESK_FEEDBACK = "helpdesk.feedback"


class Redemption(StrEnum):
    """What typing a code in chat led to."""

    OK = "ok"  # the role (and LAO) were given
    ALREADY = "already"  # the user already had exactly that role and LAO (or redeemed this very code)
    UNKNOWN = "unknown"
    USED = "used"
    EXPIRED = "expired"
    RATE_LIMITED = "rate_limited"  # too many wrong codes lately; the code was not even looked at


@dataclass(frozen=True, slots=True)
class RedeemOutcome:
    status: Redemption
    role: Role | None = None
    lao_code: str | None = None

    @property
    def granted(self) -> bool:
        return self.status in (Redemption.OK, Redemption.ALREADY)


@dataclass(frozen=True, slots=True)
class InviteLimit:
    """At most `max_failures` wrong codes per user within `window` (guessing 31^10 codes is then hopeless)."""

    max_failures: int = 5
    window: timedelta = timedelta(minutes=15)


async def count_actions(session: AsyncSession, actor_user_id: int, action: str, *, since: datetime) -> int:
    """How many audit entries of `action` this user produced since `since`."""
    query = select(func.count(AuditLog.id)).where(
        AuditLog.actor_user_id == actor_user_id, AuditLog.action == action, AuditLog.created_at >= since
    )
    return int((await session.execute(query)).scalar_one())


async def redeem_with_limit(
    session: AsyncSession,
    code: str,
    line_user_id: str,
    *,
    limit: InviteLimit = InviteLimit(),
    now: datetime | None = None,
) -> RedeemOutcome:
    """Redeem a code typed in chat: refuse while the user is over the wrong-code limit, record every outcome.

    A code this user already redeemed (and whose role they still hold) counts as granted, "already", not as
    "used": a worker re-running the event, or the person sending it twice, gets no false alarm.
    """
    at = now_or(now)
    user = await get_or_create_user(session, line_user_id, now=at)
    if await count_actions(session, user.id, INVITE_REJECTED, since=at - limit.window) >= limit.max_failures:
        return RedeemOutcome(Redemption.RATE_LIMITED)
    before = (user.role, user.lao_code)
    result = await redeem_invite(session, code, line_user_id, now=at)
    if result.ok:
        return await _granted(session, user.id, before, result, at)
    invite = await _invite(session, code)
    if result.status is InviteStatus.USED and invite is not None and _holds(user, invite):
        return RedeemOutcome(Redemption.ALREADY, Role(invite.role), invite.lao_code)
    await audit(session, user.id, INVITE_REJECTED, now=at, detail={"status": result.status.value})
    return RedeemOutcome(Redemption(result.status.value))


async def _granted(
    session: AsyncSession, user_pk: int, before: tuple[Role, str | None], result: InviteResult, at: datetime
) -> RedeemOutcome:
    assert result.role is not None
    detail = {"role": result.role.value, "lao": result.lao_code, "previous_role": before[0].value,
              "via": "invite"}
    await audit(session, user_pk, ROLE_CHANGED, now=at, detail=detail)
    same = before == (result.role, result.lao_code or before[1])
    return RedeemOutcome(Redemption.ALREADY if same else Redemption.OK, result.role, result.lao_code)


def _holds(user: LineUser, invite: Invite) -> bool:
    """This user redeemed this invite and still has what it gave."""
    lao_kept = invite.lao_code is None or user.lao_code == invite.lao_code
    return invite.used_by == user.id and user.role == invite.role and lao_kept


async def _invite(session: AsyncSession, code: str) -> Invite | None:
    query = select(Invite).where(Invite.code_hash == hash_invite_code(code))
    return (await session.execute(query.execution_options(populate_existing=True))).scalar_one_or_none()


async def revoke_invite(session: AsyncSession, code: str, *, now: datetime | None = None) -> bool:
    """End an unused code at once (it was shown where others could read it); False if nothing to revoke."""
    at = now_or(now)
    statement = (
        update(Invite)
        .where(Invite.code_hash == hash_invite_code(code), Invite.used_at.is_(None), Invite.expires_at > at)
        .values(expires_at=at)
    )
    revoked = affected_rows(await session.execute(statement)) == 1
    if revoked:
        await audit(session, None, "invite.revoked", now=at, detail={"reason": "shown_in_group"})
    return revoked


async def grant_role(
    session: AsyncSession,
    line_user_id: str,
    role: Role,
    *,
    lao_code: str | None = None,
    now: datetime | None = None,
) -> LineUser:
    """An administrator gives a role directly (CLI); the change is audited like an invite."""
    user = await get_or_create_user(session, line_user_id, now=now)
    previous = user.role
    user = await set_user_role(session, line_user_id, role, lao_code=lao_code)
    await audit(
        session,
        None,
        ROLE_CHANGED,
        now=now,
        detail={
            "role": role.value,
            "lao": lao_code,
            "previous_role": previous.value,
            "via": "admin",
            "user": user.id,
        },
    )
    return user


async def record_feedback(
    session: AsyncSession,
    line_user_id: str,
    helpful: bool,
    intent_id: str | None,
    *,
    now: datetime | None = None,
) -> None:
    """An officer's verdict on a helpdesk answer ("ได้ผล" / "ไม่ได้ผล")."""
    user = await get_or_create_user(session, line_user_id, now=now)
    await audit(
        session, user.id, HELPDESK_FEEDBACK, now=now, detail={"helpful": helpful, "intent": intent_id}
    )


async def staff_users(session: AsyncSession, roles: Sequence[Role]) -> list[tuple[str, Role]]:
    """(LINE user id, role) of followed users holding one of `roles` (for re-linking their rich menus)."""
    query = (
        select(LineUser.line_user_id, LineUser.role)
        .where(LineUser.role.in_(list(roles)), LineUser.followed.is_(True))
        .order_by(LineUser.id)
    )
    return [(row.line_user_id, Role(row.role)) for row in await session.execute(query)]
