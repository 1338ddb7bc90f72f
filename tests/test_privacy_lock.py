"""The idle lock (keys only, a fake clock) and the passphrase hash (scrypt)."""

from __future__ import annotations

from typing import Any

from textual.widgets import Input, Static

from htst_tui.app import HtstApp
from htst_tui.screens.lock import LockScreen
from htst_tui.screens.profile import ProfileModal
from htst_tui.screens.record_form import RecordFormScreen
from htst_tui.services.audit import readouts
from htst_tui.services.context import ServiceContext, open_context
from htst_tui.services.passphrase import hash_passphrase, verify_passphrase
from htst_tui.settings import ProfileSettings, SecuritySettings, Settings, load_settings
from tests.pilot_support import settle

PASS = "horse-ok"


class FakeClock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_hash_round_trip_rejects_wrong_passphrases() -> None:
    stored = hash_passphrase(PASS, n=2**10)
    assert stored.startswith("scrypt$1024$8$1$") and PASS not in stored
    assert verify_passphrase(PASS, stored)
    assert not verify_passphrase("horse-oK", stored)
    assert not verify_passphrase("", stored)
    assert not verify_passphrase(PASS, "")  # nothing set never unlocks
    assert not verify_passphrase(PASS, "scrypt$1024$8$1$bad")
    assert hash_passphrase(PASS, n=2**10) != stored  # salted


async def test_lock_engages_after_idle_minutes_and_only_the_passphrase_opens_it(ctx: ServiceContext) -> None:
    ctx.settings = Settings(profile=ProfileSettings(officer_name="Lee Lockwood"),
                            security=SecuritySettings(idle_lock_minutes=5,
                                                      passphrase_hash=hash_passphrase(PASS, n=2**10)))
    clock = FakeClock()
    app = HtstApp(ctx=ctx, idle_clock=clock)
    async with app.run_test() as pilot:
        await settle(app, pilot)
        await pilot.press("f3")
        await settle(app, pilot)
        await pilot.press("n")
        await settle(app, pilot)
        form_screen = app.screen
        assert isinstance(form_screen, RecordFormScreen)
        await pilot.press(*"123456", "tab", *"Half Typed")
        await settle(app, pilot)

        clock.now += 4 * 60 + 59  # not yet
        app.check_idle_lock()
        await pilot.pause()
        assert not app.locked
        await pilot.press("tab")  # a key restarts the idle clock
        clock.now += 4 * 60 + 59
        app.check_idle_lock()
        assert not app.locked
        clock.now += 2
        app.check_idle_lock()
        await pilot.pause()
        assert app.locked and isinstance(app.screen, LockScreen)
        assert app.screen.styles.background.a == 1  # opaque: nothing underneath shows through

        await pilot.press("f3", "f9", "ctrl+p")  # no way round the lock
        await pilot.pause()
        assert isinstance(app.screen, LockScreen)
        for _ in range(3):
            await pilot.press("x", "enter")
            await settle(app, pilot)
            assert isinstance(app.screen, LockScreen)
        message = str(app.screen.query_one("#lock-message", Static).render())
        assert "not the passphrase (try 3)" in message and "drafts are kept" in message
        await pilot.press(*PASS, "enter")
        await settle(app, pilot)
        assert not app.locked
        assert app.screen is form_screen
        assert form_screen.form is not None
        raw = form_screen.form.raw_data()
        assert raw["urn"] == "123456" and raw["name"] == "Half Typed"


async def test_lock_without_a_passphrase_asks_for_one_and_saves_its_hash(ctx: ServiceContext) -> None:
    ctx.settings = Settings(profile=ProfileSettings(officer_name="Lee Lockwood"))
    clock = FakeClock()
    app = HtstApp(ctx=ctx, idle_clock=clock)
    async with app.run_test() as pilot:
        await settle(app, pilot)
        clock.now += 5 * 60
        app.check_idle_lock()
        await pilot.pause()
        assert isinstance(app.screen, LockScreen)
        await pilot.press(*"short", "enter", *"short", "enter")
        await pilot.pause()
        assert "too short" in str(app.screen.query_one("#lock-message", Static).render())
        app.screen.query_one("#lock-passphrase", Input).value = ""
        app.screen.query_one("#lock-again", Input).value = ""
        app.screen.query_one("#lock-passphrase", Input).focus()
        await pilot.press(*PASS, "enter", *PASS, "enter")
        await settle(app, pilot)
        assert not app.locked
    assert verify_passphrase(PASS, load_settings().security.passphrase_hash)
    entries = readouts(ctx)
    assert [(r.kind, r.officer, r.detail) for r in entries] == [("passphrase", "Lee Lockwood", "unlock passphrase set")]
    assert PASS not in repr(entries)


async def test_first_run_profile_sets_the_passphrase(db_path: Any) -> None:
    app = HtstApp(db_path)
    async with app.run_test() as pilot:
        await settle(app, pilot)
        assert isinstance(app.screen, ProfileModal)
        await pilot.press(*"Alex Fictional", "tab", "tab", *PASS, "tab", *"different", "ctrl+s")
        await pilot.pause()
        assert isinstance(app.screen, ProfileModal)
        assert "differ" in str(app.screen.query_one("#profile-passphrase-error", Static).render())
        app.screen.query_one("#profile-passphrase-again", Input).value = ""
        await pilot.press("tab", *PASS, "ctrl+s")
        await settle(app, pilot)
        assert not isinstance(app.screen, ProfileModal)
    app.close_database()
    saved = load_settings()
    assert saved.profile.officer_name == "Alex Fictional"
    assert verify_passphrase(PASS, saved.security.passphrase_hash)
    ctx = open_context(db_path, settings=saved)
    try:
        entries = readouts(ctx)
    finally:
        ctx.close()
    assert [(r.kind, r.officer, r.detail) for r in entries] == [
        ("passphrase", "Alex Fictional", "unlock passphrase set")]
