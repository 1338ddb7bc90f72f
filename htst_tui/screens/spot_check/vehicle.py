"""One vehicle at the gate: pick its route by number, then answer the checklist with single keys.

Keystrokes for a two-crew vehicle (measured by tests/test_spot_check_screens.py): `a` on the visit (new
vehicle) + one digit (route) + 15 answers (6 items x 2 crew + 3 vehicle items) + Enter (finish) = 18.
The registration and plate are remembered from the route's last check; typing a new one is `r`, the
characters, Enter. Every answer is saved the moment its key is pressed; Escape leaves the check unfinished
and it reopens where it was.
"""

from __future__ import annotations

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.screen import Screen
from textual.widgets import Footer, Header, Input, Static

from htst_tui.domain import spot_checks as sc
from htst_tui.errors import HtstError
from htst_tui.screens.context import service_context
from htst_tui.screens.spot_check.checklist import ChecklistView, Row, Section
from htst_tui.screens.spot_check.modals import ChildrenModal, FollowUpsModal, OverrideModal
from htst_tui.screens.spot_check.pick import finish_pick, resolve_pick
from htst_tui.services import spot_checks as svc

ROLE_LABELS = {"driver": "Driver", "pa": "Passenger assistant"}
OUTCOME_STYLES = {sc.Outcome.compliant: "green", sc.Outcome.advice_given: "yellow",
                  sc.Outcome.non_compliant: "bold red"}


class VehicleCheckScreen(Screen[None]):
    AUTO_FOCUS = ""
    """Nothing takes focus while picking the route, so a digit picks rather than types into a field."""
    DEFAULT_CSS = """
    VehicleCheckScreen #routes { padding: 0 1; height: auto; }
    VehicleCheckScreen #head { padding: 0 1; height: auto; }
    VehicleCheckScreen .fields { height: auto; }
    VehicleCheckScreen .fields Input { width: 1fr; }
    VehicleCheckScreen #outcome { padding: 0 1; height: auto; }
    VehicleCheckScreen #checklist { display: none; }
    VehicleCheckScreen.checking #checklist { display: block; }
    VehicleCheckScreen .fields { display: none; }
    VehicleCheckScreen.checking .fields { display: block; }
    VehicleCheckScreen.checking #routes { display: none; }
    """

    BINDINGS = [
        Binding("enter", "finish", "Finish"),
        Binding("c", "children", "Children"),
        Binding("r", "edit('#registration')", "Registration"),
        Binding("p", "edit('#plate')", "Plate", show=False),
        Binding("b", "edit('#badge')", "Badge no."),
        Binding("k", "edit('#note')", "Knowledge note"),
        Binding("o", "override", "Override"),
        Binding("f", "follow_ups", "Follow-ups"),
        Binding("escape", "leave", "Back"),
        Binding("1", "digit('1')", "Pick route"),
        *[Binding(d, f"digit('{d}')", show=False) for d in "234567890"],
    ]

    def __init__(self, visit_id: str, check_id: str | None = None) -> None:
        super().__init__()
        self.visit_id = visit_id
        self.check_id = check_id
        self.view: svc.CheckView | None = None
        self.routes: list[svc.ExpectedRoute] = []
        self.typed = ""

    def compose(self) -> ComposeResult:
        yield Header()
        with Vertical():
            yield Static("", id="routes")
            yield Static("", id="head")
            with Horizontal(classes="fields"):
                yield Input(id="registration", placeholder="Registration (r)", max_length=12)
                yield Input(id="plate", placeholder="Plate number (p)", max_length=20)
                yield Input(id="badge", placeholder="Badge no. read (b)", max_length=30)
            with Horizontal(classes="fields"):
                yield Input(id="note", placeholder="Knowledge of the children: note, no names (k)", max_length=200)
            yield ChecklistView(id="checklist")
            yield Static("", id="outcome")
        yield Footer()

    def on_mount(self) -> None:
        if self.check_id:
            self.show_check(svc.get_check(service_context(self), self.check_id))
            return
        visit = svc.get_visit(service_context(self), self.visit_id)
        self.routes = svc.expected_routes(service_context(self), visit.school_id)
        lines = [f"Routes expected at {visit.school_name} — press the number:"]
        for n, route in enumerate(self.routes, 1):
            crew = ", ".join(f"{ROLE_LABELS.get(r.role, r.role)} {r.name}" for r in route.roster) or "no crew listed"
            lines.append(f" {n:>2}  {route.code:<10} {route.operator_name:<28} {route.vehicle_type:<8} {crew}")
        if not self.routes:
            lines.append("No routes list this school. Add its routes in Records first.")
        self.query_one("#routes", Static).update("\n".join(lines))

    # ------------------------------------------------------------------ route pick

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        picking = self.view is None
        if action == "digit":
            return picking
        if action in ("children", "edit", "override", "follow_ups"):
            return not picking
        return True

    def action_digit(self, digit: str) -> None:
        self.typed += digit
        number = resolve_pick(self.typed, len(self.routes))
        if number is None:
            self.notify(f"Route {self.typed}… (another digit, or Enter)")
            return
        self._pick(number)

    def _pick(self, number: int) -> None:
        typed, self.typed = self.typed, ""
        if number == 0:
            self.notify(f"There is no route {typed}.", severity="warning")
            return
        route = self.routes[number - 1]
        try:
            view = svc.start_vehicle_check(service_context(self), self.visit_id, route.id)
        except HtstError as exc:
            self.notify(exc.message, title=exc.title, severity="error")
            return
        self.check_id = view.id
        self.show_check(view)

    # ------------------------------------------------------------------ checklist

    def show_check(self, view: svc.CheckView, *, keep_cursor: bool = False) -> None:
        self.view = view
        self.add_class("checking")
        check = view.check
        sections = []
        answers: dict[tuple[int | None, str], sc.Answer] = {}
        for slot, member in enumerate(check.crew):
            entry = view.roster_entry(member.roster_crew_id)
            who = f"{entry.name} (badge {entry.badge_number})" if entry else "not on the roster"
            typed = f" · read {member.badge_number_typed}" if member.badge_number_typed else ""
            sections.append(Section(f"{ROLE_LABELS.get(member.role, member.role)} {slot + 1}: {who}{typed}",
                                    [Row(slot, item) for item in view.items.crew_items]))
            answers.update({(slot, code): a for code, a in member.answers.items()})
        sections.append(Section("Vehicle", [Row(None, item) for item in view.items.vehicle_items]))
        answers.update({(None, code): a for code, a in check.vehicle_answers.items()})
        checklist = self.query_one(ChecklistView)
        checklist.load(sections, answers, to_first_open=not keep_cursor)
        self.query_one("#head", Static).update(
            f"{view.route_code} · {view.operator_name} · registration {check.vehicle_registration or '—'} · "
            f"plate {check.plate_number or '—'}\n"
            "y pass · n fail · s not seen · - n/a · c children · Enter finish   (* = critical)")
        self.query_one("#registration", Input).value = check.vehicle_registration or ""
        self.query_one("#plate", Input).value = check.plate_number or ""
        self.query_one("#note", Input).value = check.child_knowledge_note or ""
        self._show_outcome()
        if not isinstance(self.focused, Input):
            checklist.focus()

    def _show_outcome(self) -> None:
        if self.view is None:
            return
        live = self.view.live_outcome
        final = self.view.check.final_outcome
        shown = final if final and self.view.check.override_reason else live
        text = f"Outcome: [{OUTCOME_STYLES[shown]}]{sc.OUTCOME_LABELS[shown]}[/]"
        if self.view.check.override_reason:
            text += f" (changed from {sc.OUTCOME_LABELS[live]}: {self.view.check.override_reason})"
        missing = len(self.view.missing)
        text += f"   ·   {missing} item(s) to answer" if missing else "   ·   all answered — Enter to finish"
        self.query_one("#outcome", Static).update(text)

    @on(ChecklistView.Answered)
    def _save_answer(self, event: ChecklistView.Answered) -> None:
        if self.check_id is None:
            return
        try:
            row = event.row
            view = svc.set_answer(service_context(self), self.check_id, row.slot, row.item.code, event.answer)
        except HtstError as exc:
            self.notify(exc.message, title=exc.title, severity="error")
            self.show_check(svc.get_check(service_context(self), self.check_id), keep_cursor=True)
            return
        self.view = view
        self._show_outcome()

    # ------------------------------------------------------------------ typed fields

    def action_edit(self, selector: str) -> None:
        field = self.query_one(selector, Input)
        if selector == "#badge":
            field.value = ""
        field.focus()

    @on(Input.Submitted)
    def _field_done(self, event: Input.Submitted) -> None:
        if self.check_id is None or self.view is None:
            return
        ctx, field = service_context(self), event.input.id
        try:
            if field in ("registration", "plate"):
                view = svc.set_vehicle_details(ctx, self.check_id,
                                               registration=self.query_one("#registration", Input).value,
                                               plate=self.query_one("#plate", Input).value)
            elif field == "badge":
                row = self.query_one(ChecklistView).current
                slot = row.slot if row and row.slot is not None else 0
                view = svc.set_badge_typed(ctx, self.check_id, slot, event.value)
                member = view.check.crew[slot].answers.get("badge_matches_roster")
                if member == sc.Answer.failed:
                    self.notify(f"Badge {event.value} is not on the {view.route_code} roster.", severity="warning")
            else:
                view = svc.set_child_knowledge_note(ctx, self.check_id, event.value)
        except HtstError as exc:
            self.notify(exc.message, title=exc.title, severity="error")
            return
        self.query_one(ChecklistView).focus()
        self.show_check(view, keep_cursor=True)

    # ------------------------------------------------------------------ actions

    def action_children(self) -> None:
        if self.view:
            self.app.push_screen(ChildrenModal(self.view.route_code, svc.route_children(service_context(self),
                                                                                        self.view.route_id)))

    def action_override(self) -> None:
        if self.view is None:
            return
        check = self.view.check

        def done(result: tuple[sc.Outcome, str] | None) -> None:
            if result is None or self.check_id is None:
                return
            try:
                view = svc.override_outcome(service_context(self), self.check_id, result[0], result[1])
            except HtstError as exc:
                self.notify(exc.message, title=exc.title, severity="error")
                return
            self.show_check(view, keep_cursor=True)

        current = check.final_outcome if check.override_reason else None
        self.app.push_screen(OverrideModal(self.view.live_outcome, current, check.override_reason), done)

    def action_follow_ups(self) -> None:
        if self.check_id:
            self.app.push_screen(FollowUpsModal(self.check_id))

    def action_finish(self) -> None:
        if self.view is None:
            if self.typed:
                self._pick(finish_pick(self.typed, len(self.routes)))
            return
        try:
            result = svc.finish_check(service_context(self), self.view.id)
        except HtstError as exc:
            self.notify(exc.message, title=exc.title, severity="error")
            return
        outcome = result.check.check.final_outcome or result.check.live_outcome
        extra = f"; {len(result.follow_ups)} follow-up(s) raised" if result.follow_ups else ""
        self.notify(f"{result.check.route_code}: {sc.OUTCOME_LABELS[outcome]}{extra}.", title="Vehicle saved")
        self.dismiss(None)

    def action_leave(self) -> None:
        if isinstance(self.focused, Input):
            self.query_one(ChecklistView).focus()
            return
        if self.view is not None:
            self.notify("Saved so far; the check stays open for later.")
        self.dismiss(None)

