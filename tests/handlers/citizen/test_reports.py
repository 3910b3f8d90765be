"""The report flow's small decisions: which LAO, Traffy Fondue, skipping, the summary, a photo sent first."""
from __future__ import annotations

from dataclasses import replace
from typing import Any

from bot.state import ConversationState
from handlers import reports
from handlers.common import PENDING_PHOTO
from tests.handlers.citizen.helpers import event, texts, understood


async def test_without_a_lao_the_report_asks_where_first_and_resumes_later(make_turn: Any):
    turn = make_turn()
    await reports.start(turn, "complaint_road_light", "ถนนเป็นหลุม")
    assert turn.state.step == "lao:ask"
    assert turn.state.data["resume"] == {"report": "complaint_road_light", "words": "ถนนเป็นหลุม", "photo": None}
    assert "อปท. ไหนคะ" in texts(turn)


async def test_a_report_starts_at_the_place_question_with_skip_and_cancel(make_turn: Any):
    turn = make_turn(lao="05900104")
    await reports.start(turn, "garbage", "ขยะไม่เก็บ")
    assert turn.state.step == reports.LOCATION
    assert "ขยะ" in texts(turn) and "เทศบาลตำบลเกาะแต้ว" in texts(turn)
    assert [q.data for q in turn.reply.build()[-1].quick_replies] == ["action=report_skip", "action=report_cancel"]


async def test_a_traffy_lao_is_pointed_to_traffy_fondue(make_turn: Any, kb: Any):
    lao = kb.laos["05900104"].model_copy(update={"reports_via": "traffy"})
    traffy_kb = replace(kb, laos={**kb.laos, lao.code: lao})
    turn = make_turn(lao=lao.code)
    turn.ctx.kb = traffy_kb
    await reports.start(turn, "complaint_road_light", "ไฟดับ")
    assert "Traffy Fondue" in texts(turn) and "@traffyfondue" in texts(turn)
    assert turn.state.step is None  # no case is opened here


async def test_followup_category_lists_cases_instead(make_turn: Any, storage: Any):
    turn = make_turn(storage=storage)
    await reports.start(turn, reports.FOLLOWUP_CATEGORY, "ตามเรื่อง")
    assert "ยังไม่มีเรื่องที่ส่งไว้" in texts(turn)


async def test_a_photo_sent_before_the_report_is_attached_and_not_asked_again(make_turn: Any):
    turn = make_turn(lao="05900104", state=ConversationState(data={PENDING_PHOTO: "m9"}))
    await reports.start(turn, "water", "ท่อแตก")
    assert turn.state.data["photo"] == "m9"
    later = make_turn(event(text="หน้าตลาด"), lao="05900104", nlu=understood("หน้าตลาด"),
                      state=ConversationState(step=reports.LOCATION, data=dict(turn.state.data)))
    await reports.typed_location(later)
    assert later.state.step == reports.DETAIL and "รายละเอียดเพิ่ม" in texts(later)


async def test_typed_skip_words_skip_and_the_summary_says_not_given(make_turn: Any):
    data = {"category": "garbage", "words": "", "lao": "05900104", "photo": None}
    turn = make_turn(event(text="ข้าม"), state=ConversationState(step=reports.DETAIL, data=data))
    await reports.typed_detail(turn)
    assert turn.state.step == reports.CONFIRM
    assert "สถานที่: ไม่ได้ระบุ" in texts(turn) and "รายละเอียด: ไม่ได้ระบุ" in texts(turn)


async def test_typed_details_are_redacted(make_turn: Any):
    data = {"category": "garbage", "words": "", "lao": "05900104", "photo": None}
    turn = make_turn(event(text="โทร 0812345678"), state=ConversationState(step=reports.DETAIL, data=data))
    await reports.typed_detail(turn)
    assert "0812345678" not in turn.state.data["detail"]


def test_location_text_prefers_words_then_address(make_turn: Any):
    turn = make_turn()
    assert reports.location_text(turn, {"text": "หน้าวัด"}) == "หน้าวัด"
    assert reports.location_text(turn, {"lat": 1, "lon": 2, "address": "ต.แสนสุข"}) == "ต.แสนสุข"
    assert reports.location_text(turn, {"lat": 1, "lon": 2, "address": None}) == "ตำแหน่งที่ส่งมา"
    assert reports.location_text(turn, None) == ""


async def test_a_clear_question_about_a_service_ends_the_report(make_turn: Any):
    data = {"category": "garbage", "words": "", "lao": "05900104", "photo": None}
    text = "จ่ายภาษีที่ดินได้ที่ไหนคะ"
    turn = make_turn(event(text=text), lao="05900104", nlu=understood(text, "land_tax.pay"),
                     state=ConversationState(step=reports.LOCATION, data=data))
    assert reports.AnotherQuestion().check(turn)
    await reports.moved_on(turn)
    assert turn.state.step == "service:shown" and "ภาษีที่ดิน" in texts(turn)
    place = make_turn(event(text="หน้าวัด"), nlu=understood("หน้าวัด", None, "fallback"),
                      state=ConversationState(step=reports.LOCATION, data=data))
    assert not reports.AnotherQuestion().check(place)
