"""Storage for citizen conversations, on SQLite and PostgreSQL."""
from __future__ import annotations

from typing import Any

from bot import repo
from bot.models import MessageKind, Role, TicketKind
from bot.repo.citizens import (
    add_labelled_example,
    ensure_place,
    latest_status_notes,
    list_labelled_examples,
    list_officers,
)

LAO = ("05900104", "เทศบาลตำบลเกาะแต้ว", "municipality_subdistrict", "สงขลา", "เมืองสงขลา", "เกาะแต้ว", "south", True)


async def test_list_officers_only_followed_officers_of_that_lao(db_sessions: Any):
    async with db_sessions.begin() as session:
        await repo.sync_laos(session, [LAO])
        await repo.set_user_role(session, "Uofficer", Role.OFFICER, lao_code="05900104")
        await repo.set_user_role(session, "Umentor", Role.MENTOR, lao_code="05900104")
        await repo.set_user_role(session, "Ugone", Role.OFFICER, lao_code="05900104")
        await repo.mark_followed(session, "Ugone", False)
        await repo.set_user_role(session, "Ucitizen", Role.CITIZEN, lao_code="05900104")
    async with db_sessions.begin() as session:
        assert [u.line_user_id for u in await list_officers(session, "05900104")] == ["Uofficer"]


async def test_ensure_place_creates_once_and_survives_the_directory_sync(db_sessions: Any):
    async with db_sessions.begin() as session:
        first = await ensure_place(session, "P-300116", "ต.จอหอ", province="นครราชสีมา", district="เมือง",
                                   subdistrict="จอหอ")
        again = await ensure_place(session, "P-300116", "อื่น", province="x", district=None, subdistrict=None)
        assert first.code == again.code and again.name == "ต.จอหอ" and again.type == "place"
        await repo.sync_laos(session, [LAO])
        await repo.set_user_lao(session, "Uplace", "P-300116")
    async with db_sessions.begin() as session:
        assert (await repo.get_user(session, "Uplace")).lao_code == "P-300116"


async def test_labelled_examples_newest_first(db_sessions: Any):
    async with db_sessions.begin() as session:
        await add_labelled_example(session, "ภาษีที่ดิน", "land_tax.pay", "land_building_tax")
        await add_labelled_example(session, "ภาษีป้าย", "signboard_tax.rate", None)
    async with db_sessions.begin() as session:
        rows = await list_labelled_examples(session)
    assert [r.intent for r in rows] == ["signboard_tax.rate", "land_tax.pay"] and rows[0].source == "clarify_pick"


async def test_latest_status_notes(db_sessions: Any):
    async with db_sessions.begin() as session:
        ticket = await repo.create_ticket(session, kind=TicketKind.REPORT, requester_user_id=None,
                                          requester_role=Role.CITIZEN, question="ไฟดับ")
        other = await repo.create_ticket(session, kind=TicketKind.REPORT, requester_user_id=None,
                                         requester_role=Role.CITIZEN, question="ขยะ")
        await repo.add_ticket_message(session, ticket.id, "claimed", MessageKind.STATUS)
        await repo.add_ticket_message(session, ticket.id, "in_progress", MessageKind.STATUS)
        await repo.add_ticket_message(session, other.id, "ข้อความ", MessageKind.NOTE)
    async with db_sessions.begin() as session:
        assert await latest_status_notes(session, [ticket.id, other.id]) == {ticket.id: "in_progress"}
        assert await latest_status_notes(session, []) == {}
