"""Answering by intent: the card for a named LAO, contacts, clarification picks kept for review, fallback."""
from __future__ import annotations

from typing import Any

from bot import repo
from bot.repo.citizens import list_labelled_examples
from bot.state import ConversationState
from handlers import citizen, common, lao
from nlu.types import Candidate, Entity
from tests.handlers.citizen.helpers import USER, event, texts, understood

KOHTAEW = Entity("lao", "เทศบาลตำบลเกาะแต้ว", "05900104", 0, 10)


async def test_a_lao_named_in_the_question_is_used_and_remembered(make_turn: Any, kb: Any, storage: Any):
    text = "ภาษีที่ดิน ทต.เกาะแต้ว จ่ายที่ไหน"
    turn = make_turn(event(text=text), nlu=understood(text, "land_tax.pay", entities=(KOHTAEW,)), storage=storage)
    await citizen.respond(turn, kb.intents["land_tax.pay"])
    assert "ข้อมูลสำหรับ เทศบาลตำบลเกาะแต้ว" in texts(turn)
    assert turn.state.step == "service:shown" and turn.state.data["lao"] == "05900104"
    async with storage.transaction() as session:
        assert (await repo.get_user(session, USER)).lao_code == "05900104"


async def test_without_a_lao_the_card_offers_to_choose_one(make_turn: Any, kb: Any):
    turn = make_turn(nlu=understood("จ่ายภาษีที่ดินที่ไหน", "land_tax.pay"))
    await citizen.respond(turn, kb.intents["land_tax.pay"])
    assert "ข้อมูลทั่วไป" in texts(turn) and "เปลี่ยนท้องถิ่น" in texts(turn)


async def test_a_focused_intent_adds_the_focused_answer(make_turn: Any, kb: Any):
    turn = make_turn(lao="05900104", nlu=understood("จ่ายออนไลน์ได้ไหม", "land_tax.pay_channels"))
    await citizen.respond(turn, kb.intents["land_tax.pay_channels"])
    kinds = [type(m).__name__ for m in turn.reply.build()]
    assert kinds == ["FlexOut", "TextOut"] and "ขึ้นอยู่กับ อปท." in texts(turn)


async def test_contacts_need_the_lao_first_then_come_from_the_directory(make_turn: Any, kb: Any,
                                                                        storage: Any):
    intent = kb.intents["contact_office.phone_division"]
    ask = make_turn(nlu=understood("ขอเบอร์โทร", intent.id), storage=storage)
    await citizen.respond(ask, intent)
    assert ask.state.step == lao.ASKING and ask.state.data["resume"] == {"intent": intent.id}
    answer = make_turn(lao="P-400114", nlu=understood("ขอเบอร์โทร", intent.id), storage=storage)
    await citizen.respond(answer, intent)
    assert "0 4324 6505-6" in texts(answer)
    unknown = make_turn(lao="P-210801", nlu=understood("ขอเบอร์โทร", intent.id), storage=storage)
    await citizen.respond(unknown, intent)
    assert "ยังไม่มีข้อมูลติดต่อที่ยืนยันแล้ว" in texts(unknown)


async def test_clarify_offers_three_numbered_choices_and_the_pick_is_kept_redacted(make_turn: Any,
                                                                                  storage: Any):
    text = "ร้านอาหารขออนุญาตไหม โทร 0812345678"
    nlu = understood(text, None, "clarify")
    nlu = nlu.__class__(**{**{f: getattr(nlu, f) for f in nlu.__slots__}, "candidates": (
        Candidate("food_premises.apply", "food_permit", 0.5), Candidate("food_premises.apply", "food_permit", 0.4),
        Candidate("building_permit.apply", "building_permit", 0.3), Candidate("health_hazard.apply", "x", 0.2),
        Candidate("land_tax.pay", "land_building_tax", 0.1))})
    asked = make_turn(event(text=text), nlu=nlu, storage=storage)
    await citizen.clarify(asked)
    labels = [q.label for q in asked.reply.build()[-1].quick_replies]
    assert len(labels) == 4 and labels[0].startswith("1. ") and labels[-1] == "ไม่ใช่ทั้งหมด"
    picked = make_turn(event("postback", None, postback="action=pick&intent=building_permit.apply"),
                       state=asked.state, storage=storage)
    picked.match = {"intent": "building_permit.apply"}
    await citizen.picked_candidate(picked)
    assert "การขออนุญาตก่อสร้าง" in texts(picked)
    async with storage.transaction() as session:
        [example] = await list_labelled_examples(session)
    assert example.intent == "building_permit.apply" and "0812345678" not in example.text


async def test_two_misses_offer_a_person(make_turn: Any):
    state = ConversationState()
    first = make_turn(event(text="asdf"), nlu=understood("asdf"), state=state)
    await common.not_understood(first)
    assert "ยังไม่เข้าใจ" in texts(first)
    second = make_turn(event(text="qwer"), nlu=understood("qwer"), state=state)
    await common.not_understood(second)
    assert [q.data for q in second.reply.build()[-1].quick_replies] == ["action=handoff"]
    assert state.data[common.LAST_QUESTION] == "qwer"
