"""The follow-up word table: short questions about the service in context, the next step, skipping."""
from __future__ import annotations

import pytest

from knowledge.followups import FollowupWords, load_followups, squash


@pytest.fixture(scope="module")
def words() -> FollowupWords:
    return load_followups()


@pytest.mark.parametrize(("text", "foci"), [
    ("ต้องใช้เอกสารอะไรบ้าง", ["documents"]),
    ("กี่บาท", ["fee"]),
    ("ใช้เวลากี่วันคะ", ["duration"]),
    ("ต้องจ่ายเมื่อไหร่", ["duration"]),
    ("ทำออนไลน์ได้ไหม", ["online"]),
    ("ติดต่อที่ไหน", ["where"]),
    ("ขั้นตอนล่ะ", ["steps"]),
    ("เอกสารกับค่าธรรมเนียมล่ะคะ", ["documents", "fee"]),
])
def test_short_follow_ups_name_their_focus(words: FollowupWords, text: str, foci: list[str]):
    assert words.foci(text) == foci


@pytest.mark.parametrize("text", ["ภาษีป้ายกี่บาท", "ค่าธรรมเนียมป้าย", "ขออนุญาตสร้างบ้านต้องใช้เอกสารอะไร",
                                  "สวัสดีค่ะ", ""])
def test_a_message_with_its_own_subject_is_not_a_follow_up(words: FollowupWords, text: str):
    assert words.foci(text) == []


def test_match_reports_what_is_left_over(words: FollowupWords):
    assert words.match("ภาษีป้ายกี่บาท") == (["fee"], len("ภาษีป้าย"))
    assert words.match("กี่บาทคะ") == (["fee"], 0)


def test_next_step_and_skip_words(words: FollowupWords):
    assert words.is_next_step("ขั้นต่อไป") and words.is_next_step("ถัดไปค่ะ")
    assert not words.is_next_step("ขั้นตอนการขออนุญาตก่อสร้าง")
    assert words.is_skip("ข้าม") and words.is_skip("ไม่มีรูปค่ะ")
    assert not words.is_skip("ถนนหน้าบ้านไม่มีไฟ")


def test_squash_removes_spaces_and_case():
    assert squash(" Online  ได้ ไหม ") == "onlineได้ไหม"


def test_every_focus_is_a_service_followup_field(words: FollowupWords):
    from knowledge.schema import Followups

    assert set(words.focus) <= set(Followups.model_fields)
