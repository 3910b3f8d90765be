"""LAO directory lookups for `thongthin lao list`."""

from __future__ import annotations

import re

from knowledge.base import KnowledgeBase
from knowledge.schema import Lao

_PROVINCE_PREFIX = re.compile(r"^(จังหวัด|จ\.)\s*")


def province_name(name: str) -> str:
    """ "จ.ลำปาง" / "จังหวัดลำปาง" / " ลำปาง " -> "ลำปาง"."""
    return _PROVINCE_PREFIX.sub("", name.strip()).strip()


def list_laos(kb: KnowledgeBase, mentors_only: bool = False, province: str | None = None) -> list[Lao]:
    """LAOs in directory order, optionally only mentors and/or only one province (Thai name)."""
    wanted = province_name(province) if province else None
    return [
        lao
        for lao in kb.laos.values()
        if (not mentors_only or lao.is_mentor) and (wanted is None or lao.province == wanted)
    ]


def format_lao(lao: Lao) -> str:
    """code, Thai name, type, province, region — tab-separated."""
    return "\t".join((lao.code, lao.name, lao.type, lao.province, lao.region))


def format_laos(laos: list[Lao]) -> str:
    return "\n".join(format_lao(lao) for lao in laos)
