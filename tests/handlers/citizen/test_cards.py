"""The service card: what it shows for a LAO, its deadline and date line, and that it always fits LINE."""
from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

import pytest

from bot.messages import MAX_BUBBLE_BYTES, MAX_LABEL_GRAPHEMES, grapheme_len
from bot.replies import render_flex
from handlers import cards


def card_text(turn: Any, service_id: str, lao_code: str | None) -> str:
    kb = turn.ctx.kb
    lao = kb.lao_by_code(lao_code) if lao_code else None
    _, bubble = cards.service_card(turn, kb.effective_service(service_id, lao_code), lao)
    return render_flex(bubble)


def test_card_for_a_lao_shows_its_name_steps_fee_and_next_deadline(make_turn: Any):
    text = card_text(make_turn(), "land_tax_pay", "05900104")
    assert "การชำระภาษีที่ดินและสิ่งปลูกสร้าง" in text
    assert "ข้อมูลสำหรับ เทศบาลตำบลเกาะแต้ว" in text
    assert "1. รับหนังสือแจ้งประเมินภาษี" in text
    assert "30 เม.ย. 2570" in text  # the clock is 1 March 2027
    assert "ข้อมูล ณ " in text and "[ดูทีละขั้นตอน]" in text


def test_after_the_deadline_the_card_shows_next_year(make_turn: Any):
    text = card_text(make_turn(now=datetime(2027, 5, 2, tzinfo=UTC)), "land_tax_pay", None)
    assert "30 เม.ย. 2571" in text and "ข้อมูลทั่วไป" in text


def test_a_lao_override_brings_its_own_note_and_deadline(make_turn: Any):
    text = card_text(make_turn(now=datetime(2027, 6, 1, tzinfo=UTC)), "street_vending", "P-200104")
    assert "เทศบาลเมืองแสนสุขต่ออายุใบอนุญาต" in text and "31 ธ.ค. 2570" in text


def test_unverified_facts_are_marked(make_turn: Any, kb: Any):
    unverified = [s for s in kb.services.values() if not s.verified]
    if not unverified:
        pytest.skip("every service is verified")
    assert "ยังไม่ได้รับการยืนยัน" in card_text(make_turn(), unverified[0].id, None)


def test_as_of_is_the_newest_source_date_of_the_facts_shown(make_turn: Any, kb: Any):
    service = kb.services["land_tax_pay"]
    dates = [kb.fact_as_of(f) for f in service.fees] + [kb.fact_as_of(service.time_limit)]
    assert cards.as_of(make_turn(), service) >= max(dates)


def test_follow_up_choices_are_postbacks_with_short_labels(make_turn: Any):
    choices = cards.followup_choices(make_turn(), "land_tax_pay")
    assert [c.label for c in choices] == ["เอกสาร", "ค่าธรรมเนียม", "ใช้เวลากี่วัน", "ทำออนไลน์ได้ไหม", "ติดต่อที่ไหน",
                                          "ถามเจ้าหน้าที่"]
    assert choices[0].data == "action=followup&service=land_tax_pay&focus=documents"
    assert choices[-1].data == "action=handoff&service=land_tax_pay"
    assert all(grapheme_len(c.label) <= MAX_LABEL_GRAPHEMES for c in choices)


def test_every_service_card_fits_line_for_every_lao(make_turn: Any, kb: Any):
    turn = make_turn()
    for service_id in kb.services:
        for code in (None, *kb.laos):
            alt, bubble = cards.service_card(turn, kb.effective_service(service_id, code), kb.lao_by_code(code or ""))
            assert len(json.dumps(bubble, ensure_ascii=False).encode()) < MAX_BUBBLE_BYTES
            assert 0 < len(alt) <= cards.MAX_ALT_TEXT


def test_shorten_cuts_between_phrases():
    assert cards.shorten("สั้น", 10) == "สั้น"
    assert cards.shorten("ภาษีคำนวณจากมูลค่า คูณอัตราภาษี ตามประเภท", 35) == "ภาษีคำนวณจากมูลค่า คูณอัตราภาษี…"
    assert len(cards.shorten("ก" * 50, 10)) == 10
