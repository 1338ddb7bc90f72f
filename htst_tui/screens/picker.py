"""Choose one record of a big kind (pupils, routes) by searching: the SQL-paged table in a modal."""

from __future__ import annotations

from functools import partial
from typing import Any

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen, Screen
from textual.widgets import Label

from htst_tui.services import references
from htst_tui.services.records import Records
from htst_tui.widgets.model_form import RefPicker, field_label
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



def pick_into(screen: Screen[Any], picker: RefPicker) -> None:
    """Answer a `RefPicker.PickRequested`: search for a record of the field's kind, then put the chosen one (with
    its title, read in a thread) into the field. One flow for every form with a picked reference."""
    ctx = screen.app.ctx  # type: ignore[attr-defined]
    target = picker.spec.target

    def chosen(record_id: str | None) -> None:
        if record_id:
            screen.run_worker(partial(_add_pick, screen, ctx, picker, target, record_id), thread=True,
                              group="form-pick")

    screen.app.push_screen(RecordPicker(Records(ctx, target)), chosen)


def _add_pick(screen: Screen[Any], ctx: Any, picker: RefPicker, target: str, record_id: str) -> None:
    title = references.titles(ctx, target, [record_id]).get(record_id, record_id)
    screen.app.call_from_thread(picker.add, record_id, title)
