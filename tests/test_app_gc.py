"""Once the data layer is loaded, whichever way the app got its database, it takes what it loaded out of the cyclic
garbage collector's view (`HtstApp._keep_loaded_out_of_gc`), once; kept screens settle once built; the pacing
timer settles in a pause of the typing; worker threads hand the interpreter lock back to the event loop within 1 ms
while the app runs; and everything is given back when the app ends."""

from __future__ import annotations

import sys
from pathlib import Path

from htst_tui.app import HtstApp
from htst_tui.services.context import ServiceContext
from htst_tui.settings import ProfileSettings, Settings
from tests.test_shell import settle


async def test_a_context_handed_in_is_frozen_once_ready(ctx: ServiceContext, _no_gc_freeze: list[str]) -> None:
    app = HtstApp(ctx=ctx)
    async with app.run_test() as pilot:
        await settle(app, pilot)
        assert _no_gc_freeze.count("freeze_loaded") == 1


async def test_a_database_opened_after_the_first_frame_is_frozen_once_open(db_path: Path,
                                                                          _no_gc_freeze: list[str]) -> None:
    app = HtstApp(db_path, settings=Settings(profile=ProfileSettings(officer_name="Alex Fictional")))
    async with app.run_test() as pilot:
        await settle(app, pilot)
        assert app.has_ctx and _no_gc_freeze.count("freeze_loaded") == 1


async def test_the_pacing_timer_settles_only_in_a_pause_and_the_app_gives_everything_back(
        ctx: ServiceContext, _no_gc_freeze: list[str]) -> None:
    now = [1000.0]
    app = HtstApp(ctx=ctx, idle_clock=lambda: now[0])
    async with app.run_test() as pilot:
        await settle(app, pilot)
        _no_gc_freeze.clear()
        app.gc_pacer.young_heap_grew = lambda: True  # type: ignore[method-assign]
        await pilot.press("f1", "escape")  # a key: the officer is typing
        app._pace_gc()
        assert "settle" not in _no_gc_freeze
        now[0] += app.gc_pacer.idle_after
        app._pace_gc()
        assert _no_gc_freeze == ["settle"]
    assert _no_gc_freeze[-1] == "release"


async def test_a_kept_form_settles_once_built(ctx: ServiceContext, _no_gc_freeze: list[str]) -> None:
    from htst_tui.screens.record_form import RecordFormScreen

    app = HtstApp(ctx=ctx, idle_clock=lambda: 0.0)  # never a pause in the typing: no pacing settle meanwhile
    async with app.run_test() as pilot:
        await settle(app, pilot)
        _no_gc_freeze.clear()
        RecordFormScreen.show(app, "schools", None)
        await settle(app, pilot)
        assert isinstance(app.screen, RecordFormScreen) and _no_gc_freeze == ["settle"]
        await pilot.press("escape")
        await settle(app, pilot)
        RecordFormScreen.show(app, "schools", None)  # reopened: kept, so not built (nor settled) again
        await settle(app, pilot)
        assert _no_gc_freeze == ["settle"]


async def test_worker_threads_hand_the_interpreter_back_to_the_event_loop_quickly_while_the_app_runs(
        ctx: ServiceContext) -> None:
    before = sys.getswitchinterval()
    assert before != HtstApp.SWITCH_INTERVAL
    app = HtstApp(ctx=ctx)
    async with app.run_test() as pilot:
        await settle(app, pilot)
        assert sys.getswitchinterval() == HtstApp.SWITCH_INTERVAL
    assert sys.getswitchinterval() == before
