"""Add or edit any record, with a form built from its pydantic model; drafts are saved as you type.

Generic over `entities.ENTITIES`: a new entity gets a working form with no code here. Reference fields
become a drop-down of live records (small kinds) or a searchable picker (big kinds).

Drafts: after every change the form's raw values go to `services/drafts.py` in a thread worker owned by the
app (so it outlives this screen). Writes are serialised by a lock and always write the newest values, so a
burst of keystrokes collapses into few writes, and a process killed after a keystroke loses at most that
keystroke. Saving or discarding removes the draft; Escape keeps it.

Reuse: composing and styling a form's ~40 widgets cost far more than reading the record (hundreds of ms against
a few), so the Records screen keeps one installed form screen per kind (`RecordFormScreen.show`) and refills its
widgets for each record it opens: values, choices, messages, title, focus and every piece of per-record state are
set afresh by `open`, and a draft write still queued for the record shown before goes to that record.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass
from functools import partial
from typing import Any

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.widgets import Header, Label

from htst_tui.entities import entity
from htst_tui.errors import HtstError, ValidationFailed
from htst_tui.screens.kept import (
    KeptScreen,
    free_kept_screen,
    keep,
    on_a_stack,
    prebuild,
    prepare_kept,
    read_kept_ahead,
)
from htst_tui.screens.read_ahead import ReadAhead
from htst_tui.services import references
from htst_tui.services.drafts import Drafts
from htst_tui.services.records import Records, RecordView
from htst_tui.widgets.footer import StableFooter
from htst_tui.widgets.modals import ErrorModal
from htst_tui.widgets.model_form import FormOptions, ModelForm, RefPicker, field_specs, payload, to_raw
from htst_tui.widgets.steady import show_text


@dataclass
class Opened:
    """What `RecordFormScreen` reads to show a record (or a blank new one)."""

    record: RecordView | None
    draft: dict[str, Any] | None
    options: FormOptions


class RecordFormScreen(KeptScreen[str | None]):
    """Dismisses with the saved record's id, or None when left without saving."""

    holds_keys_while_saving = True

    HELP_TOPIC = "record_form"
    BINDINGS = [
        Binding("ctrl+s", "save", "Save"),
        Binding("escape", "leave", "Back (keep draft)"),
    ]

    def __init__(self, entity_name: str, record_id: str | None = None) -> None:
        super().__init__()
        self.ent = entity(entity_name)
        self.specs = field_specs(self.ent.schema, self.ent.references)
        self.form_name = f"record:{entity_name}"
        self.form: ModelForm | None = None
        self._draft_lock = threading.Lock()
        self._draft_pending: dict[str | None, dict[str, Any] | None] = {}
        """record id -> the newest values to write as its draft (None: remove it); written by `_write_draft`."""
        self._opened: Opened | None = None
        self._load_error: HtstError | None = None
        self.read_ahead: ReadAhead[Opened] = ReadAhead(self, self._read_record)
        self._reset(record_id)

    def _reset(self, record_id: str | None) -> None:
        """Everything that belongs to one opening of the form."""
        self.record_id = record_id
        self.rev: str | None = None
        self.baseline: dict[str, Any] | None = None
        self.drafting = False
        """False until the form is filled in and any kept draft has been answered."""
        self._draft_offer: dict[str, Any] | None = None
        """A kept draft that differs from the record: offered when the screen is shown."""
        self._draft_on_disk = False
        self.saving = False
        """A save is running in a thread: the form is locked (no key reaches a field) until it ends."""
        self._leave_after_save = False
        self._closing_with: str | None = None
        """A save ended while another screen was on top: the form closes with this id when it is shown again."""

    @property
    def ctx(self) -> Any:
        return self.app.ctx  # type: ignore[attr-defined]

    # -- one installed form per kind --------------------------------------------------------------------------

    @staticmethod
    def kept_as(entity_name: str) -> str:
        return f"record-form:{entity_name}"

    @classmethod
    def prebuild(cls, app: Any, entity_name: str, warm_with: str | None) -> None:
        """Build this kind's form now, off screen, so that even its first opening is a warm refill."""
        prebuild(app, cls.kept_as(entity_name), lambda: cls(entity_name), warm_with)

    @classmethod
    def show(cls, app: Any, entity_name: str, record_id: str | None,
             callback: Callable[[str | None], None] | None = None) -> None:
        """Open `record_id` (None: a new record) in this kind's installed form, built the first time only. A
        form still on the screen stack (e.g. under a lock screen) or still being built is never taken over: a
        fresh one opens."""
        name = cls.kept_as(entity_name)
        screen = free_kept_screen(app, name)
        if screen is not None and screen.form is None:  # its first record could not be read: build anew
            app.uninstall_screen(screen)
            screen = None
        if screen is not None:
            if screen.open(record_id):
                app.push_screen(screen, callback)
            return
        screen = cls(entity_name, record_id)
        keep(app, screen, name)
        app.push_screen(screen, callback)

    @classmethod
    def prepare_ahead(cls, app: Any, entity_name: str, record_id: str) -> None:
        """The list's cursor rests on `record_id`: fill this kind's kept form with it ahead of time."""
        prepare_kept(app, cls.kept_as(entity_name), record_id)

    @classmethod
    def read_around(cls, app: Any, entity_name: str, record_ids: list[str]) -> None:
        """The list's cursor reached `record_ids[0]` (the rest are beside it): read them ahead for this kind."""
        read_kept_ahead(app, cls.kept_as(entity_name), record_ids)

    def prepare(self, record_id: str) -> None:
        if self.form is not None:  # its first record could not be read: the next opening builds a new form
            super().prepare(record_id)

    def open(self, record_id: str | None) -> bool:
        """Show `record_id` (None: a blank new record) in the already built form, before the screen is pushed
        again. False (and an error shown) if it cannot be read."""
        if self.take_prepared(record_id):
            return True
        try:
            self.refill(record_id)
        except HtstError as exc:
            self.app.push_screen(ErrorModal(exc.title, exc.message))
            return False
        return True

    def refill(self, record_id: str | None) -> None:
        self._reset(record_id)
        self._flush_drafts(self.ctx)  # a draft of a record still queued is on disk before it is looked for
        opened = (self.read_ahead.take(record_id) if record_id else None) or \
            self._read_record(self.ctx, record_id)
        assert self.form is not None
        if set(opened.options.choices) != set(self.form.options.choices):
            self._opened = opened  # a kind crossed the drop-down limit: its field needs another widget
            self.call_next(self._rebuild)
            return
        show_text(self.query_one("#form-title", Label), self._title())
        self.form.fill(self._values(opened), opened.options)
        self.query_one("#form-body", VerticalScroll).scroll_home(animate=False)
        self._show(opened)

    async def _rebuild(self) -> None:
        assert self._opened is not None and self.form is not None
        await self.form.remove()
        self.form = self._new_form(self._opened)
        await self.query_one("#form-body", VerticalScroll).mount(self.form)
        self.query_one("#form-title", Label).update(self._title())
        self._show(self._opened)
        self._offer_draft()

    # -- loading --------------------------------------------------------------------------------------------

    def _title(self) -> str:
        return f"{'New' if self.record_id is None else 'Edit'} {self.ent.label.lower()}"

    def compose(self) -> ComposeResult:
        yield Header()
        yield Label(self._title(), id="form-title")
        with VerticalScroll(id="form-body"):
            try:
                self._opened = self._read_record(self.ctx, self.record_id)  # a new screen has no draft queued
            except HtstError as exc:
                self._load_error = exc
            else:
                self.form = self._new_form(self._opened)
                yield self.form
        yield StableFooter()

    def on_mount(self) -> None:
        if self._load_error is not None:
            if not on_a_stack(self.app, self):  # built ahead of time: an opening builds anew and says why
                return
            self.dismiss(None)
            self.app.push_screen(ErrorModal(self._load_error.title, self._load_error.message))
            return
        assert self._opened is not None
        self._show(self._opened)

    def on_screen_resume(self) -> None:
        if self._closing_with is not None:
            self.dismiss(self._closing_with)
            return
        self._offer_draft()

    def _read_record(self, ctx: Any, record_id: str | None) -> Opened:
        """The record, its kept draft and the reference choices: a few ms of SQL, read on opening (a worker's round
        trip would cost more than the read) or ahead of it in a thread (`read_ahead`), so it only reads."""
        record = Records(ctx, self.ent.name).get(record_id) if record_id else None
        draft = Drafts(ctx).load(self.form_name, record_id)
        options = FormOptions()
        wanted: dict[str, list[str]] = {}
        for spec in self.specs:
            if spec.kind not in ("ref", "refs"):
                continue
            found = references.choices(ctx, spec.target)
            if found is not None:
                options.choices[spec.name] = found
                continue
            for source in (record.data if record else {}, draft.data if draft else {}):
                value = source.get(spec.name)
                ids = value if isinstance(value, list) else ([value] if value else [])
                wanted.setdefault(spec.target, []).extend(str(i) for i in ids)
        for target, ids in wanted.items():
            options.titles.update(references.titles(ctx, target, ids))
        return Opened(record, draft.data if draft else None, options)

    def _values(self, opened: Opened) -> dict[str, Any]:
        record = opened.record
        return {s.name: to_raw(s, record.data.get(s.name)) for s in self.specs} if record else {}

    def _new_form(self, opened: Opened) -> ModelForm:
        return ModelForm(self.ent.schema, self.specs, self._values(opened), opened.options, id="record-form")

    def _show(self, opened: Opened) -> None:
        """The form holds the record: note what it was opened with, focus the first field, and offer any draft."""
        assert self.form is not None
        self.rev = opened.record.rev if opened.record else None
        self.baseline = self.form.raw_data()
        self._focus_first()
        draft = opened.draft
        if draft is not None and payload(draft) != payload(self.baseline):
            self._draft_on_disk = True
            self._draft_offer = draft
        else:
            self.drafting = True

    def _offer_draft(self) -> None:
        draft, self._draft_offer = self._draft_offer, None
        if draft is None or not self.is_current:
            self._draft_offer = draft
            return
        from htst_tui.screens.draft_modal import DraftModal

        what = f"this {self.ent.label.lower()}" if self.record_id else f"a new {self.ent.label.lower()}"
        self.app.push_screen(DraftModal(what), partial(self._draft_answered, draft=draft))

    def _focus_first(self) -> None:
        if self.form is not None and self.form.specs:
            self.set_focus(self.form.editor(self.form.specs[0].name), scroll_visible=False)

    def _draft_answered(self, restore: bool | None, draft: dict[str, Any]) -> None:
        assert self.form is not None
        self.drafting = True
        if restore:
            self.form.set_raw(draft, self.form.options.titles)
            self.notify("Draft restored.")
        else:
            self._queue_draft(discard=True)
            self.notify("Draft discarded.")

    # -- drafts ---------------------------------------------------------------------------------------------

    @on(ModelForm.Changed)
    def _form_changed(self) -> None:
        if self.drafting and not self.saving:
            self._queue_draft()

    @property
    def changed(self) -> bool:
        return self.form is not None and self.baseline is not None and \
            payload(self.form.raw_data()) != payload(self.baseline)

    def _queue_draft(self, *, discard: bool = False) -> None:
        assert self.form is not None
        if discard or not self.changed:
            if not self._draft_on_disk and self.record_id not in self._draft_pending:
                return
            self._draft_pending[self.record_id] = None
        else:
            self._draft_pending[self.record_id] = self.form.raw_data()
        self.app.run_worker(partial(self._write_draft, self.ctx), thread=True, group="drafts")

    def _write_draft(self, ctx: Any) -> None:
        """Runs in a thread: writes the newest pending values of each record (or removes its draft)."""
        self._flush_drafts(ctx)

    def _flush_drafts(self, ctx: Any) -> None:
        with self._draft_lock:
            pending, self._draft_pending = self._draft_pending, {}
            for record_id, data in pending.items():
                try:
                    if data is None:
                        Drafts(ctx).discard(self.form_name, record_id)
                    else:
                        Drafts(ctx).save(self.form_name, record_id, data)
                except HtstError as exc:
                    self._notify_anywhere(f"Draft not saved: {exc.message}", "error")
                    continue
                if record_id == self.record_id:
                    self._draft_on_disk = data is not None

    def _notify_anywhere(self, message: str, severity: Any) -> None:
        """A toast from a worker thread or from the event loop (a queued draft is flushed on opening a form)."""
        if threading.get_ident() == self.app._thread_id:
            self.app.notify(message, severity=severity)
        else:
            self.app.call_from_thread(self.app.notify, message, severity=severity)

    # -- save and leave --------------------------------------------------------------------------------------

    def action_save(self) -> None:
        if self.form is None or self.saving:
            return
        self.saving = True  # and no typed key reaches a field until it is done (widgets/save_lock.py)
        self._save(self.ctx, payload(self.form.raw_data()), self.record_id, self.rev)

    def _unlock(self) -> None:
        """A save failed: the form is editable again."""
        self.saving = self._leave_after_save = False

    @work(thread=True, exclusive=True, group="form-save")
    def _save(self, ctx: Any, data: dict[str, Any], record_id: str | None, rev: str | None) -> None:
        records = Records(ctx, self.ent.name)
        try:
            view = records.create(data) if record_id is None else records.update(record_id, data, expected_rev=rev)
        except ValidationFailed as exc:
            self.app.call_from_thread(self._invalid, exc)
            return
        except HtstError as exc:
            self.app.call_from_thread(self._failed, exc)
            return
        with self._draft_lock:
            self._draft_pending.pop(record_id, None)
            try:
                Drafts(ctx).discard(self.form_name, record_id)
                self._draft_on_disk = False
            except HtstError as exc:
                self.app.call_from_thread(self.app.notify, f"Draft not removed: {exc.message}", severity="warning")
        self.app.call_from_thread(self._saved, view)

    def _invalid(self, exc: ValidationFailed) -> None:
        assert self.form is not None
        self._unlock()
        self.form.show_errors(exc.errors)
        target = self.form.first_error_field(exc.errors)
        if target is not None:
            target.focus()
        self.notify("Not saved: please check the fields marked in red.", severity="error")

    def _failed(self, exc: HtstError) -> None:
        self._unlock()
        self.app.push_screen(ErrorModal(exc.title, exc.message))

    def _saved(self, view: RecordView) -> None:
        self.saving = False
        self.app.notify(f"{self.ent.label} saved: {view.title}.")
        if self.is_current:
            self.dismiss(view.id)
        elif on_a_stack(self.app, self):
            self._closing_with = view.id  # e.g. the lock screen is on top: close when shown again

    def action_leave(self) -> None:
        if self.saving:  # leaving now could lose the save's outcome: leave when it is done
            self._leave_after_save = True
            self.notify("Saving… the form closes when the save is done.")
            return
        if self.changed:
            self._queue_draft()
            self.notify("Draft kept: reopen the form to continue.")
        self.dismiss(None)

    # -- reference pickers ------------------------------------------------------------------------------------

    @on(RefPicker.PickRequested)
    def _pick(self, event: RefPicker.PickRequested) -> None:
        from htst_tui.screens.picker import pick_into

        pick_into(self, event.picker)
