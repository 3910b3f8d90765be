"""The mentor directory (laos/mentors.yaml), regions.yaml, and `lao list`."""

from __future__ import annotations

import subprocess
import sys

import pytest

from knowledge.directory import format_lao, format_laos, list_laos, province_name
from knowledge.lint_laos import check_laos
from knowledge.loader import collect
from knowledge.schema import REGIONS
from knowledge.tools.build_regions import render
from knowledge.yamlsrc import read_yaml
from tests.knowledge.conftest import REAL_ROOT, REPO


@pytest.fixture(scope="module")
def kb():  # type: ignore[no-untyped-def]
    return collect(REAL_ROOT)[0]


@pytest.fixture(scope="module")
def mentors(kb):  # type: ignore[no-untyped-def]
    return [lao for code, lao in kb.laos.items() if kb.origins[f"lao:{code}"].path == "laos/mentors.yaml"]


def test_fourteen_entries_thirteen_mentors_and_burapha(mentors) -> None:  # type: ignore[no-untyped-def]
    assert len(mentors) == 14
    assert sum(lao.is_mentor for lao in mentors) == 13
    (partner,) = [lao for lao in mentors if not lao.is_mentor]
    assert partner.type == "university" and partner.code.startswith("ORG-")
    types = [lao.type for lao in mentors if lao.is_mentor]
    assert (
        types.count("municipality_city"),
        types.count("municipality_town"),
        types.count("municipality_subdistrict"),
        types.count("sao"),
    ) == (1, 4, 7, 1)


def test_codes_unique_in_the_file() -> None:
    raw = read_yaml(REAL_ROOT, REAL_ROOT / "laos" / "mentors.yaml").data["laos"]
    codes = [entry["code"] for entry in raw]
    assert len(codes) == len(set(codes)) == 14
    assert sum(entry.get("code_verified", False) for entry in raw) == 1  # only เกาะแต้ว's code is official


def test_regions_valid_and_match_provinces(kb, mentors) -> None:  # type: ignore[no-untyped-def]
    for lao in mentors:
        assert lao.region in REGIONS
        assert kb.regions[lao.province] == lao.region, lao.name
    assert {lao.region for lao in mentors if lao.is_mentor} == {
        "north",
        "northeast",
        "central",
        "east",
        "south",
    }


def test_mentor_entries_pass_the_lao_lint(kb) -> None:  # type: ignore[no-untyped-def]
    problems = [p for p in check_laos(kb) if p.path == "laos/mentors.yaml"]
    assert problems == []


def test_unverified_entries_are_marked(mentors) -> None:  # type: ignore[no-untyped-def]
    unverified = {lao.code for lao in mentors if not lao.verified}
    assert unverified == {"P-210801", "P-720212"}  # นิคมพัฒนา (Rayong) and ป่าสะแก: domain.md marks them
    assert all(lao.note for lao in mentors if not lao.verified)


def test_regions_file_is_generated_and_complete(kb) -> None:  # type: ignore[no-untyped-def]
    assert (REAL_ROOT / "regions.yaml").read_text(encoding="utf-8") == render()
    assert len(kb.regions) == 77
    counts = {r: list(kb.regions.values()).count(r) for r in REGIONS}
    assert counts == {"north": 9, "northeast": 20, "central": 22, "east": 7, "west": 5, "south": 14}


def test_list_and_format(kb) -> None:  # type: ignore[no-untyped-def]
    mentors_only = list_laos(kb, mentors_only=True)
    assert all(lao.is_mentor for lao in mentors_only) and len(mentors_only) >= 13
    in_chonburi = list_laos(kb, province="จ.ชลบุรี")
    assert {lao.province for lao in in_chonburi} == {"ชลบุรี"} and len(in_chonburi) >= 3
    assert province_name(" จังหวัดลำปาง ") == "ลำปาง"
    line = format_lao(kb.laos["05900104"])
    assert line.split("\t") == ["05900104", "เทศบาลตำบลเกาะแต้ว", "municipality_subdistrict", "สงขลา", "south"]
    assert len(format_laos(in_chonburi).splitlines()) == len(in_chonburi)


def test_cli_lao_list() -> None:
    result = subprocess.run(
        [sys.executable, str(REPO / "app.py"), "lao", "list", "--mentors"],
        capture_output=True,
        text=True,
        cwd=REPO,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    rows = [line.split("\t") for line in result.stdout.splitlines()]
    assert len(rows) >= 13 and all(len(row) == 5 for row in rows)
    assert ["05900104", "เทศบาลตำบลเกาะแต้ว", "municipality_subdistrict", "สงขลา", "south"] in rows
    unknown = subprocess.run(
        [sys.executable, str(REPO / "app.py"), "lao", "list", "--province", "Atlantis"],
        capture_output=True,
        text=True,
        cwd=REPO,
        timeout=120,
    )
    assert unknown.returncode == 1 and "unknown province" in unknown.stderr
