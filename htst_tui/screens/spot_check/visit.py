"""One visit: the vehicles checked so far; `a` checks the next one."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.binding import Binding
from textual.screen import Screen
from textual.widgets import DataTable, Footer, Header, Static

from htst_tui.domain import spot_checks as sc
from htst_tui.errors import HtstError
from htst_tui.screens.context import service_context
from htst_tui.screens.spot_check.vehicle import VehicleCheckScreen
from htst_tui.services import spot_checks as svc
from htst_tui.widgets.formatting import display_value
from htst_tui.widgets.modals import ConfirmModal


class VisitScreen(Screen[None]):
    DEFAULT_CSS = "VisitScreen #visit-head { padding: 0 1; height: auto; }"
    BINDINGS = [
        Binding("a", "add_vehicle", "Add vehicle"),
        Binding("x", "finish_visit", "Finish visit"),
        Binding("escape", "back", "Back"),
    ]

    def __init__(self, visit_id: str, resume_check: str | None = None) -> None:
        super().__init__()
        self.visit_id = visit_id
        self.resume_check = resume_check

    def compose(self) -> ComposeResult:
        yield Header()
        yield Static("", id="visit-head")
        table: DataTable[str] = DataTable(cursor_type="row", zebra_stripes=True)
        for key, label in (("time", "Time"), ("route", "Route"), ("operator", "Operator"), ("reg", "Registration"),
                           ("status", "Status"), ("outcome", "Outcome")):
            table.add_column(label, key=key)
        yield table
        yield Footer()

    def on_mount(self) -> None:
        self.reload()
        if self.resume_check:
            check, self.resume_check = self.resume_check, None
            self.notify("Resuming the unfinished vehicle check.")
            self.app.push_screen(VehicleCheckScreen(self.visit_id, check), lambda _: self.reload())

    def reload(self) -> None:
        visit = svc.get_visit(service_context(self), self.visit_id)
        state = f"finished {display_value(visit.finished_at)}" if visit.finished_at else "in progress"
        self.query_one("#visit-head", Static).update(
            f"{visit.school_name} · {display_value(visit.started_at)} · officers: {visit.officers} · "
            f"Licensing {'attended' if visit.licensing_attended else 'not present'} · {state}")
        table = self.query_one(DataTable)
        table.clear()
        for c in svc.visit_checks(service_context(self), self.visit_id):
            outcome = sc.OUTCOME_LABELS[sc.Outcome(c.outcome)] if c.outcome and c.status == "complete" else ""
            table.add_row(display_value(c.checked_at)[-5:], c.route_code, c.operator_name, c.registration or "",
                          "done" if c.status == "complete" else "UNFINISHED", outcome, key=c.id)

    def on_data_table_row_selected(self, event: DataTable.RowSelected) -> None:
        if event.row_key.value:
            self.app.push_screen(VehicleCheckScreen(self.visit_id, event.row_key.value), lambda _: self.reload())

    def action_add_vehicle(self) -> None:
        self.app.push_screen(VehicleCheckScreen(self.visit_id), lambda _: self.reload())

    def action_finish_visit(self) -> None:
        def confirmed(yes: bool | None) -> None:
            if not yes:
                return
            try:
                svc.finish_visit(service_context(self), self.visit_id)
            except HtstError as exc:
                self.notify(exc.message, title=exc.title, severity="error")
                return
            self.notify("Visit finished.")
            self.dismiss(None)

        self.app.push_screen(ConfirmModal("Finish this visit? No more vehicles can be added to it.",
                                          title="Finish visit", confirm_label="Finish"), confirmed)

    def action_back(self) -> None:
        self.dismiss(None)
