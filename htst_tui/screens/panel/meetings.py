"""The meeting list: every panel meeting, newest first, paged from SQL; `n` starts a new one."""

from __future__ import annotations

from typing import Any

from textual.app import ComposeResult
from textual.binding import Binding
from textual.screen import Screen
from textual.widgets import Header

from htst_tui.errors import HtstError
from htst_tui.screens.context import service_context
from htst_tui.screens.panel.meeting import MeetingScreen
from htst_tui.screens.panel.modals import NewMeetingModal
from htst_tui.services import panel
from htst_tui.services.records import Page
from htst_tui.widgets.footer import StableFooter
from htst_tui.widgets.modals import ErrorModal
from htst_tui.widgets.paged_table import PagedTable


class PanelScreen(Screen[None]):
    TITLE = "Transport Panel"
    BINDINGS = [
        Binding("n", "new_meeting", "New meeting"),
        Binding("escape", "back", "Back"),
    ]

    def compose(self) -> ComposeResult:
        self.ctx = service_context(self)
        yield Header()
        yield PagedTable(self._fetch, [("meeting_date", "Date"), ("where", "Where"), ("status", "Status"),
                                       ("cases", "Cases")], id="meetings",
                         placeholder="Type to search meetings by place, status or date…")
        yield StableFooter()

    def _fetch(self, search: str, offset: int, limit: int) -> Page:
        """Runs in the table's worker thread: uses the context captured on compose, never `self.app`."""
        return panel.list_meetings(self.ctx, search, offset, limit)

    def on_mount(self) -> None:
        self.query_one(PagedTable).table.focus()

    def on_screen_resume(self) -> None:
        self.query_one(PagedTable).reload()

    def on_paged_table_chosen(self, event: PagedTable.Chosen) -> None:
        self.app.push_screen(MeetingScreen(event.record_id))

    def action_new_meeting(self) -> None:
        members = panel.active_members(self.ctx)
        self.app.push_screen(NewMeetingModal(members), self._create)

    def _create(self, values: dict[str, Any] | None) -> None:
        if values is None:
            return
        try:
            meeting_id = panel.start_meeting(self.ctx, values["meeting_date"], place=values["place"],
                                             online=values["online"], chair_member_id=values["chair_member_id"])
        except HtstError as exc:
            self.app.push_screen(ErrorModal(exc.title, exc.message))
            return
        self.notify("Meeting started: mark attendance with p / a / x.")
        self.app.push_screen(MeetingScreen(meeting_id))

    def action_back(self) -> None:
        if len(self.app.screen_stack) > 1:
            self.app.pop_screen()
