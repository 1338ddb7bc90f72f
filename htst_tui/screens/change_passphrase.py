"""Change (or first set) the officer's unlock passphrase: current one, new one, the new one again.

Reached from the command palette and from Settings (F9). Every check runs in a thread worker through
`services.passphrase.change_passphrase`, because scrypt is slow on purpose; a refusal is said next to the field
at fault, which alone is emptied, so what was typed in the other fields stays. With no passphrase set yet there
is no "current" field. Escape cancels and changes nothing.
"""

from __future__ import annotations

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widgets import Button, Input, Label, Static

from htst_tui.errors import HtstError
from htst_tui.services.passphrase import MIN_LENGTH, PassphraseRejected, change_passphrase
from htst_tui.settings import Settings

PASSPHRASE_CSS = """
ChangePassphraseModal { align: center middle; }
ChangePassphraseModal > Vertical { width: 72; max-width: 95%; height: auto; padding: 1 2;
                                   border: thick $primary; background: $surface; }
ChangePassphraseModal #passphrase-status { height: auto; margin-top: 1; }
"""

FIELD_LABELS = {
    "current": "Current passphrase",
    "new": f"New passphrase (at least {MIN_LENGTH} characters)",
    "again": "The new passphrase again",
}


class ChangePassphraseModal(ModalScreen[bool]):
    """Dismissed with True once the new passphrase is saved (and in force for the next lock), False if
    cancelled."""

    DEFAULT_CSS = PASSPHRASE_CSS
    HELP_TOPIC = "change_passphrase"
    BINDINGS = [
        Binding("ctrl+s", "save", "Change"),
        Binding("escape", "cancel", "Cancel"),
        Binding("f1", "app.help", "Help"),  # a modal screen hides the app's keys
    ]

    def __init__(self, *, has_current: bool) -> None:
        super().__init__()
        self.fields = ("current", "new", "again") if has_current else ("new", "again")
        self.checking = False

    def compose(self) -> ComposeResult:
        setting_first = "current" not in self.fields
        with Vertical():
            yield Label("Set unlock passphrase" if setting_first else "Change unlock passphrase",
                        classes="modal-title")
            yield Static("No unlock passphrase is set yet: choose one and type it twice. The idle lock will ask "
                         "for it." if setting_first else
                         "Type your current passphrase, then the new one twice. The idle lock asks for the new "
                         "one from now on.")
            for field in self.fields:
                yield Label(FIELD_LABELS[field], classes="field-label")
                yield Input(password=True, id=f"passphrase-{field}")
                yield Static("", id=f"passphrase-{field}-error", classes="field-error")
            yield Static("", id="passphrase-status")
            with Horizontal(classes="buttons"):
                yield Button("Change (ctrl+s)", variant="primary", id="passphrase-save")
                yield Button("Cancel (Escape)", id="passphrase-cancel")

    def on_mount(self) -> None:
        self._input(self.fields[0]).focus()

    def _input(self, field: str) -> Input:
        return self.query_one(f"#passphrase-{field}", Input)

    def _error(self, field: str) -> Static:
        return self.query_one(f"#passphrase-{field}-error", Static)

    @on(Input.Submitted)
    def _next_field(self, event: Input.Submitted) -> None:
        """Enter moves to the next field, and on the last one changes the passphrase."""
        field = (event.input.id or "").removeprefix("passphrase-")
        if field == self.fields[-1]:
            self.action_save()
        elif field in self.fields:
            self._input(self.fields[self.fields.index(field) + 1]).focus()

    @on(Button.Pressed, "#passphrase-save")
    def _save_pressed(self) -> None:
        self.action_save()

    @on(Button.Pressed, "#passphrase-cancel")
    def _cancel_pressed(self) -> None:
        self.action_cancel()

    def action_save(self) -> None:
        if self.checking:
            return
        values = {field: self._input(field).value for field in self.fields}
        self.checking = True
        self.query_one("#passphrase-status", Static).update("Checking…")
        self._change(values.get("current", ""), values["new"], values["again"])

    def action_cancel(self) -> None:
        if self.checking:
            self.notify("Checking the passphrase: a moment, please.")
            return
        self.dismiss(False)

    @work(thread=True, exclusive=True, group="passphrase")
    def _change(self, current: str, new: str, again: str) -> None:
        try:
            updated = change_passphrase(self.app.ctx, new, again, current=current)  # type: ignore[attr-defined]
        except PassphraseRejected as exc:
            self.app.call_from_thread(self._rejected, exc.problems)
        except (OSError, HtstError) as exc:
            self.app.call_from_thread(self._failed, f"The passphrase was not changed: {exc}")
        else:
            self.app.call_from_thread(self._changed, updated)

    def _changed(self, updated: Settings) -> None:
        self.app.apply_settings(updated)  # type: ignore[attr-defined]
        self.checking = False
        self.notify("Unlock passphrase changed: the lock asks for the new one from now on."
                    if "current" in self.fields else "Unlock passphrase set: the lock will ask for it.")
        self.dismiss(True)

    def _failed(self, message: str) -> None:
        self.checking = False
        self.query_one("#passphrase-status", Static).update(message)

    def _rejected(self, problems: dict[str, str]) -> None:
        """Each problem next to its field; only the fields at fault are emptied (a too-short new passphrase
        takes its repeat with it), and the first of them gets the focus."""
        self.checking = False
        elsewhere = [message for field, message in problems.items() if field not in self.fields]
        self.query_one("#passphrase-status", Static).update(" ".join(elsewhere))
        to_clear = set(problems) | ({"again"} if "new" in problems else set())
        for field in self.fields:
            self._error(field).update(problems.get(field, ""))
            if field in to_clear:
                self._input(field).value = ""
        first = next((field for field in self.fields if field in problems), None)
        self._input(first or self.fields[0]).focus()
