"""The case form: facts with the live statutory hint, the decision, deliberation, dissent, finalise, letter.

Built for a chair typing live: every keystroke updates the hint and autosaves a draft (so a crash loses
nothing); ctrl+n / ctrl+b save and move along the agenda; finalise refuses with the list of what is missing.
"""

from __future__ import annotations

from typing import Any

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.screen import Screen
from textual.widget import Widget
from textual.widgets import Checkbox, Header, Input, Label, Select, SelectionList, Static, TextArea

from htst_tui.domain.eligibility import CATEGORY_LABELS
from htst_tui.domain.panel import APPLICATION_LABELS, AWARD_LABELS, OUTCOME_LABELS, Outcome
from htst_tui.domain.reference import PANEL_ROLE_LABELS
from htst_tui.errors import HtstError, ValidationFailed
from htst_tui.screens.context import service_context
from htst_tui.screens.panel.banner import AttendanceBanner
from htst_tui.screens.panel.fields import FieldSpec
from htst_tui.screens.panel.modals import DissentModal, JumpModal, ReopenModal
from htst_tui.services import panel
from htst_tui.services.drafts import Drafts
from htst_tui.widgets.footer import StableFooter
from htst_tui.widgets.modals import ErrorModal

DRAFT_FORM = "panel_case"

CASE_SPECS = [
    FieldSpec("application_type", "Application type", "select",
              tuple((label, value.value) for value, label in APPLICATION_LABELS.items())),
    FieldSpec("relevant_date", "Relevant date (age is worked out on this date)", "date"),
    FieldSpec("date_of_birth", "Date of birth", "date"),
    FieldSpec("school_name", "School applied for"),
    FieldSpec("distance_miles", "Walking-route distance (miles)", "miles"),
    FieldSpec("road_distance_miles", "Road distance (miles; for the 6 / 15 mile limits, if measured by road)",
              "miles"),
    FieldSpec("nearest_suitable", "Nearest suitable school", "bool"),
    FieldSpec("school_rank", "Rank among nearest suitable schools (1 = nearest)", "int"),
    FieldSpec("need_summary", "SEN / disability / mobility need (summary)"),
    FieldSpec("ehcp", "Has an EHCP", "bool"),
    FieldSpec("low_income", "Low income (free school meals or maximum Working Tax Credit)", "bool"),
    FieldSpec("unsafe_route", "Walking route assessed as unsafe", "bool"),
    FieldSpec("religion_belief", "Nearest school preferred on grounds of religion or belief", "bool"),
    FieldSpec("evidence", "Evidence considered (separate items with ;)", "list"),
    FieldSpec("conflicts_asked", "Members asked to declare conflicts of interest", "bool"),
    FieldSpec("conflicts_declared", "Conflicts of interest declared"),
]

DECISION_SPECS = [
    FieldSpec("outcome", "Outcome", "select", tuple((label, value.value) for value, label in OUTCOME_LABELS.items())),
    FieldSpec("statutory_category", "Statutory category", "select",
              tuple((label, value.value) for value, label in CATEGORY_LABELS.items())),
    FieldSpec("discretionary_reason", "Discretionary reason (if not a statutory category)"),
    FieldSpec("departure_reason", "Why the decision departs from the hint (if it does)"),
    FieldSpec("award_types", "Travel arrangement (space to tick)", "multi",
              tuple((label, value.value) for value, label in AWARD_LABELS.items())),
    FieldSpec("mileage_pence_per_mile", "Mileage rate (pence a mile)", "int"),
    FieldSpec("journeys_per_day", "Mileage journeys a day", "int"),
    FieldSpec("ptb_amount_gbp", "Personal travel budget (£ a year)", "int"),
    FieldSpec("award_details", "Award details"),
    FieldSpec("conditions", "Conditions"),
    FieldSpec("effective_date", "Effective date", "date"),
    FieldSpec("time_limited", "Time-limited or temporary medical award", "bool"),
    FieldSpec("post16_contribution_gbp", "Post-16 contribution (£ a year)", "int"),
    FieldSpec("post16_exemption", "Post-16 exemption reason"),
    FieldSpec("review_date", "Review date (defaulted by rule; edit if needed)", "date"),
    FieldSpec("deferred_what", "Deferred: what is needed"),
    FieldSpec("deferred_by", "Deferred: by when", "date"),
    FieldSpec("consulted", "Other departments or agencies consulted"),
    FieldSpec("deliberation_notes", "Deliberation notes", "area"),
    FieldSpec("factors_weighed", "Factors weighed against each policy criterion", "area"),
    FieldSpec("reasons", "Reasons in plain language (goes in the letter)", "area"),
    FieldSpec("amaze_perspective", "Amaze / parental perspective", "area"),
]

LABELS = {s.name: s.label for s in CASE_SPECS + DECISION_SPECS}
REVIEW_TRIGGERS = {"outcome", "award_types", "time_limited"}


class CaseScreen(Screen[None]):
    TITLE = "Panel case"
    DEFAULT_CSS = """
    CaseScreen #form { height: 1fr; padding: 0 1; }
    CaseScreen .section { text-style: bold; margin-top: 1; color: $accent; }
    CaseScreen #hint { border: round $accent; padding: 0 1; margin: 1 0; height: auto; }
    CaseScreen #status { height: auto; padding: 0 1; }
    CaseScreen #status.-locked { background: $warning-darken-2; }
    CaseScreen TextArea.area { height: 5; }
    CaseScreen SelectionList { height: auto; max-height: 10; }
    CaseScreen #dissents { height: auto; margin-bottom: 1; }
    """
    BINDINGS = [
        Binding("ctrl+s", "save", "Save", priority=True),
        Binding("ctrl+f", "finalise", "Finalise", priority=True),
        Binding("ctrl+r", "dissent", "Dissent", priority=True),
        Binding("ctrl+n", "next_case", "Next case", priority=True),
        Binding("ctrl+b", "previous_case", "Previous case", priority=True),
        Binding("ctrl+l", "letter", "Letter", priority=True),
        Binding("ctrl+t", "minutes", "Minutes", priority=True),
        Binding("ctrl+o", "reopen", "Reopen", priority=True),
        Binding("ctrl+g", "jump", "Go to field", priority=True),
        Binding("escape", "back", "Back to meeting"),
    ]

    def __init__(self, meeting_id: str, case_id: str) -> None:
        super().__init__()
        self.meeting_id = meeting_id
        self.case_id = case_id
        self._filling = False
        self._suggested_review = ""
        self.stored: dict[str, Any] = {}
        self.locked = False
        self._locked_shown = False
        self._hint_text = ""

    # --- layout and loading ---------------------------------------------------------------------------------

    def compose(self) -> ComposeResult:
        self.ctx = service_context(self)
        yield Header()
        yield AttendanceBanner(id="banner")
        yield Static(id="status")
        with VerticalScroll(id="form"):
            yield Label("Facts", classes="section")
            yield from self._fields(CASE_SPECS)
            yield Static(id="hint")
            yield Label("Decision", classes="section")
            yield from self._fields(DECISION_SPECS)
            yield Label("Dissent", classes="section")
            yield Static(id="dissents")
        yield StableFooter()

    def _fields(self, specs: list[FieldSpec]) -> ComposeResult:
        for spec in specs:
            if spec.kind != "bool":
                yield Label(spec.label)
            yield spec.build()

    def widget_for(self, spec: FieldSpec) -> Widget:
        return self.query_one(f"#{spec.widget_id}")

    def on_mount(self) -> None:
        self.load()
        self.widget_for(CASE_SPECS[0]).focus()

    def load(self) -> None:
        view = panel.case_view(self.ctx, self.case_id)
        meeting = panel.meeting_view(self.ctx, self.meeting_id)
        self.meeting_date = meeting.meeting_date
        self.present = [(f"{m.name} ({m.role_label})", m.member_id) for m in meeting.present]
        self.query_one("#banner", AttendanceBanner).show(meeting.check)
        order = [c.id for c in meeting.cases]
        self.position = order.index(self.case_id) + 1 if self.case_id in order else 0
        self.total = len(order)
        self.sub_title = (f"Case {self.position} of {self.total} · {view.pupil_label}"
                          f"{' · ' + view.child_first_name if view.child_first_name else ''}")
        self.stored = {s.name: view.data.get(s.name) for s in CASE_SPECS}
        decision = view.decision or {}
        self.stored.update({s.name: decision.get(s.name) for s in DECISION_SPECS})
        self._fill(self.stored)
        self.stored = self.raw()
        self.locked = view.finalised
        draft = Drafts(self.ctx).load(DRAFT_FORM, self.case_id)
        if draft and not self.locked and draft.data != self.stored:
            self._fill(draft.data)
            self.notify("Unsaved changes restored from the draft.")
        self._show_status(view)
        self._show_dissents(view)
        self._set_locked(self.locked)
        self.update_hint()

    def _fill(self, values: dict[str, Any]) -> None:
        self._filling = True
        with self.prevent(Input.Changed, Checkbox.Changed, Select.Changed, SelectionList.SelectedChanged,
                          TextArea.Changed):
            for spec in CASE_SPECS + DECISION_SPECS:
                if spec.name in values:
                    spec.fill(self.widget_for(spec), values[spec.name])
        self.call_after_refresh(self._done_filling)

    def _done_filling(self) -> None:
        self._filling = False

    def raw(self) -> dict[str, Any]:
        """What the form holds now, JSON-shaped (the draft and the service input)."""
        return {s.name: s.read(self.widget_for(s)) for s in CASE_SPECS + DECISION_SPECS}

    def _show_status(self, view: panel.CaseView) -> None:
        status = self.query_one("#status", Static)
        d = view.decision or {}
        if view.finalised:
            status.update(f"FINALISED and locked (revision {d['revision_no']}, by {d['finalised_by']}). "
                          "ctrl+o reopens with a reason; ctrl+l writes the letter.")
        else:
            status.update("Draft decision: ctrl+s saves, ctrl+f finalises when complete.")
        status.set_class(view.finalised, "-locked")

    def _show_dissents(self, view: panel.CaseView) -> None:
        lines = [f"• {d.name} ({PANEL_ROLE_LABELS[d.role]}): {d.view}" for d in view.dissents]
        self.query_one("#dissents", Static).update("\n".join(lines) or "No dissent recorded (ctrl+r to add).")

    def _set_locked(self, locked: bool) -> None:
        """Disable every field of a finalised decision (only on a change: restyling 40 fields is not free)."""
        if locked == self._locked_shown:
            return
        self._locked_shown = locked
        for spec in CASE_SPECS + DECISION_SPECS:
            self.widget_for(spec).disabled = locked

    # --- typing: live hint, review default, draft -----------------------------------------------------------

    @on(Input.Changed)
    @on(Checkbox.Changed)
    @on(Select.Changed)
    @on(SelectionList.SelectedChanged)
    @on(TextArea.Changed)
    def _changed(self, event: Any) -> None:
        if self._filling or self.locked:
            return
        name = (getattr(event.control, "id", "") or "").removeprefix("f-")
        if name in REVIEW_TRIGGERS:
            self._default_review_date()
        self.update_hint()
        self._save_draft(self.raw())

    def update_hint(self) -> None:
        hints, notes = panel.live_hint(self.raw(), self.meeting_date)
        lines = ["Statutory basis hint (the decision is the panel's):"]
        lines += [f"  ✓ {h.label}: {h.reason}" for h in hints] or ["  No statutory category is met on these facts."]
        lines += [f"  · {n}" for n in notes]
        text = "\n".join(lines)
        if text != self._hint_text:  # re-laying out the form on every keystroke would make typing lag
            self._hint_text = text
            self.query_one("#hint", Static).update(text)

    def _default_review_date(self) -> None:
        raw = self.raw()
        box = self.query_one("#f-review_date", Input)
        if raw["outcome"] != Outcome.eligible or box.value not in ("", self._suggested_review):
            return
        suggested = panel.suggested_review_date(self.ctx, self.meeting_date, raw["award_types"],
                                                bool(raw["time_limited"])).isoformat()
        self._suggested_review = suggested
        box.value = suggested

    @work(thread=True, exclusive=True, group="panel-draft")
    def _save_draft(self, data: dict[str, Any]) -> None:
        Drafts(self.ctx).save(DRAFT_FORM, self.case_id, data)

    # --- actions ---------------------------------------------------------------------------------------------

    def save(self) -> bool:
        """Write the form to the case and its decision; False (with the reason shown) when it cannot."""
        raw = self.raw()
        if self.locked or raw == self.stored:
            return True
        case = {s.name: raw[s.name] for s in CASE_SPECS}
        decision = {s.name: raw[s.name] for s in DECISION_SPECS}
        for key in ("application_type", "outcome", "statutory_category"):
            target = case if key in case else decision
            target[key] = target[key] or None
        try:
            panel.update_case(self.ctx, self.case_id, case)
            has_decision = panel.case_view(self.ctx, self.case_id).decision is not None
            if has_decision or any(v for v in decision.values()):
                panel.save_decision(self.ctx, self.case_id, decision)
        except ValidationFailed as exc:
            lines = "\n".join(f"• {LABELS.get(k, k)}: {v}" for k, v in exc.errors.items())
            self.app.push_screen(ErrorModal(exc.title, f"{lines}\n\nYour typing is kept as a draft."))
            return False
        except HtstError as exc:
            self.app.push_screen(ErrorModal(exc.title, exc.message))
            return False
        Drafts(self.ctx).discard(DRAFT_FORM, self.case_id)
        self.stored = raw
        self._refresh_record()
        return True

    def _refresh_record(self) -> None:
        view = panel.case_view(self.ctx, self.case_id)
        self.locked = view.finalised
        self._show_status(view)
        self._show_dissents(view)
        self._set_locked(self.locked)

    def action_save(self) -> None:
        if self.save():
            self.notify("Case saved.")

    def action_finalise(self) -> None:
        if self.locked:
            self.notify("This decision is already finalised.")
            return
        if not self.save():
            return
        try:
            panel.finalise_decision(self.ctx, self.case_id)
        except HtstError as exc:
            self.app.push_screen(ErrorModal(exc.title, exc.message))
            return
        self._refresh_record()
        self.notify("Decision finalised and locked.")

    def action_dissent(self) -> None:
        if not self.present:
            self.notify("Mark who is present first.", severity="warning")
            return
        self.app.push_screen(DissentModal(self.present), self._add_dissent)

    def _add_dissent(self, values: dict[str, Any] | None) -> None:
        if values is None:
            return
        try:
            panel.add_dissent(self.ctx, self.case_id, values["member_id"], values["view"])
        except HtstError as exc:
            self.app.push_screen(ErrorModal(exc.title, exc.message))
            return
        self._refresh_record()
        self.notify("Dissent recorded.")

    def action_reopen(self) -> None:
        if not self.locked:
            self.notify("This decision is not finalised, so it can be edited as it is.")
            return
        self.app.push_screen(ReopenModal(), self._reopen)

    def _reopen(self, values: dict[str, Any] | None) -> None:
        if values is None:
            return
        try:
            panel.reopen_decision(self.ctx, self.case_id, values["reason"])
        except HtstError as exc:
            self.app.push_screen(ErrorModal(exc.title, exc.message))
            return
        self._refresh_record()
        self.notify("Decision reopened: finalise again when the change is made.")

    def action_letter(self) -> None:
        try:
            paths = panel.write_letter(self.ctx, self.case_id)
        except (HtstError, OSError) as exc:
            self.app.push_screen(ErrorModal(getattr(exc, "title", "The letter could not be written"), str(exc)))
            return
        self.notify(f"Letter written: {paths.markdown} and {paths.html.name}", timeout=10)

    def action_minutes(self) -> None:
        if not self.save():
            return
        try:
            paths = panel.write_minutes(self.ctx, self.meeting_id)
        except (HtstError, OSError) as exc:
            self.app.push_screen(ErrorModal("The minutes could not be written", str(exc)))
            return
        self.notify(f"Minutes written: {paths.markdown} and {paths.html.name}", timeout=10)

    def action_jump(self) -> None:
        fields = [(s.label, s.widget_id) for s in CASE_SPECS + DECISION_SPECS]
        self.app.push_screen(JumpModal(fields), self._jump)

    def _jump(self, widget_id: str | None) -> None:
        if widget_id:
            widget = self.query_one(f"#{widget_id}")
            if widget.disabled:
                self.notify("This decision is finalised and locked (ctrl+o reopens it).")
            else:
                widget.focus()

    def _move(self, step: int) -> None:
        if not self.save():
            self.notify("Not saved: your typing is kept as a draft for this case.", severity="warning")
        order = panel.case_ids(self.ctx, self.meeting_id)
        index = order.index(self.case_id) + step
        if not 0 <= index < len(order):
            self.notify("That was the last case." if step > 0 else "This is the first case.")
            return
        self.app.switch_screen(CaseScreen(self.meeting_id, order[index]))

    def action_next_case(self) -> None:
        self._move(1)

    def action_previous_case(self) -> None:
        self._move(-1)

    def action_back(self) -> None:
        if not self.save():
            self.notify("Not saved: your typing is kept as a draft for this case.", severity="warning")
        self.app.pop_screen()
