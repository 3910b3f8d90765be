"""Pieces of the onboarding handlers that need no server: recognising invite codes, calls by name and mentions
in group chats, the group privacy rule, and where the onboarding routers sit in the tree."""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any

import pytest

from bot.events import parse_event
from bot.repo.invites import CODE_ALPHABET
from handlers import build_root_router, common, onboarding
from handlers.onboarding import PrivateInGroup, _after_call_name, _without_self_mentions, find_invite_code
from tests.factories import group_text_event, postback_event, text_event


@pytest.mark.parametrize(
    ("text", "code"),
    [
        ("ABCDE-FGHJK", "ABCDEFGHJK"),
        ("abcde-fghjk", "ABCDEFGHJK"),
        ("รหัสเชิญค่ะ  K7M2P - Q9RST ขอบคุณค่ะ", "K7M2PQ9RST"),
        ("K7M2P–Q9RST", "K7M2PQ9RST"),  # an en dash from a phone keyboard
        ("k7m2pq9rst", "K7M2PQ9RST"),
        ("K7M2P Q9RST", "K7M2PQ9RST"),
        ("ABCDEFGHJK", "ABCDEFGHJK"),
    ],
)
def test_invite_codes_are_found_however_they_are_typed(text: str, code: str) -> None:
    assert find_invite_code(text) == code


@pytest.mark.parametrize(
    "text",
    [
        "helloworld",
        "hello world",
        "0812345678",
        "081-234-5678",
        "12345-67890",
        "ขอรหัส e-Service หน่อยค่ะ",
        "จ่ายภาษีที่ดินที่ไหน",
        "COVID-19",
        "ABCDEFGHJKL",
        "ABCDE-FGHJKL",
    ],
)
def test_ordinary_messages_are_not_codes(text: str) -> None:
    assert find_invite_code(text) is None


def test_every_generated_code_is_recognised() -> None:
    import random

    rng = random.Random(7)
    for _ in range(500):
        raw = "".join(rng.choice(CODE_ALPHABET) for _ in range(10))
        if any(ch.isalpha() for ch in raw):  # all-digit codes (about 1 in a million) read as numbers
            assert find_invite_code(f"{raw[:5]}-{raw[5:]}") == raw


def _turn(event: dict[str, Any], *, intent: str | None = None, call_names: tuple[str, ...] = ()) -> Any:
    """A turn with just what the onboarding filters read; `call_names` replaces group.call_names."""
    kb = _kb()
    nlu = SimpleNamespace(decision="answer", intent=intent) if intent else None
    responses = CallNames(kb.responses, call_names)
    ctx = SimpleNamespace(kb=SimpleNamespace(intents=kb.intents, responses=responses))
    return SimpleNamespace(event=parse_event("ev-1", event), nlu=nlu, ctx=ctx)


class CallNames:
    def __init__(self, responses: Any, call_names: tuple[str, ...]) -> None:
        self.responses, self.call_names = responses, call_names

    def __contains__(self, key: str) -> bool:
        return key in self.responses

    def say(self, key: str, **params: Any) -> str:
        return self.responses.say(key, **params)

    def variants(self, key: str) -> list[str]:
        if key == "group.call_names" and self.call_names:
            return list(self.call_names)
        return self.responses.variants(key)


_KB: list[Any] = []


def _kb() -> Any:
    if not _KB:
        from knowledge.loader import load_knowledge

        _KB.append(load_knowledge(None))
    return _KB[0]


@pytest.mark.parametrize(
    ("intent", "private"),
    [
        ("conversation.my_cases", True),
        ("conversation.human_handoff", True),
        ("conversation.change_lao", True),
        ("report.road.damaged", True),
        ("land_tax.pay_channels", False),
        ("conversation.greeting", False),
    ],
)
def test_personal_requests_stay_out_of_groups(intent: str, private: bool) -> None:
    turn = _turn(group_text_event("...", "C" + "1" * 32), intent=intent)
    assert bool(PrivateInGroup().check(turn)) is private


def test_ticket_numbers_buttons_and_menu_labels_stay_out_of_groups() -> None:
    assert PrivateInGroup().check(_turn(group_text_event("#12 ตอบแล้วค่ะ", "C" + "1" * 32)))
    assert PrivateInGroup().check(_turn(group_text_event("งานของฉัน", "C" + "1" * 32)))  # a tapped label
    assert PrivateInGroup().check(_turn(postback_event("action=claim&ticket=3")))
    assert PrivateInGroup().check(_turn(postback_event("action=handoff&reason=not_helpful")))
    assert not PrivateInGroup().check(_turn(postback_event("action=pick&intent=land_tax.pay")))


def test_a_call_by_name_is_cut_from_the_text() -> None:
    names = ("/น้องท้องถิ่น", "@น้องท้องถิ่น", "น้องท้องถิ่น")
    turn = _turn(group_text_event("/น้องท้องถิ่น  ภาษีป้ายจ่ายที่ไหน", "C" + "1" * 32), call_names=names)
    assert _after_call_name(turn) == "ภาษีป้ายจ่ายที่ไหน"
    turn = _turn(group_text_event("น้องท้องถิ่นคะ ขอเบอร์เทศบาล", "C" + "1" * 32), call_names=names)
    assert _after_call_name(turn) == "คะ ขอเบอร์เทศบาล"
    assert _after_call_name(_turn(group_text_event("ไปกินข้าวกัน", "C" + "1" * 32), call_names=names)) is None


def test_the_bots_own_mention_is_cut_from_the_text() -> None:
    event = group_text_event("@บอท จ่ายภาษีที่ไหน", "C" + "1" * 32, mention_self=True)
    assert _without_self_mentions(event, event["message"]["text"]) == "จ่ายภาษีที่ไหน"
    other = text_event("@สมชาย จ่ายภาษีที่ไหน")
    other["message"]["mention"] = {"mentionees": [{"index": 0, "length": 7, "type": "user", "userId": "U1"}]}
    assert _without_self_mentions(other, other["message"]["text"]) == "@สมชาย จ่ายภาษีที่ไหน"


def test_onboarding_comes_first_and_privacy_right_after_the_group_guard() -> None:
    order = [child.name for child in build_root_router()._children]
    assert order[0] == onboarding.router.name
    guard = order.index(common.group_guard.name)
    assert order[guard + 1] == onboarding.group_privacy.name
    assert order.index(onboarding.group_privacy.name) < order.index("mentor") < order.index("officer")
