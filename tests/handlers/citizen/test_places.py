"""Which LAO a message names: typos, prefixes, ambiguous names, places outside the directory, LINE addresses."""
from __future__ import annotations

from typing import Any

import pytest

from handlers.places import core_name, find_places, from_location_address, short_name
from nlu.types import Entity


def codes(places: list[Any]) -> list[str]:
    return [p.code for p in places]


@pytest.mark.parametrize(("text", "code"), [
    ("อบต.ป่าสะแก", "P-720212"),
    ("ป่าสะแกค่ะ", "P-720212"),
    ("ทต เกาะแต้ว", "05900104"),
    ("เกาะแตว", "05900104"),  # a typo
    ("ผมอยู่ทต.นางแลครับ", "P-570104"),
    ("เทศบาลเมืองแสนสุข", "P-200104"),
])
def test_a_directory_lao_is_found_by_name(kb: Any, text: str, code: str):
    assert codes(find_places(kb, text)) == [code]


def test_a_name_shared_by_many_subdistricts_gives_choices_with_the_directory_first(kb: Any):
    found = find_places(kb, "บ้านกลาง")
    assert found[0].code == "P-510112" and found[0].in_directory
    assert "P-501207" in codes(found)  # ต.บ้านกลาง อ.สันป่าตอง เชียงใหม่
    assert len(found) <= 8


def test_a_province_or_district_narrows_the_choice(kb: Any):
    assert codes(find_places(kb, "บ้านกลาง ลำพูน")) == ["P-510112"]
    assert codes(find_places(kb, "บ้านกลาง เชียงใหม่")) == ["P-501207"]
    assert codes(find_places(kb, "ต.บ้านกลาง อ.สันป่าตอง")) == ["P-501207"]


def test_a_subdistrict_outside_the_directory_becomes_a_place(kb: Any):
    [place] = find_places(kb, "ตำบลจอหอ")
    assert place.code == "P-300116" and not place.in_directory
    assert place.name == "ต.จอหอ อ.เมืองนครราชสีมา จ.นครราชสีมา"


def test_a_loose_lao_entity_from_the_nlu_is_not_trusted(kb: Any):
    wrong = Entity("lao", "องค์การบริหารส่วนตำบลจอหอ", "P-720212", 0, 10)  # not ป่าสะแก
    assert "P-720212" not in codes(find_places(kb, "อบต.จอหอ", (wrong,)))


def test_a_good_lao_entity_decides(kb: Any):
    right = Entity("lao", "เทศบาลตำบลเกาะแต้ว", "05900104", 0, 10)
    assert codes(find_places(kb, "ภาษีที่ดิน ทต.เกาะแต้ว", (right,))) == ["05900104"]


def test_nothing_is_found_in_ordinary_words(kb: Any):
    assert find_places(kb, "สวัสดีค่ะ") == [] and find_places(kb, "") == []


@pytest.mark.parametrize("address", [
    "229 หมู่ 10 ตำบลเกาะแต้ว อำเภอเมืองสงขลา สงขลา 90000 ประเทศไทย",
    "Tambon Ko Taeo, Amphoe Mueang Songkhla, Chang Wat Songkhla 90000, Thailand",
])
def test_a_line_location_address_names_the_lao(kb: Any, address: str):
    place = from_location_address(kb, address)
    assert place is not None and place.code == "05900104"


def test_an_address_outside_the_directory_or_without_a_subdistrict(kb: Any):
    place = from_location_address(kb, "ต.บ้านกลาง อ.สันป่าตอง จ.เชียงใหม่ 50120")
    assert place is not None and place.code == "P-501207"
    assert from_location_address(kb, None) is None
    assert from_location_address(kb, "กรุงเทพมหานคร") is None


def test_core_name_and_short_name(kb: Any):
    assert core_name("องค์การบริหารส่วนตำบลป่าสะแก ค่ะ") == "ป่าสะแก"
    assert core_name("ทม.แสนสุข") == "แสนสุข"
    [lamphun] = find_places(kb, "บ้านกลาง ลำพูน")
    assert short_name(kb, lamphun) == "ทต.บ้านกลาง ลำพูน"
    [chiangmai] = find_places(kb, "บ้านกลาง เชียงใหม่")
    assert short_name(kb, chiangmai) == "บ้านกลาง สันป่าตอง"
