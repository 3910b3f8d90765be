"""A shared location with coordinates but no usable address: the nearest Thai district (GeoNames, offline),
confirmed by the user; points outside Thailand keep asking for the name."""
from __future__ import annotations

import time
from typing import Any

import geothai
import pytest

from bot import repo
from bot.events import Location
from bot.models import Lao
from bot.state import ConversationState
from handlers import geo_lookup, lao
from handlers.places import from_coordinates
from tests.handlers.citizen.helpers import USER, event, texts

BANG_RAK = (13.7307, 100.5241)
CHIANG_MAI = (18.7883, 98.9853)


@pytest.mark.parametrize(("point", "code", "name"), [
    (BANG_RAK, "1004", "เขตบางรัก"),
    (CHIANG_MAI, "5001", "เมืองเชียงใหม่"),
    ((7.0086, 100.4747), "9011", "หาดใหญ่"),
    ((12.9236, 100.8825), "2004", "บางละมุง"),  # Pattaya: not a district; Bang Lamung's seat is near
])
def test_a_thai_point_gives_its_district(point: tuple[float, float], code: str, name: str):
    district = geo_lookup.nearest_district(*point)
    assert district is not None and (district.code, district.name_th) == (code, name)


@pytest.mark.parametrize("point", [
    (17.97, 102.60),  # Vientiane, Laos: 17 km from Nong Khai, but Lao towns are nearer
    (9.5, 102.0),  # Gulf of Thailand, far from any shore
    (8.0, 96.0),  # Andaman Sea, outside the box
    (35.68, 139.69),  # Tokyo
])
def test_a_point_outside_thailand_gives_nothing(point: tuple[float, float]):
    assert geo_lookup.nearest_district(*point) is None


@pytest.mark.parametrize(("name", "admin1", "admin2", "code"), [
    ("", "Bangkok", "Khet Bang Rak", "1004"),
    ("", "Changwat Udon Thani", "", None),
    ("Chiang Dao", "Chiang Mai", "Amphoe Chiang Dao", "5004"),
    ("Chon Buri", "Chon Buri", "", "2001"),  # the town named after its province: Mueang Chon Buri
    ("Ban Lam Luk Ka", "Pathum Thani", "", "1306"),  # "Ban" (village) dropped
    ("Ubonratana", "Khon Kaen", "", "4008"),  # romanisation: geothai writes Ubolratana
    ("Watthana", "Bangkok", "", "1039"),  # geothai writes Vadhana
    ("Phatthaya", "Chon Buri", "", None),  # Pattaya is a city, not a district
    ("Waeng", "Roi Et", "", None),  # a district of that name exists, but in Narathiwat
])
def test_geonames_names_map_to_geothai_districts(name: str, admin1: str, admin2: str, code: str | None):
    district = geo_lookup.district_of(name, admin1, admin2)
    assert (district.code if district else None) == code


def test_the_mapping_covers_nearly_all_thai_geonames_rows_and_districts():
    cover = geo_lookup.coverage()
    assert cover.admin2_total >= 30  # few: almost every Thai row leaves admin2 empty
    assert cover.admin2_mapped / cover.admin2_total >= 0.95  # measured 33/33
    assert cover.rows_mapped / cover.rows_total >= 0.9  # measured 927/977 (admin2 or the place's own name)
    mapped = {d.code for d in geo_lookup._index().districts if d is not None}
    every = [d for p in geothai.provinces() for d in geothai.districts(p.code)]
    assert len(mapped) / len(every) >= 0.95  # measured 903/928 districts have a place to be found by


def test_coordinates_become_a_district_place(kb: Any):
    place = from_coordinates(kb, *BANG_RAK)
    assert place is not None and not place.in_directory
    assert (place.code, place.name, place.province, place.district) == (
        "P-1004", "เขตบางรัก กรุงเทพมหานคร", "กรุงเทพมหานคร", "บางรัก")
    place = from_coordinates(kb, *CHIANG_MAI)
    assert place is not None and place.code == "P-5001"
    assert place.name == "อำเภอเมืองเชียงใหม่ จังหวัดเชียงใหม่"


def test_a_directory_lao_registered_for_the_district_is_preferred(kb: Any):
    place = from_coordinates(kb, 18.2888, 99.4908)  # Lampang city
    assert place is not None and place.in_directory and place.code == "P-5201"


def test_an_address_naming_another_province_wins_over_the_point(kb: Any):
    assert from_coordinates(kb, *CHIANG_MAI, "ถนนนิมมานเหมินท์ สงขลา") is None
    assert from_coordinates(kb, *CHIANG_MAI, "ถนนนิมมานเหมินท์ เชียงใหม่ 50200") is not None
    assert from_coordinates(kb, *CHIANG_MAI, "Nimmanhaemin Rd") is not None


def test_place_of_a_district_code(kb: Any):
    assert lao.place_of_code(kb, "P-5001").name == "อำเภอเมืองเชียงใหม่ จังหวัดเชียงใหม่"
    assert lao.place_of_code(kb, "P-9999") is None


async def test_coordinates_alone_name_the_district_and_ask_to_confirm(make_turn: Any):
    turn = make_turn(event(message_type="location", location=Location(*BANG_RAK, None, "")))
    await lao.located(turn)
    assert "เขตบางรัก กรุงเทพมหานคร" in texts(turn) and "ใช่ไหมคะ" in texts(turn)
    yes, no = turn.reply.build()[-1].quick_replies
    assert yes.data == "action=set_lao&code=P-1004" and no.data == "action=lao_ask"
    assert turn.state.step == lao.ASKING  # a typed name is taken as the answer


async def test_a_confirmed_district_is_remembered_and_resumes(make_turn: Any, storage: Any):
    resume = {"intent": "contact_office.phone_division"}
    state = ConversationState(step=lao.ASKING, data={"resume": resume})
    where = Location(*CHIANG_MAI)
    turn = make_turn(event(message_type="location", location=where), storage=storage, state=state)
    await lao.located(turn)
    assert turn.state.data["resume"] == resume  # a guess is confirmed even while asked, not taken at once
    picked = make_turn(event("postback", None, postback="action=set_lao&code=P-5001"), storage=storage,
                       state=turn.state)
    picked.match = {"code": "P-5001"}
    await lao.picked(picked)
    assert "บันทึกพื้นที่ อำเภอเมืองเชียงใหม่ จังหวัดเชียงใหม่" in texts(picked)
    async with storage.transaction() as session:
        assert (await repo.get_user(session, USER)).lao_code == "P-5001"
        row = await session.get(Lao, "P-5001")
        assert (row.type, row.province, row.district) == ("place", "เชียงใหม่", "เมืองเชียงใหม่")
        assert row.subdistrict is None


def test_lookup_is_fast_once_loaded():
    geo_lookup.nearest_district(*BANG_RAK)  # loads the index
    start = time.perf_counter()
    for _ in range(200):
        geo_lookup.nearest_district(*CHIANG_MAI)
    assert (time.perf_counter() - start) / 200 < 0.01  # measured ~0.03 ms a call
