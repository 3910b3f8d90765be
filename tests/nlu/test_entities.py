from __future__ import annotations

from types import SimpleNamespace

import pytest

from nlu.entities import EntityExtractor
from nlu.normalize import Normalizer

LAO = SimpleNamespace(code="05900104", name="เทศบาลตำบลเกาะแต้ว", aliases=["ทต.เกาะแต้ว", "เกาะแต้ว"])


@pytest.fixture(scope="module")
def extract(nlu_data):  # noqa: ANN001, ANN201
    normalize = Normalizer(nlu_data)
    extractor = EntityExtractor([LAO], normalize)
    return lambda text: [(e.kind, e.value) for e in extractor.extract(normalize(text))]


@pytest.mark.parametrize(("text", "expected"), [
    ("ขยะล้น ตำบลเกาะยาวน้อย อำเภอเกาะยาว จังหวัดพังงา",
     [("subdistrict", "820201"), ("district", "8202"), ("province", "82")]),
    ("หมาจรเยอะ แถวอำเภอเมืองระยอง", [("district", "2101"), ("province", "21")]),
    ("ถนนพัง ต.ห้วยขะยุ่ง", [("subdistrict", "341524")]),  # typo: ห้วยขะยุง
    ("น้ำท่วมเขตบางนา", [("district", "1047")]),
    ("ไปเชียงใหม่มา", [("province", "50")]),
])
def test_places(extract, text: str, expected: list) -> None:  # noqa: ANN001
    assert extract(text) == expected


@pytest.mark.parametrize("text", ["ติดต่อทต.เกาะแต้วยังไง", "เทศบาลตำบลเกาะแต้วเปิดกี่โมง", "เทศบาลตำบลเกาะแตวเปิดกี่โมง"])
def test_lao_names_and_typos(extract, text: str) -> None:  # noqa: ANN001
    assert ("lao", "05900104") in extract(text)


@pytest.mark.parametrize(("text", "expected"), [
    ("นัดวันที่ 15 พ.ค. 66 ค่ะ", [("date", "2023-05-15")]),
    ("จ่ายภายใน 30 เมษายน 2568", [("date", "2025-04-30")]),
    ("ตั้งแต่เดือน พฤษภา แล้ว", [("month", "--05")]),
    ("ภาษีปี ๒๕๖๗", [("year", "2024")]),
    ("ส่ง 15/05/2566", [("date", "2023-05-15")]),
    ("เมื่อวานรถขยะไม่มา", [("date", "-1")]),
])
def test_dates(extract, text: str, expected: list) -> None:  # noqa: ANN001
    assert extract(text) == expected


@pytest.mark.parametrize(("text", "value"), [
    ("ค่าน้ำ 38,624.70 บาท", "38624.70"),
    ("เสียไป 500บาท", "500"),
    ("ค่าธรรมเนียมห้าร้อยบาท", "500"),
])
def test_amounts(extract, text: str, value: str) -> None:  # noqa: ANN001
    assert ("amount", value) in extract(text)


def test_form_codes(extract) -> None:  # noqa: ANN001
    assert ("form_code", "ภ.ด.ส.3") in extract("ได้ใบ ภดส๓ มา")


def test_ordinary_words_are_not_places(extract) -> None:  # noqa: ANN001
    assert extract("บ้านใหม่ในเมืองมีขยะเยอะ") == []
