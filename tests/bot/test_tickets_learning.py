"""The learning loop: helpful answers become suggestions; approved ones become knowledge for the NLU."""
from __future__ import annotations

from types import SimpleNamespace
from typing import Any

import pytest
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot import repo
from bot.learning import Learned, ReviewError, apply_learned, approve, augment, reject, suggest_from_ticket
from bot.models import MessageKind, Role, SuggestionStatus, TicketKind
from bot.storage import Storage
from knowledge.loader import load_knowledge

QUESTION = "ตั้งค่า QR รับชำระเงินไม่ได้ เบอร์ 081-234-5678"


@pytest.fixture(scope="module")
def kb() -> Any:
    return load_knowledge(None)


def test_an_article_suggestion_becomes_a_verified_article_with_its_own_intent(kb: Any) -> None:
    learned = [Learned(3, "ออกใบเสร็จซ้ำทำอย่างไร", "เข้าเมนูใบเสร็จ แล้วกดพิมพ์ซ้ำ", "learned.s3",
                       "officer_payments_receipts", "officer")]
    augmented = augment(kb, learned)
    intent = augmented.intents["learned.s3"]
    assert intent.examples == ["ออกใบเสร็จซ้ำทำอย่างไร"] and intent.audience == "officer"
    assert intent.answer.kind == "article" and intent.answer.ref == "learned_3"
    article = augmented.articles["learned_3"]
    assert article.verified and article.answer == "เข้าเมนูใบเสร็จ แล้วกดพิมพ์ซ้ำ"
    assert augmented.fingerprint != kb.fingerprint and "learned.s3" not in kb.intents  # the base is untouched
    assert augment(kb, learned).fingerprint == augmented.fingerprint  # same knowledge, same NLU cache key


def test_an_examples_suggestion_extends_an_existing_intent(kb: Any) -> None:
    target = "officer.login.forgot_password"
    augmented = augment(kb, [Learned(4, "จำพาสเวิร์ดไม่ได้เข้าระบบไม่ได้", "-", target, None, "officer")])
    assert augmented.intents[target].examples[-1] == "จำพาสเวิร์ดไม่ได้เข้าระบบไม่ได้"
    assert len(augmented.intents[target].examples) == len(kb.intents[target].examples) + 1
    assert augment(kb, []) is kb


async def _closed_ticket(sessions: async_sessionmaker[AsyncSession]) -> int:
    async with sessions.begin() as session:
        ticket = await repo.create_ticket(
            session, kind=TicketKind.QUESTION, requester_user_id=None, requester_role=Role.OFFICER,
            question=QUESTION, nlu_candidates=[{"intent": "officer.login.forgot_password",
                                                "topic": "officer_login_account", "confidence": 0.4}],
            topic="officer_login_account")
        answer = "เปิดเมนูตั้งค่า โทร 02-123-4567 ได้"
        await repo.add_ticket_message(session, ticket.id, answer, MessageKind.ANSWER)
        await suggest_from_ticket(session, ticket)
        return ticket.id


async def test_review_rules(db_sessions: async_sessionmaker[AsyncSession], kb: Any) -> None:
    await _closed_ticket(db_sessions)
    async with db_sessions.begin() as session:
        [row] = await repo.list_suggestions(session, status=SuggestionStatus.PENDING)
        assert "[PHONE]" in row.question and "[PHONE]" in row.answer  # knowledge never keeps personal data
        assert (row.suggested_intent, row.suggested_topic) == ("officer.login.forgot_password",
                                                               "officer_login_account")
        with pytest.raises(ReviewError):
            await approve(session, kb, row.id, as_examples=True, intent="no.such.intent")
        with pytest.raises(ReviewError):
            await approve(session, kb, row.id, topic="not_a_topic")
        before = await repo.approved_signature(session)
        approved = await approve(session, kb, row.id)
        assert approved.status == SuggestionStatus.APPROVED
        assert approved.suggested_intent == f"learned.s{row.id}"
        assert await repo.approved_signature(session) != before
        with pytest.raises(ReviewError):
            await reject(session, row.id)  # a review is final
        with pytest.raises(ReviewError):
            await reject(session, 999)


async def test_applying_approvals_swaps_knowledge_then_rebuilds_the_nlu(
        db_sessions: async_sessionmaker[AsyncSession], kb: Any) -> None:
    await _closed_ticket(db_sessions)
    async with db_sessions.begin() as session:
        [row] = await repo.list_suggestions(session)
        await approve(session, kb, row.id)
    rebuilt: list[Any] = []
    ctx = SimpleNamespace(kb=kb, storage=Storage(db_sessions),
                          nlu=SimpleNamespace(reload=lambda new_kb, cache: rebuilt.append(new_kb)))
    assert await apply_learned(ctx, kb, None) == 1
    assert rebuilt == [ctx.kb] and f"learned.s{row.id}" in ctx.kb.intents
