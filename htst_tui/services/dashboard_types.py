"""What a feature tells the Home dashboard: items that are due or overdue.

Each feature exposes `due_items(ctx, today) -> list[DueItem]` in its service module and lists it in
`DASHBOARD_PROVIDERS` (services/dashboard.py), so Home shows reviews, appeal deadlines, overdue follow-ups,
late incident reports and unallocated route returns without knowing about any of them.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Protocol

from htst_tui.services.context import ServiceContext


@dataclass(frozen=True)
class DueItem:
    section: str
    """Heading the item shows under, e.g. "Follow-ups", "Reviews and appeals"."""
    title: str
    """One line, no child's full name (the dashboard may be seen over a shoulder)."""
    due: dt.date | None
    overdue: bool
    screen: str = ""
    """Registry name of the screen that deals with it (Enter on the item opens it)."""
    record_id: str | None = None
    urgent: bool = False
    """Stands out even when not overdue (e.g. an open Critical incident)."""


class DueProvider(Protocol):
    def __call__(self, ctx: ServiceContext, today: dt.date) -> list[DueItem]: ...


SECTION_LIMIT = 50
"""A provider lists at most this many items of one kind, the most pressing first (earliest due), then one line
saying how many more (`more_line`): Home shows a screenful, so it never builds thousands of items."""


def more_line(section: str, more: int, what: str, screen: str) -> list[DueItem]:
    """The line closing a section cut at SECTION_LIMIT, opening the screen with the whole list (none when
    nothing more). Undated and not urgent, so Home sorts it after the items it stands for."""
    if more <= 0:
        return []
    return [DueItem(section, f"…and {more:,} more {what} (Enter opens the list)", None, False, screen=screen)]
