"""Small modal screens: a confirmation before anything destructive, and an error explained in plain words."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widgets import Button, Label, Static

MODAL_CSS = """
{name} {{ align: center middle; }}
{name} > Vertical {{
    width: 70; max-width: 90%; height: auto; padding: 1 2;
    border: thick $primary; background: $surface;
}}
{name} .modal-title {{ text-style: bold; margin-bottom: 1; }}
{name} Horizontal {{ height: auto; margin-top: 1; align-horizontal: right; }}
{name} Button {{ margin-left: 2; }}
"""


class ConfirmModal(ModalScreen[bool]):
    """Ask before a destructive action; y/Enter confirms, n/Escape cancels. Dismisses with True/False."""

    DEFAULT_CSS = MODAL_CSS.format(name="ConfirmModal")
    BINDINGS = [
        Binding("y", "confirm", "Yes"),
        Binding("n,escape", "cancel", "No"),
    ]

    def __init__(self, question: str, *, title: str = "Are you sure?", confirm_label: str = "Yes") -> None:
        super().__init__()
        self.question = question
        self.title_text = title
        self.confirm_label = confirm_label

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Label(self.title_text, classes="modal-title")
            yield Static(self.question)
            with Horizontal():
                yield Button(f"{self.confirm_label} (y)", variant="error", id="confirm")
                yield Button("Cancel (n)", id="cancel")

    def on_mount(self) -> None:
        self.query_one("#cancel", Button).focus()

    def on_button_pressed(self, event: Button.Pressed) -> None:
        self.dismiss(event.button.id == "confirm")

    def action_confirm(self) -> None:
        self.dismiss(True)

    def action_cancel(self) -> None:
        self.dismiss(False)


class ErrorModal(ModalScreen[None]):
    """An expected failure (an `HtstError`) shown with its title and what to do; Enter/Escape closes."""

    DEFAULT_CSS = MODAL_CSS.format(name="ErrorModal")
    BINDINGS = [Binding("escape,enter", "close", "Close")]

    def __init__(self, title: str, message: str) -> None:
        super().__init__()
        self.title_text = title
        self.message = message

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Label(self.title_text, classes="modal-title")
            yield Static(self.message)
            with Horizontal():
                yield Button("Close (Esc)", id="close")

    def on_button_pressed(self, event: Button.Pressed) -> None:
        self.dismiss(None)

    def action_close(self) -> None:
        self.dismiss(None)
