"""Role changes through invites (with the wrong-code limit), direct grants, revocation, helpdesk feedback."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot import repo
from bot.models import Role
from bot.repo.roles import (
    HELPDESK_FEEDBACK,
    INVITE_REJECTED,
    ROLE_CHANGED,
    InviteLimit,
    Redemption,
    grant_role,
    record_feedback,
    redeem_with_limit,
    revoke_invite,
    staff_users,
)

T0 = datetime(2027, 3, 1, 2, 0, tzinfo=UTC)
LAO = (
    "05900104",
    "เทศบาลตำบลเกาะแต้ว",
    "municipality_subdistrict",
    "สงขลา",
    "เมืองสงขลา",
    "เกาะแต้ว",
    "south",
    True,
)
OTHER = ("P-5201", "เทศบาลนครลำปาง", "municipality_city", "ลำปาง", "เมืองลำปาง", None, "north", True)
ALICE, BOB = "U" + "a" * 32, "U" + "b" * 32

Sessions = async_sessionmaker[AsyncSession]


async def _setup(
    sessions: Sessions, role: Role = Role.OFFICER, lao: str | None = "05900104", at: datetime = T0
) -> str:
    async with sessions.begin() as session:
        await repo.sync_laos(session, [LAO, OTHER])
        return await repo.create_invite(session, role, lao_code=lao, now=at)


async def _redeem(sessions: Sessions, code: str, user: str, at: datetime = T0, **kwargs: object):
    async with sessions.begin() as session:
        return await redeem_with_limit(session, code, user, now=at, **kwargs)


async def test_a_code_makes_an_officer_once_and_is_audited(db_sessions: Sessions) -> None:
    code = await _setup(db_sessions)
    first = await _redeem(db_sessions, code.lower().replace("-", " "), ALICE)
    assert (first.status, first.role, first.lao_code) == (Redemption.OK, Role.OFFICER, "05900104")
    second = await _redeem(db_sessions, code, BOB, T0 + timedelta(minutes=1))
    assert second.status is Redemption.USED and not second.granted
    async with db_sessions.begin() as session:
        alice, bob = await repo.get_user(session, ALICE), await repo.get_user(session, BOB)
        changes = await repo.list_audit(session, action=ROLE_CHANGED)
        rejected = await repo.list_audit(session, action=INVITE_REJECTED)
    assert (alice.role, alice.lao_code, bob.role) == (Role.OFFICER, "05900104", Role.CITIZEN)
    assert [c.detail["via"] for c in changes] == ["invite"] and changes[0].actor_user_id == alice.id
    assert [r.detail for r in rejected] == [{"status": "used"}]
    assert code not in str([c.detail for c in changes + rejected])  # codes are never written down


async def test_sending_ones_own_code_again_is_not_an_error(db_sessions: Sessions) -> None:
    code = await _setup(db_sessions)
    await _redeem(db_sessions, code, ALICE)
    again = await _redeem(db_sessions, code, ALICE, T0 + timedelta(minutes=1))
    assert (again.status, again.role, again.granted) == (Redemption.ALREADY, Role.OFFICER, True)


async def test_a_valid_code_for_the_role_one_has_is_already(db_sessions: Sessions) -> None:
    first, second = await _setup(db_sessions), await _setup(db_sessions)
    await _redeem(db_sessions, first, ALICE)
    outcome = await _redeem(db_sessions, second, ALICE)
    assert outcome.status is Redemption.ALREADY


async def test_unknown_and_expired_codes(db_sessions: Sessions) -> None:
    code = await _setup(db_sessions, at=T0 - timedelta(days=8))
    assert (await _redeem(db_sessions, code, ALICE)).status is Redemption.EXPIRED
    assert (await _redeem(db_sessions, "ABCDE-FGHJK", ALICE)).status is Redemption.UNKNOWN


async def test_wrong_codes_are_limited_per_user_within_the_window(db_sessions: Sessions) -> None:
    code = await _setup(db_sessions)
    limit = InviteLimit(max_failures=5, window=timedelta(minutes=15))
    for n in range(5):
        wrong = await _redeem(db_sessions, f"WRONG-CODE{n}", ALICE, T0 + timedelta(minutes=n), limit=limit)
        assert wrong.status is Redemption.UNKNOWN
    blocked = await _redeem(db_sessions, code, ALICE, T0 + timedelta(minutes=6), limit=limit)
    assert blocked.status is Redemption.RATE_LIMITED  # even the right code waits: no guessing past the limit
    assert (
        await _redeem(db_sessions, "WRONG-CODEX", BOB, T0 + timedelta(minutes=6))
    ).status is Redemption.UNKNOWN
    later = await _redeem(db_sessions, code, ALICE, T0 + timedelta(minutes=16), limit=limit)
    assert later.status is Redemption.OK  # the oldest failures left the window


async def test_mentor_and_admin_invites(db_sessions: Sessions) -> None:
    mentor_code = await _setup(db_sessions, Role.MENTOR, "P-5201")
    admin_code = await _setup(db_sessions, Role.ADMIN, None)
    mentor = await _redeem(db_sessions, mentor_code, ALICE)
    admin = await _redeem(db_sessions, admin_code, BOB)
    assert (mentor.role, mentor.lao_code) == (Role.MENTOR, "P-5201")
    assert (admin.role, admin.lao_code) == (Role.ADMIN, None)
    async with db_sessions.begin() as session:
        assert await staff_users(session, [Role.MENTOR, Role.ADMIN]) == [
            (ALICE, Role.MENTOR),
            (BOB, Role.ADMIN),
        ]


async def test_a_revoked_code_no_longer_works(db_sessions: Sessions) -> None:
    code = await _setup(db_sessions)
    async with db_sessions.begin() as session:
        assert await revoke_invite(session, code, now=T0) is True
        assert await revoke_invite(session, code, now=T0) is False  # nothing left to revoke
    assert (await _redeem(db_sessions, code, ALICE, T0 + timedelta(seconds=1))).status is Redemption.EXPIRED


async def test_grants_and_feedback_are_audited(db_sessions: Sessions) -> None:
    await _setup(db_sessions)
    async with db_sessions.begin() as session:
        user = await grant_role(session, ALICE, Role.MENTOR, lao_code="05900104", now=T0)
        await record_feedback(session, ALICE, False, "officer.login.forgot_password", now=T0)
    async with db_sessions.begin() as session:
        grant = (await repo.list_audit(session, action=ROLE_CHANGED))[0]
        feedback = (await repo.list_audit(session, action=HELPDESK_FEEDBACK))[0]
    assert (user.role, user.lao_code) == (Role.MENTOR, "05900104")
    assert grant.detail == {
        "role": "mentor",
        "lao": "05900104",
        "previous_role": "citizen",
        "via": "admin",
        "user": user.id,
    }
    assert feedback.detail == {"helpful": False, "intent": "officer.login.forgot_password"}
    assert feedback.actor_user_id == user.id
