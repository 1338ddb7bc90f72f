"""The database (or the settings file) cannot be used: say what is wrong and what to do, then quit.

Shown instead of Home when opening fails with an expected `HtstError` (locked, read-only, missing folder,
damaged, newer schema, bad config.toml), so a user never sees a traceback.
"""

from __future__ import annotations

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import Screen
from textual.widgets import Footer, Header, Label, Static

from htst_tui.errors import DatabaseError, HtstError, SettingsError

ADVICE = {
    SettingsError: "Fix the file named above in a text editor, or move it aside: HTST Desk then starts with "
                   "default settings and asks your name again.",
    DatabaseError: "Nothing was changed. Do what the message says, then start HTST Desk again. To work on "
                   "another database meanwhile, start it with --db PATH (or set HTST_DB). `htst doctor` "
                   "shows where your files are.",
}


def advice_for(problem: HtstError) -> str:
    for kind, text in ADVICE.items():
        if isinstance(problem, kind):
            return text
    return "Start HTST Desk again; if this keeps happening, run `htst doctor` and pass its output to support."


class DbProblemScreen(Screen[None]):
    HELP_TOPIC = "db_problem"
    BINDINGS = [Binding("q,escape", "app.quit", "Quit")]

    def __init__(self, problem: HtstError) -> None:
        super().__init__()
        self.problem = problem

    def compose(self) -> ComposeResult:
        yield Header()
        with Vertical(id="problem-box"):
            yield Label(self.problem.title, id="problem-title")
            yield Static(self.problem.message, id="problem-message")
            yield Static(advice_for(self.problem), id="problem-advice")
            yield Static("Press q to quit.", id="problem-quit")
        yield Footer()
