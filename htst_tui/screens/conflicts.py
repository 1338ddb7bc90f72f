"""Conflicts: concurrent edits of one record that sync kept both of. List them; open one to see both versions
field by field (differences highlighted); keep this device's or the other version (a new revision)."""

from __future__ import annotations

from typing import Any, Literal

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.screen import Screen
from textual.widgets import DataTable, Footer, Header, Static

from htst_tui.errors import HtstError
from htst_tui.screens.context import service_context
from htst_tui.services.sync import conflict_detail, list_conflicts, resolve_conflict
from htst_tui.widgets.modals import ConfirmModal

PAGE = 50


def _show(value: Any) -> str:
    if value is None:
        return "—"
    if isinstance(value, list):
        return ", ".join(str(v) for v in value)
    return str(value)


class ConflictsScreen(Screen[None]):
    BINDINGS = [
        Binding("enter", "open", "Open"),
        Binding("n", "page(1)", "Next page"),
        Binding("p", "page(-1)", "Previous page"),
        Binding("escape", "back", "Back"),
    ]

    def __init__(self) -> None:
        super().__init__()
        self.page_start = 0

    def compose(self) -> ComposeResult:
        yield Header()
        yield Static(id="summary")
        yield DataTable(id="conflicts", cursor_type="row")
        yield Footer()

    def on_mount(self) -> None:
        table = self.query_one("#conflicts", DataTable)
        table.add_columns("Kind", "Record", "Other version by", "Other version at", "Current by")
        self.reload()
        table.focus()

    def on_screen_resume(self) -> None:
        self.reload()

    def reload(self) -> None:
        page = list_conflicts(service_context(self), offset=self.page_start, limit=PAGE)
        if page.total and self.page_start >= page.total:
            self.page_start = max(0, (page.total - 1) // PAGE * PAGE)
            page = list_conflicts(service_context(self), offset=self.page_start, limit=PAGE)
        table = self.query_one("#conflicts", DataTable)
        table.clear()
        for r in page.rows:
            table.add_row(r["entity"], r["title"], r["other_by"], r["other_at"].strftime("%Y-%m-%d %H:%M"),
                          r["current_by"], key=str(r["seq"]))
        shown = f"{self.page_start + 1}-{self.page_start + len(page.rows)} of {page.total}" if page.total else "none"
        self.query_one("#summary", Static).update(f"Conflicts to review: {shown}. Enter opens one.")

    def action_page(self, step: int) -> None:
        self.page_start = max(0, self.page_start + step * PAGE)
        self.reload()

    def action_open(self) -> None:
        table = self.query_one("#conflicts", DataTable)
        if not table.row_count:
            self.notify("No conflicts to review.")
            return
        key = table.coordinate_to_cell_key(table.cursor_coordinate).row_key.value
        self.app.push_screen(ConflictDetailScreen(int(str(key))))

    def on_data_table_row_selected(self, event: DataTable.RowSelected) -> None:
        self.app.push_screen(ConflictDetailScreen(int(str(event.row_key.value))))

    def action_back(self) -> None:
        self.app.pop_screen()


class ConflictDetailScreen(Screen[None]):
    BINDINGS = [
        Binding("l", "keep('current')", "Keep this device's"),
        Binding("o", "keep('other')", "Keep other"),
        Binding("escape", "back", "Back"),
    ]

    def __init__(self, seq: int) -> None:
        super().__init__()
        self.seq = seq

    def compose(self) -> ComposeResult:
        yield Header()
        yield Static(id="heading")
        yield DataTable(id="fields", cursor_type="row")
        yield Footer()

    def on_mount(self) -> None:
        try:
            detail = conflict_detail(service_context(self), self.seq)
        except HtstError as exc:
            self.notify(exc.message, title=exc.title, severity="error")
            self.app.pop_screen()
            return
        self.query_one("#heading", Static).update(
            f"{detail.label}: {detail.title} — differing fields are highlighted. "
            "l keeps this device's version, o keeps the other; either becomes a new version everywhere.")
        table = self.query_one("#fields", DataTable)
        table.add_columns("Field", "This device (current)", "Other version")
        for f in detail.fields:
            style = "bold black on yellow" if f.differs else ""
            table.add_row(Text(f.name, style=style), Text(_show(f.current), style=style),
                          Text(_show(f.other), style=style), key=f.name)
        for name in ("updated_by", "updated_at", "deleted", "rev"):
            cur, oth = detail.current_meta[name], detail.other_meta[name]
            table.add_row(Text(name, style="dim"), Text(_show(cur), style="dim"), Text(_show(oth), style="dim"))
        self.detail = detail
        table.focus()

    def action_keep(self, which: Literal["current", "other"]) -> None:
        label = "this device's version" if which == "current" else "the other version"

        def answered(yes: bool | None) -> None:
            if not yes:
                return
            try:
                resolve_conflict(service_context(self), self.seq, which)
            except HtstError as exc:
                self.notify(exc.message, title=exc.title, severity="error")
                return
            self.notify(f"Kept {label}; it syncs as a new version.", title="Conflict resolved")
            self.app.pop_screen()

        question = f"Keep {label} of {self.detail.title}? The other version stays in the record's history."
        self.app.push_screen(ConfirmModal(question, title="Resolve the conflict", confirm_label="Keep"), answered)

    def action_back(self) -> None:
        self.app.pop_screen()
