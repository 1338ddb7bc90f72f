"""Working-day arithmetic for review and appeal deadlines (domain.md §2.1), with English bank holidays.

A working day is Monday to Friday and not an England bank holiday (the `holidays` package, subdivision ENG,
which includes substitute days when Christmas or New Year falls at a weekend). Day 1 is the first working day
AFTER the starting event, so a letter dated on a Friday starts counting on Monday. Council office closures
between Christmas and New Year are not bank holidays and so are counted as working days.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from functools import lru_cache

import holidays


@lru_cache(maxsize=64)
def _bank_holidays(year: int) -> frozenset[dt.date]:
    return frozenset(holidays.country_holidays("GB", subdiv="ENG", years=year).keys())


def is_working_day(day: dt.date) -> bool:
    return day.weekday() < 5 and day not in _bank_holidays(day.year)


def add_working_days(start: dt.date, n: int) -> dt.date:
    """The n-th working day after `start` (n >= 0; 0 returns `start` itself)."""
    if n < 0:
        raise ValueError("n must not be negative")
    day = start
    remaining = n
    while remaining:
        day += dt.timedelta(days=1)
        if is_working_day(day):
            remaining -= 1
    return day


def working_days_between(start: dt.date, end: dt.date) -> int:
    """Working days after `start` up to and including `end` (0 when end <= start)."""
    count = 0
    day = start
    while day < end:
        day += dt.timedelta(days=1)
        if is_working_day(day):
            count += 1
    return count


@dataclass(frozen=True)
class Periods:
    """The working-day periods of the two-stage process; the service fills them from settings.panel."""

    stage1_request: int = 20
    stage1_response: int = 20
    stage2_request: int = 20
    stage2_hearing: int = 40
    stage2_letter: int = 5

    def stage1_request_due(self, decision_letter: dt.date) -> dt.date:
        """Last day a parent/carer can ask for a stage 1 review of a decision letter dated `decision_letter`."""
        return add_working_days(decision_letter, self.stage1_request)

    def stage1_response_due(self, request_received: dt.date) -> dt.date:
        return add_working_days(request_received, self.stage1_response)

    def stage2_request_due(self, stage1_letter: dt.date) -> dt.date:
        return add_working_days(stage1_letter, self.stage2_request)

    def stage2_hearing_due(self, stage2_request_received: dt.date) -> dt.date:
        return add_working_days(stage2_request_received, self.stage2_hearing)

    def stage2_letter_due(self, panel_date: dt.date) -> dt.date:
        return add_working_days(panel_date, self.stage2_letter)
