"""Report cases: opening one, officers moving it on from LINE, the reporter told, "ตามเรื่อง" listing."""
from __future__ import annotations

from typing import Any

from bot import repo
from bot.models import Role, TicketStatus
from bot.replies import render_plain
from handlers import cases
from tests.handlers.citizen.helpers import USER, event, texts

OFFICER = "U" + "2" * 32
OTHER_OFFICER = "U" + "3" * 32
DATA = {"category": "complaint_road_light", "words": "ถนนเป็นหลุม", "lao": "05900104", "photo": None,
        "location": {"text": "หน้าวัด"}, "detail": "อันตราย"}


async def open_case(make_turn: Any, storage: Any) -> tuple[Any, int]:
    turn = make_turn(lao="05900104", storage=storage)
    await cases.open_report(turn, dict(DATA))
    async with storage.transaction() as session:
        user = await repo.get_user(session, USER)
        [ticket] = await repo.list_tickets_for_requester(session, user.id)
    return turn, ticket.id


def tap(make_turn: Any, storage: Any, who: str, number: int, status: str, role: str = "officer",
        lao: str = "05900104") -> Any:
    turn = make_turn(event("postback", None, postback=f"action=case_status&ticket={number}&status={status}"),
                     role=role, lao=lao, storage=storage)
    turn.user.line_user_id = who
    turn.match = {"ticket": str(number), "status": status}
    return turn


async def test_opening_a_case_answers_with_its_number_and_tells_the_officers(make_turn: Any, storage: Any):
    await storage.set_user_role(OFFICER, "officer", "05900104")
    await storage.set_user_role(OTHER_OFFICER, "officer", "P-200904")
    turn, number = await open_case(make_turn, storage)
    assert f"#{number}" in texts(turn)
    assert [to for to, _ in turn.pushes] == [OFFICER]
    card = render_plain(turn.pushes[0][1])
    assert f"มีเรื่องแจ้งใหม่ #{number}" in card and "หน้าวัด" in card and "[รับเรื่อง]" in card
    async with storage.transaction() as session:
        ticket = await repo.get_ticket(session, number)
    assert ticket.kind == "report" and ticket.assignee_lao_code == "05900104" and ticket.topic == DATA["category"]


async def test_without_officers_the_reporter_is_told_to_contact_the_office(make_turn: Any, storage: Any):
    turn, _ = await open_case(make_turn, storage)
    assert turn.pushes == [] and "ยังไม่มีเจ้าหน้าที่รับเรื่องผ่านแชทนี้" in texts(turn)


async def test_officer_updates_reach_the_reporter_and_the_listing(make_turn: Any, storage: Any):
    await storage.set_user_role(OFFICER, "officer", "05900104")
    _, number = await open_case(make_turn, storage)
    claimed = tap(make_turn, storage, OFFICER, number, "claimed")
    await cases.case_status(claimed)
    assert claimed.pushes[0][0] == USER and "เจ้าหน้าที่รับเรื่องแล้ว" in render_plain(claimed.pushes[0][1])
    again = tap(make_turn, storage, OFFICER, number, "claimed")
    await cases.case_status(again)
    assert again.pushes == [] and "อยู่แล้ว" in texts(again)
    await cases.case_status(tap(make_turn, storage, OFFICER, number, "in_progress"))
    listing = make_turn(storage=storage)
    await cases.list_my_cases(listing)
    assert f"#{number}" in texts(listing) and "กำลังดำเนินการ" in texts(listing)
    closed = tap(make_turn, storage, OFFICER, number, "closed")
    await cases.case_status(closed)
    assert "ขอบคุณที่แจ้งเรื่อง" in render_plain(closed.pushes[0][1])
    async with storage.transaction() as session:
        assert (await repo.get_ticket(session, number)).status == TicketStatus.CLOSED


async def test_only_officers_of_that_lao_or_admins_may_update(make_turn: Any, storage: Any):
    _, number = await open_case(make_turn, storage)
    for who, role, lao in ((OTHER_OFFICER, "officer", "P-200904"), (USER, "citizen", "05900104"),
                           (OFFICER, "mentor", "05900104")):
        turn = tap(make_turn, storage, who, number, "closed", role=role, lao=lao)
        await cases.case_status(turn)
        assert "เฉพาะเจ้าหน้าที่" in texts(turn) and turn.pushes == []
    await storage.set_user_role("U" + "4" * 32, Role.ADMIN.value)
    admin = tap(make_turn, storage, "U" + "4" * 32, number, "closed", role="admin", lao="")
    await cases.case_status(admin)
    assert admin.pushes and admin.pushes[0][0] == USER


async def test_an_unknown_case_or_status_is_refused(make_turn: Any, storage: Any):
    _, number = await open_case(make_turn, storage)
    for ticket, status in ((number + 99, "closed"), (number, "deleted")):
        turn = tap(make_turn, storage, OFFICER, ticket, status)
        await cases.case_status(turn)
        assert "ไม่พบเรื่อง" in texts(turn)
