"""Escalation handlers in process: asking for a person, confirming, routing, claiming, drafting and answering,
rating, permissions and redaction. Runs on SQLite and (with TEST_DATABASE_URL) PostgreSQL."""
from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Iterator
from datetime import datetime
from typing import Any

import pytest
from sqlalchemy import select, text

from bot import repo
from bot.db import create_engine_from_url, ensure_schema
from bot.models import Base, KnowledgeSuggestion, Ticket, TicketStatus
from knowledge.loader import load_knowledge
from tests.conftest import real_service_url
from tests.databases import fresh_database
from tests.handlers.escalation_harness import Bot, choices, running_bot, texts

POSTGRES_URL = real_service_url("TEST_DATABASE_URL")
SILA, CHIANG_KHAN, LAMPANG = "P-400114", "P-420301", "P-5201"  # Khon Kaen / Loei (northeast), Lampang (north)
QUESTION = "ตั้งค่ารับชำระเงินผ่าน QR ในระบบไม่ได้ค่ะ"
TUESDAY_10 = datetime.fromisoformat("2026-11-24T10:00:00+07:00")
TABLE = {
    QUESTION: "officer.login.digital_id_register",  # a verified article: the "wrong" answer the officer gets
    "ขอคุยกับเจ้าหน้าที่": "conversation.human_handoff",
    "ถามพี่เลี้ยง": "conversation.ask_mentor",
    "เรื่องของฉัน": "conversation.my_cases",
    "งานของฉัน": "conversation.mentor_queue",
    "ยกเลิก": "conversation.cancel",
    "ลืมรหัสผ่านเข้าระบบ": "officer.login.forgot_password",  # an unverified article
}


def _backends() -> list[Any]:
    marks = [] if POSTGRES_URL else [pytest.mark.skip(reason="TEST_DATABASE_URL not set")]
    return [pytest.param("sqlite", id="sqlite"), pytest.param("postgres", id="postgres", marks=marks)]


@pytest.fixture(scope="module")
def kb() -> Any:
    return load_knowledge(None)


@pytest.fixture(scope="module", params=_backends())
def database_url(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    with fresh_database(request.param, tmp_path_factory.mktemp("escalation")) as url:
        ensure_schema(url)
        yield url


@pytest.fixture
async def bot(kb: Any, database_url: str) -> AsyncIterator[Bot]:
    async with running_bot(kb, database_url, TABLE, THONGTHIN_BUSINESS_HOLIDAYS=False) as running:
        await running.at(TUESDAY_10)
        await _staff(running)
        yield running
    await _wipe(database_url)


async def _staff(bot: Bot) -> None:
    await bot.user("officer", "officer", SILA)
    await bot.user("m1", "mentor", CHIANG_KHAN)
    await bot.user("m2", "mentor", CHIANG_KHAN)
    await bot.user("m3", "mentor", LAMPANG)
    await bot.user("admin", "admin")


async def _wipe(url: str) -> None:
    """Empty every table and restart the ticket numbers, so each test's first ticket is #1."""
    engine = create_engine_from_url(url)
    tables = [table.name for table in Base.metadata.sorted_tables]
    async with engine.begin() as conn:
        if engine.dialect.name == "postgresql":
            await conn.execute(text(f"TRUNCATE {', '.join(tables)} RESTART IDENTITY CASCADE"))
        else:
            for name in reversed(tables):
                await conn.execute(text(f"DELETE FROM {name}"))
            await conn.execute(text("DELETE FROM sqlite_sequence"))
    await engine.dispose()


async def _ticket(bot: Bot, number: int) -> Ticket:
    async with bot.ctx.storage.transaction() as session:
        ticket = await repo.get_ticket(session, number)
    assert ticket is not None
    return ticket


async def _audit_actions(bot: Bot, number: int) -> list[str]:
    async with bot.ctx.storage.transaction() as session:
        return [e.action for e in await repo.list_audit(session, ticket_id=number)]


async def open_ticket(bot: Bot, question: str = QUESTION) -> int:
    """The officer asks, finds the answer unhelpful, and confirms sending it to a mentor."""
    await bot.send("officer", question)
    confirm = await bot.postback("officer", "action=handoff&reason=not_helpful")
    created = await bot.postback("officer", choices(confirm)["ส่งเรื่องเลย"])
    number = int(texts(created).split("#")[1].split()[0])
    return number


# ---- creating and routing ----------------------------------------------------------------------------------

async def test_officer_question_is_confirmed_then_routed_to_a_mentor_lao_of_the_same_region(bot: Bot) -> None:
    await bot.send("officer", QUESTION)
    confirm = await bot.postback("officer", "action=handoff&reason=not_helpful")
    assert QUESTION in texts(confirm) and "พี่เลี้ยง" in texts(confirm)
    assert set(choices(confirm)) >= {"ส่งเรื่องเลย", "ไม่เป็นไร"}
    assert not bot.take("m1")  # nothing is sent before the officer confirms
    created = await bot.postback("officer", choices(confirm)["ส่งเรื่องเลย"])
    assert "#1" in texts(created) and "ภายใน" in texts(created) and "08:30" in texts(created)
    for mentor in ("m1", "m2"):
        card = bot.take(mentor)
        assert "#1" in texts(card) and QUESTION in texts(card)
        assert choices(card) == {"รับเรื่อง": "action=claim&ticket=1", "ส่งต่อ": "action=forward&ticket=1"}
    assert not bot.take("m3")  # Lampang is in another region
    ticket = await _ticket(bot, 1)
    assert (ticket.assignee_lao_code, ticket.requester_lao_code) == (CHIANG_KHAN, SILA)
    assert ticket.reason == "not_helpful"
    assert ticket.question == QUESTION and QUESTION in (ticket.excerpt or "")
    assert ticket.bot_answer == bot.ctx.kb.articles["login_digital_id_register"].title
    assert ticket.nlu_candidates and ticket.nlu_candidates[0]["intent"] == TABLE[QUESTION]
    assert ticket.sla_due_at == datetime.fromisoformat("2026-11-24T12:00:00+07:00")
    assert await _audit_actions(bot, 1) == ["ticket.create", "ticket.route"]


async def test_asking_for_a_person_after_an_unverified_article_records_the_reason(bot: Bot) -> None:
    await bot.send("officer", "ลืมรหัสผ่านเข้าระบบ")
    confirm = await bot.send("officer", "ถามพี่เลี้ยง")
    assert "ลืมรหัสผ่านเข้าระบบ" in texts(confirm)
    await bot.postback("officer", "action=handoff_send")
    assert (await _ticket(bot, 1)).reason == "unverified"


async def test_without_a_recent_question_the_bot_asks_for_it_and_a_typed_text_replaces_it(bot: Bot) -> None:
    asked = await bot.send("officer", "ขอคุยกับเจ้าหน้าที่")
    assert "พิมพ์คำถาม" in texts(asked)
    first = await bot.send("officer", "ออกใบเสร็จซ้ำได้ไหม")
    assert "ออกใบเสร็จซ้ำได้ไหม" in texts(first)
    second = await bot.send("officer", "ยกเลิกใบเสร็จที่ออกผิดยังไง")
    assert "ยกเลิกใบเสร็จที่ออกผิดยังไง" in texts(second)
    await bot.postback("officer", "action=handoff_send")
    assert (await _ticket(bot, 1)).question == "ยกเลิกใบเสร็จที่ออกผิดยังไง"
    again = await bot.postback("officer", "action=handoff_send")  # a second tap creates nothing
    assert "ไม่มีคำถามที่รอยืนยัน" in texts(again)


async def test_cancelling_creates_no_ticket(bot: Bot) -> None:
    await bot.send("officer", QUESTION)
    confirm = await bot.postback("officer", "action=handoff&reason=asked_person")
    reply = await bot.postback("officer", choices(confirm)["ไม่เป็นไร"])
    assert "ยังไม่ส่งเรื่อง" in texts(reply)
    await bot.postback("officer", "action=handoff")
    assert texts(await bot.send("officer", "ยกเลิก"))  # typed: whichever flow owns "ยกเลิก" answers
    assert "ไม่มีคำถามที่รอยืนยัน" in texts(await bot.postback("officer", "action=handoff_send"))
    async with bot.ctx.storage.transaction() as session:
        assert (await session.execute(select(Ticket))).first() is None


async def test_personal_data_is_redacted_before_a_mentor_sees_it(bot: Bot) -> None:
    secret = "ตั้งค่าไม่ได้ค่ะ ติดต่อ 081-234-5678 หรือ somchai@example.com เลขบัตร 1101700230708"
    await bot.send("officer", secret)
    confirm = await bot.postback("officer", "action=handoff&reason=not_understood")
    assert "081-234-5678" not in texts(confirm) and "(ปิดบังไว้)" in texts(confirm)
    assert "ปิดบังเลขบัตรประชาชน" in texts(confirm)  # the PDPA note
    await bot.postback("officer", "action=handoff_send")
    card = texts(bot.take("m1"))
    for raw in ("081-234-5678", "somchai@example.com", "1101700230708"):
        assert raw not in card
    ticket = await _ticket(bot, 1)
    assert "[PHONE]" in ticket.question and "[EMAIL]" in ticket.question and "[THAI_ID]" in ticket.question
    assert "081-234-5678" not in (ticket.excerpt or "")


async def test_a_citizen_without_registered_officers_gets_the_lao_contacts_and_no_ticket(bot: Bot) -> None:
    await bot.user("citizen", "citizen", SILA)
    await bot.user("officer", "citizen", SILA)  # Sila now has no staff in LINE
    await bot.send("citizen", QUESTION)
    reply = await bot.send("citizen", "ขอคุยกับเจ้าหน้าที่")
    assert "0 4324 6505-6" in texts(reply) and "เทศบาลเมืองศิลา" in texts(reply)
    async with bot.ctx.storage.transaction() as session:
        assert (await session.execute(select(Ticket))).first() is None


async def test_a_citizen_question_goes_to_the_officers_of_their_own_lao(bot: Bot) -> None:
    await bot.user("citizen", "citizen", SILA)
    await bot.send("citizen", QUESTION)
    await bot.send("citizen", "ขอคุยกับเจ้าหน้าที่")
    created = await bot.postback("citizen", "action=handoff_send")
    assert "#1" in texts(created)
    card = bot.take("officer")
    assert choices(card) == {"รับเรื่อง": "action=claim&ticket=1"}  # no forwarding outside the LAO
    assert not bot.take("m1")
    assert (await _ticket(bot, 1)).assignee_lao_code == SILA


async def test_a_citizen_without_a_lao_is_asked_for_it_first(bot: Bot) -> None:
    await bot.user("nolao", "citizen")
    reply = await bot.send("nolao", "ขอคุยกับเจ้าหน้าที่")
    assert "เปลี่ยนท้องถิ่น" in texts(reply)


async def test_my_tickets_shows_number_and_status(bot: Bot) -> None:
    number = await open_ticket(bot)
    reply = await bot.send("officer", "เรื่องของฉัน")
    assert f"#{number}" in texts(reply) and "รอเจ้าหน้าที่รับเรื่อง" in texts(reply)


# ---- claiming, drafting, answering -------------------------------------------------------------------------

async def test_two_mentors_claiming_at_once_get_exactly_one_owner(bot: Bot) -> None:
    number = await open_ticket(bot)
    first, second = await asyncio.gather(bot.postback("m1", f"action=claim&ticket={number}"),
                                         bot.postback("m2", f"action=claim&ticket={number}"))
    replies = [texts(first), texts(second)]
    assert sum("รับเรื่อง #1 แล้ว" in r for r in replies) == 1
    assert sum("มีพี่เลี้ยงท่านอื่นรับไปแล้ว" in r for r in replies) == 1
    ticket = await _ticket(bot, number)
    assert ticket.status == TicketStatus.CLAIMED and ticket.claimed_at is not None
    assert "รับเรื่องแล้ว" in texts(bot.take("officer"))  # the requester sees the status change


async def test_claim_draft_review_and_send_reaches_the_requester(bot: Bot) -> None:
    number = await open_ticket(bot)
    await bot.postback("m1", f"action=claim&ticket={number}")
    bot.take("officer")  # the claim notice
    review = await bot.send("m1", "ไปที่เมนูตั้งค่าการชำระเงิน")
    assert "ไปที่เมนูตั้งค่าการชำระเงิน" in texts(review)
    assert set(choices(review)) == {"ส่งคำตอบ", "แก้ไข", "ยกเลิก"}
    assert not bot.take("officer")  # nothing reaches the requester before [ส่งคำตอบ]
    review = await bot.send("m1", "แล้วกดเปิด QR")
    assert "ไปที่เมนูตั้งค่าการชำระเงิน\nแล้วกดเปิด QR" in texts(review)
    sent = await bot.postback("m1", choices(review)["ส่งคำตอบ"])
    assert f"ส่งคำตอบเรื่อง #{number}" in texts(sent)
    answer = bot.take("officer")[-1]
    assert "แล้วกดเปิด QR" in texts([answer])
    assert choices([answer]) == {"แก้ปัญหาได้": f"action=rate&ticket={number}&ok=1",
                                 "ยังไม่ได้": f"action=rate&ticket={number}&ok=0"}
    ticket = await _ticket(bot, number)
    assert (ticket.status, ticket.sla_outcome, ticket.sla_due_at) == (TicketStatus.ANSWERED, "met", None)


async def test_edit_replaces_the_draft_and_cancel_keeps_the_ticket(bot: Bot) -> None:
    number = await open_ticket(bot)
    await bot.postback("m1", f"action=claim&ticket={number}")
    await bot.send("m1", "ร่างแรก")
    prompt = await bot.postback("m1", f"action=draft&ticket={number}&do=edit")
    assert f"#{number}" in texts(prompt)
    review = await bot.send("m1", "ร่างที่สอง")
    assert "ร่างแรก" not in texts(review)
    cancelled = await bot.postback("m1", f"action=draft&ticket={number}&do=cancel")
    assert "ยังอยู่กับคุณ" in texts(cancelled)
    assert (await _ticket(bot, number)).status == TicketStatus.CLAIMED


async def test_hash_number_answers_directly_and_work_list_switches_between_tickets(bot: Bot) -> None:
    first = await open_ticket(bot)
    second = await open_ticket(bot, "ออกรายงานประจำเดือนไม่ได้")
    await bot.postback("m1", f"action=claim&ticket={first}")
    await bot.postback("m1", f"action=claim&ticket={second}")
    work = await bot.send("m1", "งานของฉัน")
    assert f"#{first}" in texts(work) and f"#{second}" in texts(work)
    switched = await bot.postback("m1", choices(work)[f"#{first}"])
    assert f"#{first}" in texts(switched) and QUESTION in texts(switched)
    done = await bot.send("m1", f"#{second} ใช้เมนูรายงาน แล้วเลือกเดือนค่ะ")
    assert f"#{second}" in texts(done)
    assert (await _ticket(bot, second)).status == TicketStatus.ANSWERED
    assert (await _ticket(bot, first)).status == TicketStatus.CLAIMED


async def test_helpful_rating_closes_with_times_and_becomes_a_suggestion(bot: Bot) -> None:
    number = await open_ticket(bot)
    await bot.at(datetime.fromisoformat("2026-11-24T10:20:00+07:00"))
    await bot.postback("m1", f"action=claim&ticket={number}")
    await bot.at(datetime.fromisoformat("2026-11-24T10:50:00+07:00"))
    await bot.send("m1", f"#{number} เปิดเมนูตั้งค่า แล้วเลือก QR")
    thanks = await bot.postback("officer", f"action=rate&ticket={number}&ok=1")
    assert f"#{number}" in texts(thanks)
    assert "แก้ปัญหาได้แล้ว" in texts(bot.take("m1"))
    ticket = await _ticket(bot, number)
    assert (ticket.status, ticket.rating) == (TicketStatus.CLOSED, 1)
    async with bot.ctx.storage.transaction() as session:
        [close] = await repo.list_audit(session, ticket_id=number, action="ticket.close")
        [suggestion] = (await session.execute(select(KnowledgeSuggestion))).scalars().all()
    assert close.detail["claim_s"] == 20 * 60 and close.detail["answer_s"] == 50 * 60
    assert suggestion.question == QUESTION and "เลือก QR" in suggestion.answer
    assert suggestion.suggested_topic == "officer_login_account"
    again = await bot.postback("officer", f"action=rate&ticket={number}&ok=0")
    assert "บันทึกผลไว้แล้ว" in texts(again)


async def test_not_solved_reopens_to_the_same_mentor_with_the_follow_up(bot: Bot) -> None:
    number = await open_ticket(bot)
    await bot.postback("m1", f"action=claim&ticket={number}")
    await bot.send("m1", f"#{number} ลองออกจากระบบแล้วเข้าใหม่ค่ะ")
    bot.take("m1")
    await bot.postback("officer", f"action=rate&ticket={number}&ok=0")
    assert f"#{number}" in texts(bot.take("m1"))
    ticket = await _ticket(bot, number)
    assert ticket.status == TicketStatus.CLAIMED and ticket.rating == 0
    await bot.send("officer", "ทำแล้วยังขึ้นข้อความผิดพลาดเหมือนเดิม")
    followup = bot.take("m1")
    assert "ยังขึ้นข้อความผิดพลาดเหมือนเดิม" in texts(followup) and f"#{number}" in choices(followup)
    await bot.send("m1", f"#{number} ส่งภาพหน้าจอให้ผู้ดูแลระบบค่ะ")
    assert "ส่งภาพหน้าจอ" in texts(bot.take("officer"))


async def test_forward_sends_an_open_ticket_to_the_next_mentor_lao(bot: Bot) -> None:
    number = await open_ticket(bot)
    bot.take("m2")
    reply = await bot.postback("m1", f"action=forward&ticket={number}")
    assert "ส่งต่อ" in texts(reply)
    assert f"#{number}" in texts(bot.take("m3")) and "เทศบาลนครลำปาง" in texts(bot.take("m2"))
    assert (await _ticket(bot, number)).assignee_lao_code == LAMPANG
    late = await bot.postback("m2", f"action=claim&ticket={number}")
    assert "เฉพาะ" in texts(late)  # Chiang Khan no longer holds it


# ---- permissions -------------------------------------------------------------------------------------------

async def test_only_the_claiming_mentor_and_admins_can_act(bot: Bot) -> None:
    number = await open_ticket(bot)
    await bot.user("citizen", "citizen", SILA)
    await bot.user("officer2", "officer", SILA)
    for outsider in ("m3", "officer2", "citizen"):
        assert "เฉพาะ" in texts(await bot.postback(outsider, f"action=claim&ticket={number}"))
    await bot.postback("m1", f"action=claim&ticket={number}")
    assert "เฉพาะ" in texts(await bot.send("m2", f"#{number} ขอตอบแทนนะ"))
    assert "เฉพาะ" in texts(await bot.postback("m3", f"action=forward&ticket={number}"))
    assert "เฉพาะ" in texts(await bot.postback("m2", f"action=work&ticket={number}"))
    assert "ไม่พบเรื่อง" in texts(await bot.postback("officer2", f"action=rate&ticket={number}&ok=1"))
    assert (await _ticket(bot, number)).status == TicketStatus.CLAIMED
    done = await bot.send("admin", f"#{number} ผู้ดูแลระบบตอบแทนค่ะ")
    assert f"#{number}" in texts(done)
    assert (await _ticket(bot, number)).status == TicketStatus.ANSWERED
    assert (await _audit_actions(bot, number)).count("ticket.denied") == 6
