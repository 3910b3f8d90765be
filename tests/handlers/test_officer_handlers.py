"""Officer onboarding and helpdesk in process: invite codes typed in chat (wrong, used, expired, limited,
in a group), the role's rich menu linked on the fake LINE API, helpdesk answers with feedback, staff welcomes,
calls by name in groups, and staff asking citizen questions. Replies go to the in-memory gateway; the
rich-menu calls go over HTTP to the fake LINE API, which checks them against LINE's spec."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from datetime import datetime, timedelta
from typing import Any

import pytest

from bot import repo
from bot.db import ensure_schema
from bot.line_api import LineGateway
from bot.models import Role
from bot.queue import QueuedEvent
from bot.richmenu import build_menus, sync_rich_menus
from knowledge.loader import load_knowledge
from nlu.types import NluResult
from tests.databases import fresh_database
from tests.factories import follow_event, group_text_event
from tests.fakeline import FakeLine
from tests.handlers.escalation_harness import Bot, ScriptedNlu, choices, running_bot, texts
from tests.handlers.test_escalation import _backends, _wipe

KOH_TAEO, LAMPANG = "05900104", "P-5201"  # both mentor LAOs
NOW = datetime.fromisoformat("2027-03-01T09:00:00+07:00")
HOWTO_UNVERIFIED, HOWTO_VERIFIED = "ลืมรหัสผ่านเข้าระบบ", "ลงทะเบียน digital id ยังไง"
LAND_TAX = "จ่ายภาษีที่ดินที่ไหนคะ"
TABLE = {
    HOWTO_UNVERIFIED: "officer.login.forgot_password",
    HOWTO_VERIFIED: "officer.login.digital_id_register",
    LAND_TAX: "land_tax.pay_channels",
    "ไม่ได้ผลค่ะ": "conversation.feedback_not_helpful",
    "ได้ผลค่ะ": "conversation.feedback_helpful",
    "เรื่องของฉัน": "conversation.my_cases",
}


@pytest.fixture(scope="module")
def kb() -> Any:
    return load_knowledge(None)


@pytest.fixture(scope="module", params=_backends())
def database_url(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    with fresh_database(request.param, tmp_path_factory.mktemp("officer")) as url:
        ensure_schema(url)
        yield url


@pytest.fixture(scope="module")
def line(kb: Any) -> Iterator[FakeLine]:
    with FakeLine() as server:
        yield server


@pytest.fixture(scope="module")
def menus(kb: Any) -> list[Any]:
    return build_menus(kb.responses)


@pytest.fixture
async def bot(kb: Any, database_url: str, line: FakeLine, menus: list[Any]) -> AsyncIterator[Bot]:
    line.reset()
    async with LineGateway(line.access_token, line.base_url, line.base_url, max_retries=0) as gateway:
        await sync_rich_menus(gateway, menus)
    settings = {
        "LINE_CHANNEL_SECRET": "secret",
        "LINE_CHANNEL_ACCESS_TOKEN": line.access_token,
        "LINE_API_BASE_URL": line.base_url,
    }
    async with running_bot(kb, database_url, TABLE, **settings) as running:
        await running.at(NOW)
        yield running
    await _wipe(database_url)


def say(kb: Any, key: str, **params: Any) -> str:
    return kb.responses.say(key, **params)


async def invite(bot: Bot, role: Role = Role.OFFICER, lao: str | None = KOH_TAEO, at: datetime = NOW) -> str:
    async with bot.ctx.storage.transaction() as session:
        return await repo.create_invite(session, role, lao_code=lao, now=at)


async def role_of(bot: Bot, name: str) -> tuple[str, str | None]:
    async with bot.ctx.storage.transaction() as session:
        user = await repo.get_user(session, bot.uid(name))
    assert user is not None
    return user.role.value, user.lao_code


GROUP = "C" + "7" * 32


async def send_group(bot: Bot, name: str, text: str, *, mention: bool = False) -> list[Any]:
    """What the bot answered in the group (replies go to the group, not to the person)."""
    event = group_text_event(text, GROUP, bot.uid(name), mention_self=mention)
    queued = QueuedEvent("1-0", event["webhookEventId"], GROUP, 1, event)
    before = len(bot.gateway.sent)
    await bot.dispatcher.handle(queued)
    return [m for batch in bot.gateway.sent[before:] if batch.to == GROUP for m in batch.messages]


def menu_alias(line: FakeLine, role: str) -> str:
    return line.rich_menu_aliases()[f"thongthin-{role}"]


# ---- invite codes ------------------------------------------------------------------------------------------


async def test_an_invite_code_makes_an_officer_with_the_officer_menu(
    bot: Bot, kb: Any, line: FakeLine
) -> None:
    code = await invite(bot)
    await bot.user("somchai", "citizen")
    reply = await bot.send("somchai", f"รหัสเชิญค่ะ {code.lower()}")
    assert say(kb, "officer.invite_ok", lao_name="เทศบาลตำบลเกาะแต้ว") in texts(reply)
    assert say(kb, "menu.helpdesk_label") in choices(reply)  # the officer's own quick menu at once
    assert await role_of(bot, "somchai") == ("officer", KOH_TAEO)
    assert line.linked_rich_menu(bot.uid("somchai")) == menu_alias(line, "officer")
    assert [c.status for c in line.calls() if "/richmenu" in c.path and c.method == "POST"][-1] == 200


async def test_a_failed_menu_link_does_not_stop_the_registration(bot: Bot, kb: Any, line: FakeLine) -> None:
    code, user = await invite(bot), bot.uid("somchai")
    line.fail_next(2, 500, path=f"/v2/bot/user/{user}/richmenu/{menu_alias(line, 'officer')}")
    reply = await bot.send("somchai", code)
    assert say(kb, "officer.invite_ok", lao_name="เทศบาลตำบลเกาะแต้ว") in texts(reply)
    assert await role_of(bot, "somchai") == ("officer", KOH_TAEO) and line.linked_rich_menu(user) is None


async def test_a_code_works_once(bot: Bot, kb: Any, line: FakeLine) -> None:
    code = await invite(bot)
    await bot.send("first", code)
    again = await bot.send("first", code)
    assert say(kb, "officer.invite_already", lao_name="เทศบาลตำบลเกาะแต้ว") in texts(again)
    other = await bot.send("second", code)
    assert texts(other) == say(kb, "officer.invite_used")
    assert (
        await role_of(bot, "second") == ("citizen", None) and line.linked_rich_menu(bot.uid("second")) is None
    )


async def test_wrong_and_expired_codes_get_a_clear_answer(bot: Bot, kb: Any) -> None:
    assert texts(await bot.send("somchai", "ABCDE-FGHJK")) == say(kb, "officer.invite_bad")
    old = await invite(bot, at=NOW - timedelta(days=8))
    assert texts(await bot.send("somchai", old)) == say(kb, "officer.invite_expired")
    assert await role_of(bot, "somchai") == ("citizen", None)


async def test_repeated_wrong_codes_are_limited_for_a_while(bot: Bot, kb: Any) -> None:
    code = await invite(bot)
    for n in range(5):
        assert texts(await bot.send("guesser", f"ABCD{n + 2}-FGHJK")) == say(kb, "officer.invite_bad")
    assert texts(await bot.send("guesser", code)) == say(kb, "officer.invite_rate_limited")
    await bot.at(NOW + timedelta(minutes=16))
    assert say(kb, "officer.invite_ok", lao_name="เทศบาลตำบลเกาะแต้ว") in texts(
        await bot.send("guesser", code)
    )


async def test_mentor_and_admin_codes_link_the_mentor_menu(bot: Bot, kb: Any, line: FakeLine) -> None:
    mentor_code, admin_code = await invite(bot, Role.MENTOR, LAMPANG), await invite(bot, Role.ADMIN, None)
    reply = await bot.send("mentor", mentor_code)
    assert say(kb, "officer.invite_ok_mentor", lao_name="เทศบาลนครลำปาง") in texts(reply)
    assert say(kb, "officer.invite_ok_admin") in texts(await bot.send("admin", admin_code))
    assert await role_of(bot, "mentor") == ("mentor", LAMPANG) and (await role_of(bot, "admin"))[0] == "admin"
    mentor_menu = menu_alias(line, "mentor")
    assert line.linked_rich_menu(bot.uid("mentor")) == line.linked_rich_menu(bot.uid("admin")) == mentor_menu


async def test_a_code_shown_in_a_group_is_refused_and_revoked(bot: Bot, kb: Any) -> None:
    code = await invite(bot)
    reply = await send_group(bot, "somchai", code)  # not even addressed: the warning matters more
    assert texts(reply) == say(kb, "officer.invite_in_group")
    assert texts(await bot.send("somchai", code)) == say(kb, "officer.invite_expired")
    assert await role_of(bot, "somchai") == ("citizen", None)


async def test_codes_are_not_in_the_audit_log(bot: Bot) -> None:
    code = await invite(bot)
    await bot.send("somchai", code)
    await bot.send("other", code)
    async with bot.ctx.storage.transaction() as session:
        entries = await repo.list_audit(session)
    assert entries and all(code.replace("-", "") not in str(e.detail).replace("-", "") for e in entries)


# ---- helpdesk ----------------------------------------------------------------------------------------------


async def test_an_unverified_answer_says_so_and_offers_a_mentor_at_once(bot: Bot, kb: Any) -> None:
    await bot.user("officer", "officer", KOH_TAEO)
    reply = await bot.send("officer", HOWTO_UNVERIFIED)
    article = kb.articles["login_forgot_password"]
    assert not article.verified and article.title in texts(reply)
    assert say(kb, "unverified.note_officer") in texts(reply)
    assert choices(reply) == {
        "ถามพี่เลี้ยง": "action=handoff&reason=unverified",
        "ได้ผล": "action=helpful&intent=officer.login.forgot_password",
        "ไม่ได้ผล": "action=not_helpful&intent=officer.login.forgot_password",
    }


async def test_not_helpful_offers_a_mentor_and_is_recorded(bot: Bot, kb: Any) -> None:
    await bot.user("officer", "officer", KOH_TAEO)
    answer = await bot.send("officer", HOWTO_VERIFIED)
    assert say(kb, "helpdesk.feedback_ask") in texts(answer)
    assert say(kb, "unverified.note_officer") not in texts(answer)
    offer = await bot.postback("officer", choices(answer)["ไม่ได้ผล"])
    assert texts(offer) == say(kb, "helpdesk.not_helpful_offer")
    assert choices(offer) == {"ถามพี่เลี้ยง": "action=handoff&reason=not_helpful"}
    confirm = await bot.postback("officer", choices(offer)["ถามพี่เลี้ยง"])  # the escalation flow takes over
    assert HOWTO_VERIFIED in texts(confirm) and "ส่งเรื่องเลย" in choices(confirm)
    async with bot.ctx.storage.transaction() as session:
        [entry] = await repo.list_audit(session, action="helpdesk.feedback")
    assert entry.detail == {"helpful": False, "intent": "officer.login.digital_id_register"}


async def test_feedback_can_be_typed_too(bot: Bot, kb: Any) -> None:
    await bot.user("officer", "officer", KOH_TAEO)
    await bot.send("officer", HOWTO_VERIFIED)
    assert texts(await bot.send("officer", "ได้ผลค่ะ")) == say(kb, "helpdesk.helpful_reply")
    await bot.send("officer", HOWTO_UNVERIFIED)
    assert texts(await bot.send("officer", "ไม่ได้ผลค่ะ")) == say(kb, "helpdesk.not_helpful_offer")


async def test_an_officer_gets_the_same_answer_as_a_citizen(bot: Bot) -> None:
    await bot.user("officer", "officer", KOH_TAEO)
    await bot.user("citizen", "citizen", KOH_TAEO)
    officer, citizen = await bot.send("officer", LAND_TAX), await bot.send("citizen", LAND_TAX)
    assert texts(officer) == texts(citizen) and "ภาษีที่ดิน" in texts(officer)


async def test_staff_are_understood_across_audiences(bot: Bot) -> None:
    """With the real NLU an officer's text is first matched against officer intents; citizen services compete
    only when that finds nothing sure."""
    bot.dispatcher.ctx.nlu = AudienceNlu(bot.ctx.kb, TABLE)
    await bot.user("officer", "officer", KOH_TAEO)
    await bot.user("citizen", "citizen", KOH_TAEO)
    assert texts(await bot.send("officer", LAND_TAX)) == texts(await bot.send("citizen", LAND_TAX))
    assert "ภาษีที่ดิน" in texts(await bot.send("officer", LAND_TAX))


async def test_a_mentor_gets_helpdesk_answers_too(bot: Bot, kb: Any) -> None:
    bot.dispatcher.ctx.nlu = AudienceNlu(bot.ctx.kb, TABLE)  # a mentor is staff: officer articles first
    await bot.user("mentor", "mentor", LAMPANG)
    reply = await bot.send("mentor", HOWTO_VERIFIED)
    assert say(kb, "helpdesk.feedback_ask") in texts(reply) and "ไม่ได้ผล" in choices(reply)


async def test_an_article_picked_among_candidates_gets_feedback_buttons(bot: Bot, kb: Any) -> None:
    await bot.user("officer", "officer", KOH_TAEO)
    reply = await bot.postback("officer", "action=pick&intent=officer.login.digital_id_register")
    assert kb.articles["login_digital_id_register"].title in texts(reply)
    assert choices(reply)["ได้ผล"] == "action=helpful&intent=officer.login.digital_id_register"


class AudienceNlu(ScriptedNlu):
    """Like the real engine: an intent for another audience is out of reach ("staff" reach every intent,
    their own first: with one scripted intent per text that is simply every intent)."""

    def classify(self, text: str, audience: str | None = None) -> NluResult:
        result = super().classify(text, audience)
        intent = self.kb.intents.get(result.intent or "")
        if intent is None or audience in (None, "any", "staff") or intent.audience in (audience, "any"):
            return result
        return NluResult(
            text=text,
            normalized=text,
            tokens=(),
            intent=None,
            topic=None,
            confidence=0.2,
            decision="fallback",
        )


# ---- rich-menu tiles ------------------------------------------------------------------------------------

async def test_a_broad_tile_offers_questions_the_bot_understands(bot: Bot, kb: Any) -> None:
    await bot.user("somchai", "citizen", KOH_TAEO)
    reply = await bot.postback("somchai", "action=menu&item=report")
    assert texts(reply) == say(kb, "richmenu.report.prompt")
    assert list(choices(reply)) == kb.responses.variants("richmenu.report.choices")
    assert all(choices(reply)[label] == label for label in choices(reply))  # each sends its own words


async def test_the_contact_tile_answers_with_the_laos_contacts(bot: Bot, kb: Any) -> None:
    await bot.user("somchai", "citizen", KOH_TAEO)
    reply = await bot.postback("somchai", "action=menu&item=contact")
    assert "เกาะแต้ว" in texts(reply)


async def test_staff_tiles_answer_their_article_with_feedback(bot: Bot, kb: Any) -> None:
    await bot.user("officer", "officer", KOH_TAEO)
    reply = await bot.postback("officer", "action=menu&item=password")
    assert kb.articles["login_forgot_password"].title in texts(reply)
    assert set(choices(reply)) == {"ถามพี่เลี้ยง", "ได้ผล", "ไม่ได้ผล"}


async def test_the_help_tile_speaks_to_each_role(bot: Bot, kb: Any) -> None:
    await bot.user("mentor", "mentor", LAMPANG)
    assert texts(await bot.postback("mentor", "action=menu&item=help")) == say(kb, "bot_help.mentor")
    assert texts(await bot.postback("somchai", "action=menu&item=help")) == say(kb, "bot_help.citizen")


async def test_an_unknown_tile_shows_the_menu(bot: Bot, kb: Any) -> None:
    reply = await bot.postback("somchai", "action=menu&item=gone")
    assert texts(reply) == say(kb, "bot_help.menu") and choices(reply)


# ---- welcomes and groups -----------------------------------------------------------------------------------


@pytest.mark.parametrize("role", ["officer", "mentor", "admin"])
async def test_staff_are_welcomed_for_their_role(bot: Bot, kb: Any, line: FakeLine, role: str) -> None:
    await bot.user("staff", role, LAMPANG if role != "admin" else None)
    reply = await bot._handle(follow_event(bot.uid("staff")))
    assert texts(reply) == say(kb, f"greeting.{role}") and choices(reply)
    expected = menu_alias(line, "officer" if role == "officer" else "mentor")
    assert line.linked_rich_menu(bot.uid("staff")) == expected


async def test_a_group_call_by_name_is_answered_like_a_mention(bot: Bot, kb: Any) -> None:
    await bot.user("somchai", "citizen", KOH_TAEO)
    assert await send_group(bot, "somchai", LAND_TAX) == []  # not addressed: silent
    one_to_one = await bot.send("somchai", LAND_TAX)
    assert texts(await send_group(bot, "somchai", f"/น้องท้องถิ่น {LAND_TAX}")) == texts(one_to_one)
    assert texts(await send_group(bot, "somchai", f"@บอท {LAND_TAX}", mention=True)) == texts(one_to_one)
    assert texts(await send_group(bot, "somchai", "/น้องท้องถิ่น")) == say(kb, "group.called")


async def test_personal_things_stay_out_of_groups(bot: Bot, kb: Any) -> None:
    await bot.user("somchai", "citizen", KOH_TAEO)
    assert texts(await send_group(bot, "somchai", "/น้องท้องถิ่น เรื่องของฉัน")) == say(kb, "group.private_only")
    assert texts(await send_group(bot, "somchai", "@บอท #3 ตอบแล้วค่ะ", mention=True)) == say(
        kb, "group.private_only"
    )
