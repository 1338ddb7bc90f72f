"""First run: who is using this laptop. The name is stamped on every record the officer saves."""

from __future__ import annotations

from typing import get_args

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.validation import Function, Length
from textual.widgets import Button, Input, Label, Select, Static

from htst_tui.services.passphrase import MIN_LENGTH, new_passphrase_problems, set_first_passphrase
from htst_tui.settings import OfficerRole, ProfileSettings, Settings, save_settings

ROLE_LABELS = {
    "panel_chair": "Transport Panel chair",
    "field_officer": "Field officer (spot checks)",
    "service_officer": "Service officer",
    "manager": "Manager",
    "other": "Other",
}
ROLE_OPTIONS = [(ROLE_LABELS.get(r, r), r) for r in get_args(OfficerRole)]

NAME_VALIDATORS = [
    Function(lambda v: bool(v.strip()), "Please type your name: it is stamped on every record you save."),
    Length(maximum=120, failure_description="Your name is too long (at most 120 characters)."),
]


class ProfileModal(ModalScreen[Settings | None]):
    """Asks the officer's name and role and saves them to config.toml (0600). Cannot be skipped: records
    must say who made them. ctrl+q still quits."""

    HELP_TOPIC = "profile"
    BINDINGS = [Binding("ctrl+s", "save", "Save")]

    def __init__(self, settings: Settings) -> None:
        super().__init__()
        self.settings = settings
        self.saving = False
        """A passphrase is being hashed and saved (a worker): a second ctrl+s waits for it."""

    def compose(self) -> ComposeResult:
        with Vertical(id="profile-box"):
            yield Label("Welcome to HTST Desk", classes="modal-title")
            yield Static("Who is using this computer? Your name is recorded on every record you create or "
                         "change, so colleagues and auditors can see who did what.")
            yield Label("Your name", classes="field-label")
            yield Input(self.settings.profile.officer_name, placeholder="e.g. Alex Example", id="profile-name",
                        validators=NAME_VALIDATORS)
            yield Static("", id="profile-name-error", classes="field-error")
            yield Label("Your role", classes="field-label")
            yield Select(ROLE_OPTIONS, value=self.settings.profile.officer_role, allow_blank=False,
                         id="profile-role")
            if not self.settings.security.passphrase_hash:
                yield Label("Unlock passphrase (the screen locks when left alone; if blank, you choose one then)",
                            classes="field-label")
                yield Input(password=True, placeholder=f"At least {MIN_LENGTH} characters", id="profile-passphrase")
                yield Input(password=True, placeholder="The same again", id="profile-passphrase-again")
                yield Static("", id="profile-passphrase-error", classes="field-error")
            with Horizontal(classes="buttons"):
                yield Button("Save (ctrl+s)", variant="primary", id="profile-save")

    def on_mount(self) -> None:
        self.query_one("#profile-name", Input).focus()

    @on(Input.Changed, "#profile-name")
    def _name_changed(self, event: Input.Changed) -> None:
        result = event.validation_result
        message = result.failure_descriptions[0] if result and not result.is_valid else ""
        self.query_one("#profile-name-error", Static).update(message)

    @on(Input.Submitted, "#profile-name")
    def _name_submitted(self) -> None:
        self.query_one("#profile-role", Select).focus()

    @on(Button.Pressed, "#profile-save")
    def _save_pressed(self) -> None:
        self.action_save()

    def action_save(self) -> None:
        if self.saving:
            return
        name_input = self.query_one("#profile-name", Input)
        result = name_input.validate(name_input.value)
        if result is not None and not result.is_valid:
            self.query_one("#profile-name-error", Static).update(result.failure_descriptions[0])
            name_input.focus()
            return
        role = self.query_one("#profile-role", Select).value
        updated = self.settings.model_copy(deep=True)
        updated.profile = ProfileSettings(officer_name=name_input.value.strip(), officer_role=role)
        first, again = self._passphrases()
        if first or again:
            problems = new_passphrase_problems(first, again)
            if problems:
                self._passphrase_problem(next(iter(problems.values())))
                return
            self.saving = True
            self.query_one("#profile-passphrase-error", Static).update("Saving…")
            self._save_with_passphrase(updated, first, again)
            return
        try:
            save_settings(updated)
        except OSError as exc:
            self.notify(f"Could not save your profile: {exc}", severity="error")
            return
        self.dismiss(updated)

    def _passphrases(self) -> tuple[str, str]:
        """The new passphrase typed twice; blank when none was typed or one is already set (no fields)."""
        if not self.query("#profile-passphrase"):
            return "", ""
        return (self.query_one("#profile-passphrase", Input).value,
                self.query_one("#profile-passphrase-again", Input).value)

    def _passphrase_problem(self, message: str) -> None:
        self.saving = False
        self.query_one("#profile-passphrase-error", Static).update(message)
        self.query_one("#profile-passphrase", Input).focus()

    @work(thread=True, exclusive=True, group="profile")
    def _save_with_passphrase(self, updated: Settings, new: str, again: str) -> None:
        """Hash the passphrase (slow on purpose), save it with the profile and audit it, off the event loop."""
        outcome = set_first_passphrase(self.app.ctx, new, again, updated,  # type: ignore[attr-defined]
                                       "Could not save your profile")
        if isinstance(outcome, str):
            self.app.call_from_thread(self._passphrase_problem, outcome)
        else:
            self.app.call_from_thread(self.dismiss, outcome)
