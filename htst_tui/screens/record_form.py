"""Add or edit any record, with a form built from its pydantic model; drafts are saved as you type.

Generic over `entities.ENTITIES`: a new entity gets a working form with no code here. Reference fields
become a drop-down of live records (small kinds) or a searchable picker (big kinds).

Drafts: after every change the form's raw values go to `services/drafts.py` in a thread worker owned by the
app (so it outlives this screen). Writes are serialised by a lock and always write the newest values, so a
burst of keystrokes collapses into few writes, and a process killed after a keystroke loses at most that
keystroke. Saving or discarding removes the draft; Escape keeps it.
"""

from __future__ import annotations

import threading
from functools import partial
from typing import Any

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.screen import Screen
from textual.widget import Widget
from textual.widgets import Header, Label, Static

from htst_tui.entities import entity
from htst_tui.errors import HtstError, ValidationFailed
from htst_tui.services import references
from htst_tui.services.drafts import Drafts
from htst_tui.services.records import Records, RecordView
from htst_tui.widgets.footer import StableFooter
from htst_tui.widgets.modals import ErrorModal
from htst_tui.widgets.model_form import FieldSpec, FormOptions, ModelForm, RefPicker, field_specs, payload, to_raw
from htst_tui.widgets.save_lock import lock_while_saving, unlock_after_save


class RecordFormScreen(Screen[str | None]):
    """Dismisses with the saved record's id, or None when left without saving."""

    HELP_TOPIC = "record_form"
    BINDINGS = [
        Binding("ctrl+s", "save", "Save"),
        Binding("escape", "leave", "Back (keep draft)"),
    ]

    def __init__(self, entity_name: str, record_id: str | None = None) -> None:
        super().__init__()
        self.ent = entity(entity_name)
        self.record_id = record_id
        self.form_name = f"record:{entity_name}"
        self.rev: str | None = None
        self.form: ModelForm | None = None
        self.baseline: dict[str, Any] | None = None
        self.drafting = False
        """False until the form is filled in and any kept draft has been answered."""
        self._draft_lock = threading.Lock()
        self._draft_pending: tuple[dict[str, Any] | None] | None = None
        self._draft_on_disk = False
        self.saving = False
        """A save is running in a thread: the form is locked (no key reaches a field) until it ends."""
        self._leave_after_save = False
        self._focus_before_save: Widget | None = None

    @property
    def ctx(self) -> Any:
        return self.app.ctx  # type: ignore[attr-defined]

    def compose(self) -> ComposeResult:
        yield Header()
        what = "New" if self.record_id is None else "Edit"
        yield Label(f"{what} {self.ent.label.lower()}", id="form-title")
        with VerticalScroll(id="form-body"):
            yield Static("Loading…", id="form-loading")
        yield StableFooter()

    def on_mount(self) -> None:
        self._load(self.ctx)

    # -- loading --------------------------------------------------------------------------------------------

    @work(thread=True, exclusive=True, group="form-load")
    def _load(self, ctx: Any) -> None:
        specs = field_specs(self.ent.schema, self.ent.references)
        try:
            record = Records(ctx, self.ent.name).get(self.record_id) if self.record_id else None
            draft = Drafts(ctx).load(self.form_name, self.record_id)
            options = FormOptions()
            wanted: dict[str, list[str]] = {}
            for spec in specs:
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
        except HtstError as exc:
            self.app.call_from_thread(self._load_failed, exc)
            return
        self.app.call_from_thread(self._build, specs, record, draft.data if draft else None,  # type: ignore[arg-type]
                                  options)

    def _load_failed(self, exc: HtstError) -> None:
        self.dismiss(None)
        self.app.push_screen(ErrorModal(exc.title, exc.message))

    async def _build(self, specs: list[FieldSpec], record: RecordView | None, draft: dict[str, Any] | None,
                     options: FormOptions) -> None:
        values = {s.name: to_raw(s, record.data.get(s.name)) for s in specs} if record else {}
        self.rev = record.rev if record else None
        self.form = ModelForm(self.ent.schema, specs, values, options, id="record-form")
        body = self.query_one("#form-body", VerticalScroll)
        await self.query_one("#form-loading", Static).remove()
        await body.mount(self.form)
        self.baseline = self.form.raw_data()
        self._focus_first()
        if draft is not None and payload(draft) != payload(self.baseline):
            self._draft_on_disk = True
            from htst_tui.screens.draft_modal import DraftModal

            what = f"this {self.ent.label.lower()}" if record else f"a new {self.ent.label.lower()}"
            self.app.push_screen(DraftModal(what), lambda restore: self._draft_answered(restore, draft))
        else:
            self.drafting = True

    def _focus_first(self) -> None:
        if self.form is not None and self.form.specs:
            self.form.editor(self.form.specs[0].name).focus()

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
            if not self._draft_on_disk and self._draft_pending is None:
                return
            self._draft_pending = (None,)
        else:
            self._draft_pending = (self.form.raw_data(),)
        self.app.run_worker(partial(self._write_draft, self.ctx), thread=True, group="drafts")

    def _write_draft(self, ctx: Any) -> None:
        """Runs in a thread: writes the newest pending values (or removes the draft)."""
        with self._draft_lock:
            pending, self._draft_pending = self._draft_pending, None
            if pending is None:
                return
            (data,) = pending
            try:
                if data is None:
                    Drafts(ctx).discard(self.form_name, self.record_id)
                else:
                    Drafts(ctx).save(self.form_name, self.record_id, data)
            except HtstError as exc:
                self.app.call_from_thread(self.app.notify, f"Draft not saved: {exc.message}", severity="error")
                return
            self._draft_on_disk = data is not None

    # -- save and leave --------------------------------------------------------------------------------------

    def action_save(self) -> None:
        if self.form is None or self.saving:
            return
        self.saving = True
        self._focus_before_save = lock_while_saving(self)
        self._save(self.ctx, payload(self.form.raw_data()))

    def _unlock(self) -> None:
        """A save failed: the form is editable again, where the officer was."""
        self.saving = self._leave_after_save = False
        unlock_after_save(self._focus_before_save)

    @work(thread=True, exclusive=True, group="form-save")
    def _save(self, ctx: Any, data: dict[str, Any]) -> None:
        records = Records(ctx, self.ent.name)
        try:
            if self.record_id is None:
                view = records.create(data)
            else:
                view = records.update(self.record_id, data, expected_rev=self.rev)
        except ValidationFailed as exc:
            self.app.call_from_thread(self._invalid, exc)
            return
        except HtstError as exc:
            self.app.call_from_thread(self._failed, exc)
            return
        with self._draft_lock:
            self._draft_pending = None
            try:
                Drafts(ctx).discard(self.form_name, self.record_id)
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
        self.notify(f"{self.ent.label} saved: {view.title}.")
        self.dismiss(view.id)

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
