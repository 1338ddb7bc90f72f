"""Forms filled ahead of time (screens/kept.py `prepare`): when a list's cursor rests on a row, the kept form is
filled with that record off screen, and Enter only shows it. Such a form must never show anything older than the
database: any write since (the record, another record, a draft, a sync) means it is filled again at the opening.
Each check that a refill was skipped is paired with one where it must not be."""

from __future__ import annotations

from typing import Any

import pytest
from textual.pilot import Pilot

from htst_tui.app import HtstApp
from htst_tui.screens.help import HelpScreen
from htst_tui.screens.incidents.incident_form import IncidentFormScreen
from htst_tui.screens.incidents.incident_list import IncidentListScreen
from htst_tui.screens.kept import on_a_stack
from htst_tui.screens.record_form import RecordFormScreen
from htst_tui.services import incidents
from htst_tui.services.context import ServiceContext
from htst_tui.services.drafts import Drafts
from htst_tui.services.records import Records
from htst_tui.widgets.modals import ConfirmModal
from htst_tui.widgets.paged_table import PagedTable
from htst_tui.widgets.row_table import RowTable, keys_taken_in
from tests.incident_fixtures import make_reference
from tests.test_form_reuse import schools, settle
from tests.test_kept_screens import open_schools_list


def log_three(ctx: ServiceContext) -> list[str]:
    ref = make_reference(ctx)
    return [incidents.log_incident(ctx, {
        "occurred_at": f"2026-11-0{n} 08:10", "reported_at": f"2026-11-0{n} 09:00", "reported_by_kind": "crew",
        "category": "breakdown", "description": f"Fictional breakdown number {n}.", "route_id": ref.routes[0],
        "operator_id": ref.operators[0], "school_id": ref.schools[0], "pupil_ids": [], "notifications": []}).id
        for n in (1, 2, 3)]


class Refills:
    """Counts a kept screen's refills (each reads the record and sets every field)."""

    def __init__(self, screen: Any) -> None:
        self.count = 0
        original = screen.refill

        def counted(record_id: str | None) -> None:
            self.count += 1
            original(record_id)

        screen.refill = counted


async def rest_on_next_row(app: HtstApp, pilot: Pilot[Any], table: PagedTable) -> str:
    """Move the cursor down one row in the focused list and leave it there a moment, as an officer reading it."""
    table.table.focus()
    await pilot.press("down")
    await pilot.pause(RowTable.REST * 3)
    await settle(app, pilot)
    assert table.current_id is not None
    return table.current_id


async def incident_log(app: HtstApp, pilot: Pilot[Any]) -> tuple[PagedTable, IncidentFormScreen]:
    await settle(app, pilot)
    await pilot.press("f7")
    await settle(app, pilot)
    assert isinstance(app.screen, IncidentListScreen)
    form = app.get_screen(IncidentFormScreen.KEPT_AS)
    assert isinstance(form, IncidentFormScreen)
    return app.screen.query_one(PagedTable), form


async def test_the_row_the_cursor_rests_on_opens_without_a_refill(ctx: ServiceContext) -> None:
    log_three(ctx)
    app = HtstApp(ctx=ctx)
    async with app.run_test(size=(160, 48)) as pilot:
        table, form = await incident_log(app, pilot)
        rested = await rest_on_next_row(app, pilot, table)
        assert form.prepared is not None and form.prepared[0] == rested and not on_a_stack(app, form)
        assert form.record_id == rested, "filled with the row, off screen"
        refills = Refills(form)
        await pilot.press("enter")
        await settle(app, pilot)
        assert app.screen is form and form.record_id == rested and refills.count == 0
        stored = Records(ctx, "incidents").get(rested)
        assert form.values()["description"] == stored.data["description"] and form.rev == stored.rev
        assert form.prepared is None, "used up by the opening"

        await pilot.press("escape")  # back to the list
        await settle(app, pilot)
        IncidentFormScreen.show(app, rested)  # at once: nothing filled it ahead again, and it may have been edited
        await settle(app, pilot)
        assert app.screen is form and refills.count == 1


async def test_only_a_cursor_resting_in_the_focused_list_fills_the_form(ctx: ServiceContext) -> None:
    log_three(ctx)
    app = HtstApp(ctx=ctx)
    async with app.run_test(size=(160, 48)) as pilot:
        table, form = await incident_log(app, pilot)
        table.action_focus_search()  # typing a search: the rows under the cursor come and go
        await settle(app, pilot)
        table.table.move_cursor(row=2)
        await pilot.pause(RowTable.REST * 3)
        third = table.current_id
        assert form.prepared is None or form.prepared[0] != third
        table.table.focus()
        await pilot.pause(RowTable.REST * 3)
        await settle(app, pilot)
        assert form.prepared is not None and form.prepared[0] == third


@pytest.mark.parametrize("write", ["the record", "another record", "a draft"])
async def test_a_write_after_the_form_was_filled_ahead_fills_it_again(ctx: ServiceContext, write: str) -> None:
    ids = log_three(ctx)
    app = HtstApp(ctx=ctx)
    async with app.run_test(size=(160, 48)) as pilot:
        table, form = await incident_log(app, pilot)
        rested = await rest_on_next_row(app, pilot, table)
        assert form.prepared is not None and form.prepared[0] == rested
        refills = Refills(form)
        if write == "the record":
            stored = Records(ctx, "incidents").get(rested)
            incidents.edit_incident(ctx, rested, {**stored.data, "description": "Changed by another officer."},
                                    expected_rev=stored.rev)
        elif write == "another record":
            other = next(i for i in ids if i != rested)
            stored = Records(ctx, "incidents").get(other)
            incidents.edit_incident(ctx, other, {**stored.data, "immediate_action": "Called the school."},
                                    expected_rev=stored.rev)
        else:
            Drafts(ctx).save("incident", rested, {"description": "Typed before a crash."})
        await pilot.press("enter")
        await settle(app, pilot)
        assert refills.count == 1, "filled again at the opening"
        if write == "a draft":
            assert isinstance(app.screen, ConfirmModal) and app.screen_stack[-2] is form
            await pilot.press("y")
            await settle(app, pilot)
            assert app.screen is form and form.values()["description"] == "Typed before a crash."
        else:
            assert app.screen is form
            stored = Records(ctx, "incidents").get(rested)
            assert form.values()["description"] == stored.data["description"] and form.rev == stored.rev


async def test_a_new_record_is_never_taken_from_a_form_filled_ahead(ctx: ServiceContext) -> None:
    log_three(ctx)
    app = HtstApp(ctx=ctx)
    async with app.run_test(size=(160, 48)) as pilot:
        table, form = await incident_log(app, pilot)
        await rest_on_next_row(app, pilot, table)
        assert form.prepared is not None
        refills = Refills(form)
        await pilot.press("n")
        await settle(app, pilot)
        assert app.screen is form and form.record_id is None and refills.count == 1
        assert form.values()["description"] == "" and form.values()["occurred_at"], "blank, timed now"


async def test_the_records_list_fills_its_kinds_form_with_the_row_it_rests_on(ctx: ServiceContext) -> None:
    a, b = schools(ctx)
    app = HtstApp(ctx=ctx)
    async with app.run_test(size=(120, 48)) as pilot:
        records = await open_schools_list(app, pilot)
        form = app.get_screen(RecordFormScreen.kept_as("schools"))
        assert isinstance(form, RecordFormScreen)
        rested = await rest_on_next_row(app, pilot, records.paged)
        assert form.prepared is not None and form.prepared[0] == rested
        refills = Refills(form)
        await pilot.press("enter")
        await settle(app, pilot)
        assert app.screen is form and refills.count == 0 and form.form is not None
        assert form.form.raw_data()["name"] == Records(ctx, "schools").get(rested).data["name"]
        assert rested in (a, b)


async def test_a_list_covered_before_its_cursor_rested_fills_nothing(ctx: ServiceContext,
                                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    """The officer moved and at once opened help over the list: the list is no longer shown, so no form is
    filled for it (that work would land on the screen now in use)."""
    # A rest long enough that help always comes first: with 0.1 s, a slow moment between the move and the F1
    # (Pilot waits for the app to look idle) let the row rest first, once in a loaded run.
    monkeypatch.setattr(RowTable, "REST", 0.5)
    log_three(ctx)
    app = HtstApp(ctx=ctx)
    async with app.run_test(size=(160, 48)) as pilot:
        table, form = await incident_log(app, pilot)
        table.table.focus()
        await settle(app, pilot)
        await pilot.pause(RowTable.REST * 3)
        before = form.prepared
        assert before is not None
        table.table.move_cursor(row=2)
        await pilot.press("f1")  # help, before the cursor has rested
        await pilot.pause(RowTable.REST * 3)
        await settle(app, pilot)
        assert isinstance(app.screen, HelpScreen) and table.screen in app.screen_stack
        assert form.prepared == before
        await pilot.press("escape")  # back to the list: now it rests
        await pilot.pause(RowTable.REST * 3)
        await settle(app, pilot)
        assert app.screen is table.screen and form.prepared is not None and form.prepared[0] == table.current_id


async def test_a_kept_form_without_its_fields_is_not_prepared(ctx: ServiceContext) -> None:
    """A kept record form whose first record could not be read has no fields (the next opening builds anew):
    a rest on a row leaves it alone instead of filling fields it does not have."""
    a, _b = schools(ctx)
    app = HtstApp(ctx=ctx)
    async with app.run_test(size=(120, 48)) as pilot:
        await open_schools_list(app, pilot)
        form = app.get_screen(RecordFormScreen.kept_as("schools"))
        assert isinstance(form, RecordFormScreen) and form.form is not None
        form.prepared = None
        form.form = None  # as when its compose could not read its record
        RecordFormScreen.prepare_ahead(app, "schools", a)
        await settle(app, pilot)
        assert form.prepared is None and app.return_code is None
        RecordFormScreen.show(app, "schools", a)
        await settle(app, pilot)
        assert isinstance(app.screen, RecordFormScreen) and app.screen is not form and app.screen.record_id == a


async def moved_with_no_rest(app: HtstApp, pilot: Pilot[Any], monkeypatch: pytest.MonkeyPatch
                             ) -> tuple[PagedTable, IncidentFormScreen, str, Any]:
    """On the incident log, the cursor moved down one row, with rests that never end by themselves (the test ends
    them); the row, and what the form was filled with before."""
    monkeypatch.setattr(RowTable, "REST", 30.0)
    table, form = await incident_log(app, pilot)
    table.table.focus()
    await settle(app, pilot)
    before = form.prepared
    await pilot.press("down")
    await settle(app, pilot)
    row = table.current_id
    assert row is not None and (before is None or before[0] != row)
    return table, form, row, before


async def test_a_rest_that_ends_as_a_key_comes_in_fills_nothing(ctx: ServiceContext,
                                                               monkeypatch: pytest.MonkeyPatch) -> None:
    """A key taken in by the app after the cursor reached its row (a Down on its way to the list, say): the officer
    is not resting on the row, and filling the form then (~20 ms at city scale) would hold that key up. The rest
    starts again instead, and fills the form once it ends with no key since."""
    log_three(ctx)
    app = HtstApp(ctx=ctx)
    async with app.run_test(size=(160, 48)) as pilot:
        table, form, row, before = await moved_with_no_rest(app, pilot, monkeypatch)
        await pilot.press("f24")  # bound to nothing: taken in by the app, and the cursor stays
        table.table._rested()  # the rest's timer ends now
        await settle(app, pilot)
        assert form.prepared == before, "a key came in during the rest: nothing filled"
        table.table._rested()  # the rest started again ends, with no key since
        await settle(app, pilot)
        assert form.prepared is not None and form.prepared[0] == row


async def test_a_rest_reported_just_before_a_key_came_in_fills_nothing(ctx: ServiceContext,
                                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    """The rest ended with no key yet, but a key came in while its message travelled to the list screen: the
    screen sees the officer has moved on, and fills nothing. A rest still holding when handled fills the form."""
    log_three(ctx)
    app = HtstApp(ctx=ctx)
    async with app.run_test(size=(160, 48)) as pilot:
        table, form, row, before = await moved_with_no_rest(app, pilot, monkeypatch)
        reported = PagedTable.Rested(table, row, keys_taken_in(app))
        await pilot.press("f24")
        table.post_message(reported)
        await settle(app, pilot)
        assert form.prepared == before
        table.post_message(PagedTable.Rested(table, row, keys_taken_in(app)))
        await settle(app, pilot)
        assert form.prepared is not None and form.prepared[0] == row
