"""Spot checks, the top-level screen: past visits, start a new one, operator compliance.

Opening it resumes this device's unfinished visit (and vehicle) from the last few hours, so a closed lid or a
crash at the gate costs nothing but reopening the app.
"""

from __future__ import annotations

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.screen import Screen
from textual.widgets import Footer, Header

from htst_tui.screens.context import service_context
from htst_tui.screens.spot_check.start_visit import StartVisitScreen
from htst_tui.screens.spot_check.visit import VisitScreen
from htst_tui.services import spot_checks as svc
from htst_tui.widgets.paged_table import PagedTable


class SpotChecksScreen(Screen[None]):
    BINDINGS = [
        Binding("n", "new_visit", "New visit"),
        Binding("p", "compliance", "Operator compliance"),
        Binding("escape", "back", "Back", show=False),
    ]

    def compose(self) -> ComposeResult:
        yield Header()
        ctx = service_context(self)
        yield PagedTable(lambda search, offset, limit: svc.list_visits(ctx, search, offset, limit),
                         [("started_at", "Started"), ("school", "School"), ("officers", "Officers"),
                          ("licensing_attended", "Licensing"), ("vehicles", "Vehicles"), ("state", "State")],
                         placeholder="Search visits by school or officer…")
        yield Footer()

    def on_mount(self) -> None:
        resume = svc.resume_point(service_context(self))
        if resume:
            visit, check_id = resume
            self.open_visit(visit.id, check_id)
        else:
            self.query_one(PagedTable).table.focus()

    def open_visit(self, visit_id: str, resume_check: str | None = None) -> None:
        self.app.push_screen(VisitScreen(visit_id, resume_check), lambda _: self.query_one(PagedTable).reload())

    @on(PagedTable.Chosen)
    def _chosen(self, event: PagedTable.Chosen) -> None:
        self.open_visit(event.record_id)

    def action_new_visit(self) -> None:
        def started(visit_id: str | None) -> None:
            if visit_id:
                self.open_visit(visit_id)

        self.app.push_screen(StartVisitScreen(), started)

    def action_compliance(self) -> None:
        from htst_tui.screens.spot_check.compliance import ComplianceScreen

        self.app.push_screen(ComplianceScreen())

    def action_back(self) -> None:
        if len(self.app.screen_stack) > 1:
            self.app.pop_screen()
