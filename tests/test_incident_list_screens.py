"""The incident list's filter keys, opening a record from the list, drafts offered back, refused saves."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from htst_tui.app import HtstApp
from htst_tui.screens.incidents.incident_form import IncidentFormScreen
from htst_tui.screens.incidents.incident_list import IncidentListScreen, SchoolFilter
from htst_tui.screens.picker import RecordPicker
from htst_tui.services import incidents as svc
from htst_tui.services.context import ServiceContext
from htst_tui.services.drafts import Drafts
from htst_tui.services.records import Records
from htst_tui.widgets import paged_table
from htst_tui.widgets.modals import ConfirmModal
from htst_tui.widgets.paged_table import PagedTable
from tests.incident_fixtures import make_reference
from tests.pilot_support import settle
from tests.test_prepared_forms import incident_log, log_three


def log(ctx: ServiceContext, **fields: Any) -> str:
    """An incident reported by crew on 5 October 2026 at 08:00, with `fields`."""
    when = dt.datetime(2026, 10, 5, 8, 0).astimezone()
    return svc.log_incident(ctx, {"occurred_at": when, "reported_at": when, "reported_by_kind": "crew", **fields}).id


async def open_log(app: HtstApp, pilot: Any) -> PagedTable:
    app.push_screen(IncidentListScreen())
    await settle(app, pilot)
    return app.screen.query_one(PagedTable)


async def test_incident_list_filter_keys(ctx: ServiceContext) -> None:
    ref = make_reference(ctx)
    for category in ("safeguarding", "behaviour", "behaviour", "breakdown"):
        log(ctx, category=category, description=f"Fictional {category}.", school_id=ref.schools[0])
    app = HtstApp(ctx=ctx)
    async with app.run_test(size=(110, 40)) as pilot:
        table = await open_log(app, pilot)
        assert table.total == 4
        await pilot.press("v")  # severity: critical
        await settle(app, pilot)
        assert table.total == 1
        await pilot.press("v", "v")  # minor
        await settle(app, pilot)
        assert table.total == 2
        await pilot.press("c", "c", "c")  # + category: child left on vehicle
        await settle(app, pilot)
        assert table.total == 0
        await pilot.press("x")
        await settle(app, pilot)
        assert table.total == 4
        await pilot.press("slash", *"break")
        await settle(app, pilot)
        assert table.total == 1


async def test_open_from_list_edit_and_draft_offered_back(ctx: ServiceContext) -> None:
    make_reference(ctx)
    when = dt.datetime(2026, 10, 5, 8, 0).astimezone()
    rid = svc.log_incident(ctx, {"occurred_at": when, "reported_at": when, "reported_by_kind": "crew",
                                 "category": "behaviour", "description": "Kicked seat."}).id
    app = HtstApp(ctx=ctx)
    async with app.run_test(size=(110, 40)) as pilot:
        app.push_screen(IncidentListScreen())
        await settle(app, pilot)
        await pilot.press("enter")
        await settle(app, pilot)
        form = app.screen
        assert isinstance(form, IncidentFormScreen) and form.record_id == rid
        assert form.query_one("#occurred_at").value == "2026-10-05 08:00"
        await pilot.press("tab", "tab", "tab", "tab", *"Jo")  # reporter's name
        await settle(app, pilot)
        await pilot.press("escape")
        await settle(app, pilot)
        assert Drafts(ctx).load("incident", rid).data["reported_by_name"] == "Jo"
        assert Records(ctx, "incidents").get(rid).data["reported_by_name"] is None

        await pilot.press("enter")
        await settle(app, pilot)
        assert isinstance(app.screen, ConfirmModal)
        await pilot.press("y")
        await settle(app, pilot)
        form = app.screen
        assert isinstance(form, IncidentFormScreen)
        assert form.query_one("#reported_by_name").value == "Jo"
        # a bad save is refused with a message and stores nothing
        form.query_one("#description").focus()
        await pilot.press("ctrl+a", "ctrl+k", "ctrl+s")
        await settle(app, pilot)
        assert Records(ctx, "incidents").get(rid).data["description"] == "Kicked seat."
        assert any("Description: is required" in n.message for n in app._notifications)
        await pilot.press(*"Kick", "ctrl+s")
        await settle(app, pilot)
        stored = Records(ctx, "incidents").get(rid).data
        assert (stored["reported_by_name"], stored["description"]) == ("Jo", "Kick")
        assert Drafts(ctx).load("incident", rid) is None


async def test_school_filter_is_picked_by_search_and_cleared(ctx: ServiceContext) -> None:
    ref = make_reference(ctx)
    for school in (ref.schools[0], ref.schools[1], ref.schools[1], None):
        log(ctx, category="behaviour", description="Fictional shouting.", school_id=school)
    app = HtstApp(ctx=ctx)
    async with app.run_test(size=(110, 40)) as pilot:
        table = await open_log(app, pilot)
        assert table.total == 4
        school = app.screen.query_one("#f-school", SchoolFilter)
        assert "Any school" in str(school.render())
        school.focus()
        await pilot.press("enter")
        await settle(app, pilot)
        assert isinstance(app.screen, RecordPicker)
        await pilot.press(*"Imaginary", "enter", "enter")  # search -> list -> choose "Imaginary Vale Academy"
        await settle(app, pilot)
        assert isinstance(app.screen, IncidentListScreen) and school.value == ref.schools[1]
        assert "Imaginary Vale Academy" in str(school.render())
        assert table.total == 2
        await pilot.press("delete")  # back to any school
        await settle(app, pilot)
        assert school.value is None and table.total == 4
        school.focus()
        await pilot.press("enter")
        await settle(app, pilot)
        await pilot.press(*"Fictional Downs", "enter", "enter")
        await settle(app, pilot)
        assert table.total == 1
        table.table.focus()
        await pilot.press("x")  # clear filters: the school too
        await settle(app, pilot)
        assert school.value is None and table.total == 4


class CountedFetches:
    def __init__(self, monkeypatch: pytest.MonkeyPatch) -> None:
        self.count = 0
        original = IncidentListScreen.fetch

        def counted(screen: Any, search: str, offset: int, limit: int) -> Any:
            self.count += 1
            return original(screen, search, offset, limit)

        monkeypatch.setattr(IncidentListScreen, "fetch", counted)


async def test_back_from_a_form_the_log_fetches_its_page_again_only_if_something_was_written(
        ctx: ServiceContext, monkeypatch: pytest.MonkeyPatch) -> None:
    first = log_three(ctx)[0]
    fetches = CountedFetches(monkeypatch)
    app = HtstApp(ctx=ctx)
    async with app.run_test(size=(160, 48)) as pilot:
        table, _ = await incident_log(app, pilot)
        list_screen = app.screen

        async def open_and_leave() -> int:
            before = fetches.count
            table.table.focus()
            await pilot.press("enter")
            await settle(app, pilot)
            assert app.screen is not list_screen
            await pilot.press("escape")
            await settle(app, pilot)
            assert app.screen is list_screen
            return fetches.count - before

        assert await open_and_leave() == 0, "nothing written: the page shown is current"

        stored = Records(ctx, "incidents").get(first)  # another officer's edit, or a sync, while the form is open
        svc.edit_incident(ctx, first, {**stored.data, "description": "Edited elsewhere (fictional)."},
                                       expected_rev=stored.rev)
        assert await open_and_leave() == 1, "written since: fetched again"

        monkeypatch.setattr(paged_table, "FRESH_FOR", 0.0)  # the page's due dates follow the clock too
        assert await open_and_leave() == 1, "old: fetched again"
