"""One meeting: the composition banner, attendance (one key per member), and the case queue.

Attendance keys act on the member under the cursor: p present, a apologies, x absent. The banner is
recomputed after every change so the chair sees a gap the moment it appears.
"""

from __future__ import annotations

from typing import Any

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.message import Message
from textual.screen import Screen
from textual.widgets import DataTable, Header, Label, Static

from htst_tui.domain.panel import APPLICATION_LABELS, OUTCOME_LABELS, AttendanceStatus
from htst_tui.errors import HtstError
from htst_tui.screens.context import service_context
from htst_tui.screens.panel.banner import AttendanceBanner
from htst_tui.screens.panel.modals import AddCaseModal
from htst_tui.services import panel
from htst_tui.widgets.footer import StableFooter
from htst_tui.widgets.formatting import display_value
from htst_tui.widgets.modals import ErrorModal


class AttendanceTable(DataTable[str]):
    """The register for this meeting; p / a / x mark the highlighted member."""

    BINDINGS = [
        Binding("p", "mark('present')", "Present"),
        Binding("a", "mark('apologies')", "Apologies"),
        Binding("x", "mark('absent')", "Absent"),
    ]

    class Marked(Message):
        def __init__(self, member_id: str, status: AttendanceStatus) -> None:
            super().__init__()
            self.member_id = member_id
            self.status = status

    def action_mark(self, status: str) -> None:
        if self.row_count == 0:
            return
        row_key, _ = self.coordinate_to_cell_key(self.cursor_coordinate)
        if row_key.value:
            self.post_message(self.Marked(row_key.value, AttendanceStatus(status)))


class MeetingScreen(Screen[None]):
    TITLE = "Panel meeting"
    DEFAULT_CSS = """
    MeetingScreen #panes { height: 1fr; }
    MeetingScreen #panes > Vertical { width: 1fr; }
    MeetingScreen DataTable { height: 1fr; }
    MeetingScreen #info { height: auto; padding: 0 1; }
    """
    BINDINGS = [
        Binding("c", "add_case", "Add case"),
        Binding("m", "minutes", "Write minutes"),
        Binding("escape", "back", "Back"),
    ]

    def __init__(self, meeting_id: str) -> None:
        super().__init__()
        self.meeting_id = meeting_id

    def compose(self) -> ComposeResult:
        yield Header()
        yield AttendanceBanner(id="banner")
        yield Static(id="info")
        with Horizontal(id="panes"):
            with Vertical():
                yield Label("Attendance (p present · a apologies · x absent)")
                table = AttendanceTable(id="attendance", cursor_type="row")
                table.add_columns("Member", "Role", "Attendance", "Training")
                yield table
            with Vertical():
                yield Label("Cases (Enter opens)")
                cases: DataTable[str] = DataTable(id="cases", cursor_type="row")
                cases.add_columns("#", "Pupil", "Application", "Outcome", "Finalised")
                yield cases
        yield StableFooter()

    def on_mount(self) -> None:
        self.refresh_view()
        self.query_one("#attendance", AttendanceTable).focus()

    def on_screen_resume(self) -> None:
        self.refresh_view()

    def refresh_view(self) -> None:
        view = panel.meeting_view(service_context(self), self.meeting_id)
        self.sub_title = f"{view.meeting_date.isoformat()} · {view.where}"
        self.query_one("#banner", AttendanceBanner).show(view.check)
        self.query_one("#info", Static).update(
            f"Chair: {view.chair_name or 'not set'}  ·  {len(view.cases)} case(s)  ·  status {view.status.value}")
        table = self.query_one("#attendance", AttendanceTable)
        keep = table.cursor_row
        table.clear()
        for m in view.members:
            table.add_row(m.name, m.role_label, m.status.value, display_value(m.training_date) or "none",
                          key=m.member_id)
        if view.members:
            table.move_cursor(row=min(keep, len(view.members) - 1))
        cases = self.query_one("#cases", DataTable)
        keep = cases.cursor_row
        cases.clear()
        for c in view.cases:
            cases.add_row(str(c.seq), c.pupil_label, APPLICATION_LABELS[c.application_type],
                          OUTCOME_LABELS[c.outcome] if c.outcome else "", "yes" if c.finalised else "no", key=c.id)
        if view.cases:
            cases.move_cursor(row=min(keep, len(view.cases) - 1))

    def on_attendance_table_marked(self, event: AttendanceTable.Marked) -> None:
        panel.set_attendance(service_context(self), self.meeting_id, event.member_id, event.status)
        self.refresh_view()

    def on_data_table_row_selected(self, event: DataTable.RowSelected) -> None:
        if event.data_table.id == "cases" and event.row_key.value:
            self._open_case(event.row_key.value)

    def _open_case(self, case_id: str) -> None:
        from htst_tui.screens.panel.case_form import CaseScreen

        self.app.push_screen(CaseScreen(self.meeting_id, case_id))

    def action_add_case(self) -> None:
        self.app.push_screen(AddCaseModal(), self._add_case)

    def _add_case(self, values: dict[str, Any] | None) -> None:
        if values is None:
            return
        ctx = service_context(self)
        pupil_id = panel.find_pupil(ctx, values["pupil_ref"])
        data = {"application_type": values["application_type"]}
        data.update({"pupil_id": pupil_id} if pupil_id else {"pupil_ref": values["pupil_ref"]})
        try:
            case_id = panel.add_case(ctx, self.meeting_id, data)
        except HtstError as exc:
            self.app.push_screen(ErrorModal(exc.title, exc.message))
            return
        self.notify("Case added" + (" from the pupil register." if pupil_id else "."))
        self._open_case(case_id)

    def action_minutes(self) -> None:
        try:
            paths = panel.write_minutes(service_context(self), self.meeting_id)
        except (HtstError, OSError) as exc:
            self.app.push_screen(ErrorModal("The minutes could not be written", str(exc)))
            return
        self.notify(f"Minutes written: {paths.markdown} and {paths.html.name}", timeout=10)

    def action_back(self) -> None:
        self.app.pop_screen()
