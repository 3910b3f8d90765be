"""Which LAO the citizen belongs to: asked once when an answer depends on it, remembered in LineUser.lao_code,
changed with "เปลี่ยนท้องถิ่น". Accepts a typed name, a shared LINE location, or a pick among candidates.

States: "lao:ask" (waiting for a name or a location) and "lao:choose" (candidates shown). Their data may hold
`resume`: what to do once the LAO is known ({"intent": id} or {"report": category, "words": text}).
"""
from __future__ import annotations

import asyncio
from typing import Any

import geothai

from bot.filters import InState, MessageType, Postback
from bot.messages import QuickReply
from bot.repo.citizens import ensure_place
from bot.repo.users import set_user_lao
from bot.routing import Filter, FilterResult, Router
from bot.turn import Turn
from handlers import menus, places, render
from handlers.places import Place
from knowledge.followups import load_followups

ASKING, CHOOSING = "lao:ask", "lao:choose"
REPORT_STEPS = ("report:location", "report:photo", "report:detail", "report:confirm")

router = Router("lao")


def ask(turn: Turn, resume: dict[str, Any] | None = None, question: str = "change_lao.ask",
        intro: str | None = None) -> None:
    """Ask for the user's LAO (once per question that needs it) and remember what to do afterwards."""
    turn.state.step = ASKING
    turn.state.data = {"resume": resume} if resume else {}
    turn.reply.text("\n".join(turn.say(key) for key in (intro, question) if key))
    if turn.user.lao_code:
        keep = turn.say("change_lao.keep_label")
        turn.reply.quick_replies([QuickReply(label=keep, data="action=lao_keep", display_text=keep)])


async def from_text(turn: Turn) -> None:
    """A typed name: set it when clear, offer the candidates when not, ask again when unknown."""
    found = places.find_places(turn.ctx.kb, turn.text, turn.nlu.entities if turn.nlu else ())
    if len(found) == 1:
        await choose(turn, found[0])
    elif found:
        offer(turn, found)
    else:
        turn.state.step = ASKING
        turn.reply.text(turn.say("change_lao.not_found"))


def offer(turn: Turn, found: list[Place]) -> None:
    """Several places share the name (two บ้านกลาง): list them and let the user pick."""
    resume = turn.state.data.get("resume")
    turn.state.step = CHOOSING
    turn.state.data = {"choices": [p.code for p in found], **({"resume": resume} if resume else {})}
    lines = [turn.say("lao.choice_line", n=n, name=p.name) for n, p in enumerate(found, start=1)]
    turn.reply.text("\n".join([turn.say("change_lao.ambiguous"), *lines]))
    choices = [QuickReply(label=f"{n}. {places.short_name(turn.ctx.kb, p)}",
                          data=f"action=set_lao&code={p.code}", display_text=p.name)
               for n, p in enumerate(found, start=1)]
    none = turn.say("lao.other_label")
    turn.reply.quick_replies([*choices, QuickReply(label=none, data="action=lao_ask", display_text=none)])


async def choose(turn: Turn, place: Place) -> None:
    """Remember the place as the user's LAO, say so, and carry on with what was waiting for it."""
    async with turn.ctx.storage.transaction() as session:
        if not place.in_directory:
            await ensure_place(session, place.code, place.name, province=place.province,
                               district=place.district, subdistrict=place.subdistrict)
        await set_user_lao(session, turn.user.line_user_id, place.code)
    turn.user.lao_code = place.code
    resume = turn.state.data.get("resume")
    turn.state.reset()
    if place.in_directory:
        turn.reply.text(turn.say("change_lao.set", lao_name=place.name))
    else:
        turn.reply.text(turn.say("lao.place_set", place=place.name))
    if resume:
        await _resume(turn, resume)
    else:
        turn.reply.quick_replies(menus.main_menu(turn))


async def _resume(turn: Turn, resume: dict[str, Any]) -> None:
    # Imported here: citizen and reports call into this module to ask for the LAO first.
    from handlers import citizen, reports

    if "report" in resume:
        await reports.start(turn, str(resume["report"]), str(resume.get("words", "")), resume.get("photo"))
    elif resume.get("followup") in turn.ctx.kb.services:
        from handlers import followups

        service = turn.ctx.kb.effective_service(resume["followup"], render.known_lao(turn))
        await followups.answer_foci(turn, service, [str(resume.get("focus", "where"))])
    elif resume.get("intent") in turn.ctx.kb.intents:
        await citizen.respond(turn, turn.ctx.kb.intents[resume["intent"]])


def place_of_code(kb: Any, code: str) -> Place | None:
    """A postback's code back to a place: a directory LAO, "P-<subdistrict geocode>" or, from coordinates,
    "P-<district geocode>"."""
    if code in kb.laos:
        return places.from_lao(kb.laos[code])
    geocode = code.removeprefix("P-") if code.startswith("P-") else ""
    address = geothai.address(geocode) if len(geocode) == 6 else None
    if address is not None:
        return places.from_address(kb, address)
    district = geothai.district(geocode) if len(geocode) == 4 else None
    return places.from_district(kb, district) if district is not None else None


class SaysChangeLao(Filter):
    """The "เปลี่ยนท้องถิ่น" button (menu, card, quick reply) sent as text: understood without the NLU."""

    def check(self, turn: Turn) -> FilterResult:
        responses = turn.ctx.kb.responses
        keys = ("change_lao.change_label", "menu.change_lao_label")
        labels = [responses.say(k) for k in keys if k in responses]
        return load_followups(turn.ctx.kb.root).says(turn.text, labels)


@router.on(MessageType("text"), SaysChangeLao())
async def change_asked(turn: Turn) -> None:
    ask(turn)


@router.on(Postback("set_lao"))
async def picked(turn: Turn) -> None:
    place = place_of_code(turn.ctx.kb, str(turn.match.get("code", "")))
    if place is None:
        turn.reply.text(turn.say("change_lao.not_found"))
        return
    await choose(turn, place)


@router.on(Postback("lao_ask"))
async def ask_again(turn: Turn) -> None:
    ask(turn, turn.state.data.get("resume"))


@router.on(Postback("lao_keep"))
async def keep(turn: Turn) -> None:
    place = place_of_code(turn.ctx.kb, turn.user.lao_code or "")
    resume = turn.state.data.get("resume")
    turn.state.reset()
    if place is None:
        ask(turn, resume)
        return
    turn.reply.text(turn.say("change_lao.set", lao_name=place.name))
    if resume:
        await _resume(turn, resume)


@router.on(MessageType("text"), InState(ASKING, CHOOSING))
async def typed(turn: Turn) -> None:
    """The answer to "which LAO?" (a name, or the number of a listed choice) — unless the message is plainly
    another question."""
    numbered = _numbered_choice(turn)
    if numbered is not None:
        await choose(turn, numbered)
        return
    found = places.find_places(turn.ctx.kb, turn.text, turn.nlu.entities if turn.nlu else ())
    other = _other_intent(turn)
    if not found and other is not None:
        from handlers import citizen  # see _resume

        turn.state.reset()
        await citizen.respond(turn, other)
        return
    await from_text(turn)


def _numbered_choice(turn: Turn) -> Place | None:
    choices = turn.state.data.get("choices") or []
    text = turn.text.strip().rstrip(".")
    if turn.state.step != CHOOSING or not text.isdigit() or not 1 <= int(text) <= len(choices):
        return None
    return place_of_code(turn.ctx.kb, choices[int(text) - 1])


def _other_intent(turn: Turn) -> Any:
    nlu, kb = turn.nlu, turn.ctx.kb
    if nlu is None or nlu.decision != "answer" or nlu.intent not in kb.intents:
        return None
    intent = kb.intents[nlu.intent]
    return None if intent.answer.action in ("set_lao", "change_lao") else intent


@router.on(MessageType("location"), ~InState(*REPORT_STEPS))
async def located(turn: Turn) -> None:
    """A shared location: its address names the subdistrict. Without a usable address the coordinates give
    the nearest district; that is a guess, so it is always confirmed, and a typed name is taken instead."""
    location = turn.event.location
    place = places.from_location_address(turn.ctx.kb, location.address if location else None)
    if place is None and location is not None:
        # In a thread: the first lookup in a process loads the GeoNames index (~1 s), other chats go on.
        nearby = await asyncio.to_thread(places.from_coordinates, turn.ctx.kb, location.latitude,
                                         location.longitude, location.address)
        if nearby is not None:
            turn.state.step = ASKING  # so a typed name answers it (see `typed`)
            _confirm(turn, nearby, turn.say("nontext.location_nearby", place=nearby.name))
            return
    if place is None:
        turn.state.step = ASKING
        turn.reply.text(turn.say("nontext.location_unknown"))
        return
    if turn.state.step in (ASKING, CHOOSING):
        await choose(turn, place)
        return
    _confirm(turn, place, turn.say("nontext.location_received", lao_name=place.name))


def _confirm(turn: Turn, place: Place, question: str) -> None:
    """Ask whether the place is right: "ใช่" keeps it (set_lao), "ไม่ใช่" asks for the name."""
    turn.reply.text(question)
    yes, no = turn.say("lao.yes_label"), turn.say("lao.no_label")
    turn.reply.quick_replies([
        QuickReply(label=yes, data=f"action=set_lao&code={place.code}", display_text=yes),
        QuickReply(label=no, data="action=lao_ask", display_text=no)])
