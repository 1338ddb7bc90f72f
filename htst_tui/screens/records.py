"""Records: browse, search, add, edit and delete any synced entity (reference data and beyond).

Generic over `entities.ENTITIES`: the kinds list on the left is the registry, so a table added there appears
here with a list, search and a form, and no code in this module changes.
"""

from __future__ import annotations

import asyncio
from typing import Any

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.widgets import Header, Label, OptionList
from textual.widgets.option_list import Option

from htst_tui.entities import ENTITIES, entity
from htst_tui.errors import HtstError
from htst_tui.screens.kept_frame import FrameKeptScreen
from htst_tui.services.records import Records
from htst_tui.widgets.footer import StableFooter
from htst_tui.widgets.modals import ConfirmModal, ErrorModal
from htst_tui.widgets.model_form import field_label
from htst_tui.widgets.paged_table import PagedTable


def kind_title(name: str) -> str:
    return f"{entity(name).label}s"


class RecordsScreen(FrameKeptScreen[None]):
    HELP_TOPIC = "records"
    AUTO_FOCUS = "RowTable"
    """The list, not the kinds: focusing the kinds first would highlight (and switch to) the first kind."""
    BINDINGS = [
        Binding("n", "new", "New"),
        Binding("e", "edit", "Open/edit"),
        Binding("d", "delete", "Delete"),
        Binding("r", "refresh", "Refresh"),
        Binding("slash", "search", "Search", key_display="/"),
        Binding("S", "subject_access", "Subject access", key_display="S"),
        Binding("escape", "home", "Back"),
    ]

    def __init__(self, kind: str | None = None) -> None:
        super().__init__()
        self.kind = kind or ENTITIES[0].name
        self._pending_new = False
        self._pending_show: str | None = None
        # Set in on_mount itself: Textual's is_mounted turns true only after Mount's handlers return, and a
        # record located before on_mount must not switch tables under it.
        self._ready = False
        self._switching = asyncio.Lock()

    @property
    def ctx(self) -> Any:
        return self.app.ctx  # type: ignore[attr-defined]

    def compose(self) -> ComposeResult:
        yield Header()
        with Horizontal(id="records"):
            yield OptionList(*[Option(kind_title(e.name), id=e.name) for e in ENTITIES], id="kinds")
            with Vertical(id="records-main"):
                yield Label(kind_title(self.kind), id="records-title", classes="section-title")
                yield self._table(self.kind)
        yield StableFooter()

    def _table(self, kind: str) -> PagedTable:
        records = Records(self.ctx, kind)
        columns = [(f, field_label(f)) for f in entity(kind).list_fields]
        return PagedTable(lambda s, o, n: records.list(s, offset=o, limit=n), columns,
                          placeholder=f"Type to search {kind_title(kind).lower()}…", id="records-table")

    @property
    def paged(self) -> PagedTable:
        return self.query_one("#records-table", PagedTable)

    def on_mount(self) -> None:
        kinds = self.query_one("#kinds", OptionList)
        kinds.highlighted = kinds.get_option_index(self.kind)
        self.paged.table.focus()
        self._ready = True
        if self._pending_new:
            self._pending_new = False
            self.action_new()
        if self._pending_show is not None:
            self._locate(self.ctx, self._pending_show)
            self._pending_show = None

    @on(OptionList.OptionHighlighted, "#kinds")
    async def _kind_highlighted(self, event: OptionList.OptionHighlighted) -> None:
        # Only the user moving through the list switches kinds; programmatic highlights follow a switch.
        if event.option_list.has_focus and event.option.id and event.option.id != self.kind:
            await self.switch_kind(event.option.id)

    @on(OptionList.OptionSelected, "#kinds")
    def _kind_selected(self) -> None:
        self.paged.table.focus()

    async def switch_kind(self, kind: str) -> None:
        async with self._switching:  # one switch at a time: each removes the old table and mounts a new one
            self.kind = kind
            await self.query("#records-table").remove()
            await self.query_one("#records-main", Vertical).mount(self._table(kind))
            self.query_one("#records-title", Label).update(kind_title(kind))
            kinds = self.query_one("#kinds", OptionList)
            index = kinds.get_option_index(kind)
            if kinds.highlighted != index:
                kinds.highlighted = index

    # -- entry points used by the app and Home -------------------------------------------------------------

    def start_new(self, kind: str) -> None:
        """Open a blank form for `kind` (the palette's "New …" commands)."""
        self.kind = kind
        if self._ready:
            self.action_new()
        else:
            self._pending_new = True

    def show_record(self, record_id: str) -> None:
        """Open `record_id`, whatever its kind (Home's due items know only the id)."""
        if self._ready:
            self._locate(self.ctx, record_id)
        else:
            self._pending_show = record_id

    @work(thread=True, group="records-locate")
    def _locate(self, ctx: Any, record_id: str) -> None:
        from htst_tui.services.dashboard import locate_record

        kind = locate_record(ctx, record_id)
        if kind is not None:
            self.app.call_from_thread(self._open_located, kind, record_id)  # type: ignore[arg-type]

    async def _open_located(self, kind: str, record_id: str) -> None:
        if kind != self.kind:
            await self.switch_kind(kind)
        self.open_form(record_id)

    # -- actions --------------------------------------------------------------------------------------------

    def open_form(self, record_id: str | None) -> None:
        from htst_tui.screens.record_form import RecordFormScreen

        RecordFormScreen.show(self.app, self.kind, record_id, self._form_closed)

    def on_screen_resume(self) -> None:
        """Shown again: the row under the cursor counts as just reached (its form may read or fill it ahead)."""
        for paged in self.query("#records-table").results(PagedTable):  # none while a kind switch rebuilds it
            paged.table.shown_again()

    def _form_closed(self, saved_id: str | None) -> None:
        if saved_id is not None:  # left without saving: the list is as it was
            self.paged.reload()
        # Back on the list (it keeps its focus: only a form opened with the focus elsewhere moved it). Not
        # `Widget.focus`, which repaints the whole table even when it has the focus already: ~4–10 ms on the
        # officer's next key at city scale (bench/city_scale.py, Down and Enter just after a write).
        self.set_focus(self.paged.table)

    def action_new(self) -> None:
        self.open_form(None)

    def action_edit(self) -> None:
        record_id = self.paged.current_id
        if record_id is None:
            self.notify("Nothing to open: the list is empty.", severity="warning")
            return
        self.open_form(record_id)

    @on(PagedTable.Loaded)
    def _list_shown(self, event: PagedTable.Loaded) -> None:
        """The officer sees the list: build its kind's form behind it, so even the first Enter opens at once."""
        from htst_tui.screens.record_form import RecordFormScreen

        if event.table not in self.query("#records-table").nodes:  # taken down by a kind switch: not wanted now
            return
        self.call_after_refresh(RecordFormScreen.prebuild, self.app, self.kind, event.table.current_id)

    @on(PagedTable.Chosen)
    def _chosen(self, event: PagedTable.Chosen) -> None:
        self.open_form(event.record_id)

    @on(PagedTable.Rested)
    def _rested(self, event: PagedTable.Rested) -> None:
        from htst_tui.screens.record_form import RecordFormScreen

        if event.table in self.query("#records-table").nodes and event.still_holds():
            RecordFormScreen.prepare_ahead(self.app, self.kind, event.record_id)

    @on(PagedTable.Reached)
    def _reached(self, event: PagedTable.Reached) -> None:
        from htst_tui.screens.record_form import RecordFormScreen

        if event.table in self.query("#records-table").nodes:
            RecordFormScreen.read_around(self.app, self.kind, event.around)

    def action_delete(self) -> None:
        record_id = self.paged.current_id
        if record_id is None:
            self.notify("Nothing to delete: the list is empty.", severity="warning")
            return
        label = entity(self.kind).label.lower()
        row = self.paged.table.get_row(record_id)
        shown = " · ".join(str(c) for c in row if c)
        question = (f"Delete this {label}?\n\n{shown}\n\nIt disappears from every device at the next sync "
                    "(the deletion is recorded, not erased).")

        def answered(yes: bool | None) -> None:
            if yes:
                self._delete(self.ctx, self.kind, record_id)

        self.app.push_screen(ConfirmModal(question, title=f"Delete {label}", confirm_label="Delete"), answered)

    @work(thread=True, group="records-delete")
    def _delete(self, ctx: Any, kind: str, record_id: str) -> None:
        try:
            view = Records(ctx, kind).delete(record_id)
        except HtstError as exc:
            self.app.call_from_thread(self.app.push_screen, ErrorModal(exc.title, exc.message))
            return
        self.app.call_from_thread(self._deleted, f"{entity(kind).label} deleted: {view.title}.")

    def _deleted(self, message: str) -> None:
        self.notify(message)
        self.paged.reload()

    def action_refresh(self) -> None:
        self.paged.reload()

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "subject_access":
            return self.kind == "pupils"  # shown only on the pupils list
        return True

    def action_subject_access(self) -> None:
        """Write everything held about the highlighted pupil (HTML + CSV bundle) in a worker; logged."""
        record_id = self.paged.current_id
        if record_id is None:
            self.notify("No pupil highlighted.", severity="warning")
            return
        self.notify("Gathering everything held about this pupil…")
        self._subject_access(self.ctx, record_id)

    @work(thread=True, group="records-sar")
    def _subject_access(self, ctx: Any, record_id: str) -> None:
        from htst_tui.services.subject_access import default_file, write_subject_access

        try:
            reference = Records(ctx, "pupils").get(record_id).data["la_reference"]
            result = write_subject_access(ctx, reference, default_file(reference, self.app.today()))  # type: ignore[attr-defined]
        except HtstError as exc:
            self.app.call_from_thread(self.app.push_screen, ErrorModal(exc.title, exc.message))
            return
        total = sum(result.counts.values())
        self.app.call_from_thread(self.notify, f"Subject access file written ({total} records): {result.document} "
                                  f"and {result.bundle.name}/", timeout=12)

    def action_search(self) -> None:
        self.paged.action_focus_search()

    def action_home(self) -> None:
        self.app.open_screen("home")  # type: ignore[attr-defined]
