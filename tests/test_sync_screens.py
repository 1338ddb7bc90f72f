"""Pilot tests: the Sync screen runs a sync in a worker and shows results; conflicts are resolved by keys."""

from __future__ import annotations

from pathlib import Path

from textual.widgets import DataTable, Input, ListView, ProgressBar, Static

from htst_tui.app import HtstApp
from htst_tui.screens.conflicts import ConflictDetailScreen, ConflictsScreen
from htst_tui.screens.sync import SyncScreen
from htst_tui.services.context import ServiceContext
from htst_tui.services.records import Records
from htst_tui.services.sync import sync_status
from htst_tui.sync.run import sync
from tests.sync_support import add_school, device, losers


async def test_sync_screen_syncs_shows_progress_results_and_rejections(ctx: ServiceContext, tmp_path: Path) -> None:
    add_school(ctx)
    stick = tmp_path / "stick"
    (stick / "bundles" / "stray-folder").mkdir(parents=True)
    app = HtstApp(ctx=ctx)
    async with app.run_test() as pilot:
        app.push_screen(SyncScreen())
        await pilot.pause()
        screen = app.screen
        assert "Unsynced changes: 1" in str(screen.query_one("#status", Static).render())
        screen.query_one("#target", Input).value = str(stick)
        await pilot.press("ctrl+s")
        await app.workers.wait_for_complete()
        await pilot.pause()
        assert screen.query_one("#progress", ProgressBar).progress == 100
        assert "Pushed 1, pulled 0, new conflicts 0, rejected 1" in str(screen.query_one("#results", Static).render())
        assert len(screen.query_one("#rejected", ListView)) == 1
        assert "Unsynced changes: 0" in str(screen.query_one("#status", Static).render())
    assert sync_status(ctx).unsynced == 0 and sync_status(ctx).last_sync_at is not None


async def test_sync_screen_reports_a_bad_target_without_crashing(ctx: ServiceContext, tmp_path: Path) -> None:
    app = HtstApp(ctx=ctx)
    async with app.run_test() as pilot:
        app.push_screen(SyncScreen())
        await pilot.pause()
        app.screen.query_one("#target", Input).value = str(tmp_path / "no" / "such" / "place")
        await pilot.press("enter")
        await app.workers.wait_for_complete()
        await pilot.pause()
        assert "does not exist" in str(app.screen.query_one("#results", Static).render())


async def test_conflict_is_resolved_from_the_screens_with_confirmation(ctx: ServiceContext, tmp_path: Path) -> None:
    stick = str(tmp_path / "stick")
    sid = add_school(ctx)
    other = device(tmp_path, "other")
    sync(ctx, stick)
    sync(other, stick)
    Records(ctx, "schools").update(sid, {**Records(ctx, "schools").get(sid).data, "name": "Name Here"})
    Records(other, "schools").update(sid, {**Records(other, "schools").get(sid).data, "name": "Name There"})
    sync(other, stick)
    assert sync(ctx, stick).conflicts == 1
    current = Records(ctx, "schools").get(sid).data["name"]
    app = HtstApp(ctx=ctx)
    async with app.run_test() as pilot:
        app.open_screen("conflicts")
        await pilot.pause()
        assert isinstance(app.screen, ConflictsScreen)
        assert app.screen.query_one("#conflicts", DataTable).row_count == 1
        await pilot.press("enter")
        await pilot.pause()
        assert isinstance(app.screen, ConflictDetailScreen)
        fields = app.screen.query_one("#fields", DataTable)
        name_row = fields.get_row("name")
        assert {str(name_row[1]), str(name_row[2])} == {"Name Here", "Name There"}
        assert name_row[1].style == "bold black on yellow"
        assert fields.get_row("urn")[1].style == ""
        await pilot.press("o")
        await pilot.pause()
        await pilot.press("n")  # changed my mind: nothing happens
        await pilot.pause()
        assert len(losers(ctx)) == 1
        await pilot.press("o")
        await pilot.pause()
        await pilot.press("y")
        await pilot.pause()
        assert isinstance(app.screen, ConflictsScreen)
        assert app.screen.query_one("#conflicts", DataTable).row_count == 0
    assert losers(ctx) == set()
    kept = Records(ctx, "schools").get(sid).data["name"]
    assert kept != current and kept in {"Name Here", "Name There"}
    sync(ctx, stick)
    sync(other, stick)
    assert Records(other, "schools").get(sid).data["name"] == kept and losers(other) == set()
