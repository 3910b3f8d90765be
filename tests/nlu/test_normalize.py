from __future__ import annotations

import dataclasses
import re

import pytest

from nlu.normalize import Normalizer


@pytest.fixture(scope="module")
def normalize(nlu_data) -> Normalizer:  # noqa: ANN001
    return Normalizer(nlu_data)


@pytest.mark.parametrize(("raw", "expected"), [
    ("ครับบบบ", "ครับ"),
    ("ขยะเหม็นมากกกก", "ขยะเหม็นมาก"),
    ("คะแนนนี่", "คะแนนนี่"),  # three น inside a word are real: คะแนน + นี่
    ("ขอบคุณค่าาาา", "ขอบคุณค่ะ"),
    ("555+ ตลกดี", "<laugh> ตลกดี"),
    ("ถถถถ", "<laugh>"),
    ("ภ.ด.ส.๓ ปี ๒๕๖๗", "ภ.ด.ส.3 ปี 2567"),
    ("ภาษี\u200bที่\u200cดิน", "ภาษีที่ดิน"),
    ("ระบบ E-Service ล่ม", "ระบบ e-service ล่ม"),
    ("เเจ้งเรื่อง", "แจ้งเรื่อง"),
    ("สวัสดี\u00a0\u3000ครับ\n\tผม", "สวัสดี ครับ ผม"),
    ("ติดต่อ อบต. บ้านนา", "ติดต่อ องค์การบริหารส่วนตำบล บ้านนา"),
    ("ทต.เกาะแต้ว", "เทศบาลตำบลเกาะแต้ว"),
    ("ต่อเติมครัวต้องขออนุญาติไหม", "ต่อเติมครัวต้องขออนุญาตไหม"),
    ("จ่ายออนไลได้ไหม ออนไลน์ก็ได้", "จ่ายออนไลน์ได้ไหม ออนไลน์ก็ได้"),
    ("ระบบท้องถิ่นดิจิตอลเข้าไม่ได้", "ระบบท้องถิ่นดิจิทัลเข้าไม่ได้"),
    ("ได้รับ ภดส3 แล้ว", "ได้รับ ภ.ด.ส.3 แล้ว"),
    ("ลืม Password ค่ะ", "ลืม รหัสผ่าน ค่ะ"),
    ("เสร็จสิ้น ตรงไหน??????", "เสร็จสิ้น ตรงไหน?"),
    ("", ""),
    ("   ", ""),
])
def test_normalize_table(normalize: Normalizer, raw: str, expected: str) -> None:
    assert normalize(raw) == expected


def test_numbers_are_not_laughter(normalize: Normalizer) -> None:
    assert normalize("บ้านเลขที่ 555/2 ปี 2555") == "บ้านเลขที่ 555/2 ปี 2555"


def test_long_text_is_cut(normalize: Normalizer) -> None:
    assert len(normalize("ขยะ " * 5000)) <= 4000


def test_data_patterns_with_capturing_groups_are_refused(nlu_data) -> None:  # noqa: ANN001
    """Patterns are joined into one alternation, where a numbered group would shift: refuse them loudly."""
    grouped = dataclasses.replace(nlu_data, laughter=(re.compile("(55)5+"),))
    with pytest.raises(ValueError, match="capturing groups"):
        Normalizer(grouped)
