"""Choose one record of a big kind (pupils, routes) by searching: the SQL-paged table in a modal."""

from __future__ import annotations

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Label

from htst_tui.services.records import Records
from htst_tui.widgets.model_form import field_label
from htst_tui.widgets.paged_table import PagedTable


class RecordPicker(ModalScreen[str | None]):
    """Dismisses with the chosen record's id, or None on Escape."""

    HELP_TOPIC = "picker"
    BINDINGS = [Binding("escape", "cancel", "Cancel")]

    def __init__(self, records: Records) -> None:
        super().__init__()
        self.records = records

    def compose(self) -> ComposeResult:
        ent = self.records.ent
        with Vertical(id="picker-box"):
            yield Label(f"Choose a {ent.label.lower()}", classes="modal-title")
            yield PagedTable(lambda s, o, n: self.records.list(s, offset=o, limit=n),
                             [(f, field_label(f)) for f in ent.list_fields], page_size=20)

    def on_mount(self) -> None:
        self.query_one(PagedTable).action_focus_search()

    @on(PagedTable.Chosen)
    def _chosen(self, event: PagedTable.Chosen) -> None:
        self.dismiss(event.record_id)

    def action_cancel(self) -> None:
        self.dismiss(None)

