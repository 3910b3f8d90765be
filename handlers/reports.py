"""Citizens reporting problems (potholes, streetlights, garbage, floods, ...), handled as an e-service:
where → a photo → a sentence of detail (one short question at a time, each skippable) → a summary to confirm →
a report case for the LAO's officers. LAOs that take reports through Traffy Fondue are pointed there instead.

States: "report:location", "report:photo", "report:detail", "report:confirm"; data {category, words, lao,
location, photo, detail}. Texts are redacted before they are kept.
"""
from __future__ import annotations

from typing import Any

from bot.filters import InState, MessageType, Postback
from bot.messages import QuickReply
from bot.routing import Filter, FilterResult, Router
from bot.turn import Turn
from handlers import cases, lao, menus
from handlers.common import PENDING_PHOTO
from knowledge.followups import load_followups
from nlu.pii import redact

LOCATION, PHOTO, DETAIL, CONFIRM = lao.REPORT_STEPS
FOLLOWUP_CATEGORY = "complaint_followup"  # "ตามเรื่อง": list the cases instead of opening one

router = Router("reports")


async def start(turn: Turn, category: str, words: str, photo: str | None = None) -> None:
    """Begin a report of `category` with the user's own (redacted) words (and a photo sent just before)."""
    if category == FOLLOWUP_CATEGORY:
        await cases.list_my_cases(turn)
        return
    photo = photo or turn.state.data.get(PENDING_PHOTO)
    if not turn.user.lao_code:
        lao.ask(turn, {"report": category, "words": words, "photo": photo}, question="report_case.ask_lao")
        return
    place = lao.place_of_code(turn.ctx.kb, turn.user.lao_code)
    directory = turn.ctx.kb.lao_by_code(turn.user.lao_code)
    if directory is not None and directory.reports_via == "traffy":
        turn.state.reset()
        turn.reply.text(turn.say("report_case.traffy_line", lao_name=directory.name))
        turn.reply.quick_replies(menus.main_menu(turn))
        return
    turn.state.step = LOCATION
    turn.state.data = {"category": category, "words": words, "lao": turn.user.lao_code, "photo": photo}
    received = turn.say("report_case.received", category=category_label(turn, category),
                        lao_name=place.name if place else turn.user.lao_code)
    _ask(turn, "report.ask_location", received)


def category_label(turn: Turn, category: str) -> str:
    key = f"topic.{category}"
    return turn.say(key) if key in turn.ctx.kb.responses else category


def _ask(turn: Turn, key: str, before: str | None = None) -> None:
    """One short question with [ข้าม] and [ยกเลิก] (postbacks: the NLU never sees them)."""
    text = turn.say(key)
    turn.reply.text(f"{before}\n{text}" if before else text)
    skip, cancel = turn.say("report.skip_label"), turn.say("report.cancel_label")
    turn.reply.quick_replies([QuickReply(label=skip, data="action=report_skip", display_text=skip),
                              QuickReply(label=cancel, data="action=report_cancel", display_text=cancel)])


def _next(turn: Turn, before: str | None = None) -> None:
    """Move to the step after the current one."""
    order = {LOCATION: PHOTO, PHOTO: DETAIL, DETAIL: CONFIRM}
    turn.state.step = order.get(turn.state.step or "", CONFIRM)
    if turn.state.step == PHOTO and turn.state.data.get("photo"):  # sent before the report began
        turn.state.step = DETAIL
    if turn.state.step == PHOTO:
        _ask(turn, "report.ask_photo", before)
    elif turn.state.step == DETAIL:
        _ask(turn, "report.ask_detail", before)
    else:
        _confirm(turn, before)


def _confirm(turn: Turn, before: str | None = None) -> None:
    data, not_given = turn.state.data, turn.say("report.not_given")
    summary = turn.say("report.confirm", category=category_label(turn, data["category"]),
                       location=location_text(turn, data.get("location")) or not_given,
                       photo=turn.say("report.photo_attached" if data.get("photo") else "report.photo_none"),
                       detail=data.get("detail") or not_given)
    turn.reply.text(f"{before}\n{summary}" if before else summary)
    ok, cancel = turn.say("report.confirm_label"), turn.say("report.cancel_label")
    turn.reply.quick_replies([QuickReply(label=ok, data="action=report_confirm", display_text=ok),
                              QuickReply(label=cancel, data="action=report_cancel", display_text=cancel)])


def location_text(turn: Turn, location: dict[str, Any] | None) -> str:
    if not location:
        return ""
    return str(location.get("text") or location.get("address") or turn.say("report_case.location_shared"))


def _is_skip(turn: Turn) -> bool:
    return load_followups(turn.ctx.kb.root).is_skip(turn.text)


class AnotherQuestion(Filter):
    """A confident answer to a different kind of question (a service, an article, a redirect): the citizen
    has moved on, so the report is dropped rather than the question taken for a place or a detail."""

    def check(self, turn: Turn) -> FilterResult:
        nlu, kb = turn.nlu, turn.ctx.kb
        if nlu is None or nlu.decision != "answer" or nlu.intent not in kb.intents:
            return False
        return kb.intents[nlu.intent].answer.kind in ("service", "article", "redirect")


@router.on(MessageType("text"), InState(LOCATION, PHOTO, DETAIL, CONFIRM), AnotherQuestion())
async def moved_on(turn: Turn) -> None:
    from handlers import citizen  # citizen starts reports through this module

    turn.state.reset()
    await citizen.respond(turn, turn.ctx.kb.intents[turn.nlu.intent])


@router.on(Postback("report_skip"), InState(LOCATION, PHOTO, DETAIL))
async def skipped(turn: Turn) -> None:
    _next(turn)


@router.on(Postback("report_cancel"))
async def cancelled(turn: Turn) -> None:
    turn.state.reset()
    turn.reply.text(turn.say("report.cancelled")).quick_replies(menus.main_menu(turn))


@router.on(MessageType("location"), InState(LOCATION, PHOTO, DETAIL))
async def shared_location(turn: Turn) -> None:
    where = turn.event.location
    assert where is not None  # a location message always has one
    turn.state.data["location"] = {"lat": where.latitude, "lon": where.longitude,
                                   "address": redact(where.address) if where.address else None}
    if turn.state.step == LOCATION:
        _next(turn)
    else:
        _confirm_or_stay(turn)


@router.on(MessageType("text"), InState(LOCATION))
async def typed_location(turn: Turn) -> None:
    if not _is_skip(turn):
        turn.state.data["location"] = {"text": redact(turn.text)}
    _next(turn)


@router.on(MessageType("image"), InState(LOCATION, PHOTO, DETAIL))
async def photo(turn: Turn) -> None:
    turn.state.data["photo"] = turn.event.message_id
    thanks = turn.say("report_case.photo_thanks")
    if turn.state.step == DETAIL:
        _ask(turn, "report.ask_detail", thanks)
        return
    turn.state.step = PHOTO
    _next(turn, thanks)


@router.on(MessageType("text"), InState(PHOTO, DETAIL))
async def typed_detail(turn: Turn) -> None:
    """At the photo step a sentence is taken as the detail (the photo was skipped by writing instead)."""
    if not _is_skip(turn):
        turn.state.data["detail"] = redact(turn.text)
        turn.state.step = DETAIL
    _next(turn)


def _confirm_or_stay(turn: Turn) -> None:
    if turn.state.step == DETAIL:
        _ask(turn, "report.ask_detail")
    else:
        _next(turn)


@router.on(Postback("report_confirm"), InState(CONFIRM))
async def confirmed(turn: Turn) -> None:
    data = dict(turn.state.data)
    turn.state.reset()
    await cases.open_report(turn, data)


@router.on(MessageType("text", "image", "location"), InState(CONFIRM))
async def waiting_for_confirmation(turn: Turn) -> None:
    _confirm(turn)
