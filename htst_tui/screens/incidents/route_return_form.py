"""Record or edit one route return by keyboard. Notice days and the short-notice flag update as the dates are
typed, so the officer sees a breach of the contractual notice before saving."""

from __future__ import annotations

import datetime as dt
from typing import Any

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, VerticalScroll
from textual.screen import Screen
from textual.widgets import Footer, Header, Input, Select, Static, TextArea

from htst_tui.domain.follow_ups import FollowUpSource
from htst_tui.domain.local_time import parse_date
from htst_tui.domain.route_returns import RouteReturnStatus, is_short_notice, notice_days
from htst_tui.errors import HtstError, ValidationFailed
from htst_tui.screens.incidents.form_support import (
    FORM_CSS,
    DraftKeeper,
    OptionalDate,
    RouteCodeSuggester,
    WholeNumber,
    ask_follow_up,
    labelled,
    select_value,
    set_select,
    show_error,
)
from htst_tui.services import lookups
from htst_tui.services import route_returns as svc
from htst_tui.services.follow_up_links import follow_ups_for
from htst_tui.services.records import Records
from htst_tui.widgets.formatting import display_value
from htst_tui.widgets.steady import SteadySelect, SteadyTextArea

LABELS = {"route_id": "Route", "operator_id": "Operator", "notice_received": "Notice received",
          "effective_date": "Effective date", "notice_days": "Notice days", "children_affected": "Children affected",
          "reason": "Reason", "reallocated_to_operator_id": "Reallocated to", "reallocated_on": "Reallocated on",
          "status": "Status", "record": "Route return"}

INPUTS = ("route", "notice_received", "effective_date", "children_affected", "reallocated_on")
SELECTS = ("operator_id", "reallocated_to_operator_id", "status")


def day_input(field_id: str) -> Input:
    return Input(id=field_id, placeholder="YYYY-MM-DD", validators=[OptionalDate()])


def _date(text: str) -> dt.date | None:
    try:
        return parse_date(text) if text.strip() else None
    except ValueError:
        return None


class RouteReturnFormScreen(Screen[None]):
    DEFAULT_CSS = FORM_CSS.format(name="RouteReturnFormScreen")
    BINDINGS = [
        Binding("ctrl+s", "save", "Save", priority=True),
        Binding("ctrl+o", "follow_up", "Follow-up", priority=True),
        Binding("escape", "close", "Back"),
    ]

    def __init__(self, record_id: str | None = None) -> None:
        super().__init__()
        self.record_id = record_id
        self.rev: str | None = None
        self.draft = DraftKeeper(self, "route_return", record_id, self.values, self.apply)

    def compose(self) -> ComposeResult:
        ctx = self.app.ctx  # type: ignore[attr-defined]
        operators = lookups.choices(ctx, "operators")
        yield Header()
        with VerticalScroll(can_focus=False):
            yield Static("New route return" if not self.record_id else "Route return", classes="status")
            with Horizontal(classes="row"):
                yield labelled("Route code", Input(id="route", suggester=RouteCodeSuggester(ctx)))
                yield labelled("Operator handing it back", SteadySelect(operators, id="operator_id", prompt="(choose)"))
            with Horizontal(classes="row"):
                yield labelled("Notice received", day_input("notice_received"))
                yield labelled("Effective date", day_input("effective_date"))
                yield labelled("Children affected", Input("0", id="children_affected",
                                                                  validators=[WholeNumber()]))
            yield Static("", id="notice", classes="hint")
            yield labelled("Reason", SteadyTextArea(id="reason"))
            with Horizontal(classes="row"):
                yield labelled("Reallocated to", SteadySelect(operators, id="reallocated_to_operator_id",
                                                        prompt="(not yet)"))
                yield labelled("Reallocated on", day_input("reallocated_on"))
                yield labelled("Status", SteadySelect([(s.value.capitalize(), s.value) for s in RouteReturnStatus],
                                                allow_blank=False, value=RouteReturnStatus.open.value, id="status"))
            yield Static("", id="follow_ups", classes="list")
        yield Footer()

    def on_mount(self) -> None:
        if self.record_id:
            ctx = self.app.ctx  # type: ignore[attr-defined]
            view = Records(ctx, "route_returns").get(self.record_id)
            self.rev = view.rev
            d = view.data
            self.apply({"route": lookups.route_code(ctx, d["route_id"]), "operator_id": d["operator_id"],
                        "notice_received": d["notice_received"].isoformat(),
                        "effective_date": d["effective_date"].isoformat(),
                        "children_affected": str(d["children_affected"]), "reason": d["reason"],
                        "reallocated_to_operator_id": d["reallocated_to_operator_id"],
                        "reallocated_on": d["reallocated_on"].isoformat() if d["reallocated_on"] else "",
                        "status": d["status"]})
            self.refresh_follow_ups()
        else:
            self.query_one("#notice_received", Input).value = dt.date.today().isoformat()
        self.refresh_notice()
        self.query_one("#route", Input).focus()
        self.call_after_refresh(self.draft.start)

    def values(self) -> dict[str, Any]:
        out: dict[str, Any] = {k: self.query_one(f"#{k}", Input).value for k in INPUTS}
        out.update({k: select_value(self.query_one(f"#{k}", Select)) for k in SELECTS})
        out["reason"] = self.query_one("#reason", TextArea).text
        return out

    def apply(self, values: dict[str, Any]) -> None:
        for k in INPUTS:
            if k in values:
                self.query_one(f"#{k}", Input).value = values[k] or ""
        for k in SELECTS:
            if k in values:
                set_select(self.query_one(f"#{k}", Select), values[k])
        if "reason" in values:
            self.query_one("#reason", TextArea).text = values["reason"] or ""
        self.refresh_notice()

    def refresh_notice(self) -> None:
        received = _date(self.query_one("#notice_received", Input).value)
        effective = _date(self.query_one("#effective_date", Input).value)
        widget = self.query_one("#notice", Static)
        if received is None or effective is None:
            widget.update("Notice days: enter both dates")
            return
        days = notice_days(received, effective)
        required = self.app.ctx.settings.incidents.route_return_notice_days  # type: ignore[attr-defined]
        if days < 0:
            widget.update("Notice days: the effective date is before the notice")
        elif is_short_notice(days, required):
            widget.update(f"Notice days: {days} — SHORT NOTICE (contract requires {required})")
        else:
            widget.update(f"Notice days: {days} (contract requires {required})")

    def refresh_follow_ups(self) -> None:
        if not self.record_id:
            return
        page = follow_ups_for(self.app.ctx, FollowUpSource.route_return, self.record_id)  # type: ignore[attr-defined]
        lines = [f"- {r['outcome_code'].replace('_', ' ')} · {r['owner']} · due {display_value(r['due_date'])} · "
                 f"{r['status']}" for r in page.rows]
        self.query_one("#follow_ups", Static).update("Follow-ups (Ctrl+O adds):\n" + ("\n".join(lines) or "none"))

    def on_input_changed(self, event: Input.Changed) -> None:
        if event.input.id == "route":
            route = lookups.route_by_code(self.app.ctx, event.value)  # type: ignore[attr-defined]
            if route and select_value(self.query_one("#operator_id", Select)) is None:
                set_select(self.query_one("#operator_id", Select), route.operator_id)
        if event.input.id in ("notice_received", "effective_date"):
            self.refresh_notice()
        self.draft.changed()

    def on_text_area_changed(self, event: TextArea.Changed) -> None:
        self.draft.changed()

    def on_select_changed(self, event: Select.Changed) -> None:
        self.draft.changed()

    def record_data(self) -> dict[str, Any]:
        v = self.values()
        route = lookups.route_by_code(self.app.ctx, v["route"])  # type: ignore[attr-defined]
        if route is None:
            raise ValidationFailed({"route_id": f"no route with code {v['route'].strip().upper()}"
                                    if v["route"].strip() else "is required"}, entity="route_returns")
        count = v["children_affected"].strip()
        return {"route_id": route.id, "operator_id": v["operator_id"], "notice_received": v["notice_received"],
                "effective_date": v["effective_date"], "children_affected": int(count) if count.isdigit() else count,
                "reason": v["reason"], "reallocated_to_operator_id": v["reallocated_to_operator_id"],
                "reallocated_on": v["reallocated_on"], "status": v["status"]}

    def action_save(self) -> None:
        ctx = self.app.ctx  # type: ignore[attr-defined]
        try:
            data = self.record_data()
            if self.record_id:
                view = svc.edit_route_return(ctx, self.record_id, data, expected_rev=self.rev)
            else:
                view = svc.record_route_return(ctx, data)
        except HtstError as exc:
            show_error(self, exc, LABELS)
            return
        self.record_id, self.rev = view.id, view.rev
        self.draft.saved(view.id)
        self.refresh_follow_ups()
        short = is_short_notice(view.data["notice_days"], ctx.settings.incidents.route_return_notice_days)
        self.notify(f"Route return saved ({view.data['notice_days']} days' notice{', short' if short else ''}).")

    def action_follow_up(self) -> None:
        if self.record_id is None:
            self.notify("Save the route return first (Ctrl+S).", severity="warning")
            return
        ask_follow_up(self, FollowUpSource.route_return, self.record_id or "", self.refresh_follow_ups)

    def action_close(self) -> None:
        if self.draft.has_draft:
            self.notify("Unsaved changes are kept as a draft.")
        self.dismiss(None)
