"""Step 5: what handlers need from a message — LAO, province, district, subdistrict, dates, amounts.

Place names are matched exactly first (LAO names and aliases anywhere; provinces anywhere; districts and
subdistricts after a marker word such as อำเภอ/ตำบล/เขต/แขวง), then typo-tolerantly with rapidfuzz
(score >= FUZZY_CUTOFF) after a marker only, so ordinary words are never taken for the many short names.
"""
from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from typing import Any

import geothai
from rapidfuzz import fuzz, process

from nlu import dates
from nlu.dates import find_amounts, find_dates
from nlu.literals import trie_regex
from nlu.types import Entity

FUZZY_CUTOFF = 88.0
_RUN = r"([ก-๙a-z0-9]+(?: [ก-๙]+)?)"
_MARKERS = {
    "subdistrict": r"(?:ตำบล|ต\.|แขวง)\s?",
    "district": r"(?:อำเภอ|อ\.|เขต)\s?",
    "province": r"(?:จังหวัด|จ\.)\s?",
}
_LAO_MARKER = re.compile(r"องค์การบริหารส่วน(?:ตำบล|จังหวัด)|เทศบาล(?:ตำบล|เมือง|นคร)?")
_FORM_CODE = re.compile(r"ภ\.ด\.ส\.\d|ภ\.ป\.\d|(?<![ก-๙])(?:ข|อ|ร)\.\s?\d(?!\d)|มาตรา 39 ทวิ")


def _geo_names() -> dict[str, dict[str, str]]:
    """level -> name -> DOPA code. A name shared by several areas keeps the first code (ambiguous)."""
    names: dict[str, dict[str, str]] = {"province": {}, "district": {}, "subdistrict": {}}
    for p in geothai.provinces():
        names["province"].setdefault(p.name_th, p.code)
        for d in geothai.districts(p.code):
            # Bangkok districts are stored as "เขตบางนา"; the marker is matched separately
            names["district"].setdefault(d.name_th.removeprefix("เขต"), d.code)
            for s in geothai.subdistricts(d.code):
                names["subdistrict"].setdefault(s.name_th, s.code)
    names["province"]["กรุงเทพ"] = names["province"]["กรุงเทพมหานคร"]
    return names


def _alternation(names: Iterable[str]) -> re.Pattern[str] | None:
    """Names of 3+ characters, the longest at a position (a trie: one path per position, not a try of
    every name)."""
    return trie_regex({n for n in names if len(n) >= 3})


class EntityExtractor:
    def __init__(self, laos: Iterable[Any] = (), normalize: Callable[[str], str] = str.lower) -> None:
        self._geo = _geo_names()
        # names by first character: a fuzzy match then scans a few hundred names, not all ~7,400
        # subdistricts (that scan was the slowest step of a message that names a ตำบล; typos in the first
        # character are rare, and the exact and prefix matches below do not depend on it)
        self._geo_keys: dict[str, dict[str, list[str]]] = {}
        for level, names in self._geo.items():
            for name in names:
                self._geo_keys.setdefault(level, {}).setdefault(name[:1], []).append(name)
        self._lao_names: dict[str, str] = {}
        for lao in laos:
            for name in (lao.name, *lao.aliases):
                self._lao_names.setdefault(normalize(name), lao.code)
        self._lao_re = _alternation(self._lao_names)
        self._province_re = _alternation(self._geo["province"])
        self._marked = {level: re.compile(marker + _RUN) for level, marker in _MARKERS.items()}

    def extract(self, text: str) -> tuple[Entity, ...]:
        found = [*self._laos(text), *self._places(text), *self._form_codes(text),
                 *find_dates(text), *find_amounts(text)]
        return tuple(sorted(found, key=lambda e: (e.start, e.kind)))

    def _laos(self, text: str) -> list[Entity]:
        found = [Entity("lao", m.group(0), self._lao_names[m.group(0)], m.start(), m.end())
                 for m in self._lao_re.finditer(text)] if self._lao_re else []
        if found or not self._lao_names:
            return found
        for m in _LAO_MARKER.finditer(text):
            window = text[m.start() : m.start() + 60].split(" ")[0]
            hit = process.extractOne(window, list(self._lao_names), scorer=fuzz.partial_ratio,
                                     score_cutoff=FUZZY_CUTOFF)
            if hit:
                found.append(Entity("lao", window[: len(hit[0])], self._lao_names[hit[0]], m.start(),
                                    m.start() + len(hit[0])))
        return found

    def _places(self, text: str) -> list[Entity]:
        found: list[Entity] = []
        for level, pattern in self._marked.items():
            for m in pattern.finditer(text):
                entity = self._name_at(level, m.group(1), m.start(1))
                if entity is not None:
                    found.append(entity)
        spans = {(e.start, e.end) for e in found}
        if self._province_re:
            for m in self._province_re.finditer(text):
                if (m.start(), m.end()) not in spans:
                    found.append(Entity("province", m.group(0), self._geo["province"][m.group(0)],
                                        m.start(), m.end()))
        return found

    def _name_at(self, level: str, run: str, start: int) -> Entity | None:
        """The word after a marker as a name: exact, else its closest name, else the longest known prefix.

        Fuzzy before prefix: "ห้วยขะยุ่ง" (a typo) must become ห้วยขะยุง, not the shorter name ห้วย.
        """
        names = self._geo[level]
        word = re.split(r"[ \-]", run, maxsplit=1)[0]
        if word in names:
            return Entity(level, word, names[word], start, start + len(word))
        hit = process.extractOne(word, self._geo_keys.get(level, {}).get(word[:1], ()), scorer=fuzz.ratio,
                                score_cutoff=FUZZY_CUTOFF)
        if hit is not None:
            return Entity(level, word, names[hit[0]], start, start + len(word))
        for end in range(len(run), 2, -1):
            if run[:end] in names:
                return Entity(level, run[:end], names[run[:end]], start, start + end)
        return None

    @staticmethod
    def _form_codes(text: str) -> list[Entity]:
        if not dates.DIGIT.search(text):  # every form code holds a digit
            return []
        return [Entity("form_code", m.group(0), m.group(0).replace(" ", ""), m.start(), m.end())
                for m in _FORM_CODE.finditer(text)]
