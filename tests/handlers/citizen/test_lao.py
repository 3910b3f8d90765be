"""Which LAO: remembering a directory LAO or a place, candidates to pick from, a shared location."""
from __future__ import annotations

from typing import Any

from bot import repo
from bot.events import Location
from bot.models import Lao
from bot.state import ConversationState
from handlers import lao
from tests.handlers.citizen.helpers import USER, event, texts, understood


async def test_a_place_outside_the_directory_is_remembered_as_a_place(make_turn: Any, storage: Any):
    turn = make_turn(event(text="ตำบลจอหอ"), nlu=understood("ตำบลจอหอ"), storage=storage,
                     state=ConversationState(step=lao.ASKING))
    await lao.typed(turn)
    assert "บันทึกพื้นที่ ต.จอหอ" in texts(turn) and turn.state.step is None
    async with storage.transaction() as session:
        assert (await repo.get_user(session, USER)).lao_code == "P-300116"
        assert (await session.get(Lao, "P-300116")).type == "place"


async def test_an_ambiguous_name_offers_numbered_choices_then_resumes(make_turn: Any, storage: Any):
    resume = {"intent": "contact_office.phone_division"}
    turn = make_turn(event(text="บ้านกลาง"), nlu=understood("บ้านกลาง"), storage=storage,
                     state=ConversationState(step=lao.ASKING, data={"resume": resume}))
    await lao.typed(turn)
    assert turn.state.step == lao.CHOOSING and turn.state.data["resume"] == resume
    choices = turn.reply.build()[-1].quick_replies
    assert choices[0].data == "action=set_lao&code=P-510112" and choices[-1].data == "action=lao_ask"
    picked = make_turn(event("postback", None, postback="action=set_lao&code=P-510112"), storage=storage,
                       state=turn.state)
    picked.match = {"code": "P-510112"}
    await lao.picked(picked)
    assert "บันทึกแล้ว" in texts(picked) and "banklanglp.go.th" in texts(picked)  # the resumed contact answer


async def test_another_question_while_asked_is_answered_instead(make_turn: Any, storage: Any):
    turn = make_turn(event(text="สวัสดีค่ะ"), nlu=understood("สวัสดีค่ะ", "conversation.greeting"), storage=storage,
                     state=ConversationState(step=lao.ASKING))
    await lao.typed(turn)
    assert turn.state.step is None and "น้องท้องถิ่น" in texts(turn)


async def test_a_location_outside_any_flow_is_confirmed_before_it_is_kept(make_turn: Any):
    where = Location(7.14, 100.57, None, "ตำบลเกาะแต้ว อำเภอเมืองสงขลา สงขลา 90000")
    turn = make_turn(event(message_type="location", location=where))
    await lao.located(turn)
    assert "เทศบาลตำบลเกาะแต้ว ใช่ไหมคะ" in texts(turn)
    assert turn.reply.build()[-1].quick_replies[0].data == "action=set_lao&code=05900104"


async def test_coordinates_outside_thailand_ask_for_the_name(make_turn: Any):
    turn = make_turn(event(message_type="location", location=Location(17.97, 102.60)))  # Vientiane
    await lao.located(turn)
    assert turn.state.step == lao.ASKING and "ชื่อตำบล" in texts(turn)


def test_place_of_code(kb: Any):
    assert lao.place_of_code(kb, "05900104").in_directory
    assert lao.place_of_code(kb, "P-300116").name == "ต.จอหอ อ.เมืองนครราชสีมา จ.นครราชสีมา"
    assert lao.place_of_code(kb, "P-999999") is None and lao.place_of_code(kb, "junk") is None


async def test_a_typed_number_picks_a_listed_choice(make_turn: Any, storage: Any):
    state = ConversationState(step=lao.CHOOSING, data={"choices": ["P-510112", "P-501207"]})
    turn = make_turn(event(text="2"), nlu=understood("2"), storage=storage, state=state)
    await lao.typed(turn)
    assert "บันทึกพื้นที่ ต.บ้านกลาง อ.สันป่าตอง" in texts(turn) and turn.state.step is None
