from __future__ import annotations

import pytest

from nlu.normalize import Normalizer
from nlu.tokenize import Tokenizer


@pytest.fixture(scope="module")
def analyse(nlu_data):  # noqa: ANN001, ANN201
    normalize, tokenizer = Normalizer(nlu_data), Tokenizer(nlu_data, ["เทศบาลตำบลเกาะแต้ว"])
    return lambda text: tokenizer.analyse(normalize(text))


@pytest.mark.parametrize(("text", "whole"), [
    ("จ่ายภาษีที่ดินและสิ่งปลูกสร้างที่อบต.ได้ไหม", "ภาษีที่ดินและสิ่งปลูกสร้าง"),
    ("สมัครเบี้ยยังชีพผู้สูงอายุ", "เบี้ยยังชีพ"),
    ("ระบบท้องถิ่นดิจิทัลเข้าไม่ได้ครับ", "ท้องถิ่นดิจิทัล"),
    ("ได้รับแบบภ.ด.ส.3แล้วต้องทำอะไร", "ภ.ด.ส.3"),
    ("ติดต่อเทศบาลตำบลเกาะแต้วยังไง", "เทศบาลตำบลเกาะแต้ว"),  # LAO names come from the knowledge
])
def test_domain_terms_stay_whole(analyse, text: str, whole: str) -> None:  # noqa: ANN001
    assert whole in analyse(text).tokens


def test_particles_and_fillers_leave_the_signal(analyse) -> None:  # noqa: ANN001
    result = analyse("ผมอยากจ่ายภาษีที่ดินครับบบ")
    assert "ครับ" not in result.tokens and "ผม" not in result.tokens
    assert result.tokens == ("อยาก", "จ่าย", "ภาษีที่ดิน")
    assert "ครับ" not in result.signal


def test_particle_inside_a_word_is_kept(analyse) -> None:  # noqa: ANN001
    assert "คะแนน" in analyse("ไม่ให้สักคะแนนเลยค่ะ").tokens


def test_token_level_spellings(analyse) -> None:  # noqa: ANN001
    tokens = analyse("ทำไรอยู่ ไร่อ้อยไฟไหม้มั้ย").tokens
    assert "อะไร" in tokens and "ไร่" in tokens and "ไหม" in tokens


def test_laughter_is_one_token(analyse) -> None:  # noqa: ANN001
    assert analyse("555555 ขำ").tokens == ("<laugh>", "ขำ")


def test_empty_and_symbols(analyse) -> None:  # noqa: ANN001
    assert analyse("").tokens == ()
    assert analyse("?!... ^^").signal == ""


@pytest.mark.parametrize(("text", "tokens", "signal"), [
    ("ท่อตันมาอาทิตย์นึงแล้ว ช่วยหน่อยนะคะ ขอบคุณมากๆค่ะ", None, "ท่อตัน"),  # closing thanks after a request
    ("ถนนพังมาก ขอบคุณล่วงหน้าครับ", ("ถนน", "พัง", "มาก"), "ถนนพังมาก"),
    ("ขยะไม่มีคนเก็บ thank you", ("ขยะ", "ไม่", "มี", "คน", "เก็บ"), "ขยะไม่มีคนเก็บ"),
])
def test_closing_thanks_leaves_the_signal(analyse, text: str, tokens, signal: str) -> None:  # noqa: ANN001
    result = analyse(text)
    assert "ขอบคุณ" not in result.tokens and "thank" not in result.tokens
    assert tokens is None or result.tokens == tokens
    assert signal in result.signal and "ขอบคุณ" not in result.signal


@pytest.mark.parametrize("text", ["ขอบคุณค่ะ", "ขอบคุณที่มาซ่อมถนนให้นะคะ", "ขอบคุณมากๆเลยครับ"])
def test_thanks_that_is_the_message_stays(analyse, text: str) -> None:  # noqa: ANN001
    assert "ขอบคุณ" in analyse(text).tokens


def test_remembered_word_classes_give_the_same_analysis(nlu_data, monkeypatch) -> None:  # noqa: ANN001
    """Each word's class is remembered (and forgotten when the memory is full): results never change."""
    monkeypatch.setattr("nlu.tokenize._SEEN_MAX", 5)
    texts = ["ขอยื่นภาษีป้ายครับบ", "ไฟถนนดับ 3 ต้น หน้าวัดค่ะ 555", "ขอยื่นภาษีป้ายครับบ", "e-service ใช้ไม่ได้!!"]
    remembering = Tokenizer(nlu_data)
    for text in texts:
        fresh = Tokenizer(nlu_data)
        assert remembering.analyse(text) == fresh.analyse(text)
        assert len(remembering._seen) <= 5
