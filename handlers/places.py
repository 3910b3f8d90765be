"""Which LAO or place a message means: a typed name (typos and ทต./อบต./เทศบาล prefixes allowed), or the
address of a shared LINE location, resolved offline against the knowledge LAO directory and geothai.

A directory LAO is preferred; a subdistrict the directory does not cover becomes a "place" with the
provisional code "P-<subdistrict geocode>" (its answers use the national defaults). A location with
coordinates but no usable address gives the nearest district instead, "P-<district geocode>" (geo_lookup).
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache
from typing import Any

import geothai
from rapidfuzz import fuzz, process

from handlers import geo_lookup
from knowledge.schema import Lao

FUZZY_CUTOFF = 85.0
MAX_CHOICES = 8
BANGKOK = "10"  # province code: its districts are เขต, already prefixed in geothai, and it is no จังหวัด
_PREFIX = re.compile(r"องค์การบริหารส่วนตำบล|องค์การบริหารส่วนจังหวัด|เทศบาลตำบล|เทศบาลเมือง|เทศบาลนคร|เทศบาล|"
                     r"อบต\.?|อบจ\.?|ทต\.?|ทม\.?|ทน\.?|ตำบล|อำเภอ|จังหวัด|แขวง|เขต|ต\.|อ\.|จ\.")
_NOISE = re.compile(r"ค่ะ|คะ|ครับ|คับ|จ้า|นะ|อยู่ที่|อยู่|บ้าน(?=อยู่)|ผม|หนู|ฉัน|เรา|พื้นที่|ในเขต|ของ")
_MARKED = {"subdistrict": r"(?:ตำบล|ต\.|แขวง)\s*([ก-๙]+)", "district": r"(?:อำเภอ|อ\.|เขต)\s*([ก-๙]+)",
           "province": r"(?:จังหวัด|จ\.)\s*([ก-๙]+)"}
_POSTAL = re.compile(r"(?<!\d)(\d{5})(?!\d)")
_TAMBON_EN = re.compile(r"(?:Tambon|Khwaeng)\s+([A-Za-z][A-Za-z \-]+?)\s*,", re.IGNORECASE)


@dataclass(frozen=True)
class Place:
    code: str  # a directory LAO code, or "P-<subdistrict geocode>"
    name: str
    province: str
    district: str | None = None
    subdistrict: str | None = None
    in_directory: bool = False


def from_lao(lao: Lao) -> Place:
    return Place(lao.code, lao.name, lao.province, lao.district, lao.subdistrict, in_directory=True)


def from_address(kb: Any, address: Any) -> Place:
    """A geothai address as the directory LAO of that subdistrict, or as a place of its own."""
    sub, prov = address.subdistrict.name_th, address.province.name_th
    dist = _bare_district(address.district.name_th)
    for lao in kb.laos.values():
        if (lao.subdistrict, _bare_district(lao.district or ""), lao.province) == (sub, dist, prov):
            return from_lao(lao)
    name = f"ต.{sub} อ.{dist} จ.{prov}"
    return Place(f"P-{address.subdistrict.code}", name, prov, dist, sub)


def short_name(kb: Any, place: Place) -> str:
    """A label-sized name: the LAO's shortest alias ("ทต.บ้านกลาง ลำพูน"), or "บ้านกลาง สันป่าตอง"."""
    lao = kb.laos.get(place.code)
    if lao is not None:
        return min((lao.name, *lao.aliases), key=len)
    return " ".join(part for part in (place.subdistrict, place.district) if part) or place.name


def _bare_district(name: str) -> str:
    return name.removeprefix("เขต")


def core_name(text: str) -> str:
    """The name without LAO prefixes, polite words and spaces: "ทต.เกาะแต้ว ค่ะ" -> "เกาะแต้ว"."""
    return _NOISE.sub("", _PREFIX.sub("", text)).replace(" ", "").strip()


def find_places(kb: Any, text: str, entities: tuple[Any, ...] = ()) -> list[Place]:
    """Candidates for the LAO named in `text`, best first; one means the name is clear."""
    named = dict.fromkeys(e.value for e in entities if e.kind == "lao" and _really_named(kb, e))
    if named:
        return [from_lao(kb.laos[code]) for code in named]
    compact = text.replace(" ", "")
    exact = [lao for lao in kb.laos.values()
             if any(n.replace(" ", "") in compact for n in (lao.name, *lao.aliases))]
    if exact:  # a full name or alias, prefix and all, is not a guess
        return [from_lao(lao) for lao in exact]
    province, district = _province(text, entities), _district(text, entities)
    directory = [from_lao(lao) for lao in _directory_matches(kb, text) if province in (None, lao.province)
                 and district in (None, _bare_district(lao.district or ""))]
    places = directory + [p for p in _geo_matches(kb, text, province, district) if p not in directory]
    return list(dict.fromkeys(places))[:MAX_CHOICES]


def _really_named(kb: Any, entity: Any) -> bool:
    """Guards against a loose fuzzy hit: the found text must resemble the LAO's own name."""
    lao = kb.laos.get(entity.value)
    if lao is None:
        return False
    found = core_name(entity.text)
    return any(fuzz.ratio(found, core_name(n)) >= FUZZY_CUTOFF for n in (lao.name, *lao.aliases))


def _directory_matches(kb: Any, text: str) -> list[Lao]:
    wanted = core_name(text)
    if len(wanted) < 2:
        return []
    found = []
    for lao in kb.laos.values():
        cores = {core_name(n).split(" ")[0] for n in (lao.name, *lao.aliases)}
        cores = {_strip_province(c, lao.province) for c in cores}
        if any(c and (c in wanted or fuzz.ratio(c, wanted) >= FUZZY_CUTOFF) for c in cores):
            found.append(lao)
    return found


def _strip_province(core: str, province: str) -> str:
    return core.removesuffix(province) if core != province else core


def _province(text: str, entities: tuple[Any, ...]) -> str | None:
    for entity in entities:
        if entity.kind == "province":
            province = geothai.province(entity.value)
            if province is not None:
                return province.name_th
    names = [p.name_th for p in geothai.provinces() if p.name_th in text]
    return max(names, key=len) if names else None


def _district(text: str, entities: tuple[Any, ...]) -> str | None:
    for entity in entities:
        if entity.kind == "district" and (district := geothai.district(entity.value)) is not None:
            return _bare_district(district.name_th)
    marked = re.search(_MARKED["district"], text)
    return marked.group(1) if marked else None


def _geo_matches(kb: Any, text: str, province: str | None, district_name: str | None) -> list[Place]:
    marked = re.search(_MARKED["subdistrict"], text)
    candidate = marked.group(1) if marked else _leftover_name(text, province, district_name)
    if len(candidate) < 2:
        return []
    addresses = geothai.match(candidate, district=district_name, province=province) or _fuzzy(
        candidate, district_name, province)
    return [from_address(kb, a) for a in addresses]


def _leftover_name(text: str, province: str | None, district: str | None) -> str:
    rest = text
    for name in (province, district):
        if name:
            rest = rest.replace(name, " ")
    return core_name(re.sub(r"\s+", " ", rest)).split(" ")[0]


def _fuzzy(name: str, district: str | None, province: str | None) -> list[Any]:
    """Typo-tolerant: the closest subdistrict names (e.g. "เกาะแตว" -> เกาะแต้ว)."""
    hits = process.extract(name, _subdistrict_names(), scorer=fuzz.ratio, score_cutoff=FUZZY_CUTOFF, limit=3)
    best = [hit[0] for hit in hits if hit[1] >= hits[0][1]] if hits else []
    return [a for n in best for a in geothai.match(n, district=district, province=province)]


@cache
def _subdistrict_names() -> list[str]:
    return sorted({s.name_th for p in geothai.provinces() for d in geothai.districts(p.code)
                   for s in geothai.subdistricts(d.code)})


def from_location_address(kb: Any, address: str | None) -> Place | None:
    """The place a LINE location's address names (ตำบล/อำเภอ/จังหวัด and postal code), or None."""
    if not address:
        return None
    parts = {level: m.group(1) for level, pattern in _MARKED.items() if (m := re.search(pattern, address))}
    postal = _POSTAL.search(address)
    english = _TAMBON_EN.search(address)
    sub = parts.get("subdistrict") or (english.group(1).strip() if english else None)
    if sub is None:
        return None
    named = [p.name_th for p in geothai.provinces() if p.name_th in address]
    province = parts.get("province") or (named[0] if named else None)
    matches = geothai.match(sub, district=parts.get("district"), province=province,
                            postal_code=postal.group(1) if postal else None)
    return from_address(kb, matches[0]) if len(matches) == 1 else None


def from_coordinates(kb: Any, lat: float, lon: float, address: str | None = None) -> Place | None:
    """The district nearest to a shared point (approximate: the user must confirm it), or None outside
    Thailand. When the address names provinces but not the district's, the point is not trusted."""
    district = geo_lookup.nearest_district(lat, lon)
    if district is None:
        return None
    place = from_district(kb, district)
    named = [p.name_th for p in geothai.provinces() if p.name_th in (address or "")]
    return None if named and place.province not in named else place


def from_district(kb: Any, district: geothai.District) -> Place:
    """A geothai district as a place "P-<district geocode>". A directory LAO registered under that code
    (e.g. เทศบาลนครลำปาง, P-5201) is that place, as from_address prefers the directory."""
    lao = kb.laos.get(f"P-{district.code}")
    if lao is not None:
        return from_lao(lao)
    province = geothai.province(district.province_code)
    assert province is not None  # geothai's districts all belong to one of its provinces
    if district.province_code == BANGKOK:  # เขตบางรัก กรุงเทพมหานคร
        name = f"{district.name_th} {province.name_th}"
    else:  # อำเภอเมืองเชียงใหม่ จังหวัดเชียงใหม่
        name = f"อำเภอ{district.name_th} จังหวัด{province.name_th}"
    return Place(f"P-{district.code}", name, province.name_th, _bare_district(district.name_th))
