"""Storage contract: every bot.repo function behaves the same on SQLite and PostgreSQL, races included.

Each test runs once per backend (the `db_backend` fixture in conftest.py). Concurrency tests give every
task its own session and connection; on PostgreSQL a barrier makes all transactions read the same
"still free" row before any of them writes, which is the hardest interleaving for a claim.
"""
from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta, timezone
from typing import TypeVar

import pytest
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot import repo
from bot.models import Interaction, Invite, LineUser, MessageKind, Role, Ticket, TicketKind, TicketStatus

Sessions = async_sessionmaker[AsyncSession]
T = TypeVar("T")

LAOS = [
    ("9990001", "เทศบาลตำบลทดสอบหนึ่ง", "เทศบาลตำบล", "ชลบุรี", "เมืองชลบุรี", "บ้านสวน", "ตะวันออก", True),
    ("9990002", "องค์การบริหารส่วนตำบลทดสอบสอง", "อบต.", "ชลบุรี", "บางละมุง", "หนองปรือ", "ตะวันออก", False),
    ("9990003", "องค์การบริหารส่วนจังหวัดทดสอบ", "อบจ.", "ระยอง", None, None, None, False),
]
T0 = datetime(2025, 3, 1, 9, 0, tzinfo=UTC)


@pytest.fixture
async def laos(db_sessions: Sessions) -> None:
    async with db_sessions.begin() as session:
        await repo.sync_laos(session, LAOS)


async def _user(
    sessions: Sessions, line_user_id: str, role: Role = Role.CITIZEN, lao: str | None = None
) -> LineUser:
    async with sessions.begin() as session:
        user = await repo.get_or_create_user(session, line_user_id)
        if role is not Role.CITIZEN or lao is not None:
            user = await repo.set_user_role(session, line_user_id, role, lao_code=lao)
        return user


async def _race(
    sessions: Sessions,
    db_backend: str,
    count: int,
    action: Callable[[AsyncSession, int], Awaitable[T]],
    prepare: Callable[[AsyncSession], Awaitable[object]] | None = None,
) -> list[T]:
    """Run `action(session, i)` in `count` concurrent transactions and return their results."""
    barrier = asyncio.Barrier(count) if db_backend == "postgres" else None  # SQLite serialises BEGIN

    async def one(index: int) -> T:
        async with sessions.begin() as session:
            if barrier is not None:
                if prepare is not None:
                    await prepare(session)  # take a snapshot that still shows the row as free
                await barrier.wait()
            return await action(session, index)

    return list(await asyncio.gather(*(one(i) for i in range(count))))


async def _count(sessions: Sessions, model: type) -> int:
    async with sessions.begin() as session:
        return (await session.execute(select(func.count()).select_from(model))).scalar_one()


# ---- users and LAOs -----------------------------------------------------------------------------------


async def test_get_or_create_user_creates_a_citizen_once(db_sessions: Sessions) -> None:
    async with db_sessions.begin() as session:
        first = await repo.get_or_create_user(session, "U1", display_name="สมชาย", now=T0)
    async with db_sessions.begin() as session:
        again = await repo.get_or_create_user(session, "U1")
        fetched = await repo.get_user(session, "U1")
        missing = await repo.get_user(session, "U-none")
    assert (first.role, first.followed, first.display_name) == (Role.CITIZEN, True, "สมชาย")
    assert first.created_at == T0 and first.created_at.tzinfo is UTC
    assert again.id == first.id and fetched is not None and fetched.id == first.id
    assert missing is None


async def test_get_or_create_user_is_race_safe(db_sessions: Sessions, db_backend: str) -> None:
    users = await _race(db_sessions, db_backend, 10, lambda s, _: repo.get_or_create_user(s, "Urace"))
    assert len({user.id for user in users}) == 1
    assert await _count(db_sessions, LineUser) == 1


async def test_set_user_role_and_lao(db_sessions: Sessions, laos: None) -> None:
    async with db_sessions.begin() as session:
        officer = await repo.set_user_role(session, "Uo", Role.OFFICER, lao_code="9990002")
        moved = await repo.set_user_lao(session, "Uc", "9990001")
    async with db_sessions.begin() as session:
        cleared = await repo.set_user_lao(session, "Uc", None)
        still_officer = await repo.set_user_role(session, "Uo", Role.MENTOR)
    assert (officer.role, officer.lao_code) == (Role.OFFICER, "9990002")
    assert (moved.role, moved.lao_code) == (Role.CITIZEN, "9990001")
    assert cleared.lao_code is None
    assert (still_officer.role, still_officer.lao_code) == (Role.MENTOR, "9990002")


async def test_unknown_lao_is_refused(db_sessions: Sessions, laos: None) -> None:
    with pytest.raises(repo.UnknownLaoError):
        async with db_sessions.begin() as session:
            await repo.set_user_lao(session, "U1", "0000000")
    with pytest.raises(repo.UnknownLaoError):
        async with db_sessions.begin() as session:
            await repo.set_user_role(session, "U1", Role.OFFICER, lao_code="0000000")


async def test_mark_followed_records_unfollow_and_refollow(db_sessions: Sessions) -> None:
    later = T0 + timedelta(days=3)
    async with db_sessions.begin() as session:
        gone = await repo.mark_followed(session, "Uf", False, now=T0)
        gone_state = (gone.followed, gone.unfollowed_at)
    async with db_sessions.begin() as session:
        back = await repo.mark_followed(session, "Uf", True, now=later)
    assert gone_state == (False, T0)
    assert (back.followed, back.unfollowed_at, back.last_seen_at) == (True, None, later)


async def test_touch_user_updates_last_seen_and_name(db_sessions: Sessions) -> None:
    await _user(db_sessions, "Ut")
    later = T0 + timedelta(hours=5)
    async with db_sessions.begin() as session:
        assert await repo.touch_user(session, "Ut", display_name="ใหม่", now=later) is True
        assert await repo.touch_user(session, "U-none") is False
    async with db_sessions.begin() as session:
        user = await repo.get_user(session, "Ut")
    assert user is not None and (user.last_seen_at, user.display_name) == (later, "ใหม่")


async def test_sync_laos_upserts_and_keeps_away(db_sessions: Sessions, laos: None) -> None:
    async with db_sessions.begin() as session:
        mentor = await repo.get_lao(session, "9990001")
        assert mentor is not None
        mentor.away = True
    renamed = [("9990001", "ชื่อใหม่", "เทศบาลเมือง", "ชลบุรี", "เมืองชลบุรี", "บ้านสวน", "ตะวันออก", False)]
    async with db_sessions.begin() as session:
        assert await repo.sync_laos(session, renamed) == 1
    async with db_sessions.begin() as session:
        lao = await repo.get_lao(session, "9990001")
        provincial = await repo.get_lao(session, "9990003")
        assert await repo.get_lao(session, "0000000") is None
    assert lao is not None
    assert (lao.name, lao.type, lao.is_mentor, lao.away) == ("ชื่อใหม่", "เทศบาลเมือง", False, True)
    assert provincial is not None and provincial.district is None


async def test_sync_laos_handles_a_full_directory(db_sessions: Sessions) -> None:
    rows = [repo.LaoRecord(f"8{i:06d}", f"ทดสอบ {i}", "อบต.", "ขอนแก่น", "เมือง", None, "อีสาน", False)
            for i in range(1234)]
    async with db_sessions.begin() as session:
        assert await repo.sync_laos(session, iter(rows)) == 1234
    async with db_sessions.begin() as session:
        assert await repo.sync_laos(session, rows) == 1234
        await repo.require_lao(session, "8001233")
    from bot.models import Lao

    assert await _count(db_sessions, Lao) == 1234


# ---- interactions and audit ---------------------------------------------------------------------------


async def test_record_interaction_is_idempotent(db_sessions: Sessions) -> None:
    async with db_sessions.begin() as session:
        assert await repo.record_interaction(
            session, webhook_event_id="E1", event_type="message", line_user_id="U1", chat_id="U1",
            message_type="text", text="ภาษีที่ดิน [โทรศัพท์]", intent="tax.land", topic="tax",
            confidence=0.87, decision="answer", latency_ms=42, now=T0,
        ) is True
    async with db_sessions.begin() as session:
        assert await repo.record_interaction(session, webhook_event_id="E1", event_type="message") is False
        [row] = await repo.list_interactions(session)
    assert (row.text, row.intent, row.confidence, row.latency_ms, row.created_at) == (
        "ภาษีที่ดิน [โทรศัพท์]", "tax.land", 0.87, 42, T0)


async def test_record_interaction_concurrent_duplicates_store_one_row(
    db_sessions: Sessions, db_backend: str
) -> None:
    def record(session: AsyncSession, _: int) -> Awaitable[bool]:
        return repo.record_interaction(session, webhook_event_id="Edup", event_type="message")

    results = await _race(db_sessions, db_backend, 10, record)
    assert sorted(results) == [False] * 9 + [True]
    assert await _count(db_sessions, Interaction) == 1


async def test_list_interactions_filters_and_orders(db_sessions: Sessions) -> None:
    async with db_sessions.begin() as session:
        for i in range(5):
            user = "Ua" if i % 2 == 0 else "Ub"
            await repo.record_interaction(session, webhook_event_id=f"E{i}", event_type="message",
                                          line_user_id=user, now=T0 + timedelta(minutes=i))
    async with db_sessions.begin() as session:
        newest = await repo.list_interactions(session, limit=2)
        of_a = await repo.list_interactions(session, line_user_id="Ua", newest_first=False)
        window = await repo.list_interactions(session, since=T0 + timedelta(minutes=1),
                                              until=T0 + timedelta(minutes=3), newest_first=False)
    assert [r.webhook_event_id for r in newest] == ["E4", "E3"]
    assert [r.webhook_event_id for r in of_a] == ["E0", "E2", "E4"]
    assert [r.webhook_event_id for r in window] == ["E1", "E2"]


async def test_audit_entries_round_trip(db_sessions: Sessions) -> None:
    actor = await _user(db_sessions, "Uadmin", Role.ADMIN)
    async with db_sessions.begin() as session:
        ticket = await repo.create_ticket(session, kind=TicketKind.QUESTION, requester_user_id=actor.id,
                                          requester_role=Role.ADMIN, question="q")
        detail = {"ผู้รับ": "ทต.", "n": 1}
        await repo.audit(session, actor.id, "ticket.claim", ticket_id=ticket.id, detail=detail)
        await repo.audit(session, None, "sla.reroute", detail={"to": "9990002"})
    async with db_sessions.begin() as session:
        for_ticket = await repo.list_audit(session, ticket_id=ticket.id)
        reroutes = await repo.list_audit(session, action="sla.reroute")
    assert [(e.actor_user_id, e.action, e.detail) for e in for_ticket] == [
        (actor.id, "ticket.claim", {"ผู้รับ": "ทต.", "n": 1})]
    assert [(e.actor_user_id, e.ticket_id) for e in reroutes] == [(None, None)]


# ---- invites ------------------------------------------------------------------------------------------


async def test_invite_redeems_once_and_sets_role_and_lao(db_sessions: Sessions, laos: None) -> None:
    async with db_sessions.begin() as session:
        code = await repo.create_invite(session, Role.OFFICER, lao_code="9990002", now=T0)
    async with db_sessions.begin() as session:
        first = await repo.redeem_invite(session, code.lower().replace("-", " "), "Unew", now=T0)
    async with db_sessions.begin() as session:
        second = await repo.redeem_invite(session, code, "Uother", now=T0)
        user = await repo.get_user(session, "Unew")
        stored = (await session.execute(select(Invite))).scalar_one()
    assert first == repo.InviteResult(repo.InviteStatus.OK, Role.OFFICER, "9990002") and first.ok
    assert second.status is repo.InviteStatus.USED and not second.ok
    assert user is not None and (user.role, user.lao_code) == (Role.OFFICER, "9990002")
    assert stored.code_hash == repo.hash_invite_code(code) and code not in stored.code_hash
    assert (stored.used_by, stored.used_at, stored.expires_at) == (user.id, T0, T0 + repo.DEFAULT_INVITE_TTL)


async def test_invite_codes_are_readable_and_unique(db_sessions: Sessions) -> None:
    async with db_sessions.begin() as session:
        codes = [await repo.create_invite(session, Role.ADMIN) for _ in range(20)]
    assert len(set(codes)) == 20
    assert all(len(c) == 11 and c[5] == "-" and not set(c) & set("01OIL") for c in codes)
    assert repo.normalize_invite_code(" ab-cd e ") == "ABCDE"


async def test_invite_unknown_and_expired(db_sessions: Sessions) -> None:
    async with db_sessions.begin() as session:
        code = await repo.create_invite(session, Role.MENTOR, ttl=timedelta(hours=1), now=T0)
    async with db_sessions.begin() as session:
        unknown = await repo.redeem_invite(session, "NOPE0-NOPE0", "U1", now=T0)
        expired = await repo.redeem_invite(session, code, "U1", now=T0 + timedelta(hours=1))
        user = await repo.get_user(session, "U1")
    assert (unknown.status, expired.status) == (repo.InviteStatus.UNKNOWN, repo.InviteStatus.EXPIRED)
    assert user is not None and user.role is Role.CITIZEN


async def test_invite_for_unknown_lao_is_refused(db_sessions: Sessions) -> None:
    with pytest.raises(repo.UnknownLaoError):
        async with db_sessions.begin() as session:
            await repo.create_invite(session, Role.OFFICER, lao_code="0000000")


async def test_invite_redemption_race_has_one_winner(
    db_sessions: Sessions, db_backend: str, laos: None
) -> None:
    async with db_sessions.begin() as session:
        code = await repo.create_invite(session, Role.OFFICER, lao_code="9990001")
    for i in range(8):  # users exist first, so the race is only about the invite
        await _user(db_sessions, f"Ur{i}")
    results = await _race(db_sessions, db_backend, 8, lambda s, i: repo.redeem_invite(s, code, f"Ur{i}"),
                          prepare=lambda s: s.execute(select(Invite)))
    assert sorted(r.status for r in results) == [repo.InviteStatus.OK] + [repo.InviteStatus.USED] * 7
    async with db_sessions.begin() as session:
        roles = (await session.execute(select(LineUser.role))).scalars().all()
    assert sorted(roles) == [Role.CITIZEN] * 7 + [Role.OFFICER]


# ---- tickets ------------------------------------------------------------------------------------------


async def _ticket(sessions: Sessions, requester: LineUser, **overrides: object) -> Ticket:
    fields: dict[str, object] = {
        "kind": TicketKind.QUESTION, "requester_user_id": requester.id, "requester_role": requester.role,
        "question": "ขอวิธียื่นภาษีป้ายออนไลน์", "assignee_lao_code": "9990001", **overrides,
    }
    async with sessions.begin() as session:
        return await repo.create_ticket(session, **fields)  # type: ignore[arg-type]


async def test_create_ticket_round_trips_every_field(db_sessions: Sessions, laos: None) -> None:
    officer = await _user(db_sessions, "Uo", Role.OFFICER, "9990002")
    due = datetime(2025, 3, 3, 10, 30, tzinfo=timezone(timedelta(hours=7)))
    created = await _ticket(
        db_sessions, officer, requester_lao_code="9990002", reason="not_helpful", excerpt="ผู้ใช้: ...",
        bot_answer="คำตอบ", nlu_candidates=[{"intent": "tax.sign", "score": 0.41}], topic="tax",
        location={"lat": 13.36, "lon": 100.98, "address": "ชลบุรี"}, photo_content_ids=["c1", "c2"],
        sla_due_at=due, now=T0,
    )
    second = await _ticket(db_sessions, officer, kind=TicketKind.REPORT)
    async with db_sessions.begin() as session:
        ticket = await repo.get_ticket(session, created.id)
        assert await repo.get_ticket(session, 10_000) is None
    assert ticket is not None and second.id > created.id
    assert (ticket.kind, ticket.status, ticket.requester_role, ticket.reroute_count) == (
        TicketKind.QUESTION, TicketStatus.OPEN, Role.OFFICER, 0)
    assert ticket.nlu_candidates == [{"intent": "tax.sign", "score": 0.41}]
    assert ticket.location == {"lat": 13.36, "lon": 100.98, "address": "ชลบุรี"}
    assert (ticket.photo_content_ids, ticket.created_at, ticket.sla_due_at) == (["c1", "c2"], T0, due)
    assert ticket.sla_due_at is not None and ticket.sla_due_at.tzinfo is UTC


async def test_claim_ticket_first_claim_wins(db_sessions: Sessions, laos: None) -> None:
    officer = await _user(db_sessions, "Uo", Role.OFFICER, "9990002")
    mentor_a = await _user(db_sessions, "Ua", Role.MENTOR, "9990001")
    mentor_b = await _user(db_sessions, "Ub", Role.MENTOR, "9990001")
    ticket = await _ticket(db_sessions, officer)
    async with db_sessions.begin() as session:
        wrong_lao = await repo.claim_ticket(session, ticket.id, mentor_a.id, lao_code="9990002")
        first = await repo.claim_ticket(session, ticket.id, mentor_a.id, lao_code="9990001", now=T0)
        second = await repo.claim_ticket(session, ticket.id, mentor_b.id)
        stored = await repo.get_ticket(session, ticket.id)
    assert (wrong_lao, first, second) == (False, True, False)
    assert stored is not None
    assert (stored.status, stored.assignee_user_id) == (TicketStatus.CLAIMED, mentor_a.id)
    assert stored.claimed_at == T0


async def test_concurrent_claims_give_exactly_one_owner(
    db_sessions: Sessions, db_backend: str, laos: None
) -> None:
    officer = await _user(db_sessions, "Uo", Role.OFFICER, "9990002")
    mentors = [await _user(db_sessions, f"Um{i}", Role.MENTOR, "9990001") for i in range(10)]
    ticket = await _ticket(db_sessions, officer)
    results = await _race(db_sessions, db_backend, 10,
                          lambda s, i: repo.claim_ticket(s, ticket.id, mentors[i].id, lao_code="9990001"),
                          prepare=lambda s: repo.get_ticket(s, ticket.id))
    assert results.count(True) == 1
    async with db_sessions.begin() as session:
        stored = await repo.get_ticket(session, ticket.id)
    assert stored is not None and stored.assignee_user_id == mentors[results.index(True)].id


async def test_transition_ticket_checks_state_and_owner(db_sessions: Sessions, laos: None) -> None:
    officer = await _user(db_sessions, "Uo", Role.OFFICER, "9990002")
    mentor = await _user(db_sessions, "Um", Role.MENTOR, "9990001")
    ticket = await _ticket(db_sessions, officer)
    answered_at, closed_at = T0 + timedelta(hours=1), T0 + timedelta(hours=2)
    claimed = (TicketStatus.CLAIMED,)
    async with db_sessions.begin() as session:
        early = await repo.transition_ticket(session, ticket.id, TicketStatus.ANSWERED, expected=claimed)
        await repo.claim_ticket(session, ticket.id, mentor.id, now=T0)
        by_other = await repo.transition_ticket(session, ticket.id, TicketStatus.ANSWERED, expected=claimed,
                                                assignee_user_id=officer.id)
        answered = await repo.transition_ticket(session, ticket.id, TicketStatus.ANSWERED, expected=claimed,
                                                assignee_user_id=mentor.id, now=answered_at)
        closed = await repo.transition_ticket(session, ticket.id, TicketStatus.CLOSED,
                                              expected=(TicketStatus.ANSWERED,), now=closed_at)
        stored = await repo.get_ticket(session, ticket.id)
    assert (early, by_other, answered, closed) == (False, False, True, True)
    assert stored is not None
    assert (stored.status, stored.claimed_at, stored.answered_at, stored.closed_at) == (
        TicketStatus.CLOSED, T0, answered_at, closed_at)


async def test_ticket_messages_keep_thread_order(db_sessions: Sessions, laos: None) -> None:
    officer = await _user(db_sessions, "Uo", Role.OFFICER, "9990002")
    ticket = await _ticket(db_sessions, officer)
    async with db_sessions.begin() as session:
        await repo.add_ticket_message(session, ticket.id, "คำถาม", MessageKind.QUESTION,
                                      author_user_id=officer.id, author_role=Role.OFFICER, now=T0)
        await repo.add_ticket_message(session, ticket.id, "คำตอบ", MessageKind.ANSWER, now=T0 + timedelta(1))
        await repo.add_ticket_message(session, ticket.id, "status", MessageKind.STATUS, now=T0 + timedelta(1))
    async with db_sessions.begin() as session:
        thread = await repo.list_ticket_messages(session, ticket.id)
    assert [(m.body, m.kind) for m in thread] == [
        ("คำถาม", MessageKind.QUESTION), ("คำตอบ", MessageKind.ANSWER), ("status", MessageKind.STATUS)]
    assert (thread[0].author_role, thread[1].author_role) == (Role.OFFICER, None)


async def test_ticket_listings_for_requester_and_assignee(db_sessions: Sessions, laos: None) -> None:
    officer = await _user(db_sessions, "Uo", Role.OFFICER, "9990002")
    citizen = await _user(db_sessions, "Uc")
    mentor = await _user(db_sessions, "Um", Role.MENTOR, "9990001")
    old = await _ticket(db_sessions, officer, now=T0)
    new = await _ticket(db_sessions, officer, now=T0 + timedelta(hours=1))
    other = await _ticket(db_sessions, citizen, assignee_lao_code="9990002", now=T0)
    async with db_sessions.begin() as session:
        await repo.claim_ticket(session, old.id, mentor.id)
        mine = await repo.list_tickets_for_requester(session, officer.id)
        mine_open = await repo.list_tickets_for_requester(session, officer.id, statuses=[TicketStatus.OPEN])
        by_mentor = await repo.list_tickets_for_assignee(session, user_id=mentor.id)
        by_lao = await repo.list_tickets_for_assignee(session, lao_code="9990001")
        for_officers = await repo.list_tickets_for_assignee(session, lao_code="9990002", statuses=None)
        with pytest.raises(ValueError):
            await repo.list_tickets_for_assignee(session)
    assert [t.id for t in mine] == [new.id, old.id]
    assert [t.id for t in mine_open] == [new.id]
    assert [t.id for t in by_mentor] == [old.id]
    assert [t.id for t in by_lao] == [old.id, new.id]
    assert [t.id for t in for_officers] == [other.id]


# ---- time zones ---------------------------------------------------------------------------------------


async def test_datetimes_come_back_as_the_same_instant_in_utc(db_sessions: Sessions) -> None:
    bangkok = timezone(timedelta(hours=7), "ICT")
    moments = {"Ebkk": datetime(2025, 3, 1, 16, 0, tzinfo=bangkok),  # = 09:00 UTC
               "Eutc": datetime(2025, 3, 1, 8, 30, tzinfo=UTC),
               "Eneg": datetime(2025, 3, 1, 4, 45, tzinfo=timezone(timedelta(hours=-5)))}  # = 09:45 UTC
    async with db_sessions.begin() as session:
        for event_id, moment in moments.items():
            await repo.record_interaction(
                session, webhook_event_id=event_id, event_type="message", now=moment
            )
    async with db_sessions.begin() as session:
        rows = await repo.list_interactions(session, newest_first=False)
        since = await repo.list_interactions(session, since=datetime(2025, 3, 1, 16, 0, tzinfo=bangkok))
    assert [r.webhook_event_id for r in rows] == ["Eutc", "Ebkk", "Eneg"]  # ordered by instant, not wall time
    assert all(r.created_at.tzinfo is UTC and r.created_at == moments[r.webhook_event_id] for r in rows)
    assert {r.webhook_event_id for r in since} == {"Ebkk", "Eneg"}


async def test_naive_datetimes_are_refused(db_sessions: Sessions) -> None:
    with pytest.raises(Exception, match="naive datetime"):
        async with db_sessions.begin() as session:
            await repo.record_interaction(session, webhook_event_id="Enaive", event_type="message",
                                          now=datetime(2025, 3, 1, 9, 0))


def test_invite_codes_are_masked_in_stored_text():
    from bot.repo.invites import mask_invite_codes

    assert mask_invite_codes("รหัส 6SRWM-349WN ค่ะ") == "รหัส [รหัสเชิญ] ค่ะ"
    assert mask_invite_codes("abcde-fghjk") == "[รหัสเชิญ]"
    assert mask_invite_codes("ขอบคุณ helloworld") == "ขอบคุณ helloworld"
