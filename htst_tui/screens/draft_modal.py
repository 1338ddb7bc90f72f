"""Offer a kept draft back when a form opens: restore it or throw it away."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widgets import Button, Label, Static


class DraftModal(ModalScreen[bool]):
    """Dismisses True to restore the draft, False to discard it. Escape restores: losing work needs a key."""

    HELP_TOPIC = "record_form"
    BINDINGS = [
        Binding("r,y,escape", "restore", "Restore draft"),
        Binding("d,n", "discard", "Discard draft"),
    ]

    def __init__(self, what: str) -> None:
        super().__init__()
        self.what = what

    def compose(self) -> ComposeResult:
        with Vertical(id="draft-box"):
            yield Label("Unsaved draft found", classes="modal-title")
            yield Static(f"You have unsaved changes to {self.what} from earlier. Restore them?")
            with Horizontal(classes="buttons"):
                yield Button("Restore (r)", variant="primary", id="restore")
                yield Button("Discard (d)", variant="error", id="discard")

    def on_mount(self) -> None:
        self.query_one("#restore", Button).focus()

    def on_button_pressed(self, event: Button.Pressed) -> None:
        self.dismiss(event.button.id == "restore")

    def action_restore(self) -> None:
        self.dismiss(True)

    def action_discard(self) -> None:
        self.dismiss(False)
