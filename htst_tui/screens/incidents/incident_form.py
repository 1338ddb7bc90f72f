"""Log or edit one incident, by keyboard only.

Category comes first because it sets the default severity (shown beside the severity; choosing another asks
for a reason). Ctrl+N records a notification at the time typed, or now; Ctrl+T moves the status on (closing
needs the outcome written); Ctrl+R reopens a closed incident with a reason; Ctrl+O adds a follow-up.

The incident log opens every incident in one kept form screen (`IncidentFormScreen.show`, screens/kept.py):
built once, then refilled by `open` with every field, the status lines and all per-incident state set afresh.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, VerticalScroll
from textual.widgets import Header, Input, Select, Static, TextArea

from htst_tui.domain.follow_ups import FollowUpSource
from htst_tui.domain.incidents import (
    CATEGORY_LABELS,
    NOTIFICATION_LABELS,
    SEVERITY_LABELS,
    IncidentStatus,
    NotificationKind,
    ReporterKind,
    default_severity,
    missing_notifications,
    next_status,
)
from htst_tui.domain.local_time import format_local_datetime, parse_local_datetime
from htst_tui.errors import HtstError, ValidationFailed
from htst_tui.screens.incidents.form_support import (
    FORM_CSS,
    DraftKeeper,
    OptionalDateTime,
    ReasonModal,
    RouteCodeSuggester,
    WholeNumber,
    ask_follow_up,
    labelled,
    select_value,
    set_select,
    show_error,
)
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
from htst_tui.services import incidents as svc
from htst_tui.services import lookups, references
from htst_tui.services.follow_up_links import follow_ups_for
from htst_tui.services.incident_form_data import IncidentForForm, read_for_form
from htst_tui.services.records import RecordView
from htst_tui.widgets.footer import StableFooter
from htst_tui.widgets.formatting import display_value
from htst_tui.widgets.model_form import FieldSpec, RefPicker
from htst_tui.widgets.steady import SteadyInput, SteadySelect, SteadyTextArea, show_text

LABELS = {"occurred_at": "Occurred at", "reported_at": "Reported at", "reported_by_kind": "Reported by",
          "reported_by_name": "Reporter's name", "route_id": "Route", "operator_id": "Operator",
          "school_id": "School", "pupil_ids": "Pupils (LA references)", "pupil_count": "Number of pupils",
          "category": "Category", "severity": "Severity", "severity_reason": "Reason for severity",
          "description": "Description", "immediate_action": "Immediate action", "notifications": "Notifications",
          "written_report_at": "Written report received", "outcome": "Outcome", "status": "Status",
          "record": "Incident", "reason": "Reason"}

INPUTS = ("occurred_at", "reported_at", "reported_by_name", "route", "pupils", "pupil_count", "severity_reason",
          "notify_at", "written_report_at")
SELECTS = ("category", "reported_by_kind", "operator_id", "severity", "notify_kind")
AREAS = ("description", "immediate_action", "outcome")
SCHOOL = FieldSpec("school_id", "School", "ref", False, target="schools")
"""A city has thousands of schools: picked by typing in the searchable picker, not from a drop-down."""


def when_input(field_id: str, placeholder: str = "YYYY-MM-DD HH:MM") -> SteadyInput:
    return SteadyInput(id=field_id, placeholder=placeholder, validators=[OptionalDateTime()])


class IncidentFormScreen(KeptScreen[None]):
    DEFAULT_CSS = FORM_CSS.format(name="IncidentFormScreen")
    BINDINGS = [
        Binding("ctrl+s", "save", "Save", priority=True),
        Binding("ctrl+n", "notify_now", "Add notification", priority=True),
        Binding("ctrl+t", "next_status", "Next status", priority=True),
        Binding("ctrl+r", "reopen", "Reopen", priority=True),
        Binding("ctrl+o", "follow_up", "Follow-up", priority=True),
        Binding("escape", "close", "Back"),
    ]
    KEPT_AS = "incident-form"

    def __init__(self, record_id: str | None = None) -> None:
        super().__init__()
        self._opening = 0
        self._operator_choices: list[tuple[str, str]] = []
        self.read_ahead: ReadAhead[IncidentForForm] = ReadAhead(self, read_for_form)
        self._reset(record_id)

    def _reset(self, record_id: str | None) -> None:
        """Everything that belongs to one opening of the form."""
        self._opening += 1
        self.record_id = record_id
        self.rev: str | None = None
        self.status = IncidentStatus.open.value
        self.notifications: list[dict[str, str]] = []
        self.deadline: dt.datetime | None = None
        self.saving = False
        """A save runs in a thread. Fields stay editable (taking the focus away cost ~50 ms a save): an edit made
        meanwhile is not in the save, so it stays an unsaved change, kept in the draft."""
        self._saving_values: dict[str, Any] = {}
        self._leave_after_save = False
        self._offer_draft = False
        self.draft = DraftKeeper(self, "incident", record_id, self.values, self.apply)

    @classmethod
    def prebuild(cls, app: Any, warm_with: str | None) -> None:
        """Build the form now, off screen, so that even its first opening is a warm refill."""
        prebuild(app, cls.KEPT_AS, cls, warm_with)

    @classmethod
    def show(cls, app: Any, record_id: str | None = None) -> None:
        """Open `record_id` (None: a new incident) in the kept form, built the first time only."""
        screen = free_kept_screen(app, cls.KEPT_AS)
        if screen is None:
            screen = cls(record_id)
            keep(app, screen, cls.KEPT_AS)
        elif not screen.take_prepared(record_id):
            try:
                screen.refill(record_id)
            except HtstError as exc:
                show_error(app.screen, exc, LABELS)
                return
        app.push_screen(screen)

    @classmethod
    def prepare_ahead(cls, app: Any, record_id: str) -> None:
        """The incident log's cursor rests on `record_id`: fill the kept form with it ahead of time."""
        prepare_kept(app, cls.KEPT_AS, record_id)

    @classmethod
    def read_around(cls, app: Any, record_ids: list[str]) -> None:
        """The incident log's cursor reached `record_ids[0]` (the rest are beside it): read them ahead."""
        read_kept_ahead(app, cls.KEPT_AS, record_ids)

    def refill(self, record_id: str | None) -> None:
        self._reset(record_id)
        shown = (self.read_ahead.take(record_id) if record_id else None) or \
            read_for_form(self.app.ctx, record_id)  # type: ignore[attr-defined]
        if shown.operators != self._operator_choices:
            self._operator_choices = shown.operators
            self.query_one("#operator_id", Select).set_options(shown.operators)
        self.query_one(VerticalScroll).scroll_home(animate=False)
        self._fill(shown)
        self._offer_draft = True

    def on_screen_resume(self) -> None:
        if self._offer_draft:  # reopened: the draft is looked for once the form is on the screen
            self._offer_draft = False
            self.call_after_refresh(self.draft.start)

    def compose(self) -> ComposeResult:
        ctx = self.app.ctx  # type: ignore[attr-defined]
        self._first = read_for_form(ctx, self.record_id)
        self._operator_choices = self._first.operators
        yield Header()
        with VerticalScroll(can_focus=False):
            yield Static("", id="status", classes="status")
            with Horizontal(classes="row"):
                yield labelled("Category", SteadySelect([(v, k.value) for k, v in CATEGORY_LABELS.items()],
                                                        id="category", prompt="Choose a category"))
                yield labelled("Occurred at", when_input("occurred_at"))
                yield labelled("Reported at", when_input("reported_at"))
            with Horizontal(classes="row"):
                yield labelled("Reported by", SteadySelect([(k.value.capitalize(), k.value) for k in ReporterKind],
                                                           allow_blank=False, value=ReporterKind.operator.value,
                                                           id="reported_by_kind"))
                yield labelled("Reporter's name", SteadyInput(id="reported_by_name"))
            with Horizontal(classes="row"):
                yield labelled("Route code", SteadyInput(id="route", suggester=RouteCodeSuggester(ctx)))
                yield labelled("Operator", SteadySelect(self._operator_choices, id="operator_id", prompt="(none)"))
                yield labelled("School (Enter: pick)", RefPicker(SCHOOL, id="school_id"))
            with Horizontal(classes="row"):
                yield labelled("Pupils involved",
                               SteadyInput(id="pupils", placeholder="LA references separated by commas"))
                yield labelled("Number of pupils", SteadyInput(id="pupil_count", validators=[WholeNumber()]))
            with Horizontal(classes="row"):
                yield labelled("Severity", SteadySelect([(v, k.value) for k, v in SEVERITY_LABELS.items()],
                                                        id="severity", prompt="(category default)"))
                yield labelled("Reason (if not the default)", SteadyInput(id="severity_reason"))
            yield Static("", id="severity_hint", classes="hint")
            yield labelled("Description", SteadyTextArea(id="description"))
            yield labelled("Immediate action", SteadyTextArea(id="immediate_action"))
            with Horizontal(classes="row"):
                yield labelled("Notify (Ctrl+N adds)",
                               SteadySelect([(v, k.value) for k, v in NOTIFICATION_LABELS.items()], allow_blank=False,
                                            value=NotificationKind.parent.value, id="notify_kind"))
                yield labelled("Notified at", when_input("notify_at", "blank = now"))
                yield labelled("Written report received", when_input("written_report_at"))
            yield Static("", id="notifications", classes="list")
            yield labelled("Outcome (needed to close)", SteadyTextArea(id="outcome"))
            yield Static("", id="follow_ups", classes="list")
        yield StableFooter()

    def on_mount(self) -> None:
        self._fill(self._first)
        if on_a_stack(self.app, self):  # not if built ahead of time: its opening looks for the draft
            self.call_after_refresh(self.draft.start)

    def _fill(self, shown: IncidentForForm) -> None:
        """The stored incident, or a blank one timed now; every field is set (a kept form held another).

        No change messages are sent: nothing was edited (no draft to write, no route to look up and complete
        from), and ~17 of them, each bubbling through four containers, held up the form's first draw by ~8 ms."""
        with self.prevent(Input.Changed, Select.Changed, TextArea.Changed, RefPicker.Changed):
            if shown.record is not None:
                self.load_record(shown)
            else:
                now = format_local_datetime(dt.datetime.now().astimezone())
                self.apply({**dict.fromkeys(INPUTS, ""), **dict.fromkeys(SELECTS), **dict.fromkeys(AREAS, ""),
                            "occurred_at": now, "reported_at": now, "reported_by_kind": ReporterKind.operator.value,
                            "notify_kind": NotificationKind.parent.value, "school_id": None, "notifications": []})
                self.show_text("follow_ups", "")
        self.refresh_status()
        self.set_focus(self.query_one("#category", Select), scroll_visible=False)

    def load_record(self, shown: IncidentForForm) -> None:
        assert shown.record is not None
        data = shown.record.data
        self.rev = shown.record.rev
        self.status = data["status"]
        self.deadline = data["report_deadline"]
        self.apply({
            "occurred_at": format_local_datetime(data["occurred_at"]),
            "reported_at": format_local_datetime(data["reported_at"]),
            "reported_by_name": data["reported_by_name"] or "", "route": shown.route_code,
            "pupils": ", ".join(shown.pupil_refs),
            "pupil_count": str(data["pupil_count"]), "severity_reason": data["severity_reason"] or "",
            "notify_at": "", "written_report_at": format_local_datetime(data["written_report_at"]),
            "category": data["category"], "reported_by_kind": data["reported_by_kind"],
            "operator_id": data["operator_id"], "school_id": data["school_id"], "severity": data["severity"],
            "notify_kind": NotificationKind.parent.value, "description": data["description"],
            "immediate_action": data["immediate_action"] or "", "outcome": data["outcome"] or "",
            "notifications": list(data["notifications"] or []),
        }, shown.school_titles)
        self.show_follow_ups(shown.follow_ups)

    # --- form state -------------------------------------------------------------------------------------
    def values(self) -> dict[str, Any]:
        out: dict[str, Any] = {k: self.query_one(f"#{k}", Input).value for k in INPUTS}
        out.update({k: select_value(self.query_one(f"#{k}", Select)) for k in SELECTS})
        out.update({k: self.query_one(f"#{k}", TextArea).text for k in AREAS})
        out["school_id"] = self.query_one("#school_id", RefPicker).value
        out["notifications"] = list(self.notifications)
        return out

    def apply(self, values: dict[str, Any], school_titles: dict[str, str] | None = None) -> None:
        """Put `values` in the fields (a draft's, or a stored incident's with its school's title read already)."""
        for k in INPUTS:
            if k in values:
                self.query_one(f"#{k}", SteadyInput).show_value(values[k] or "")
        for k in SELECTS:
            if k in values:
                set_select(self.query_one(f"#{k}", Select), values[k])
        for k in AREAS:
            area = self.query_one(f"#{k}", TextArea)
            if k in values and area.text != (values[k] or ""):  # setting the text rebuilds the area's document
                area.text = values[k] or ""
        if "school_id" in values:
            self.set_school(values["school_id"], school_titles)
        self.notifications = list(values.get("notifications", self.notifications))
        self.refresh_notifications()
        self.refresh_severity_hint()

    def set_school(self, school_id: str | None, titles: dict[str, str] | None = None) -> None:
        picker = self.query_one("#school_id", RefPicker)
        if school_id != picker.value:
            if titles is None:
                titles = references.titles(self.app.ctx, "schools", [school_id]) if school_id else {}  # type: ignore[attr-defined]
            picker.set_value(school_id, titles)

    @staticmethod
    def record_data(ctx: Any, v: dict[str, Any]) -> dict[str, Any]:
        """The form's values as a record for the service; LA references and the route code become ids. Reads
        the database, so a save runs it in its thread."""
        refs = [r for r in v["pupils"].replace(";", ",").split(",") if r.strip()]
        pupil_ids, unknown = lookups.pupil_ids_for_refs(ctx, refs)
        errors = {}
        if unknown:
            errors["pupil_ids"] = f"no pupil with LA reference {', '.join(unknown)}"
        route = lookups.route_by_code(ctx, v["route"])
        if v["route"].strip() and route is None:
            errors["route_id"] = f"no route with code {v['route'].strip().upper()}"
        if errors:
            raise ValidationFailed(errors, entity="incidents")
        count = v["pupil_count"].strip()
        return {
            "occurred_at": v["occurred_at"], "reported_at": v["reported_at"],
            "reported_by_kind": v["reported_by_kind"], "reported_by_name": v["reported_by_name"],
            "route_id": route.id if route else None, "operator_id": v["operator_id"], "school_id": v["school_id"],
            "pupil_ids": pupil_ids, "pupil_count": int(count) if count.isdigit() else len(pupil_ids),
            "category": v["category"], "severity": v["severity"], "severity_reason": v["severity_reason"],
            "description": v["description"], "immediate_action": v["immediate_action"],
            "notifications": v["notifications"], "written_report_at": v["written_report_at"],
        }

    # --- live feedback ---------------------------------------------------------------------------------
    def show_text(self, widget_id: str, text: str) -> None:
        show_text(self.query_one(f"#{widget_id}", Static), text)

    def refresh_status(self) -> None:
        parts = ["New incident" if not self.record_id else f"Status: {self.status}"]
        if self.deadline:
            parts.append(f"written report due {display_value(self.deadline)}")
        nxt = next_status(self.status) if self.record_id else None
        if nxt:
            parts.append(f"Ctrl+T → {nxt.value}")
        elif self.record_id:
            parts.append("Ctrl+R to reopen")
        self.show_text("status", "  ·  ".join(parts))

    def refresh_severity_hint(self) -> None:
        category = select_value(self.query_one("#category", Select))
        if not category:
            self.show_text("severity_hint", "")
            return
        default = default_severity(category)
        chosen = select_value(self.query_one("#severity", Select)) or default.value
        hint = f"Default severity for this category: {SEVERITY_LABELS[default]}."
        if chosen != default.value:
            hint += " A different severity needs a reason."
        missing = missing_notifications(category, chosen, [n["kind"] for n in self.notifications])
        if missing:
            hint += " Prompt: notify " + ", ".join(NOTIFICATION_LABELS[k] for k in missing) + "."
        self.show_text("severity_hint", hint)

    def refresh_notifications(self) -> None:
        lines = [f"{NOTIFICATION_LABELS[NotificationKind(n['kind'])]} at "
                 f"{format_local_datetime(dt.datetime.fromisoformat(n['at']))}" for n in self.notifications]
        self.show_text("notifications", "Notified: " + ("; ".join(lines) or "nobody yet"))

    def refresh_follow_ups(self) -> None:
        if not self.record_id:
            return
        self.show_follow_ups(
            follow_ups_for(self.app.ctx, FollowUpSource.incident, self.record_id).rows)  # type: ignore[attr-defined]

    def show_follow_ups(self, rows: list[dict[str, Any]]) -> None:
        lines = [f"- {r['outcome_code'].replace('_', ' ')} · {r['owner']} · due {display_value(r['due_date'])} · "
                 f"{r['status']}" for r in rows]
        self.show_text("follow_ups", "Follow-ups (Ctrl+O adds):\n" + ("\n".join(lines) or "none"))

    def on_input_changed(self, event: Input.Changed) -> None:
        if event.input.id == "route":
            route = lookups.route_by_code(self.app.ctx, event.value)  # type: ignore[attr-defined]
            if route:
                if select_value(self.query_one("#operator_id", Select)) is None:
                    set_select(self.query_one("#operator_id", Select), route.operator_id)
                if self.query_one("#school_id", RefPicker).value is None:
                    self.set_school(route.school_id)
        self.draft.changed()

    def on_text_area_changed(self, event: TextArea.Changed) -> None:
        self.draft.changed()

    def on_select_changed(self, event: Select.Changed) -> None:
        self.refresh_severity_hint()
        self.draft.changed()

    @on(RefPicker.Changed)
    def _school_changed(self) -> None:
        self.draft.changed()

    @on(RefPicker.PickRequested)
    def _pick_school(self, event: RefPicker.PickRequested) -> None:
        from htst_tui.screens.picker import pick_into

        pick_into(self, event.picker)

    # --- actions ---------------------------------------------------------------------------------------
    def _busy(self) -> bool:
        """While a save runs, nothing else may change the incident: its keys are refused, not queued. (Not
        `check_action`: that would change the footer's keys, and so rebuild it, twice per save.)"""
        if self.saving:
            self.notify("Saving… try again when the save is done.", severity="warning")
        return self.saving

    def action_save(self) -> None:
        if self.saving:
            return
        self.saving = True
        self._saving_values = self.values()
        self._save(self.app.ctx, self._saving_values, self.record_id, self.rev,  # type: ignore[attr-defined]
                   self._opening)

    @work(thread=True, group="incident-save")
    def _save(self, ctx: Any, values: dict[str, Any], record_id: str | None, rev: str | None, opening: int) -> None:
        try:
            data = self.record_data(ctx, values)
            view = svc.edit_incident(ctx, record_id, data, expected_rev=rev) if record_id else \
                svc.log_incident(ctx, data)
        except HtstError as exc:
            self.app.call_from_thread(self._save_failed, exc, opening)
            return
        self.app.call_from_thread(self._saved, view, opening)

    def _save_failed(self, exc: HtstError, opening: int) -> None:
        if opening != self._opening:
            self.app.notify(f"Incident not saved: {exc.message}", severity="error")
            return
        self.saving = self._leave_after_save = False
        show_error(self, exc, LABELS)

    def _saved(self, view: RecordView, opening: int) -> None:
        if opening != self._opening:  # the form was closed mid-save (e.g. F3) and now shows another incident
            self.app.notify("Incident saved.")
            return
        self.saving = False
        self.record_id, self.rev = view.id, view.rev
        self.status, self.deadline = view.data["status"], view.data["report_deadline"]
        self.draft.saved(view.id, self._saving_values)
        # anything typed during the save is a draft of the saved incident
        self.draft.changed(now=self._leave_after_save)
        self.refresh_status()
        self.refresh_follow_ups()
        self.notify(f"Incident saved. Written report due {display_value(self.deadline)}.")
        missing = missing_notifications(view.data["category"], view.data["severity"],
                                        [n["kind"] for n in view.data["notifications"]])
        if missing:
            self.notify("Not yet recorded: " + ", ".join(NOTIFICATION_LABELS[k] for k in missing) + ".",
                        title="Notify", severity="warning", timeout=8)
        if self._leave_after_save:
            self.dismiss(None)

    def action_notify_now(self) -> None:
        if self._busy():
            return
        at_input = self.query_one("#notify_at", Input)
        try:
            at = parse_local_datetime(at_input.value) if at_input.value.strip() else dt.datetime.now().astimezone()
        except ValueError as exc:
            self.notify(f"Notification time {exc}", severity="error")
            return
        kind = select_value(self.query_one("#notify_kind", Select)) or NotificationKind.parent.value
        self.notifications.append({"kind": kind, "at": at.astimezone(dt.UTC).isoformat()})
        at_input.value = ""
        self.refresh_notifications()
        self.refresh_severity_hint()
        self.draft.changed()
        self.notify(f"{NOTIFICATION_LABELS[NotificationKind(kind)]} notified at {format_local_datetime(at)} "
                    "(saved with the incident).")

    def _needs_saved(self) -> bool:
        if self._busy():
            return False
        if self.record_id is None:
            self.notify("Save the incident first (Ctrl+S).", severity="warning")
            return False
        return True

    def action_next_status(self) -> None:
        if not self._needs_saved():
            return
        nxt = next_status(self.status)
        if nxt is None:
            self.notify("The incident is closed; Ctrl+R reopens it.", severity="warning")
            return
        outcome = self.query_one("#outcome", TextArea).text
        try:
            view = svc.transition(self.app.ctx, self.record_id or "", nxt,  # type: ignore[attr-defined]
                                  outcome=outcome, expected_rev=self.rev)
        except HtstError as exc:
            show_error(self, exc, LABELS)
            return
        self.rev, self.status = view.rev, view.data["status"]
        self.draft.baseline = self.values()
        self.refresh_status()
        self.notify(f"Incident is now {self.status}.")

    def action_reopen(self) -> None:
        if not self._needs_saved():
            return
        if self.status != IncidentStatus.closed.value:
            self.notify("Only a closed incident can be reopened.", severity="warning")
            return

        def done(reason: str | None) -> None:
            if not reason:
                return
            try:
                view = svc.reopen(self.app.ctx, self.record_id or "", reason,  # type: ignore[attr-defined]
                                  expected_rev=self.rev)
            except HtstError as exc:
                show_error(self, exc, LABELS)
                return
            self.rev, self.status = view.rev, view.data["status"]
            self.refresh_status()
            self.notify("Incident reopened.")

        self.app.push_screen(ReasonModal("Why is this incident being reopened? (kept in the audit log)",
                                         title="Reopen incident"), done)

    def action_follow_up(self) -> None:
        if not self._needs_saved():
            return
        ask_follow_up(self, FollowUpSource.incident, self.record_id or "", self.refresh_follow_ups)

    def action_close(self) -> None:
        if self.saving:  # leaving now could lose the save's outcome: leave when it is done
            self._leave_after_save = True
            self.notify("Saving… the form closes when the save is done.")
            return
        if self.draft.has_draft:
            self.notify("Unsaved changes are kept as a draft.")
        self.dismiss(None)
