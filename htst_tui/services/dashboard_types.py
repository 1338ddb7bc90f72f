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
