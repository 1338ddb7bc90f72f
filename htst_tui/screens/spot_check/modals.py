"""Small modals of the vehicle check: the route's children (read-only), overriding the outcome, follow-ups."""

from __future__ import annotations

import datetime as dt

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.validation import Function
from textual.widgets import DataTable, Input, Label, OptionList, Static
from textual.widgets.option_list import Option

from htst_tui.domain import spot_checks as sc
from htst_tui.domain.follow_ups import FollowUpSource, OutcomeCode
from htst_tui.errors import HtstError
from htst_tui.screens.context import service_context
from htst_tui.services import spot_checks as svc
from htst_tui.widgets.modals import MODAL_CSS, ConfirmModal


class ChildrenModal(ModalScreen[None]):
    """The route's children — first names and needs only — to test the crew. Shown, never stored."""

    DEFAULT_CSS = MODAL_CSS.format(name="ChildrenModal")
    BINDINGS = [Binding("escape,c,enter", "close", "Close")]

    def __init__(self, route_code: str, children: list[svc.ChildLine]) -> None:
        super().__init__()
        self.route_code = route_code
        self.children_lines = children

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Label(f"Children on {self.route_code} (read-only, not stored)", classes="modal-title")
            if not self.children_lines:
                yield Static("No children are listed on this route.")
            for n, child in enumerate(self.children_lines, 1):
                yield Static(f"{n}. {child.first_name} — {child.needs_summary or 'no needs recorded'}")
            yield Static("Ask the crew about each child; record only whether they knew them.", classes="hint")

    def action_close(self) -> None:
        self.dismiss(None)


class OverrideModal(ModalScreen[tuple[sc.Outcome, str] | None]):
    """Change the computed outcome; a change needs a reason (stored with the check)."""

    DEFAULT_CSS = MODAL_CSS.format(name="OverrideModal")
    BINDINGS = [Binding("escape", "cancel", "Cancel")]

    def __init__(self, computed: sc.Outcome, current: sc.Outcome | None, reason: str | None) -> None:
        super().__init__()
        self.computed = computed
        self.current = current or computed
        self.reason = reason or ""

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Label(f"Outcome (computed: {sc.OUTCOME_LABELS[self.computed]})", classes="modal-title")
            yield OptionList(*[Option(sc.OUTCOME_LABELS[o], id=o.value) for o in sc.Outcome], id="outcome")
            yield Label("Reason for the change (required unless you keep the computed outcome)")
            yield Input(self.reason, id="reason", placeholder="e.g. badge seen after the car left")

    def on_mount(self) -> None:
        options = self.query_one(OptionList)
        options.highlighted = list(sc.Outcome).index(self.current)
        options.focus()

    @on(OptionList.OptionSelected)
    def _chosen(self) -> None:
        self.query_one("#reason", Input).focus()

    @on(Input.Submitted, "#reason")
    def _submit(self, event: Input.Submitted) -> None:
        index = self.query_one(OptionList).highlighted or 0
        outcome = list(sc.Outcome)[index]
        if outcome != self.computed and not event.value.strip():
            self.notify("Give a reason for changing the computed outcome.", severity="error")
            return
        self.dismiss((outcome, event.value.strip()))

    def action_cancel(self) -> None:
        self.dismiss(None)


def _date(value: str) -> bool:
    try:
        dt.date.fromisoformat(value.strip())
    except ValueError:
        return False
    return True


class AddFollowUpModal(ModalScreen[bool]):
    """A follow-up action by hand: outcome code, what, who, by when."""

    DEFAULT_CSS = MODAL_CSS.format(name="AddFollowUpModal")
    BINDINGS = [Binding("escape", "cancel", "Cancel")]

    def __init__(self, check_id: str, due: dt.date) -> None:
        super().__init__()
        self.check_id = check_id
        self.due = due

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Label("New follow-up action", classes="modal-title")
            yield OptionList(*[Option(label, id=code.value) for code, label in svc.OUTCOME_CODE_LABELS.items()],
                             id="code")
            yield Input(id="description", placeholder="What must happen (no child names)")
            yield Input(service_context(self).officer, id="owner", placeholder="Owner")
            yield Input(self.due.isoformat(), id="due", placeholder="Due date YYYY-MM-DD",
                        validators=[Function(_date, "must be a date like 2026-09-01")])

    def on_mount(self) -> None:
        self.query_one(OptionList).focus()

    @on(OptionList.OptionSelected)
    def _chosen(self) -> None:
        self.query_one("#description", Input).focus()

    @on(Input.Submitted)
    def _next(self, event: Input.Submitted) -> None:
        if event.input.id != "due":
            self.focus_next()
            return
        if not _date(event.value):
            self.notify("Due date must be a date like 2026-09-01.", severity="error")
            return
        index = self.query_one(OptionList).highlighted or 0
        code = list(svc.OUTCOME_CODE_LABELS)[index]
        try:
            svc.create_follow_up(service_context(self), FollowUpSource.vehicle_check, self.check_id, OutcomeCode(code),
                                 self.query_one("#description", Input).value, self.query_one("#owner", Input).value,
                                 dt.date.fromisoformat(event.value.strip()))
        except HtstError as exc:
            self.notify(exc.message, title=exc.title, severity="error")
            return
        self.notify("Follow-up saved.")
        self.dismiss(True)

    def action_cancel(self) -> None:
        self.dismiss(False)


class FollowUpsModal(ModalScreen[None]):
    """The check's follow-up actions: add one (a), mark the highlighted one done (d)."""

    DEFAULT_CSS = MODAL_CSS.format(name="FollowUpsModal") + "FollowUpsModal > Vertical { width: 110; }"
    BINDINGS = [Binding("a", "add", "Add"), Binding("d", "done", "Done"), Binding("escape", "close", "Close")]

    def __init__(self, check_id: str) -> None:
        super().__init__()
        self.check_id = check_id

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Label("Follow-up actions for this vehicle", classes="modal-title")
            table: DataTable[str] = DataTable(cursor_type="row")
            for key, label in (("code", "Action"), ("owner", "Owner"), ("due", "Due"), ("status", "Status"),
                               ("description", "What")):
                table.add_column(label, key=key)
            yield table
            yield Static("a add · d mark done · Esc close", classes="hint")

    def on_mount(self) -> None:
        self.reload()
        self.query_one(DataTable).focus()

    def reload(self) -> None:
        table = self.query_one(DataTable)
        table.clear()
        for f in svc.follow_ups_for(service_context(self), self.check_id):
            status = "OVERDUE" if f.overdue else f.status
            table.add_row(svc.OUTCOME_CODE_LABELS[OutcomeCode(f.outcome_code)], f.owner, f.due_date.isoformat(),
                          status, f.description, key=f.id)

    def action_add(self) -> None:
        due = dt.date.today() + dt.timedelta(days=service_context(self).settings.spot_checks.follow_up_days)
        self.app.push_screen(AddFollowUpModal(self.check_id, due), lambda _saved: self.reload())

    def action_done(self) -> None:
        table = self.query_one(DataTable)
        if table.row_count == 0:
            return
        row_key, _ = table.coordinate_to_cell_key(table.cursor_coordinate)
        follow_up_id = row_key.value

        def confirmed(yes: bool | None) -> None:
            if yes and follow_up_id:
                svc.close_follow_up(service_context(self), follow_up_id)
                self.notify("Follow-up marked done.")
                self.reload()

        self.app.push_screen(ConfirmModal("Mark this follow-up done?", title="Close follow-up",
                                          confirm_label="Done"), confirmed)

    def action_close(self) -> None:
        self.dismiss(None)
