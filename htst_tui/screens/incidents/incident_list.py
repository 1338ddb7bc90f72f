"""The incident log: one SQL page at a time, filtered by status, severity, category, operator, school and date
range, plus type-to-search. Single keys cycle the commonest filters while the table has focus.

The school filter is picked in the searchable picker (`screens/picker.py`), as the incident form picks its school:
a drop-down of 3,333 schools built ~46,000 objects with the screen (a second to open it at city scale, and every
full pass of the garbage collector then walked them, mid-typing)."""

from __future__ import annotations

import dataclasses
from typing import Any

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal
from textual.widgets import Header, Input, Select

from htst_tui.domain.incidents import CATEGORY_LABELS, SEVERITY_LABELS, IncidentStatus
from htst_tui.screens.incidents.filter_list import FILTER_CSS, FilteredListScreen, cycle, date_or_none
from htst_tui.screens.incidents.form_support import OptionalDate, select_value
from htst_tui.screens.incidents.incident_form import SCHOOL, IncidentFormScreen
from htst_tui.services import incidents as svc
from htst_tui.services import lookups
from htst_tui.services.records import Page
from htst_tui.widgets.footer import StableFooter
from htst_tui.widgets.model_form import RefPicker
from htst_tui.widgets.paged_table import PagedTable

COLUMNS = [("occurred_at", "Occurred"), ("category_label", "Category"), ("severity_label", "Severity"),
           ("status", "Status"), ("route", "Route"), ("operator", "Operator"), ("school", "School"),
           ("pupil_count", "Pupils"), ("report", "Report")]


class SchoolFilter(RefPicker):
    """"Any school", or the one picked (Enter picks, Delete goes back to any)."""

    DEFAULT_CSS = """
    SchoolFilter { width: 1fr; height: 3; border: tall $border-blurred; padding: 0 2; text-wrap: nowrap;
                   text-overflow: ellipsis; }
    SchoolFilter:focus { border: tall $border; }
    """

    def _render_value(self) -> None:
        school = self.value
        self.show_text(f"{self.titles.get(school, school)} [dim](Del)[/]" if school else "Any school [dim](Enter)[/]")


class IncidentListScreen(FilteredListScreen):
    DEFAULT_CSS = FILTER_CSS.format(name="IncidentListScreen")
    BINDINGS = [
        Binding("n", "new", "New incident"),
        Binding("s", "cycle('f-status')", "Status filter"),
        Binding("v", "cycle('f-severity')", "Severity filter"),
        Binding("c", "cycle('f-category')", "Category filter"),
        *FilteredListScreen.COMMON_BINDINGS,
    ]
    CYCLES: dict[str, list[str]] = {
        "f-status": [s.value for s in IncidentStatus],
        "f-severity": [s.value for s in SEVERITY_LABELS],
        "f-category": [c.value for c in CATEGORY_LABELS],
    }

    def __init__(self) -> None:
        super().__init__()
        self.filter = svc.IncidentFilter()

    def compose(self) -> ComposeResult:
        ctx = self.app.ctx  # type: ignore[attr-defined]
        yield Header()
        with Horizontal(classes="filters"):
            yield Select([(s.value.capitalize(), s.value) for s in IncidentStatus], prompt="Any status",
                         id="f-status")
            yield Select([(v, k.value) for k, v in SEVERITY_LABELS.items()], prompt="Any severity", id="f-severity")
            yield Select([(v, k.value) for k, v in CATEGORY_LABELS.items()], prompt="Any category", id="f-category")
            yield Select(lookups.choices(ctx, "operators"), prompt="Any operator", id="f-operator")
            yield SchoolFilter(SCHOOL, id="f-school")
            yield Input(placeholder="From YYYY-MM-DD", validators=[OptionalDate()], id="f-from")
            yield Input(placeholder="To YYYY-MM-DD", validators=[OptionalDate()], id="f-to")
        yield PagedTable(self.fetch, COLUMNS, written=self.written,
                         placeholder="Type to search description, reporter, route, operator, school…")
        yield StableFooter()

    def fetch(self, search: str, offset: int, limit: int) -> Page:
        return svc.list_incidents(self.app.ctx, dataclasses.replace(self.filter, search=search),  # type: ignore[attr-defined]
                                  offset, limit)

    def filter_changes(self) -> dict[str, Any]:
        return {
            "status": select_value(self.query_one("#f-status", Select)),
            "severity": select_value(self.query_one("#f-severity", Select)),
            "category": select_value(self.query_one("#f-category", Select)),
            "operator_id": select_value(self.query_one("#f-operator", Select)),
            "school_id": self.query_one("#f-school", SchoolFilter).value,
            "date_from": date_or_none(self.query_one("#f-from", Input)),
            "date_to": date_or_none(self.query_one("#f-to", Input)),
        }

    @on(RefPicker.PickRequested)  # the one picker here (its messages name no control to match on)
    def _pick_school(self, event: RefPicker.PickRequested) -> None:
        from htst_tui.screens.picker import pick_into

        pick_into(self, event.picker)

    @on(RefPicker.Changed)
    def _school_changed(self, event: RefPicker.Changed) -> None:
        self.read_filters()

    def action_clear_filters(self) -> None:
        super().action_clear_filters()
        self.query_one("#f-school", SchoolFilter).set_value(None)

    def action_cycle(self, select_id: str) -> None:
        cycle(self.query_one(f"#{select_id}", Select), self.CYCLES[select_id])

    def action_new(self) -> None:
        IncidentFormScreen.show(self.app)

    def on_paged_table_loaded(self, event: PagedTable.Loaded) -> None:
        """The officer sees the log: build the incident form behind it, so even the first Enter opens at once."""
        self.call_after_refresh(IncidentFormScreen.prebuild, self.app, event.table.current_id)

    def on_paged_table_chosen(self, event: PagedTable.Chosen) -> None:
        IncidentFormScreen.show(self.app, event.record_id)

    def on_paged_table_rested(self, event: PagedTable.Rested) -> None:
        if event.still_holds():
            IncidentFormScreen.prepare_ahead(self.app, event.record_id)

    def on_paged_table_reached(self, event: PagedTable.Reached) -> None:
        IncidentFormScreen.read_around(self.app, event.around)
