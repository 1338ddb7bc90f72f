"""Start a visit: type part of the school's name and pick it; time (now), officers, Licensing there or not."""

from __future__ import annotations

import datetime as dt

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.validation import Function
from textual.widgets import Input, Label, OptionList
from textual.widgets.option_list import Option

from htst_tui.errors import HtstError
from htst_tui.screens.context import service_context
from htst_tui.services import spot_checks as svc
from htst_tui.widgets.modals import MODAL_CSS

TIME_FORMAT = "%Y-%m-%d %H:%M"


def parse_local_time(value: str) -> dt.datetime | None:
    """The officer types local time; the database stores UTC."""
    try:
        return dt.datetime.strptime(value.strip(), TIME_FORMAT).astimezone()
    except ValueError:
        return None


def _yes_no(value: str) -> bool:
    return value.strip().lower() in ("y", "n", "yes", "no")


class StartVisitScreen(ModalScreen[str | None]):
    """Dismisses with the new visit's id (or None). Enter moves field to field; Enter on the last starts."""

    DEFAULT_CSS = MODAL_CSS.format(name="StartVisitScreen") + "StartVisitScreen OptionList { height: 9; }"
    BINDINGS = [
        Binding("down", "highlight(1)", "Next school", show=False),
        Binding("up", "highlight(-1)", "Previous school", show=False),
        Binding("escape", "cancel", "Cancel"),
    ]

    def __init__(self) -> None:
        super().__init__()
        self.schools: list[svc.SchoolChoice] = []
        self.school: svc.SchoolChoice | None = None

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Label("Start a spot-check visit", classes="modal-title")
            yield Input(id="school", placeholder="School: type part of its name, Enter picks the highlighted one")
            yield OptionList(id="matches")
            yield Input(dt.datetime.now().strftime(TIME_FORMAT), id="when", placeholder="When (YYYY-MM-DD HH:MM)",
                        validators=[Function(lambda v: parse_local_time(v) is not None,
                                             "must be a date and time like 2026-09-01 08:30")])
            yield Input(service_context(self).officer, id="officers", placeholder="Officers present")
            yield Input("n", id="licensing", placeholder="Licensing officer attended? y/n", max_length=3,
                        validators=[Function(_yes_no, "answer y or n")])

    @on(Input.Changed, "#school")
    def _search(self, event: Input.Changed) -> None:
        self.schools = svc.search_schools(service_context(self), event.value)
        matches = self.query_one(OptionList)
        matches.clear_options()
        matches.add_options([Option(f"{s.name} ({s.postcode})", id=s.id) for s in self.schools])
        if self.schools:
            matches.highlighted = 0

    def action_highlight(self, step: int) -> None:
        matches = self.query_one(OptionList)
        if self.schools and self.focused is self.query_one("#school", Input):
            current = matches.highlighted or 0
            matches.highlighted = max(0, min(len(self.schools) - 1, current + step))

    @on(OptionList.OptionSelected)
    def _picked(self, event: OptionList.OptionSelected) -> None:
        self._choose(event.option_index)

    def _choose(self, index: int) -> None:
        self.school = self.schools[index]
        self.query_one("#school", Input).value = self.school.name
        self.query_one("#when", Input).focus()

    @on(Input.Submitted)
    def _submitted(self, event: Input.Submitted) -> None:
        field = event.input.id
        if field == "school":
            if not self.schools:
                self.notify("No school matches; type part of its name.", severity="warning")
                return
            self._choose(self.query_one(OptionList).highlighted or 0)
        elif field in ("when", "officers"):
            self.focus_next()
        else:
            self._start()

    def _start(self) -> None:
        when = parse_local_time(self.query_one("#when", Input).value)
        licensing = self.query_one("#licensing", Input).value.strip().lower()
        if self.school is None:
            self.notify("Pick the school first.", severity="error")
            self.query_one("#school", Input).focus()
            return
        if when is None or not _yes_no(licensing):
            self.notify("Check the time (YYYY-MM-DD HH:MM) and Licensing (y/n).", severity="error")
            return
        try:
            visit = svc.start_visit(service_context(self), self.school.id, self.query_one("#officers", Input).value,
                                    licensing.startswith("y"), started_at=when)
        except HtstError as exc:
            self.notify(exc.message, title=exc.title, severity="error")
            return
        self.notify(f"Visit to {visit.school_name} started.")
        self.dismiss(visit.id)

    def action_cancel(self) -> None:
        self.dismiss(None)
