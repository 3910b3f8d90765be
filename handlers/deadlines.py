"""Seasonal awareness: the next date of a yearly deadline, in Thai local time, written the Thai way."""
from __future__ import annotations

import calendar
from collections.abc import Iterable
from datetime import date, datetime
from zoneinfo import ZoneInfo

from pythainlp.util import thai_strftime

from knowledge.schema import Deadline

DEFAULT_TIMEZONE = "Asia/Bangkok"


def local_today(now: datetime, timezone: str = DEFAULT_TIMEZONE) -> date:
    """The calendar day in Thailand at `now` (an aware instant): a deadline ends at local midnight."""
    return now.astimezone(ZoneInfo(timezone)).date()


def occurrence(deadline: Deadline, year: int) -> date:
    """The deadline's day in `year`; 29 February falls on the 28th in common years."""
    last_day = calendar.monthrange(year, deadline.month)[1]
    return date(year, deadline.month, min(deadline.day, last_day))


def next_date(deadline: Deadline, today: date) -> date:
    """The deadline's next day on or after `today` (today itself still counts)."""
    this_year = occurrence(deadline, today.year)
    return this_year if this_year >= today else occurrence(deadline, today.year + 1)


def upcoming(deadlines: Iterable[Deadline], today: date) -> list[tuple[Deadline, date]]:
    """Every deadline with its next date, soonest first."""
    return sorted(((d, next_date(d, today)) for d in deadlines), key=lambda pair: pair[1])


def thai_date(day: date) -> str:
    """e.g. 30 เม.ย. 2570 (Buddhist-era year, as Thai readers expect)."""
    return thai_strftime(datetime(day.year, day.month, day.day), "%-d %b %Y")
