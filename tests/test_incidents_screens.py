"""Logging an incident and a route return by keys only, then checking what was stored."""

from __future__ import annotations

import datetime as dt

from textual.widgets import Select

from htst_tui.app import HtstApp
from htst_tui.domain.local_time import parse_local_datetime
from htst_tui.screens.incidents.incident_form import IncidentFormScreen
from htst_tui.screens.incidents.incident_list import IncidentListScreen
from htst_tui.services.context import ServiceContext
from htst_tui.services.drafts import Drafts
from htst_tui.services.records import Records
from htst_tui.widgets.paged_table import PagedTable
from tests.incident_fixtures import make_reference
from tests.pilot_support import settle


async def test_log_an_incident_by_keys(ctx: ServiceContext) -> None:
    ref = make_reference(ctx)
    app = HtstApp(ctx=ctx)
    async with app.run_test(size=(110, 40)) as pilot:
        app.push_screen(IncidentListScreen())
        await settle(app, pilot)
        await pilot.press("n")
        await settle(app, pilot)
        form = app.screen
        assert isinstance(form, IncidentFormScreen)
        # category (focused first): open the menu, type to find "Safeguarding", choose it
        await pilot.press("enter", *"saf", "enter")
        occurred = form.query_one("#occurred_at").value  # occurred and reported at: left as now
        await pilot.press("tab", "tab")
        await pilot.press("tab", "enter", *"sch", "enter")  # reported by: school
        await pilot.press("tab", *"Fi Head")
        await pilot.press("tab", *"r101", "tab")  # route code fills operator and school
        await pilot.pause()
        assert form.query_one("#operator_id", Select).value == ref.operators[0]
        await pilot.press("tab", "tab", *"P0000,p0002", "tab", "3")
        await pilot.press("tab", "tab", "tab", *"Shout")
        await pilot.press("tab", *"Stop")
        await pilot.press("tab", "enter", *"lad", "enter", "ctrl+n")  # notify LADO now
        assert "Prompt: notify Escalated by phone" in str(form.query_one("#severity_hint").render())
        await pilot.press("enter", *"esc", "enter", "ctrl+n")
        await settle(app, pilot)
        assert Drafts(ctx).load("incident", None) is not None
        await pilot.press("ctrl+s")
        await settle(app, pilot)
        assert form.record_id is not None
        assert Drafts(ctx).load("incident", None) is None

        stored = Records(ctx, "incidents").get(form.record_id).data
        assert stored["category"] == "safeguarding" and stored["severity"] == "critical"
        assert stored["occurred_at"] == parse_local_datetime(occurred)
        assert stored["reported_by_kind"] == "school" and stored["reported_by_name"] == "Fi Head"
        assert (stored["route_id"], stored["operator_id"], stored["school_id"]) == \
            (ref.routes[0], ref.operators[0], ref.schools[0])
        assert stored["pupil_ids"] == [ref.pupils[0], ref.pupils[2]] and stored["pupil_count"] == 3
        assert [n["kind"] for n in stored["notifications"]] == ["lado", "phone_escalation"]
        assert stored["report_deadline"] == parse_local_datetime(occurred) + dt.timedelta(hours=24)

        await pilot.press("escape")
        await settle(app, pilot)
        assert isinstance(app.screen, IncidentListScreen)
        assert app.screen.query_one(PagedTable).total == 1
