"""Follow-ups in context: which typed messages count, what each focus answers, the step walk, expiry."""
from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest

from bot.state import ConversationState
from handlers import followups
from tests.handlers.citizen.helpers import NOW, event, texts, understood


def in_context(service: str = "land_tax_pay", lao: str | None = "05900104", at: Any = NOW) -> ConversationState:
    return ConversationState(step=followups.SHOWN, data={"service": service, "lao": lao, "at": at.isoformat()})


def typed(make_turn: Any, text: str, intent: str | None = None, **kw: Any) -> Any:
    decision = "answer" if intent else "fallback"
    return make_turn(event(text=text), nlu=understood(text, intent, decision), **kw)


def test_a_short_question_in_context_is_a_follow_up(make_turn: Any):
    turn = typed(make_turn, "กี่บาท", state=in_context())
    assert followups.FollowupQuestion().check(turn) == {"service": "land_tax_pay", "foci": ["fee"]}


def test_next_step_is_recognised(make_turn: Any):
    turn = typed(make_turn, "ขั้นต่อไป", state=in_context())
    assert followups.FollowupQuestion().check(turn) == {"service": "land_tax_pay", "next": True}


def test_a_question_about_another_service_is_not_a_follow_up(make_turn: Any):
    turn = typed(make_turn, "ค่าธรรมเนียมป้าย", "signboard_tax.rate", state=in_context())
    assert followups.FollowupQuestion().check(turn) is False


def test_without_context_nothing_is_a_follow_up(make_turn: Any):
    assert followups.FollowupQuestion().check(typed(make_turn, "กี่บาท")) is False


def test_context_lapses_after_the_state_ttl_by_the_turn_clock(make_turn: Any):
    turn = typed(make_turn, "กี่บาท", state=in_context(at=NOW - timedelta(hours=1)))
    assert followups.context_service(turn) is None
    assert turn.state.step is None  # dropped, so nothing else reads it either


def test_context_keeps_the_lao_it_was_answered_for(make_turn: Any):
    turn = typed(make_turn, "กี่บาท", state=in_context(lao="P-200104"), lao="05900104")
    assert followups.context_lao(turn) == "P-200104"


@pytest.mark.parametrize(("focus", "expected"), [
    ("documents", "หนังสือแจ้งการประเมินภาษี"),
    ("fee", "ข้อมูล ณ"),
    ("duration", "กำหนดการที่ควรรู้"),
    ("online", "ขึ้นอยู่กับ อปท."),
    ("where", "kotaeo.go.th"),
])
def test_each_focus_answers_from_the_record(make_turn: Any, kb: Any, focus: str, expected: str):
    turn = make_turn(lao="05900104", state=in_context())
    service = kb.effective_service("land_tax_pay", "05900104")
    assert expected in followups.focus_text(turn, service, focus)


def test_every_focus_of_every_service_has_an_answer(make_turn: Any, kb: Any):
    turn = make_turn()
    for service in kb.services.values():
        for focus in ("documents", "fee", "duration", "online", "where"):
            assert followups.focus_text(turn, service, focus).strip()


def test_the_walk_offers_the_next_step_until_the_last(make_turn: Any, kb: Any):
    service = kb.services["land_tax_pay"]
    first = make_turn()
    followups.walk(first, service, 1)
    assert "ขั้นตอนที่ 1 จาก 3" in texts(first) and "ขั้นต่อไป" in texts(first)
    assert first.state.data["walk"] == 1
    last = make_turn()
    followups.walk(last, service, 99)  # clamped to the last step
    assert "ขั้นตอนที่ 3 จาก 3" in texts(last) and "ขั้นตอนสุดท้าย" in texts(last)
