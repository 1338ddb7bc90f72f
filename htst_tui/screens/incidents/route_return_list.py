"""Route returns: one SQL page at a time, filtered by status, operator, effective-date range and short notice."""

from __future__ import annotations

import dataclasses
from typing import Any

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal
from textual.widgets import Footer, Header, Input, Select

from htst_tui.domain.route_returns import RouteReturnStatus
from htst_tui.screens.incidents.filter_list import FILTER_CSS, FilteredListScreen, cycle, date_or_none
from htst_tui.screens.incidents.form_support import OptionalDate, select_value
from htst_tui.screens.incidents.route_return_form import RouteReturnFormScreen
from htst_tui.services import lookups
from htst_tui.services import route_returns as svc
from htst_tui.services.records import Page
from htst_tui.widgets.paged_table import PagedTable

COLUMNS = [("route", "Route"), ("operator", "Operator"), ("notice_received", "Notice received"),
           ("effective_date", "Effective"), ("notice_days", "Notice days"), ("short_notice", "Short notice"),
           ("children_affected", "Children"), ("status", "Status"), ("reallocated_to", "Reallocated to"),
           ("reallocated_on", "On")]


class RouteReturnListScreen(FilteredListScreen):
    DEFAULT_CSS = FILTER_CSS.format(name="RouteReturnListScreen")
    BINDINGS = [
        Binding("n", "new", "New route return"),
        Binding("s", "cycle_status", "Status filter"),
        Binding("t", "toggle_short", "Short notice only"),
        *FilteredListScreen.COMMON_BINDINGS,
    ]

    def __init__(self) -> None:
        super().__init__()
        self.filter = svc.RouteReturnFilter()

    def compose(self) -> ComposeResult:
        yield Header()
        with Horizontal(classes="filters"):
            yield Select([(s.value.capitalize(), s.value) for s in RouteReturnStatus], prompt="Any status",
                         id="f-status")
            yield Select(lookups.choices(self.app.ctx, "operators"), prompt="Any operator",  # type: ignore[attr-defined]
                         id="f-operator")
            yield Select([("Short notice only", "short")], prompt="Any notice", id="f-short")
            yield Input(placeholder="From YYYY-MM-DD", validators=[OptionalDate()], id="f-from")
            yield Input(placeholder="To YYYY-MM-DD", validators=[OptionalDate()], id="f-to")
        yield PagedTable(self.fetch, COLUMNS, written=self.written,
                         placeholder="Type to search route, operator, reason…")
        yield Footer()

    def fetch(self, search: str, offset: int, limit: int) -> Page:
        return svc.list_route_returns(self.app.ctx, dataclasses.replace(self.filter, search=search),  # type: ignore[attr-defined]
                                      offset, limit)

    def filter_changes(self) -> dict[str, Any]:
        return {
            "status": select_value(self.query_one("#f-status", Select)),
            "operator_id": select_value(self.query_one("#f-operator", Select)),
            "short_notice": select_value(self.query_one("#f-short", Select)) == "short",
            "date_from": date_or_none(self.query_one("#f-from", Input)),
            "date_to": date_or_none(self.query_one("#f-to", Input)),
        }

    def action_cycle_status(self) -> None:
        cycle(self.query_one("#f-status", Select), [s.value for s in RouteReturnStatus])

    def action_toggle_short(self) -> None:
        cycle(self.query_one("#f-short", Select), ["short"])

    def action_new(self) -> None:
        self.app.push_screen(RouteReturnFormScreen())

    def on_paged_table_chosen(self, event: PagedTable.Chosen) -> None:
        self.app.push_screen(RouteReturnFormScreen(event.record_id))
