"""The purge screen and the subject access key, driven with keys."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import select
from textual.widgets import DataTable

from htst_tui.app import HtstApp
from htst_tui.db.local import AuditEntry
from htst_tui.paths import data_directory
from htst_tui.screens.purge import PurgeScreen
from htst_tui.screens.records import RecordsScreen
from htst_tui.services.context import ServiceContext
from htst_tui.services.incidents import log_incident
from htst_tui.services.purge import due_items
from htst_tui.services.records import Records
from htst_tui.settings import ProfileSettings, RetentionSettings, Settings
from htst_tui.widgets.modals import ConfirmModal
from tests.incident_fixtures import make_reference
from tests.pilot_support import settle

TODAY = dt.date(2026, 3, 2)


def old_incident(ctx: ServiceContext, pupil_id: str) -> str:
    at = dt.datetime(2025, 3, 1, 8, 0, tzinfo=dt.UTC)
    return log_incident(ctx, {"occurred_at": at, "reported_at": at, "reported_by_kind": "operator",
                              "reported_by_name": "Fictional Reporter", "category": "behaviour",
                              "description": "Fictional description", "pupil_ids": [pupil_id],
                              "pupil_count": 1}).id


async def test_purge_screen_counts_then_erases_after_confirmation(ctx: ServiceContext) -> None:
    ctx.settings = Settings(profile=ProfileSettings(officer_name="Pat Purge"),
                            retention=RetentionSettings(incidents_years=1))
    ref = make_reference(ctx)
    incident_id = old_incident(ctx, ref.pupils[0])
    (item,) = due_items(ctx, TODAY)  # Home says so, with a count and no names
    assert item.title == "1 record past retention: review and erase" and item.screen == "purge"
    app = HtstApp(ctx=ctx, clock=lambda: TODAY)
    async with app.run_test() as pilot:
        await settle(app, pilot)
        app.open_screen("purge")
        await settle(app, pilot)
        screen = app.screen
        assert isinstance(screen, PurgeScreen)
        table = screen.query_one("#purge-counts", DataTable)
        assert [table.get_row_at(i) for i in range(table.row_count)] == [["Incident", "1"]]
        await pilot.press("x")
        await pilot.pause()
        assert isinstance(app.screen, ConfirmModal)
        await pilot.press("n")  # cancelled: nothing erased
        await settle(app, pilot)
        assert not Records(ctx, "incidents").get(incident_id, include_deleted=True).deleted
        await pilot.press("x")
        await pilot.pause()
        await pilot.press("y")
        await settle(app, pilot)
        assert table.row_count == 0
    erased = Records(ctx, "incidents").get(incident_id, include_deleted=True)
    assert erased.deleted and erased.data["description"] == "Erased" and erased.data["pupil_ids"] == []
    assert erased.data["reported_by_name"] is None
    assert not Records(ctx, "pupils").get(ref.pupils[0]).deleted  # still at school
    assert due_items(ctx, TODAY) == []


async def test_subject_access_key_on_the_pupils_list_writes_the_file(ctx: ServiceContext) -> None:
    ctx.settings = Settings(profile=ProfileSettings(officer_name="Sam Access"))
    ref = make_reference(ctx)
    old_incident(ctx, ref.pupils[0])
    app = HtstApp(ctx=ctx, clock=lambda: TODAY)
    async with app.run_test() as pilot:
        await settle(app, pilot)
        await app.push_screen(RecordsScreen("pupils"))
        await settle(app, pilot)
        await pilot.press("S")
        await settle(app, pilot)
    files = sorted((data_directory() / "subject_access").glob("*.html"))
    assert [f.name for f in files] == ["sar-P0000-2026-03-02.html"]
    text = files[0].read_text()
    assert "Fictional description" in text and "Pupil1" not in text
    assert (data_directory() / "subject_access" / "sar-P0000-2026-03-02-csv" / "incidents.csv").exists()
    with ctx.read() as session:
        kinds = [e.entity for e in session.execute(select(AuditEntry).where(AuditEntry.action == "readout"))
                 .scalars()]
    assert kinds == ["subject_access"]
