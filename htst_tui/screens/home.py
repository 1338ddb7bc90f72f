"""Home: what is held, what has not been synced, when the last sync was, and what is due.

Drawn before the database opens (first paint is measured), so this module imports Textual only; the
dashboard service is imported inside the worker that fills the screen in.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.screen import Screen
from textual.widgets import DataTable, Footer, Header, Label, Static
from textual.worker import get_current_worker

from htst_tui.errors import HtstError

if TYPE_CHECKING:
    from htst_tui.services.dashboard import Dashboard
    from htst_tui.services.dashboard_types import DueItem


def _due_text(item: DueItem) -> Text:
    when = item.due.isoformat() if item.due else ""
    if item.overdue:
        return Text(f"OVERDUE {when}".strip(), style="bold red")
    if item.urgent:
        return Text(f"URGENT {when}".strip(), style="bold yellow")
    return Text(when)


MAX_DUE_ROWS = 200
"""Home lists the most pressing items (overdue first, then urgent, then by date). A service with years of records
can have thousands due, and a DataTable measures every row on the event loop (~0.3 ms each)."""


class HomeScreen(Screen[None]):
    HELP_TOPIC = "home"
    BINDINGS = [
        Binding("r", "refresh", "Refresh"),
    ]

    def __init__(self) -> None:
        super().__init__()
        self.items: dict[str, DueItem] = {}
        self.dashboard: Dashboard | None = None

    def compose(self) -> ComposeResult:
        yield Header()
        with Vertical(id="home"):
            yield Static("Opening database…", id="home-status")
            with Horizontal(id="home-top"):
                with Vertical(id="home-counts-box"):
                    yield Label("Records held", classes="section-title")
                    counts: DataTable[Any] = DataTable(id="home-counts", cursor_type="none", zebra_stripes=True)
                    counts.can_focus = False
                    yield counts
                with Vertical(id="home-sync-box"):
                    yield Label("Sync", classes="section-title")
                    yield Static("", id="home-sync")
            yield Label("What is due", classes="section-title")
            yield DataTable(id="home-due", cursor_type="row", zebra_stripes=True)
        yield Footer()

    def on_mount(self) -> None:
        self.query_one("#home-counts", DataTable).add_columns("Kind", "Records", "Unsynced")
        due = self.query_one("#home-due", DataTable)
        due.add_column("When", key="when")
        due.add_column("Section", key="section")
        due.add_column("What", key="what")

    def on_screen_resume(self) -> None:
        """Coming back to Home (after an edit, a sync, the profile) shows fresh figures."""
        if self.app.has_ctx:  # type: ignore[attr-defined]
            self.load()

    def load(self) -> None:
        self._load_dashboard(self.app.ctx, self.app.today())  # type: ignore[attr-defined]

    @work(thread=True, exclusive=True, group="dashboard")
    def _load_dashboard(self, ctx: Any, today: Any) -> None:
        from htst_tui.services import dashboard

        try:
            board = dashboard.build_dashboard(ctx, today, dashboard.in_process_providers())
            self.app.call_from_thread(self._show, board)
            # The retention review reads every record: in a separate process, its line added when it arrives.
            more, problems = dashboard.separate_due_items(ctx, today)
        except HtstError as exc:
            self.app.call_from_thread(self._show_error, exc)
            return
        if (more or problems) and not get_current_worker().is_cancelled:
            self.app.call_from_thread(self._show, dashboard.with_more_due(board, more, problems))

    def _show_error(self, exc: HtstError) -> None:
        self.query_one("#home-status", Static).update(f"[b]{exc.title}[/b]: {exc.message}")

    def _show(self, board: Dashboard) -> None:
        self.dashboard = board
        officer = self.app.ctx.officer  # type: ignore[attr-defined]
        status = f"Signed in as [b]{officer}[/b]."
        if board.total_records == 0:
            status += "  The database is empty: load demo data with [b]htst demo[/b], or press F3 to add records."
        if board.problems:
            status += "\n" + "\n".join(board.problems)
        self.query_one("#home-status", Static).update(status)
        counts = self.query_one("#home-counts", DataTable)
        counts.display = True
        counts.clear()
        for c in board.counts:
            counts.add_row(c.label, str(c.live), str(c.unsynced) if c.unsynced else "")
        last = board.last_sync or "never"
        unsynced = board.unsynced
        sync_line = Text.assemble(
            ("Unsynced changes: ", ""), (str(unsynced), "bold yellow" if unsynced else "bold green"),
            "\nLast sync: ", (last, "bold"),
        )
        self.query_one("#home-sync", Static).update(sync_line)
        due = self.query_one("#home-due", DataTable)
        due.display = True
        due.clear()
        self.items = {}
        for n, item in enumerate(board.due[:MAX_DUE_ROWS]):
            key = f"due-{n}"
            self.items[key] = item
            style = "bold red" if item.overdue else ("bold yellow" if item.urgent else "")
            due.add_row(_due_text(item), Text(item.section, style=style), Text(item.title, style=style), key=key)
        if not board.due:
            due.add_row("", "", Text("Nothing is due.", style="dim"), key="none")
        elif len(board.due) > MAX_DUE_ROWS:
            more = len(board.due) - MAX_DUE_ROWS
            due.add_row("", "", Text(f"…and {more:,} more, later or less urgent: see each screen's own list.",
                                     style="dim"), key="more")

    def action_refresh(self) -> None:
        if self.app.has_ctx:  # type: ignore[attr-defined]
            self.load()

    @on(DataTable.RowSelected, "#home-due")
    def _open_item(self, event: DataTable.RowSelected) -> None:
        item = self.items.get(str(event.row_key.value))
        if item is None or not item.screen:
            return
        screen = self.app.open_screen(item.screen)  # type: ignore[attr-defined]
        if screen is not None and item.record_id and hasattr(screen, "show_record"):
            screen.show_record(item.record_id)
