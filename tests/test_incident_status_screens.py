"""Status keys on a saved incident (closing needs the outcome) and adding a follow-up by keys."""

from __future__ import annotations

import datetime as dt

from htst_tui.app import HtstApp
from htst_tui.screens.incidents.incident_form import IncidentFormScreen
from htst_tui.services import incidents as svc
from htst_tui.services.context import ServiceContext
from htst_tui.services.follow_up_links import follow_ups_for
from htst_tui.services.records import Records
from tests.incident_fixtures import make_reference
from tests.pilot_support import settle


async def test_status_keys_and_follow_up(ctx: ServiceContext) -> None:
    make_reference(ctx)
    when = dt.datetime(2026, 10, 5, 8, 0).astimezone()
    rid = svc.log_incident(ctx, {"occurred_at": when, "reported_at": when, "reported_by_kind": "crew",
                                 "category": "safeguarding", "description": "Concern."}).id
    app = HtstApp(ctx=ctx)
    async with app.run_test(size=(110, 40)) as pilot:
        form = IncidentFormScreen(rid)
        app.push_screen(form)
        await settle(app, pilot)
        assert form.record_id == rid
        # status: open -> investigating; closing without an outcome is refused, then closes with one
        await pilot.press("ctrl+t")
        await settle(app, pilot)
        assert Records(ctx, "incidents").get(rid).data["status"] == "investigating"
        await pilot.press("ctrl+t")
        await settle(app, pilot)
        assert Records(ctx, "incidents").get(rid).data["status"] == "investigating"
        await pilot.press("shift+tab")  # from the category back round to the outcome
        assert app.focused is form.query_one("#outcome")
        await pilot.press(*"LADO", "ctrl+t")
        await settle(app, pilot)
        stored = Records(ctx, "incidents").get(rid).data
        assert (stored["status"], stored["outcome"]) == ("closed", "LADO")

        # a follow-up by keys
        await pilot.press("ctrl+o")
        await settle(app, pilot)
        await pilot.press(*"Write", "ctrl+s")
        await settle(app, pilot)
        rows = follow_ups_for(ctx, "incident", rid).rows
        assert [(r["outcome_code"], r["owner"]) for r in rows] == [("advice_given", "Test Officer")]

        await pilot.press("ctrl+r")
        await settle(app, pilot)
        await pilot.press(*"New info", "enter")
        await settle(app, pilot)
        assert Records(ctx, "incidents").get(rid).data["status"] == "open"
