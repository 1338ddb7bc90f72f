"""Small forms the meeting needs: a new meeting, a new case, a member's dissent, a reason to reopen.

Each is a ModalScreen that dismisses with its values (or None on Escape), so the calling screen does the
service call and shows any error in one place.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Checkbox, Input, Label, OptionList, Select
from textual.widgets.option_list import Option

from htst_tui.domain.panel import APPLICATION_LABELS
from htst_tui.screens.panel.fields import IsoDate
from htst_tui.widgets.footer import StableFooter
from htst_tui.widgets.modals import MODAL_CSS


class _FormModal(ModalScreen[dict[str, Any] | None]):
    """ctrl+s (or Enter in the last box) submits; Escape cancels."""

    values: Callable[[], dict[str, Any] | None]
    """Each form reads and checks its boxes, returning None (after saying why) when something is missing."""

    BINDINGS = [
        Binding("ctrl+s", "submit", "Save", priority=True),
        Binding("escape", "cancel", "Cancel"),
    ]

    def action_cancel(self) -> None:
        self.dismiss(None)

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        self.action_submit()

    def action_submit(self) -> None:
        values = self.values()
        if values is not None:
            self.dismiss(values)



class NewMeetingModal(_FormModal):
    DEFAULT_CSS = MODAL_CSS.format(name="NewMeetingModal")

    def __init__(self, members: list[dict[str, Any]]) -> None:
        super().__init__()
        chairs = sorted(members, key=lambda m: (m["role"] != "chair", m["name"]))
        self.options = [(f"{m['name']}", m["id"]) for m in chairs]

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Label("New panel meeting", classes="modal-title")
            yield Label("Date")
            yield Input(dt.date.today().isoformat(), id="date", validators=[IsoDate()])
            yield Label("Place")
            yield Input(id="place", placeholder="e.g. Hove Town Hall, room 2")
            yield Checkbox("Held online", id="online")
            yield Label("Chair")
            yield Select(self.options, id="chair", allow_blank=not self.options,
                         value=self.options[0][1] if self.options else Select.NULL)
        yield StableFooter()

    def values(self) -> dict[str, Any] | None:
        date = self.query_one("#date", Input)
        checked = date.validate(date.value)
        if not date.value.strip() or (checked is not None and not checked.is_valid):
            self.notify("Give the meeting date as YYYY-MM-DD.", severity="error")
            date.focus()
            return None
        chair = self.query_one("#chair", Select).value
        return {"meeting_date": dt.date.fromisoformat(date.value.strip()),
                "place": self.query_one("#place", Input).value.strip(),
                "online": self.query_one("#online", Checkbox).value,
                "chair_member_id": None if chair is Select.NULL else chair}


class AddCaseModal(_FormModal):
    DEFAULT_CSS = MODAL_CSS.format(name="AddCaseModal")

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Label("Add a case to the agenda", classes="modal-title")
            yield Label("Application type")
            yield Select([(label, value.value) for value, label in APPLICATION_LABELS.items()], id="type",
                         allow_blank=False, value="new")
            yield Label("Pupil LA reference (a register pupil fills in their details)")
            yield Input(id="ref", placeholder="e.g. BH012345")
        yield StableFooter()

    def on_mount(self) -> None:
        self.query_one("#ref", Input).focus()

    def values(self) -> dict[str, Any] | None:
        ref = self.query_one("#ref", Input).value.strip()
        if not ref:
            self.notify("Type the pupil's LA reference.", severity="error")
            return None
        return {"pupil_ref": ref, "application_type": str(self.query_one("#type", Select).value)}


class DissentModal(_FormModal):
    DEFAULT_CSS = MODAL_CSS.format(name="DissentModal")

    def __init__(self, present: list[tuple[str, str]]) -> None:
        super().__init__()
        self.present = present
        """(label, member id) of members present."""

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Label("Record a member's dissent", classes="modal-title")
            yield Label("Member")
            yield Select(self.present, id="member", allow_blank=False,
                         value=self.present[0][1] if self.present else Select.NULL)
            yield Label("Their view, in their words")
            yield Input(id="view")
        yield StableFooter()

    def on_mount(self) -> None:
        self.query_one("#member", Select).focus()

    def values(self) -> dict[str, Any] | None:
        view = self.query_one("#view", Input).value.strip()
        member = self.query_one("#member", Select).value
        if not view or member is Select.NULL:
            self.notify("Choose the member and write their view.", severity="error")
            return None
        return {"member_id": member, "view": view}


class ReopenModal(_FormModal):
    DEFAULT_CSS = MODAL_CSS.format(name="ReopenModal")

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Label("Reopen a finalised decision", classes="modal-title")
            yield Label("Why is it being changed? (kept on the record; the change becomes a new revision)")
            yield Input(id="reason")
        yield StableFooter()

    def values(self) -> dict[str, Any] | None:
        reason = self.query_one("#reason", Input).value.strip()
        if not reason:
            self.notify("Give the reason for reopening.", severity="error")
            return None
        return {"reason": reason}


class JumpModal(ModalScreen[str | None]):
    """Go to a field by typing part of its name: a long form without tabbing through every box."""

    DEFAULT_CSS = MODAL_CSS.format(name="JumpModal") + "JumpModal OptionList { height: auto; max-height: 16; }"
    BINDINGS = [Binding("escape", "cancel", "Cancel")]

    def __init__(self, fields: list[tuple[str, str]]) -> None:
        super().__init__()
        self.fields = fields
        """(label, widget id) in form order."""

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Label("Go to field (type part of its name, Enter to go)", classes="modal-title")
            yield Input(id="jump")
            yield OptionList(*[Option(label, id=wid) for label, wid in self.fields], id="matches")
        yield StableFooter()

    def _matches(self, text: str) -> list[tuple[str, str]]:
        words = text.lower().split()
        return [(label, wid) for label, wid in self.fields if all(w in label.lower() for w in words)]

    def on_input_changed(self, event: Input.Changed) -> None:
        options = self.query_one("#matches", OptionList)
        options.clear_options()
        options.add_options([Option(label, id=wid) for label, wid in self._matches(event.value)])

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        found = self._matches(event.value)
        if found:
            self.dismiss(found[0][1])

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        self.dismiss(event.option.id)

    def action_cancel(self) -> None:
        self.dismiss(None)
