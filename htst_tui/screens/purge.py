"""Retention purge: what is past retention, counted by kind (never named), and erasing it after a confirmation.

The same services as `htst purge`: the list is the dry run (nothing written); `x` asks first, then erases in
a worker. Erased records become deletions that sync, so the next sync purges them everywhere.
"""

from __future__ import annotations

from typing import Any

from textual import work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import Screen
from textual.widgets import DataTable, Footer, Header, Label, Static

from htst_tui.errors import HtstError
from htst_tui.widgets.modals import ConfirmModal, ErrorModal


class PurgeScreen(Screen[None]):
    HELP_TOPIC = "purge"
    BINDINGS = [
        Binding("x", "erase", "Erase past retention"),
        Binding("r", "refresh", "Refresh"),
        Binding("escape", "home", "Back"),
    ]

    def __init__(self) -> None:
        super().__init__()
        self.total = 0

    @property
    def ctx(self) -> Any:
        return self.app.ctx  # type: ignore[attr-defined]

    def compose(self) -> ComposeResult:
        yield Header()
        with Vertical(id="purge-body"):
            yield Label("Retention purge", classes="section-title")
            yield Static("", id="purge-schedule")
            yield DataTable(id="purge-counts", cursor_type="row")
            yield Static("Counting…", id="purge-status")
        yield Footer()

    def on_mount(self) -> None:
        table = self.query_one("#purge-counts", DataTable)
        table.add_columns("Record kind", "Past retention")
        policy = self.ctx.settings.retention
        ref = f" ({policy.policy_reference})" if policy.policy_reference else ""
        self.query_one("#purge-schedule", Static).update(
            f"Retention schedule in force since {policy.effective_from.isoformat()}{ref}; periods in Settings (F9).")
        table.focus()
        self.action_refresh()

    def action_refresh(self) -> None:
        self._plan(self.ctx, self.app.today())  # type: ignore[attr-defined]

    @work(thread=True, exclusive=True, group="purge")
    def _plan(self, ctx: Any, today: Any) -> None:
        from htst_tui.services.purge import plan_purge

        plan = plan_purge(ctx, today)
        self.app.call_from_thread(self._show, [(k.label, k.count) for k in plan.by_kind()], plan.total)

    def _show(self, rows: list[tuple[str, int]], total: int) -> None:
        self.total = total
        table = self.query_one("#purge-counts", DataTable)
        table.clear()
        for label, count in rows:
            table.add_row(label, str(count))
        self.query_one("#purge-status", Static).update(
            f"{total} records are past retention. Press x to erase them." if total else
            "Nothing is past retention.")

    def action_erase(self) -> None:
        if not self.total:
            self.notify("Nothing is past retention.")
            return
        question = (f"Erase {self.total} records past retention?\n\nTheir personal details are removed for good "
                    "and the erasure reaches every device and the central store at the next sync (then "
                    "`htst compact` drops their earlier versions from the store).")

        def answered(yes: bool | None) -> None:
            if yes:
                self._erase(self.ctx, self.app.today())  # type: ignore[attr-defined]

        self.app.push_screen(ConfirmModal(question, title="Erase records past retention", confirm_label="Erase"),
                             answered)

    @work(thread=True, exclusive=True, group="purge")
    def _erase(self, ctx: Any, today: Any) -> None:
        from htst_tui.services.purge import run_purge

        try:
            result = run_purge(ctx, today)
        except HtstError as exc:
            self.app.call_from_thread(self.app.push_screen, ErrorModal(exc.title, exc.message))
            return
        self.app.call_from_thread(self.notify, f"Erased {result.total} records; they purge everywhere at the next "
                                               "sync.")
        self.app.call_from_thread(self.action_refresh)

    def action_home(self) -> None:
        self.app.open_screen("home")  # type: ignore[attr-defined]
