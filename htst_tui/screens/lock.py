"""The idle lock: an opaque screen over everything, opened only by the officer's passphrase.

Laptops travel to school gates; a screen left open shows children's health and SEND details. After
`settings.security.idle_lock_minutes` without a key the app pushes this screen on top of the stack: the screen
underneath (with any half-typed form) stays as it was, drafts stay on disk, and nothing of it shows through.
Wrong passphrases only say so; they never quit or discard anything. The passphrase is checked with scrypt in a
thread worker (it is slow on purpose) so the screen stays responsive.

If no passphrase was set at first run, the lock asks for a new one (typed twice) instead, and saves its hash (in
a worker, with an audit entry, like a change made in Settings).
"""

from __future__ import annotations

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Input, Label, Static

from htst_tui.services.passphrase import MIN_LENGTH, new_passphrase_problems, set_first_passphrase, verify_passphrase
from htst_tui.settings import Settings

LOCK_CSS = """
LockScreen { align: center middle; background: $background; }
LockScreen > Vertical { width: 64; max-width: 90%; height: auto; padding: 1 2; border: thick $primary;
                        background: $surface; }
LockScreen .modal-title { text-style: bold; margin-bottom: 1; }
LockScreen #lock-message { color: $error; height: auto; }
"""


class LockScreen(ModalScreen[None]):
    """Covers the whole app (opaque background) until the passphrase is given; ctrl+q still quits (drafts
    are already saved)."""

    DEFAULT_CSS = LOCK_CSS
    BINDINGS = [Binding("ctrl+q", "app.quit", "Quit (drafts are kept)")]
    HELP_TOPIC = "lock"

    def __init__(self, settings: Settings, *, officer: str) -> None:
        super().__init__()
        self.settings = settings
        self.officer = officer
        self.choosing = not settings.security.passphrase_hash
        self.wrong_tries = 0

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Label("HTST Desk is locked", classes="modal-title")
            if self.choosing:
                yield Static(f"No unlock passphrase is set yet. Choose one now (at least {MIN_LENGTH} characters) "
                             "and type it twice; you will need it whenever the screen locks.")
                yield Input(password=True, placeholder="New passphrase", id="lock-passphrase")
                yield Input(password=True, placeholder="The same again", id="lock-again")
            else:
                yield Static(f"Locked after a while without a key. {self.officer}: type your passphrase and "
                             "press Enter. Your work is kept.")
                yield Input(password=True, placeholder="Passphrase", id="lock-passphrase")
            yield Static("", id="lock-message")

    def on_mount(self) -> None:
        self.query_one("#lock-passphrase", Input).focus()

    def _say(self, text: str) -> None:
        self.query_one("#lock-message", Static).update(text)

    @on(Input.Submitted, "#lock-passphrase")
    def _passphrase_given(self, event: Input.Submitted) -> None:
        if self.choosing:
            self.query_one("#lock-again", Input).focus()
            return
        if not event.value:
            self._say("Type your passphrase, then press Enter.")
            return
        self._say("Checking…")
        self._check(event.value)

    @work(thread=True, exclusive=True, group="unlock")
    def _check(self, passphrase: str) -> None:
        ok = verify_passphrase(passphrase, self.settings.security.passphrase_hash)
        self.app.call_from_thread(self._checked, ok)

    def _checked(self, ok: bool) -> None:
        if ok:
            self.dismiss(None)
            return
        self.wrong_tries += 1
        field = self.query_one("#lock-passphrase", Input)
        field.value = ""
        field.focus()
        hint = (" Forgotten it? Quit with ctrl+q (your drafts are kept) and ask whoever administers this computer "
                "account to clear it (README: Idle lock); then choose a new one." if self.wrong_tries >= 3 else "")
        self._say(f"That is not the passphrase (try {self.wrong_tries}).{hint}")

    @on(Input.Submitted, "#lock-again")
    def _new_passphrase_confirmed(self) -> None:
        first = self.query_one("#lock-passphrase", Input).value
        again = self.query_one("#lock-again", Input).value
        problems = new_passphrase_problems(first, again)
        if problems:
            self._say(next(iter(problems.values())))
            return
        self._say("Saving…")
        self._set_passphrase(first, again)

    @work(thread=True, exclusive=True, group="unlock")
    def _set_passphrase(self, new: str, again: str) -> None:
        """Hash (slow on purpose), save and audit the first passphrase, off the event loop."""
        outcome = set_first_passphrase(self.app.ctx, new, again, self.settings,  # type: ignore[attr-defined]
                                       "Could not save the passphrase")
        if isinstance(outcome, str):
            self.app.call_from_thread(self._say, outcome)
        else:
            self.app.call_from_thread(self._passphrase_saved, outcome)

    def _passphrase_saved(self, updated: Settings) -> None:
        self.app.apply_settings(updated)  # type: ignore[attr-defined]
        self.dismiss(None)
