"""Lint rules on the LAO directory: names of places exist in geothai, provisional codes match them."""

from __future__ import annotations

import geothai

from knowledge.base import KnowledgeBase
from knowledge.problems import Problem, error
from knowledge.schema import Lao


def _expected_code(lao: Lao) -> tuple[str | None, str | None]:
    """(geocode the provisional code should carry, problem) from province/district/subdistrict names."""
    provinces = [p for p in geothai.provinces() if p.name_th == lao.province]
    if not provinces:
        return None, f"province '{lao.province}' not found in geothai"
    if lao.district is None:
        return provinces[0].code, None
    districts = [d for d in geothai.districts(provinces[0].code) if d.name_th == lao.district]
    if not districts:
        return None, f"district '{lao.district}' not found in {lao.province} (geothai)"
    if lao.subdistrict is None:
        return districts[0].code, None
    subs = [s for s in geothai.subdistricts(districts[0].code) if s.name_th == lao.subdistrict]
    if not subs:
        return None, f"subdistrict '{lao.subdistrict}' not found in {lao.district}, {lao.province} (geothai)"
    return subs[0].code, None


def check_laos(kb: KnowledgeBase) -> list[Problem]:
    problems = []
    for code, lao in kb.laos.items():
        origin = kb.origins[f"lao:{code}"]
        geocode, problem = _expected_code(lao)
        if problem:
            problems.append(error(origin.path, origin.line("district"), problem))
            continue
        if lao.subdistrict and not lao.district:
            problems.append(
                error(origin.path, origin.line("subdistrict"), "subdistrict given without district")
            )
        if code.startswith("P-") and code != f"P-{geocode}":
            problems.append(
                error(
                    origin.path,
                    origin.line("code"),
                    f"provisional code should be P-{geocode} (the geocode of the place named)",
                )
            )
        if code.startswith("P-") and lao.code_verified:
            problems.append(
                error(origin.path, origin.line("code_verified"), "a provisional code is not verified")
            )
        if code.startswith("ORG-") and lao.type != "university":
            problems.append(
                error(origin.path, origin.line("code"), "ORG- codes are for partners that are not LAOs")
            )
    return problems
