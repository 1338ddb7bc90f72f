"""The Sync screen: target, last sync, unsynced changes, a progress bar, results, rejected bundles, conflicts.

The sync runs in a thread worker (it does file and network I/O) and reports progress to the bar through
`call_from_thread`; the screen itself only calls services.
"""

from __future__ import annotations

from textual import work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import Screen
from textual.validation import Function
from textual.widgets import Footer, Header, Input, Label, ListItem, ListView, ProgressBar, Static

from htst_tui.errors import HtstError
from htst_tui.screens.context import service_context
from htst_tui.services.sync import SyncStatus, run_sync, sync_status
from htst_tui.sync.run import SyncResult

MAX_LISTED = 200


def describe_status(status: SyncStatus) -> str:
    when = status.last_sync_at.astimezone().strftime("%Y-%m-%d %H:%M") if status.last_sync_at else "never"
    where = f" with {status.last_target}" if status.last_target else ""
    return (f"Last sync: {when}{where}\nUnsynced changes: {status.unsynced}\n"
            f"Conflicts to review: {status.conflicts}")


class SyncScreen(Screen[None]):
    DEFAULT_CSS = """
    SyncScreen > Vertical { padding: 1 2; }
    SyncScreen #status, SyncScreen #results { margin: 1 0; }
    SyncScreen #rejected { height: 1fr; border: round $error; }
    """
    BINDINGS = [
        Binding("ctrl+s", "sync", "Sync now"),
        Binding("ctrl+k", "conflicts", "Conflicts"),
        Binding("escape", "back", "Back"),
    ]

    def compose(self) -> ComposeResult:
        yield Header()
        with Vertical():
            yield Label("Target: a folder (shared drive, USB stick) or a postgresql+psycopg:// URL")
            yield Input(value=service_context(self).settings.sync.default_target, id="target",
                        placeholder="/media/stick/htst or postgresql+psycopg://user@host/db",
                        validators=[Function(lambda v: bool(v.strip()), "Give a folder or a PostgreSQL URL")])
            yield Static(id="status")
            yield ProgressBar(total=100, show_eta=False, id="progress")
            yield Static("", id="results")
            yield Label("Rejected bundles and records:")
            yield ListView(id="rejected")
        yield Footer()

    def on_mount(self) -> None:
        self.refresh_status()
        self.query_one("#target", Input).focus()

    def refresh_status(self) -> None:
        self.query_one("#status", Static).update(describe_status(sync_status(service_context(self))))

    def on_input_submitted(self, event: Input.Submitted) -> None:
        self.action_sync()

    def action_sync(self) -> None:
        target_input = self.query_one("#target", Input)
        target = target_input.value.strip()
        if not target:
            self.notify("Give a folder or a PostgreSQL URL to sync with.", severity="error")
            return
        self.query_one("#progress", ProgressBar).update(progress=0)
        self.query_one("#results", Static).update("Syncing…")
        self.run_sync_worker(target)

    @work(thread=True, exclusive=True, group="sync")
    def run_sync_worker(self, target: str) -> None:
        def progress(message: str, fraction: float) -> None:
            self.app.call_from_thread(self.show_progress, message, fraction)

        try:
            result = run_sync(service_context(self), target, progress)
        except HtstError as exc:
            self.app.call_from_thread(self.show_failure, exc)
            return
        self.app.call_from_thread(self.show_result, result)

    def show_progress(self, message: str, fraction: float) -> None:
        self.query_one("#progress", ProgressBar).update(progress=round(fraction * 100))
        self.query_one("#results", Static).update(message)

    def show_failure(self, exc: HtstError) -> None:
        self.query_one("#results", Static).update(f"{exc.title}: {exc.message}")
        self.notify(exc.message, title=exc.title, severity="error")

    def show_result(self, result: SyncResult) -> None:
        refresh_header = getattr(self.app, "refresh_sync_status", None)
        if refresh_header is not None:
            refresh_header()
        c = result.counts()
        self.query_one("#progress", ProgressBar).update(progress=100)
        lines = [f"Pushed {c['pushed']}, pulled {c['pulled']}, new conflicts {c['conflicts']}, "
                 f"rejected {c['rejected']}"]
        lines += result.notices[:5]
        self.query_one("#results", Static).update("\n".join(lines))
        listing = self.query_one("#rejected", ListView)
        listing.clear()
        listing.extend(ListItem(Label(str(r))) for r in result.rejected[:MAX_LISTED])
        self.refresh_status()
        self.notify(lines[0], title="Sync finished", severity="warning" if result.rejected else "information")

    def action_conflicts(self) -> None:
        self.app.open_screen("conflicts")  # type: ignore[attr-defined]

    def action_back(self) -> None:
        self.app.pop_screen()
