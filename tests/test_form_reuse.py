"""Kept form screens (screens/kept.py): one form per kind is built once and refilled for each record, so nothing
of one record may survive into the next — values, drafts, messages, title, status lines — and checks still run."""

from __future__ import annotations

from typing import Any

from textual.pilot import Pilot
from textual.widgets import Input, Label, Select, Static, TextArea

from htst_tui.app import HtstApp
from htst_tui.screens.draft_modal import DraftModal
from htst_tui.screens.incidents.incident_form import IncidentFormScreen
from htst_tui.screens.record_form import RecordFormScreen
from htst_tui.services import incidents as inc
from htst_tui.services.context import ServiceContext
from htst_tui.services.drafts import Drafts
from htst_tui.services.records import Records
from htst_tui.widgets.model_form import RefPicker
from tests.incident_fixtures import make_reference
from tests.pilot_support import settle


def schools(ctx: ServiceContext) -> tuple[str, str]:
    records = Records(ctx, "schools")
    a = records.create({"urn": 100001, "name": "Fictional Downs Primary", "phase": "primary", "postcode": "BN1 1AA"})
    b = records.create({"urn": 200002, "name": "Imaginary Vale Academy", "phase": "secondary",
                        "postcode": "BN2 2BB"})
    return a.id, b.id


async def open_record(app: HtstApp, pilot: Pilot[Any], record_id: str | None,
                      closed: list[str | None] | None = None) -> RecordFormScreen:
    RecordFormScreen.show(app, "schools", record_id, None if closed is None else closed.append)
    await settle(app, pilot)
    screen = app.screen
    assert isinstance(screen, RecordFormScreen)
    return screen


def error(screen: RecordFormScreen, field: str) -> str:
    return str(screen.query_one(f"#error-{field}", Static).render())


async def test_a_record_edited_then_left_leaves_nothing_in_the_next(ctx: ServiceContext) -> None:
    a, b = schools(ctx)
    app = HtstApp(ctx=ctx)
    async with app.run_test(size=(120, 48)) as pilot:
        first = await open_record(app, pilot, a)
        urn = first.query_one("#field-urn", Input)
        urn.focus()
        await pilot.press("end", *"9")  # 1000019: valid; then the name is blanked, which is required
        name = first.query_one("#field-name", Input)
        name.value = ""
        name.focus()
        await pilot.press(*"Half-typed")
        await settle(app, pilot)
        assert first.changed
        await pilot.press("escape")
        await settle(app, pilot)
        assert Drafts(ctx).load("record:schools", a) is not None  # A's edits are kept as A's draft

        second = await open_record(app, pilot, b)
        assert second is first, "the form screen is reused, not rebuilt"
        assert second.record_id == b and not second.changed
        raw = second.form.raw_data() if second.form else {}
        assert (raw["urn"], raw["name"], raw["phase"], raw["postcode"]) == (
            "200002", "Imaginary Vale Academy", "secondary", "BN2 2BB")
        assert str(second.query_one("#form-title", Label).render()) == "Edit school"
        assert Drafts(ctx).load("record:schools", b) is None
        assert not isinstance(app.screen, DraftModal)
        assert app.focused is second.query_one("#field-urn")

        await pilot.press("escape")
        await settle(app, pilot)
        RecordFormScreen.show(app, "schools", a)  # A's draft is offered back for A, and only for A
        await settle(app, pilot)
        assert isinstance(app.screen, DraftModal) and app.screen_stack[-2] is first
        await pilot.press("r")
        await settle(app, pilot)
        assert first.form is not None and first.form.raw_data()["name"] == "Half-typed"


async def test_a_new_record_after_an_edited_one_is_blank(ctx: ServiceContext) -> None:
    a, _b = schools(ctx)
    app = HtstApp(ctx=ctx)
    async with app.run_test(size=(120, 48)) as pilot:
        closed: list[str | None] = []
        form = await open_record(app, pilot, a, closed)
        form.query_one("#field-postcode", Input).value = "XYZ"  # invalid: its message shows
        await settle(app, pilot)
        assert error(form, "postcode") == "Postcode is not a UK postcode (for example BN1 1AA)"
        await pilot.press("escape")
        await settle(app, pilot)
        assert closed == [None]

        new = await open_record(app, pilot, None)
        assert new is form and new.record_id is None and new.rev is None
        assert new.form is not None
        assert new.form.raw_data() == {"urn": "", "name": "", "phase": None, "postcode": ""}
        assert str(new.query_one("#form-title", Label).render()) == "New school"
        assert error(new, "postcode") == "" and error(new, "urn") == ""
        assert not new.query_one("#field-postcode", Input).has_class("-invalid")
        assert Drafts(ctx).load("record:schools", None) is None

        # the checks still run on the reused widgets, as typed and on saving
        new.query_one("#field-urn", Input).focus()
        await pilot.press(*"12")
        await settle(app, pilot)
        assert error(new, "urn") == "URN must be at least 100000"
        await pilot.press("ctrl+s")
        await settle(app, pilot)
        assert app.screen is new and not new.saving
        assert "required" in error(new, "name")
        assert Records(ctx, "schools").count() == 2

        # a saved new record closes the form with its id; the next opening is blank again
        await pilot.press("backspace", "backspace", *"300003", "tab", *"Pretend Park School", "tab")
        new.query_one("#field-phase", Select).value = "primary"
        new.query_one("#field-postcode", Input).value = "BN3 3CC"
        await pilot.press("ctrl+s")
        await settle(app, pilot)
        assert app.screen is not new and Records(ctx, "schools").count() == 3
        blank = await open_record(app, pilot, None)
        assert blank.form is not None and blank.form.raw_data()["name"] == ""


async def test_a_draft_still_queued_for_one_record_is_written_to_that_record(ctx: ServiceContext) -> None:
    a, b = schools(ctx)
    app = HtstApp(ctx=ctx)
    async with app.run_test(size=(120, 48)) as pilot:
        form = await open_record(app, pilot, a)
        assert form.form is not None
        name = form.query_one("#field-name", Input)
        with name.prevent(Input.Changed):  # no writer thread starts
            name.value = "Queued Name"
        form._draft_pending[a] = form.form.raw_data()  # as if its writer thread had not run yet
        form.dismiss(None)
        await pilot.pause()
        again = await open_record(app, pilot, b)
        assert again is form and again.record_id == b
    kept_a = Drafts(ctx).load("record:schools", a)
    assert kept_a is not None and kept_a.data["name"] == "Queued Name"
    assert Drafts(ctx).load("record:schools", b) is None


async def test_incident_form_reused_for_another_incident_and_a_new_one(ctx: ServiceContext) -> None:
    ref = make_reference(ctx)
    base = {"reported_by_kind": "crew", "pupil_ids": [], "notifications": []}
    first = inc.log_incident(ctx, {**base, "occurred_at": "2026-03-02 08:10", "reported_at": "2026-03-02 09:00",
                                   "category": "behaviour", "route_id": ref.routes[0],
                                   "operator_id": ref.operators[0], "school_id": ref.schools[0],
                                   "description": "Shouting on the bus."})
    second = inc.log_incident(ctx, {**base, "occurred_at": "2026-03-03 15:30", "reported_at": "2026-03-03 16:00",
                                    "category": "breakdown", "route_id": ref.routes[1],
                                    "operator_id": ref.operators[1], "school_id": ref.schools[1],
                                    "description": "Door would not close."})
    app = HtstApp(ctx=ctx)
    async with app.run_test(size=(120, 48)) as pilot:
        IncidentFormScreen.show(app, first.id)
        await settle(app, pilot)
        shown = app.screen
        assert isinstance(shown, IncidentFormScreen)
        form: IncidentFormScreen = shown
        assert form.rev == first.rev
        area = form.query_one("#immediate_action", TextArea)
        area.focus()
        await pilot.press(*"Called")
        await settle(app, pilot)
        await pilot.press("escape")
        await settle(app, pilot)
        assert Drafts(ctx).load("incident", first.id) is not None

        IncidentFormScreen.show(app, second.id)
        await settle(app, pilot)
        assert app.screen is form, "the kept incident form is reused, and no draft is offered for this one"
        assert form.record_id == second.id and form.rev == second.rev
        values = form.values()
        assert values["immediate_action"] == "" and values["description"] == "Door would not close."
        assert values["route"] == "R202" and values["operator_id"] == ref.operators[1]
        assert values["school_id"] == ref.schools[1] and values["category"] == "breakdown"
        assert not form.draft.has_draft and Drafts(ctx).load("incident", second.id) is None

        await pilot.press("escape")
        await settle(app, pilot)
        IncidentFormScreen.show(app, None)
        await settle(app, pilot)
        assert app.screen is form and form.record_id is None and form.rev is None
        values = form.values()
        assert values["description"] == values["immediate_action"] == values["route"] == ""
        assert values["category"] is None and values["operator_id"] is None and values["school_id"] is None
        assert values["notifications"] == [] and values["occurred_at"] != ""
        assert form.query_one("#school_id", RefPicker).value is None
        assert "New incident" in str(form.query_one("#status", Static).render())
        assert str(form.query_one("#follow_ups", Static).render()) == ""

        # checks still fire on the reused widgets
        occurred = form.query_one("#occurred_at", Input)
        occurred.value = "not a time"
        await settle(app, pilot)
        assert occurred.has_class("-invalid")


async def test_a_kind_whose_first_record_could_not_be_read_still_opens_the_next(ctx: ServiceContext) -> None:
    a, b = schools(ctx)
    Records(ctx, "schools").delete(a)
    app = HtstApp(ctx=ctx)
    async with app.run_test(size=(120, 48)) as pilot:
        await settle(app, pilot)
        RecordFormScreen.show(app, "schools", "no-such-id")
        await settle(app, pilot)
        assert not isinstance(app.screen, RecordFormScreen)  # an error is shown instead
        await pilot.press("escape")
        await settle(app, pilot)
        form = await open_record(app, pilot, b)
        assert form.form is not None and form.form.raw_data()["name"] == "Imaginary Vale Academy"
