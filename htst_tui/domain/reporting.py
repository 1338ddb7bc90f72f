"""Pure rules for the committee report: reporting periods and terms, and publishing shares safely.

The CYPS Committee receives the service's summary every six months (domain.md §5.4), per term with a trend
against the previous term. Reporting terms cover the whole calendar (Autumn 1 Sep–31 Dec, Spring 1 Jan–31 Mar,
Summer 1 Apr–31 Aug) so that every incident, holiday or not, is counted in exactly one term.

Shares (percentages) about children follow the same disclosure rule as counts (domain/disclosure.py): a share
is published only when its numerator and the rest of its denominator are both zero or at least the threshold,
because "40% of 5" tells a reader that the count is 2 as plainly as "2" does.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from htst_tui.domain.panel_rules import add_months

PERIOD_MONTHS = 6
"""The default period: the six months to today (the committee's cycle)."""

@dataclass(frozen=True)
class Term:
    name: str
    """"Autumn", "Spring" or "Summer"."""
    year: int
    start: dt.date
    end: dt.date

    @property
    def label(self) -> str:
        return f"{self.name} {self.year}"

    def clipped(self, start: dt.date, end: dt.date) -> Term:
        return Term(self.name, self.year, max(self.start, start), min(self.end, end))

    def contains(self, day: dt.date) -> bool:
        return self.start <= day <= self.end


def term_of(day: dt.date) -> Term:
    """The reporting term `day` falls in."""
    y = day.year
    if day.month >= 9:
        return Term("Autumn", y, dt.date(y, 9, 1), dt.date(y, 12, 31))
    if day.month >= 4:
        return Term("Summer", y, dt.date(y, 4, 1), dt.date(y, 8, 31))
    return Term("Spring", y, dt.date(y, 1, 1), dt.date(y, 3, 31))


def previous_term(term: Term) -> Term:
    """The whole term before the one `term` falls in (even when `term` is clipped to a period)."""
    return term_of(term_of(term.start).start - dt.timedelta(days=1))


def terms_between(start: dt.date, end: dt.date) -> list[Term]:
    """The terms a period touches, each clipped to the period (a period may start or end mid-term)."""
    out: list[Term] = []
    day = start
    while day <= end:
        term = term_of(day)
        out.append(term.clipped(start, end))
        day = term.end + dt.timedelta(days=1)
    return out


def default_period(today: dt.date) -> tuple[dt.date, dt.date]:
    return add_months(today, -PERIOD_MONTHS) + dt.timedelta(days=1), today


def parse_period(text: str) -> tuple[dt.date, dt.date]:
    """"2026-09-01..2026-12-31" -> the two dates; ValueError saying what is wrong otherwise."""
    first, sep, last = text.strip().partition("..")
    if not sep:
        raise ValueError(f"{text!r} is not a period: write it as 2026-09-01..2026-12-31")
    try:
        start, end = dt.date.fromisoformat(first.strip()), dt.date.fromisoformat(last.strip())
    except ValueError:
        raise ValueError(f"{text!r} is not a period: both ends must be dates like 2026-09-01") from None
    if end < start:
        raise ValueError(f"the period {text!r} ends before it starts")
    return start, end


def percent(numerator: int, denominator: int) -> str:
    return f"{round(100 * numerator / denominator)}%" if denominator else "—"


def safe_share(numerator: int, denominator: int, threshold: int) -> tuple[str, str]:
    """(count, share) as published about children: the count as a suppressed cell, the share only when neither
    the numerator nor what is left of the denominator is a small count (see the module docstring)."""
    small = 0 < numerator < threshold
    rest = denominator - numerator
    if small:
        return f"<{threshold}", "[c]"
    if 0 < rest < threshold or 0 < denominator < threshold:
        return "[c]", "[c]"
    return str(numerator), percent(numerator, denominator)


def safe_count(value: int, threshold: int) -> str:
    """A single published count about children (no table around it to subtract from)."""
    return f"<{threshold}" if 0 < value < threshold else str(value)
