"""The header shows unsynced changes and the last sync on every screen (DESIGN: "shown at all times")."""

from __future__ import annotations

from pathlib import Path

from htst_tui.app import HtstApp
from htst_tui.services.context import ServiceContext
from htst_tui.services.records import Records
from htst_tui.services.sync import run_sync


async def test_header_counts_unsynced_changes_and_shows_the_last_sync(ctx: ServiceContext, tmp_path: Path) -> None:
    Records(ctx, "operators").create({"name": "Fictional Coaches (DEMO)", "licence_no": "PH-1"})
    app = HtstApp(ctx=ctx)
    async with app.run_test() as pilot:
        await app.workers.wait_for_complete()
        await pilot.pause()
        assert app.sub_title == "1 unsynced · last sync never"
        await pilot.press("f3")  # another screen: the app's header line is still there
        await pilot.pause()
        run_sync(ctx, str(tmp_path / "stick"))
        app.refresh_sync_status()
        await app.workers.wait_for_complete()
        await pilot.pause()
        assert app.sub_title.startswith("0 unsynced · last sync 20")
        assert app.sub_title.endswith(" UTC")
