"""Officers type times in local wall-clock time; the database keeps UTC. This is the one conversion."""

from __future__ import annotations

import datetime as dt

FORMAT = "%Y-%m-%d %H:%M"
EXAMPLE = "2026-09-01 08:30"


def parse_local_datetime(text: str) -> dt.datetime:
    """`2026-09-01 08:30` (or ISO with a T or seconds) in local time -> an aware datetime.

    Raises ValueError with a message that shows the expected form."""
    value = " ".join(text.strip().replace("T", " ").split())
    try:
        parsed = dt.datetime.fromisoformat(value)
    except ValueError:
        raise ValueError(f"must be a date and time like {EXAMPLE}") from None
    return parsed if parsed.tzinfo else parsed.astimezone()


def format_local_datetime(value: dt.datetime | None) -> str:
    return value.astimezone().strftime(FORMAT) if value else ""


def local_day_bounds(day: dt.date) -> tuple[dt.datetime, dt.datetime]:
    """The first instant of `day` and of the next day, in local time (aware), for date-range filters."""
    start = dt.datetime.combine(day, dt.time.min).astimezone()
    end = dt.datetime.combine(day + dt.timedelta(days=1), dt.time.min).astimezone()
    return start, end


def parse_date(text: str) -> dt.date:
    try:
        return dt.date.fromisoformat(text.strip())
    except ValueError:
        raise ValueError("must be a date like 2026-09-01") from None
