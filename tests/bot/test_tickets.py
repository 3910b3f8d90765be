"""Routing a ticket: which mentor LAO, who may claim and act, and the claim card."""
from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot import repo
from bot.messages import FlexOut
from bot.models import Lao, Role, Ticket, TicketKind
from bot.replies import enforce_limits
from bot.tickets import (
    choose_mentor_lao,
    may_act,
    may_claim,
    rank_mentor_laos,
    routes_to_mentors,
    ticket_card,
)
from knowledge.loader import load_knowledge


def lao(code: str, province: str, region: str, type_: str = "municipality_town") -> Lao:
    return Lao(code=code, name=code, type=type_, province=province, region=region, is_mentor=True, away=False)


SILA = lao("SILA", "ขอนแก่น", "northeast")
CANDIDATES = [
    lao("FAR_SAME_TYPE", "ลำปาง", "north"),
    lao("REGION_SUBDISTRICT", "เลย", "northeast", "municipality_subdistrict"),
    lao("REGION_SAO", "เลย", "northeast", "sao"),
    lao("PROVINCE", "ขอนแก่น", "northeast", "sao"),
]


def test_ranking_prefers_province_then_region_then_type_then_load() -> None:
    assert rank_mentor_laos(SILA, CANDIDATES, {}) == [
        "PROVINCE", "REGION_SUBDISTRICT", "REGION_SAO", "FAR_SAME_TYPE"]
    busy = {"PROVINCE": 3}
    assert rank_mentor_laos(SILA, CANDIDATES, busy)[0] == "PROVINCE"  # place beats load
    two_equal = [lao("A", "เลย", "northeast"), lao("B", "เลย", "northeast")]
    assert rank_mentor_laos(SILA, two_equal, {"A": 2, "B": 1}) == ["B", "A"]


def test_ranking_without_a_requester_lao_is_by_load() -> None:
    assert rank_mentor_laos(None, CANDIDATES, {"PROVINCE": 1, "REGION_SAO": 1, "FAR_SAME_TYPE": 2})[0] == \
        "REGION_SUBDISTRICT"


def _ticket(**fields: Any) -> Ticket:
    values = {"id": 7, "kind": TicketKind.QUESTION, "requester_role": Role.OFFICER, "question": "q",
              "assignee_lao_code": "L1", "assignee_user_id": None, "nlu_candidates": [],
              "reason": "not_helpful"}
    return Ticket(**{**values, **fields})


def test_who_may_claim_and_act() -> None:
    staff_question = _ticket()
    assert routes_to_mentors(staff_question.kind, staff_question.requester_role)
    assert may_claim("mentor", "L1", staff_question)
    assert not may_claim("mentor", "L2", staff_question)  # another mentor LAO
    assert not may_claim("officer", "L1", staff_question)  # officers of a mentor LAO are not mentors
    assert not may_claim("citizen", "L1", staff_question)
    assert may_claim("admin", None, staff_question)
    citizen_question = _ticket(requester_role=Role.CITIZEN)
    assert may_claim("officer", "L1", citizen_question) and may_claim("mentor", "L1", citizen_question)
    held = _ticket(assignee_user_id=5)
    assert may_act("mentor", 5, held) and may_act("admin", 1, held)
    assert not may_act("mentor", 6, held)


def test_claim_card_fits_line_and_carries_the_buttons() -> None:
    kb = load_knowledge(None)
    candidates = [{"intent": "x", "topic": "officer_saraban", "confidence": 0.4}]
    long_ticket = _ticket(question="ถาม " * 400, excerpt="ข้อความ " * 400, nlu_candidates=candidates)
    card = ticket_card(kb, long_ticket)
    [fitted] = enforce_limits([card])
    assert isinstance(fitted, FlexOut) and "#7" in fitted.alt_text
    footer = fitted.contents["footer"]["contents"]
    assert [b["action"]["data"] for b in footer] == ["action=claim&ticket=7", "action=forward&ticket=7"]


@pytest.fixture
async def directory(db_sessions: async_sessionmaker[AsyncSession]) -> async_sessionmaker[AsyncSession]:
    rows = [("P-400114", "ศิลา", "municipality_town", "ขอนแก่น", "เมืองขอนแก่น", None, "northeast", True),
            ("P-420301", "เชียงคาน", "municipality_subdistrict", "เลย", "เชียงคาน", None, "northeast", True),
            ("P-5201", "ลำปาง", "municipality_city", "ลำปาง", "เมืองลำปาง", None, "north", True),
            ("P-720212", "ป่าสะแก", "sao", "สุพรรณบุรี", None, None, "central", True)]
    async with db_sessions.begin() as session:
        await repo.sync_laos(session, rows)
        await repo.set_user_role(session, "Umentor-chiangkhan", Role.MENTOR, lao_code="P-420301")
        await repo.set_user_role(session, "Umentor-lampang", Role.MENTOR, lao_code="P-5201")
    return db_sessions


async def test_choice_skips_laos_that_are_away_unstaffed_or_excluded(directory: async_sessionmaker) -> None:
    async with directory.begin() as session:
        assert await choose_mentor_lao(session, "P-400114", {"P-400114"}) == "P-420301"
        assert await choose_mentor_lao(session, "P-400114", {"P-400114", "P-420301"}) == "P-5201"
        await repo.set_lao_away(session, "P-420301", True)
        assert await choose_mentor_lao(session, "P-400114", {"P-400114"}) == "P-5201"
        assert await choose_mentor_lao(session, "P-400114", {"P-5201"}) is None  # Pa Sakae has no mentors
