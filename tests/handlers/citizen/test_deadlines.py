"""Seasonal deadlines: the next date in Thai local time, written with a Buddhist-era year."""
from __future__ import annotations

from datetime import UTC, date, datetime

from handlers.deadlines import local_today, next_date, occurrence, thai_date, upcoming
from knowledge.schema import Deadline


def deadline(month: int, day: int, label: str = "ชำระภายใน") -> Deadline:
    return Deadline(label=label, month=month, day=day, source="s")


def test_thai_date_uses_the_buddhist_era_and_thai_month_abbreviation():
    assert thai_date(date(2027, 4, 30)) == "30 เม.ย. 2570"
    assert thai_date(date(2027, 12, 1)) == "1 ธ.ค. 2570"


def test_the_deadline_day_itself_still_counts():
    assert next_date(deadline(4, 30), date(2027, 4, 30)) == date(2027, 4, 30)


def test_a_passed_deadline_moves_to_next_year():
    assert next_date(deadline(4, 30), date(2027, 5, 1)) == date(2028, 4, 30)


def test_29_february_falls_on_the_28th_in_a_common_year():
    assert occurrence(deadline(2, 29), 2027) == date(2027, 2, 28)
    assert occurrence(deadline(2, 29), 2028) == date(2028, 2, 29)


def test_local_today_is_bangkok_time_not_utc():
    late_utc = datetime(2027, 4, 30, 18, 30, tzinfo=UTC)  # already 1 May 01:30 in Bangkok
    assert local_today(late_utc) == date(2027, 5, 1)
    assert next_date(deadline(4, 30), local_today(late_utc)) == date(2028, 4, 30)


def test_upcoming_sorts_soonest_first_across_the_year_end():
    found = upcoming([deadline(4, 30, "a"), deadline(1, 31, "b"), deadline(12, 31, "c")], date(2027, 6, 1))
    assert [(d.label, day) for d, day in found] == [
        ("c", date(2027, 12, 31)), ("b", date(2028, 1, 31)), ("a", date(2028, 4, 30))]
