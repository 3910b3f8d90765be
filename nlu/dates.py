"""Dates, Thai months, Buddhist-era years and amounts of money in normalised text."""
from __future__ import annotations

import re
from datetime import date

from pythainlp.util import thaiword_to_num

from nlu.literals import trie_pattern
from nlu.types import Entity

_MONTHS = [
    ("มกราคม", "ม.ค."), ("กุมภาพันธ์", "ก.พ."), ("มีนาคม", "มี.ค."), ("เมษายน", "เม.ย."),
    ("พฤษภาคม", "พ.ค."), ("มิถุนายน", "มิ.ย."), ("กรกฎาคม", "ก.ค."), ("สิงหาคม", "ส.ค."),
    ("กันยายน", "ก.ย."), ("ตุลาคม", "ต.ค."), ("พฤศจิกายน", "พ.ย."), ("ธันวาคม", "ธ.ค."),
]


def _month_forms() -> dict[str, int]:
    forms: dict[str, int] = {}
    for number, (full, abbr) in enumerate(_MONTHS, start=1):
        bare = abbr.replace(".", "")
        for form in (full, abbr, bare, abbr[:-1], full[:-2] if full.endswith(("คม", "ยน")) else full,
                     full[:-3] if full.endswith("ธ์") else full):
            forms[form] = number
    forms.pop("พฤษภา", None)
    forms.update({"พฤษภา": 5, "พฤษภ": 5, "มิถุนา": 6, "กรกฎา": 7, "สิงหา": 8, "กันยา": 9, "ตุลา": 10,
                  "พฤศจิกา": 11, "ธันวา": 12, "มกรา": 1, "กุมภา": 2, "มีนา": 3, "เมษา": 4})
    return forms


MONTH_FORMS = _month_forms()
_MONTH_RE = trie_pattern(MONTH_FORMS)  # the longest form at a position, as longest-first `|` would
_ANY_MONTH = re.compile(_MONTH_RE)
DIGIT = re.compile(r"\d")  # dates, amounts and form codes all hold one (the digits \d matches)
_YEAR = r"(?:พ\.?ศ\.?\s?|ค\.?ศ\.?\s?|ปี\s?)?(\d{4}|\d{2})(?!\d)"
_DAY_MONTH = re.compile(rf"(?<!\d)(\d{{1,2}})\s?(?:{_MONTH_RE})\.?(?:\s?{_YEAR})?")
_MONTH_YEAR = re.compile(rf"(?:เดือน\s?)?(?<![ก-๙])({_MONTH_RE})\.?(?:\s?{_YEAR})?")
_NUMERIC = re.compile(r"(?<![\d/])(\d{1,2})/(\d{1,2})/(\d{4}|\d{2})(?![\d/])")
_YEAR_ONLY = re.compile(r"(?:พ\.?ศ\.?|ปี)\s?(25\d{2}|19\d{2}|20\d{2})(?!\d)")
_RELATIVE = {"วันนี้": "+0", "พรุ่งนี้": "+1", "มะรืนนี้": "+2", "มะรืน": "+2", "เมื่อวานนี้": "-1",
             "เมื่อวานซืน": "-2", "เมื่อวาน": "-1"}
_RELATIVE_RE = re.compile("|".join(sorted(_RELATIVE, key=len, reverse=True)))
_AMOUNT = re.compile(r"(?:฿\s?)?(\d{1,3}(?:,\d{3})+|\d+)(?:\.(\d{1,2}))?\s?(?:บาท|฿|บ\.)")
_NUMBER_WORDS = "หนึ่ง|สอง|สาม|สี่|ห้า|หก|เจ็ด|แปด|เก้า|สิบ|ยี่|เอ็ด|ร้อย|พัน|หมื่น|แสน|ล้าน"
_THAI_NUMBER = re.compile(rf"((?:{_NUMBER_WORDS})+)\s?บาท")


def to_ce_year(raw: str) -> int:
    """A written year to the common era: 2567 -> 2024, 67 -> 2024 (two digits are Buddhist era)."""
    year = int(raw)
    if year < 100:
        year += 2500
    return year - 543 if year > 2400 else year


def _iso(year: str | None, month: int, day: int | None) -> str:
    """ISO 8601, with "--MM" / "--MM-DD" when the year is not written."""
    y = f"{to_ce_year(year):04d}" if year else "-"
    if day is None:
        return f"{y}-{month:02d}"
    try:
        date(int(y) if year else 2024, month, day)  # 2024: a leap year, so 29 February passes
    except ValueError:
        return f"{y}-{month:02d}"
    return f"{y}-{month:02d}-{day:02d}"


def find_dates(text: str) -> list[Entity]:
    """ISO values (YYYY-MM-DD, YYYY-MM, --MM-DD without a year); relative words as +N/-N days.

    Most messages hold no digit and no month: a pass whose pattern needs one is skipped (one cheap
    scan each instead of four passes)."""
    found: list[Entity] = []
    taken: list[tuple[int, int]] = []
    digits, months = DIGIT.search(text) is not None, _ANY_MONTH.search(text) is not None
    for m in _DAY_MONTH.finditer(text) if digits and months else ():
        month = _month_in(m.group(0)[len(m.group(1)) :])
        found.append(Entity("date", m.group(0), _iso(m.group(2), month, int(m.group(1))), m.start(), m.end()))
        taken.append(m.span())
    for m in _NUMERIC.finditer(text) if digits else ():
        day, month = int(m.group(1)), int(m.group(2))
        if 1 <= month <= 12 and 1 <= day <= 31:
            found.append(Entity("date", m.group(0), _iso(m.group(3), month, day), m.start(), m.end()))
            taken.append(m.span())
    for m in _MONTH_YEAR.finditer(text) if months else ():
        if not _overlaps(m.span(), taken):
            found.append(Entity("month", m.group(0), _iso(m.group(2), MONTH_FORMS[m.group(1)], None),
                                m.start(), m.end()))
            taken.append(m.span())
    for m in _YEAR_ONLY.finditer(text) if digits else ():
        if not _overlaps(m.span(), taken):
            found.append(Entity("year", m.group(0), str(to_ce_year(m.group(1))), m.start(), m.end()))
    found += [Entity("date", m.group(0), _RELATIVE[m.group(0)], m.start(), m.end())
              for m in _RELATIVE_RE.finditer(text)]
    return found


def _month_in(fragment: str) -> int:
    match = _ANY_MONTH.search(fragment)
    return MONTH_FORMS[match.group(0)] if match else 0


def _overlaps(span: tuple[int, int], taken: list[tuple[int, int]]) -> bool:
    return any(span[0] < end and start < span[1] for start, end in taken)


def find_amounts(text: str) -> list[Entity]:
    """Money in baht as a plain decimal string ("38624.70", "500")."""
    found = []
    for m in _AMOUNT.finditer(text) if DIGIT.search(text) else ():  # digits are needed
        value = m.group(1).replace(",", "") + (f".{m.group(2)}" if m.group(2) else "")
        found.append(Entity("amount", m.group(0), value, m.start(), m.end()))
    for m in _THAI_NUMBER.finditer(text) if "บาท" in text else ():
        try:
            found.append(Entity("amount", m.group(0), str(thaiword_to_num(m.group(1))), m.start(), m.end()))
        except ValueError:
            continue
    return found
