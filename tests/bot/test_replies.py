"""ReplyBuilder: LINE's limits are enforced before sending, gracefully, and counted the way LINE counts."""

from __future__ import annotations

import logging

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from linebot.v3.messaging import FlexMessage, TextMessage

from bot.messages import (
    MAX_ALT_TEXT_UNITS,
    MAX_MESSAGES,
    MAX_TEXT_UNITS,
    FlexOut,
    QuickReply,
    TextOut,
    grapheme_len,
    graphemes,
    utf16_len,
)
from bot.replies import ReplyBuilder, enforce_limits, render_plain, split_text, to_line_messages
from tests.fakeline.validation import RequestValidator

LONG_THAI_LABEL = "แจ้งเรื่องร้องเรียนเกี่ยวกับถนนและไฟฟ้าสาธารณะ"  # 37 graphemes
FAMILY = "👨\u200d👩\u200d👧"  # one grapheme, five code points, eight UTF-16 units


def bubble(*texts: str, button: str | None = None) -> dict:
    body = {"type": "box", "layout": "vertical", "contents": [{"type": "text", "text": t} for t in texts]}
    card: dict = {"type": "bubble", "body": body}
    if button:
        action = {"type": "message", "label": button, "text": button}
        card["footer"] = {
            "type": "box",
            "layout": "vertical",
            "contents": [{"type": "button", "action": action}],
        }
    return card


def test_builder_keeps_order_and_attaches_quick_replies_to_last_message() -> None:
    builder = ReplyBuilder().text("สวัสดีค่ะ").flex("บัตรข้อมูล", bubble("หัวข้อ"))
    builder.quick_replies([QuickReply("ภาษี", data="topic=tax")])
    built = builder.build()
    assert [type(m) for m in built] == [TextOut, FlexOut]
    assert built[0].quick_replies == ()
    assert built[1].quick_replies == (QuickReply("ภาษี", data="topic=tax"),)
    assert builder.messages == built  # nothing needed fixing


def test_quick_replies_need_a_message_first() -> None:
    with pytest.raises(ValueError):
        ReplyBuilder().quick_replies([QuickReply("ก")])


def test_thai_label_is_cut_by_grapheme_with_ellipsis() -> None:
    [message] = ReplyBuilder().text("เลือกค่ะ").quick_replies([QuickReply(LONG_THAI_LABEL)]).build()
    [item] = message.quick_replies
    assert grapheme_len(item.label) == 20 and item.label.endswith("…")
    # No tone mark or vowel is separated from its consonant: the kept clusters are the original's first 19.
    assert graphemes(item.label)[:-1] == graphemes(LONG_THAI_LABEL)[:19]
    assert item.text == LONG_THAI_LABEL  # tapping still sends the full wording


def test_thai_label_of_twenty_graphemes_is_kept_although_longer_in_code_points() -> None:
    label = "ที่" * 20  # 20 graphemes, 60 code points
    [message] = ReplyBuilder().text("ค่ะ").quick_replies([QuickReply(label)]).build()
    assert message.quick_replies[0].label == label


def test_emoji_label_counts_clusters_not_code_points() -> None:
    [message] = ReplyBuilder().text("ค่ะ").quick_replies([QuickReply(FAMILY * 25)]).build()
    label = message.quick_replies[0].label
    assert graphemes(label) == [FAMILY] * 19 + ["…"]


def test_fourteen_quick_replies_are_cut_to_thirteen(caplog: pytest.LogCaptureFixture) -> None:
    items = [QuickReply(f"ตัวเลือก {n}") for n in range(14)]
    with caplog.at_level(logging.WARNING, logger="bot.replies"):
        [message] = ReplyBuilder().text("เลือกได้เลยค่ะ").quick_replies(items).build()
    assert [q.label for q in message.quick_replies] == [f"ตัวเลือก {n}" for n in range(13)]
    assert "quick replies" in caplog.text


def test_seven_short_texts_are_merged_into_five_messages_without_losing_text() -> None:
    builder = ReplyBuilder()
    for n in range(7):
        builder.text(f"ข้อ {n}")
    built = builder.build()
    assert len(built) == MAX_MESSAGES
    joined = "\n\n".join(m.text for m in built if isinstance(m, TextOut))
    assert joined == "\n\n".join(f"ข้อ {n}" for n in range(7))


def test_overflow_that_cannot_merge_is_dropped_with_a_warning(caplog: pytest.LogCaptureFixture) -> None:
    builder = ReplyBuilder()
    for n in range(4):
        builder.flex(f"บัตร {n}", bubble(f"บัตร {n}")).text(f"ข้อความ {n}")
    builder.quick_replies([QuickReply("ต่อไป")])
    with caplog.at_level(logging.WARNING, logger="bot.replies"):
        built = builder.build()
    assert len(built) == MAX_MESSAGES
    assert [m.alt_text for m in built if isinstance(m, FlexOut)] == ["บัตร 0", "บัตร 1", "บัตร 2"]
    assert built[-1].quick_replies[0].label == "ต่อไป"  # the choices survive the cut
    assert "dropping 3 messages" in caplog.text


def test_long_thai_text_is_split_at_paragraphs() -> None:
    paragraph = "ยื่นคำร้องได้ที่สำนักงานเทศบาลในวันและเวลาราชการ " * 40  # ~2,000 units
    text = "\n\n".join(paragraph.strip() + f" ({n})" for n in range(6))
    built = ReplyBuilder().text(text).quick_replies([QuickReply("ขอบคุณ")]).build()
    assert 1 < len(built) <= MAX_MESSAGES
    assert all(utf16_len(m.text) <= MAX_TEXT_UNITS for m in built if isinstance(m, TextOut))
    assert all(m.text.endswith(")") for m in built if isinstance(m, TextOut))  # whole paragraphs only
    assert "\n\n".join(m.text for m in built if isinstance(m, TextOut)) == text
    assert [bool(m.quick_replies) for m in built] == [False] * (len(built) - 1) + [True]


def test_text_without_breaks_is_split_on_grapheme_boundaries() -> None:
    text = "ก้" * 6_000  # 12,000 units, no spaces
    chunks = split_text(text)
    assert "".join(chunks) == text
    assert all(utf16_len(c) <= MAX_TEXT_UNITS and not c.startswith("\u0e49") for c in chunks)


def test_very_long_text_honours_the_five_message_cap() -> None:
    built = ReplyBuilder().text("ข้อมูล " * 5_000).build()  # 35,000 units
    assert len(built) == MAX_MESSAGES
    assert all(isinstance(m, TextOut) and utf16_len(m.text) <= MAX_TEXT_UNITS for m in built)
    assert built[-1].text.endswith("…")


def test_emoji_count_as_two_units() -> None:
    [fits] = ReplyBuilder().text("🍎" * 2_500).build()
    assert fits.text == "🍎" * 2_500
    split = ReplyBuilder().text("🍎" * 2_501).build()
    assert len(split) == 2 and "".join(m.text for m in split) == "🍎" * 2_501


def test_empty_texts_are_never_sent() -> None:
    assert ReplyBuilder().text("").text("  \n").build() == []
    built = ReplyBuilder().text("สวัสดีค่ะ").text(" ").quick_replies([QuickReply("เมนู")]).build()
    assert built == [TextOut("สวัสดีค่ะ", (QuickReply("เมนู", text="เมนู"),))]


def test_too_long_postback_data_or_action_text_is_a_programming_error() -> None:
    with pytest.raises(ValueError):
        ReplyBuilder().text("ก").quick_replies([QuickReply("ก", data="x" * 301)]).build()
    with pytest.raises(ValueError):
        ReplyBuilder().text("ก").quick_replies([QuickReply("ก", text="ข" * 301)]).build()
    with pytest.raises(ValueError):
        QuickReply("ก", text="ก", data="a=1")


def test_alt_text_is_shortened_or_derived_from_the_card() -> None:
    [long_alt] = ReplyBuilder().flex("ก" * 2_000, bubble("x")).build()
    assert isinstance(long_alt, FlexOut)
    assert utf16_len(long_alt.alt_text) == MAX_ALT_TEXT_UNITS and long_alt.alt_text.endswith("…")
    [derived] = ReplyBuilder().flex("", bubble("ค่าธรรมเนียม", "ไม่มีค่าใช้จ่าย")).build()
    assert derived.alt_text == "ค่าธรรมเนียม\nไม่มีค่าใช้จ่าย"


def test_oversized_flex_is_sent_as_text() -> None:
    huge = bubble(*["รายละเอียดบริการ" * 20] * 120)  # well over 30 KB of JSON
    built = ReplyBuilder().flex("บริการ", huge).quick_replies([QuickReply("เมนู")]).build()
    assert 1 < len(built) <= MAX_MESSAGES  # the text is long, so it is split as any long text
    assert all(isinstance(m, TextOut) and m.text.startswith("รายละเอียดบริการ") for m in built)
    assert built[-1].quick_replies[0].label == "เมนู"


def test_to_line_messages_builds_sdk_models() -> None:
    built = (
        ReplyBuilder()
        .text("สวัสดีค่ะ")
        .flex("บัตร", bubble("หัวข้อ"))
        .quick_replies([QuickReply("ภาษี", data="topic=tax", display_text="ภาษี"), QuickReply("เมนู")])
        .build()
    )
    text, flex = to_line_messages(built)
    assert isinstance(text, TextMessage) and text.text == "สวัสดีค่ะ"
    assert isinstance(flex, FlexMessage)
    payload = flex.to_dict()
    assert payload["contents"] == bubble("หัวข้อ")
    actions = [item["action"] for item in payload["quickReply"]["items"]]
    assert actions == [
        {"type": "postback", "label": "ภาษี", "data": "topic=tax", "displayText": "ภาษี"},
        {"type": "message", "label": "เมนู", "text": "เมนู"},
    ]


def test_render_plain_shows_cards_and_numbered_choices() -> None:
    built = (
        ReplyBuilder()
        .text("สวัสดีค่ะ")
        .flex("บัตร", bubble("ใบอนุญาต", "ค่าธรรมเนียม 100 บาท", button="ดูเอกสาร"))
        .quick_replies([QuickReply("ภาษี", data="topic=tax"), QuickReply("อื่น ๆ")])
        .build()
    )
    assert render_plain(built) == ("สวัสดีค่ะ\n\nใบอนุญาต\nค่าธรรมเนียม 100 บาท\n[ดูเอกสาร]\n\n1) ภาษี\n2) อื่น ๆ")


def test_builder_output_passes_line_schema_and_limits() -> None:
    validator = RequestValidator()
    if not validator.has_schema:
        pytest.skip("../shared/line/messaging-api.yml not found: schema check needs it (CI has it)")
    builder = ReplyBuilder().text("ก้" * 7_000)
    for n in range(6):
        builder.flex("", bubble(f"บัตร {n}", button=LONG_THAI_LABEL))
    builder.quick_replies([QuickReply(f"{LONG_THAI_LABEL} {n}") for n in range(15)])
    body = {"replyToken": "t", "messages": [m.to_dict() for m in to_line_messages(builder.build())]}
    assert validator.errors("/v2/bot/message/reply", body) == []


thai_text = st.lists(st.sampled_from([*"กขคงที่้๊ะาเแ \n.🍎", FAMILY]), max_size=3_000).map("".join)


@settings(max_examples=40, deadline=None)
@given(st.lists(thai_text, max_size=9), st.integers(min_value=0, max_value=16))
def test_any_reply_fits_the_limits_and_building_is_idempotent(texts: list[str], n_choices: int) -> None:
    builder = ReplyBuilder()
    for text in texts:
        builder.text(text * 3)
    if texts:
        builder.quick_replies([QuickReply("ตัวเลือกที่ยาวมากเกินยี่สิบตัวอักษร" + str(n)) for n in range(n_choices)])
    built = builder.build()
    assert len(built) <= MAX_MESSAGES
    for message in built:
        assert isinstance(message, TextOut)
        assert message.text.strip() and utf16_len(message.text) <= MAX_TEXT_UNITS
        assert len(message.quick_replies) <= 13
        assert all(grapheme_len(q.label) <= 20 for q in message.quick_replies)
    assert enforce_limits(built) == built
