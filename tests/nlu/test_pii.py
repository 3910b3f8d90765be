from __future__ import annotations

import pytest

from nlu.pii import find_pii, redact, thai_id_valid


@pytest.mark.parametrize(("number", "valid"), [
    ("1101700207030", True),
    ("1-1017-00207-03-0", True),
    ("๑๑๐๑๗๐๐๒๐๗๐๓๐", True),
    ("1101700207031", False),  # wrong check digit
    ("3100600123458", False),
    ("110170020703", False),  # 12 digits
])
def test_thai_id_checksum(number: str, valid: bool) -> None:
    assert thai_id_valid(number) is valid


def test_redacts_valid_id_but_not_random_13_digits() -> None:
    assert redact("บัตร 1101700207030 ค่ะ") == "บัตร [THAI_ID] ค่ะ"
    assert redact("เลขพัสดุ 1101700207031") == "เลขพัสดุ 1101700207031"


@pytest.mark.parametrize("phone", ["0812345678", "081-234-5678", "081 234 5678", "+66812345678", "02-123-4567",
                                   "๐๘๑๒๓๔๕๖๗๘"])
def test_phone_numbers(phone: str) -> None:
    assert redact(f"โทร {phone} นะคะ") == "โทร [PHONE] นะคะ"


def test_hotlines_and_other_numbers_are_not_phones() -> None:
    assert find_pii("โทร 1111 หรือ 1555 บ้านเลขที่ 99/1 ปี 2567") == ()


def test_email() -> None:
    assert redact("ส่งมาที่ Somchai.K+lao@gmail.co.th ได้เลย") == "ส่งมาที่ [EMAIL] ได้เลย"


def test_spans_point_into_the_original_text() -> None:
    text = "ติดต่อ ๐๘๑๒๓๔๕๖๗๘ หรือ a@b.co"
    spans = find_pii(text)
    assert [(s.kind, text[s.start:s.end]) for s in spans] == [("phone", "๐๘๑๒๓๔๕๖๗๘"), ("email", "a@b.co")]
