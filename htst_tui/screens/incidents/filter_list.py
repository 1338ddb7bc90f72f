"""What the incident and route-return lists share: a filter bar of Selects and date Inputs above a PagedTable,
the filter kept as a frozen dataclass the worker thread can read safely, and single keys that cycle filters."""

from __future__ import annotations

import dataclasses
import datetime as dt
from typing import Any

from textual import on
from textual.binding import Binding
from textual.widgets import Input, Select

from htst_tui.domain.local_time import parse_date
from htst_tui.screens.incidents.form_support import select_value
from htst_tui.screens.kept_frame import FrameKeptScreen
from htst_tui.services.change_mark import records_written
from htst_tui.widgets.paged_table import PagedTable

FILTER_CSS = """
{name} .filters {{ height: auto; }}
{name} .filters Select {{ width: 1fr; }}
{name} .filters Input {{ width: 16; }}
"""


def cycle(widget: Select[str], options: list[str]) -> None:
    """Move a filter Select to its next option, wrapping through "any"."""
    current = select_value(widget)
    order: list[str | None] = [None, *options]
    nxt = order[(order.index(current) + 1) % len(order)] if current in order else None
    widget.value = Select.NULL if nxt is None else nxt


def date_or_none(widget: Input) -> dt.date | None:
    try:
        return parse_date(widget.value) if widget.value.strip() else None
    except ValueError:
        return None


class FilteredListScreen(FrameKeptScreen[None]):
    """Subclasses compose a `.filters` bar and a PagedTable, set `self.filter`, and map widgets to filter fields
    in `filter_changes()`."""

    COMMON_BINDINGS = [
        Binding("x", "clear_filters", "Clear filters"),
        Binding("slash", "search", "Search"),
    ]

    filter: Any

    def filter_changes(self) -> dict[str, Any]:
        """Filter field -> value read from the filter bar."""
        return {}

    def on_mount(self) -> None:
        self.query_one(PagedTable).table.focus()

    def on_screen_resume(self) -> None:
        self.query_one(PagedTable).shown_again()

    def written(self) -> int:
        """The local write number, for the list's PagedTable (read in its worker thread)."""
        return records_written(self.app.ctx)  # type: ignore[attr-defined]

    def read_filters(self) -> None:
        new = dataclasses.replace(self.filter, **self.filter_changes())
        if new != self.filter:
            self.filter = new
            table = self.query_one(PagedTable)
            table.page_start = 0
            table.reload()

    @on(Select.Changed, ".filters Select")
    def _select_changed(self, event: Select.Changed) -> None:
        self.read_filters()

    @on(Input.Changed, ".filters Input")
    def _date_changed(self, event: Input.Changed) -> None:
        event.stop()
        self.read_filters()

    def action_clear_filters(self) -> None:
        for widget in self.query(".filters Select").results(Select):
            widget.clear()
        for box in self.query(".filters Input").results(Input):
            box.value = ""

    def action_search(self) -> None:
        self.query_one(PagedTable).action_focus_search()
