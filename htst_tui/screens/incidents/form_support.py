"""What the incident and route-return forms share: input validators, a draft that saves as the officer types
and is offered back on reopening, plain error display, and the follow-up dialog.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import threading
from collections.abc import Callable
from typing import Any, TypeVar

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen, Screen
from textual.suggester import Suggester
from textual.validation import ValidationResult, Validator
from textual.widget import Widget
from textual.widgets import Button, Input, Label, Select, Static
from textual.widgets.select import InvalidSelectValueError

from htst_tui.domain.follow_ups import FollowUpSource, OutcomeCode
from htst_tui.domain.local_time import parse_date, parse_local_datetime
from htst_tui.errors import HtstError, ValidationFailed
from htst_tui.services import lookups
from htst_tui.services.drafts import Drafts
from htst_tui.services.follow_up_links import add_follow_up
from htst_tui.widgets.modals import MODAL_CSS, ConfirmModal, ErrorModal

FieldWidget = TypeVar("FieldWidget", bound=Widget)

FORM_CSS = """
{name} VerticalScroll {{ padding: 0 1; }}
{name} .row {{ height: auto; }}
{name} .row > * {{ width: 1fr; margin-right: 1; }}
{name} TextArea {{ height: 5; }}
{name} .status {{ margin: 1 0 0 0; text-style: bold; }}
{name} .hint {{ color: $warning; }}
{name} .list {{ height: auto; color: $text; }}
"""


class OptionalDate(Validator):
    def validate(self, value: str) -> ValidationResult:
        if not value.strip():
            return self.success()
        try:
            parse_date(value)
        except ValueError as exc:
            return self.failure(str(exc))
        return self.success()


class OptionalDateTime(Validator):
    def validate(self, value: str) -> ValidationResult:
        if not value.strip():
            return self.success()
        try:
            parse_local_datetime(value)
        except ValueError as exc:
            return self.failure(str(exc))
        return self.success()


class WholeNumber(Validator):
    def validate(self, value: str) -> ValidationResult:
        if not value.strip() or value.strip().isdigit():
            return self.success()
        return self.failure("must be a whole number")


class RouteCodeSuggester(Suggester):
    """Completes a route code as it is typed, asking the database for each new prefix off the main thread, so a
    form never loads every route code (a city has ~15,000)."""

    def __init__(self, ctx: Any) -> None:
        super().__init__(use_cache=True, case_sensitive=False)
        self.ctx = ctx

    async def get_suggestion(self, value: str) -> str | None:
        return await asyncio.to_thread(lookups.route_code_completion, self.ctx, value)


def labelled(label: str, widget: FieldWidget) -> FieldWidget:
    """`widget`, titled `label` in its top border. A label above it would be two more widgets per field (the
    label and a box holding both): a third of what the incident form draws at each opening, and a line each."""
    widget.border_title = label
    return widget


def select_value(widget: Select[str]) -> str | None:
    return None if widget.value is Select.NULL else str(widget.value)


def set_select(widget: Select[str], value: str | None) -> None:
    """Show `value` (None = blank); a value no longer among the options (e.g. a deleted operator) is skipped."""
    try:
        widget.value = Select.NULL if value is None else value
    except InvalidSelectValueError:
        return


def field_messages(exc: ValidationFailed, labels: dict[str, str]) -> str:
    return "\n".join(f"{labels.get(k, k.replace('_', ' ').capitalize())}: {v}" for k, v in exc.errors.items())


def show_error(screen: Screen[Any], exc: HtstError, labels: dict[str, str]) -> None:
    """A form's failure in the officer's words: field problems as a toast, anything else in a modal."""
    if isinstance(exc, ValidationFailed):
        screen.notify(field_messages(exc, labels), title=exc.title, severity="error", timeout=8)
    else:
        screen.app.push_screen(ErrorModal(exc.title, exc.message))


DRAFT_WRITES = threading.Lock()
"""Held while a form's draft is written or dropped (from a worker thread or the event loop)."""


class DraftKeeper:
    """Saves a form's widget values as a draft on every change (services/drafts.py), so a crash or a closed lid
    loses nothing, and offers the draft back when the form is opened again.

    `values()` returns the form's JSON-able state and `apply(values)` puts it back into the widgets.
    """

    def __init__(self, screen: Screen[Any], form: str, record_id: str | None,
                 values: Callable[[], dict[str, Any]], apply: Callable[[dict[str, Any]], None]) -> None:
        self.screen = screen
        self.form = form
        self.record_id = record_id
        self.values = values
        self.apply = apply
        self.baseline: dict[str, Any] = {}
        self.has_draft = False
        self.ready = False
        self._pending: tuple[Drafts, str, str | None, bool, dict[str, Any]] | None = None

    @property
    def drafts(self) -> Drafts:
        return Drafts(self.screen.app.ctx)  # type: ignore[attr-defined]

    def start(self) -> None:
        """Call once the form shows the stored record (or defaults)."""
        self.baseline = self.values()
        draft = self.drafts.load(self.form, self.record_id)
        if draft is None or draft.data == self.baseline:
            self.ready = True
            return

        def answer(restore: bool | None) -> None:
            if restore:
                self.apply(draft.data)
                self.has_draft = True
                self.screen.notify("Unsaved changes restored.")
            else:
                self.drafts.discard(self.form, self.record_id)
            self.ready = True

        self.screen.app.push_screen(ConfirmModal("This form has unsaved changes from earlier. Restore them?",
                                                 title="Unsaved draft", confirm_label="Restore"), answer)

    def changed(self, *, now: bool = False) -> None:
        """A field changed: save (or drop) the draft in a worker so typing never waits on the disk; `now`: write
        it before returning (the form is about to close, and its workers with it)."""
        if not self.ready:
            return
        values = self.values()
        if values == self.baseline and not self.has_draft:
            return
        self.has_draft = values != self.baseline
        self._pending = (self.drafts, self.form, self.record_id, self.has_draft, values)
        if now:
            self._write()
        else:
            self.screen.run_worker(self._write, thread=True, group="draft")

    def _write(self) -> None:
        """Write the newest pending values (or drop the draft). Draft writes are serialised, so two writer threads
        never race on one draft and an older keystroke's write never lands after a newer one's."""
        with DRAFT_WRITES:
            pending, self._pending = self._pending, None
            if pending is None:
                return
            drafts, form, record_id, keep, values = pending
            if keep:
                drafts.save(form, record_id, values)
            else:
                drafts.discard(form, record_id)

    def saved(self, record_id: str, values: dict[str, Any] | None = None) -> None:
        """After a successful save the draft is dropped and the form now edits the stored record; `values`: what
        was saved, when the form may have changed since (a save in a thread)."""
        with DRAFT_WRITES:  # a write still queued from before the save must not bring the draft back
            self._pending = None
            self.drafts.discard(self.form, self.record_id)
        self.record_id = record_id
        self.baseline = self.values() if values is None else values
        self.has_draft = False


class ReasonModal(ModalScreen[str | None]):
    """Ask for a one-line reason (e.g. for reopening a closed incident); Enter submits, Escape cancels."""

    DEFAULT_CSS = MODAL_CSS.format(name="ReasonModal")
    BINDINGS = [Binding("escape", "cancel", "Cancel")]

    def __init__(self, question: str, *, title: str) -> None:
        super().__init__()
        self.question = question
        self.title_text = title

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Label(self.title_text, classes="modal-title")
            yield Static(self.question)
            yield Input(placeholder="Reason (Enter to confirm)", id="reason")

    def on_input_submitted(self, event: Input.Submitted) -> None:
        if event.value.strip():
            self.dismiss(event.value.strip())
        else:
            self.notify("A reason is required.", severity="error")

    def action_cancel(self) -> None:
        self.dismiss(None)


class FollowUpModal(ModalScreen[dict[str, Any] | None]):
    """A new follow-up action (the shared follow-up model): what, who owns it, by when. Ctrl+S adds it."""

    DEFAULT_CSS = MODAL_CSS.format(name="FollowUpModal") + "FollowUpModal Label { color: $text-muted; }"
    BINDINGS = [Binding("ctrl+s", "add", "Add follow-up", priority=True), Binding("escape", "cancel", "Cancel")]

    def __init__(self, owner: str, due: dt.date) -> None:
        super().__init__()
        self.owner = owner
        self.due = due

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Label("Add a follow-up action", classes="modal-title")
            yield Label("Action")
            yield Select([(c.value.replace("_", " "), c.value) for c in OutcomeCode], allow_blank=False,
                         value=OutcomeCode.advice_given.value, id="fu-code")
            yield Label("What must happen")
            yield Input(id="fu-description")
            yield Label("Owner")
            yield Input(self.owner, id="fu-owner")
            yield Label("Due date")
            yield Input(self.due.isoformat(), validators=[OptionalDate()], id="fu-due")
            with Horizontal():
                yield Button("Add (ctrl+s)", variant="primary", id="fu-add")
                yield Button("Cancel (Esc)", id="fu-cancel")

    def on_mount(self) -> None:
        self.query_one("#fu-description", Input).focus()

    def on_button_pressed(self, event: Button.Pressed) -> None:
        if event.button.id == "fu-add":
            self.action_add()
        else:
            self.dismiss(None)

    def action_add(self) -> None:
        due_text = self.query_one("#fu-due", Input).value
        try:
            due = parse_date(due_text)
        except ValueError as exc:
            self.notify(f"Due date: {exc}", severity="error")
            return
        self.dismiss({"outcome_code": select_value(self.query_one("#fu-code", Select)),
                      "description": self.query_one("#fu-description", Input).value,
                      "owner": self.query_one("#fu-owner", Input).value, "due_date": due})

    def action_cancel(self) -> None:
        self.dismiss(None)


FOLLOW_UP_LABELS = {"description": "What must happen", "owner": "Owner", "due_date": "Due date"}


def ask_follow_up(screen: Screen[Any], source: FollowUpSource, record_id: str, on_added: Callable[[], None]) -> None:
    """Ask for a follow-up action on a saved incident or route return and attach it (one flow for both forms)."""
    ctx = screen.app.ctx  # type: ignore[attr-defined]

    def done(data: dict[str, Any] | None) -> None:
        if data is None:
            return
        try:
            add_follow_up(ctx, source, record_id, data)
        except HtstError as exc:
            show_error(screen, exc, FOLLOW_UP_LABELS)
            return
        on_added()
        screen.notify("Follow-up added.")

    screen.app.push_screen(FollowUpModal(ctx.officer, dt.date.today() + dt.timedelta(days=14)), done)
