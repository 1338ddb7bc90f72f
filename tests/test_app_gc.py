"""Once the data layer is loaded, whichever way the app got its database, it takes what it loaded out of the cyclic
garbage collector's view (`HtstApp._keep_loaded_out_of_gc`), once."""

from __future__ import annotations

from pathlib import Path

from htst_tui.app import HtstApp
from htst_tui.services.context import ServiceContext
from htst_tui.settings import ProfileSettings, Settings
from tests.test_shell import settle


async def test_a_context_handed_in_is_frozen_once_ready(ctx: ServiceContext, _no_gc_freeze: list[str]) -> None:
    app = HtstApp(ctx=ctx)
    async with app.run_test() as pilot:
        await settle(app, pilot)
        assert _no_gc_freeze == ["freeze"]


async def test_a_database_opened_after_the_first_frame_is_frozen_once_open(db_path: Path,
                                                                          _no_gc_freeze: list[str]) -> None:
    app = HtstApp(db_path, settings=Settings(profile=ProfileSettings(officer_name="Alex Fictional")))
    async with app.run_test() as pilot:
        await settle(app, pilot)
        assert app.has_ctx and _no_gc_freeze == ["freeze"]
