"""Recording a route return by keys only."""

from __future__ import annotations

import datetime as dt

from htst_tui.app import HtstApp
from htst_tui.screens.incidents.route_return_form import RouteReturnFormScreen
from htst_tui.screens.incidents.route_return_list import RouteReturnListScreen
from htst_tui.screens.registry import BY_NAME
from htst_tui.services.context import ServiceContext
from htst_tui.services.drafts import Drafts
from htst_tui.services.records import Records
from htst_tui.widgets.paged_table import PagedTable
from tests.incident_fixtures import make_reference
from tests.pilot_support import settle


async def test_record_a_route_return_by_keys(ctx: ServiceContext) -> None:
    ref = make_reference(ctx)
    app = HtstApp(ctx=ctx)
    async with app.run_test(size=(110, 40)) as pilot:
        app.push_screen(BY_NAME["route_returns"].load()())
        await settle(app, pilot)
        assert isinstance(app.screen, RouteReturnListScreen)
        await pilot.press("n")
        await settle(app, pilot)
        form = app.screen
        assert isinstance(form, RouteReturnFormScreen)
        await pilot.press(*"r202", "tab", "tab")  # route fills the operator
        await pilot.press("ctrl+u", *"2026-08-20", "tab", *"2026-09-03")
        assert "14 — SHORT NOTICE" in str(form.query_one("#notice").render())
        await pilot.press("tab", "ctrl+u", "4", "tab", *"No driver")
        await settle(app, pilot)
        assert Drafts(ctx).load("route_return", None) is not None
        await pilot.press("ctrl+s")
        await settle(app, pilot)
        assert form.record_id is not None
        stored = Records(ctx, "route_returns").get(form.record_id).data
        assert (stored["route_id"], stored["operator_id"]) == (ref.routes[1], ref.operators[1])
        assert (stored["notice_received"], stored["effective_date"]) == (dt.date(2026, 8, 20), dt.date(2026, 9, 3))
        assert (stored["notice_days"], stored["children_affected"], stored["reason"]) == (14, 4, "No driver")
        assert stored["status"] == "open"

        # reallocate: choose the other operator, a date, and the status, then save again
        await pilot.press("tab", "enter", *"pre", "enter", "tab", *"2026-09-01", "tab", "enter", *"rea", "enter")
        await pilot.press("ctrl+s")
        await settle(app, pilot)
        stored = Records(ctx, "route_returns").get(form.record_id).data
        assert (stored["reallocated_to_operator_id"], stored["reallocated_on"], stored["status"]) == \
            (ref.operators[0], dt.date(2026, 9, 1), "reallocated")
        await pilot.press("escape")
        await settle(app, pilot)
        assert app.screen.query_one(PagedTable).total == 1
