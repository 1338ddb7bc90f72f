"""Changing (or first setting) the unlock passphrase: the service and the modal, driven with keys."""

from __future__ import annotations

from typing import Any

import pytest
from click.testing import CliRunner
from sqlalchemy import select
from textual.pilot import Pilot
from textual.widgets import DataTable, Input, Static

from htst_tui.app import HtstApp
from htst_tui.cli import main
from htst_tui.db.local import AuditEntry
from htst_tui.screens.change_passphrase import ChangePassphraseModal
from htst_tui.screens.help import HelpScreen
from htst_tui.screens.lock import LockScreen
from htst_tui.screens.settings import SettingsScreen
from htst_tui.services import passphrase as passphrase_service
from htst_tui.services.audit import readouts
from htst_tui.services.context import ServiceContext
from htst_tui.services.passphrase import PassphraseRejected, change_passphrase, hash_passphrase, verify_passphrase
from htst_tui.settings import ProfileSettings, SecuritySettings, Settings, load_settings
from tests.test_privacy_lock import PASS, FakeClock, settle

NEW = "kettle-and-toast"


def officer_settings(passphrase: str | None) -> Settings:
    stored = hash_passphrase(passphrase, n=2**10) if passphrase else ""
    return Settings(profile=ProfileSettings(officer_name="Pat Passphrase"),
                    security=SecuritySettings(idle_lock_minutes=5, passphrase_hash=stored))


def passphrase_events(ctx: ServiceContext) -> list[AuditEntry]:
    with ctx.read() as session:
        rows = session.execute(select(AuditEntry).where(AuditEntry.action == "passphrase")).scalars().all()
        session.expunge_all()
        return list(rows)


def message(screen: Any, field: str) -> str:
    return str(screen.query_one(f"#passphrase-{field}-error", Static).render())


def typed(screen: Any, field: str) -> str:
    return str(screen.query_one(f"#passphrase-{field}", Input).value)


# -- the service ------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(("current", "new", "again", "expected"), [
    ("wrong-one!", NEW, NEW, {"current": "not your current passphrase"}),
    (PASS, NEW, NEW + "x", {"again": "differ"}),
    (PASS, "short", "short", {"new": "too short"}),
    (PASS, PASS, PASS, {"new": "current passphrase: choose a different one"}),
    ("", "short", "other", {"current": "not your current", "new": "too short"}),
])
def test_change_is_refused_by_field_and_nothing_is_saved(ctx: ServiceContext, current: str, new: str, again: str,
                                                         expected: dict[str, str]) -> None:
    ctx.settings = officer_settings(PASS)
    before = ctx.settings.security.passphrase_hash
    with pytest.raises(PassphraseRejected) as refused:
        change_passphrase(ctx, new, again, current=current)
    assert set(refused.value.problems) == set(expected)
    for field, words in expected.items():
        assert words in refused.value.problems[field]
    assert ctx.settings.security.passphrase_hash == before
    assert load_settings().security.passphrase_hash == ""  # config.toml never written
    assert passphrase_events(ctx) == []


def test_change_saves_the_new_hash_and_audits_without_passphrase_material(ctx: ServiceContext) -> None:
    ctx.settings = officer_settings(PASS)
    ctx.officer = "Pat Passphrase"
    updated = change_passphrase(ctx, NEW, NEW, current=PASS)
    stored = updated.security.passphrase_hash
    assert verify_passphrase(NEW, stored) and not verify_passphrase(PASS, stored)
    assert load_settings().security.passphrase_hash == stored
    assert ctx.settings.security.passphrase_hash != stored  # the caller applies it (the app, on its own thread)
    [event] = passphrase_events(ctx)
    assert (event.officer, event.entity, event.detail) == ("Pat Passphrase", "settings", "unlock passphrase changed")
    for secret in (PASS, NEW, stored, stored.split("$")[-1]):
        assert secret not in f"{event.detail} {event.fields} {event.record_id}"
    assert [r.kind for r in readouts(ctx)] == ["passphrase"]
    shown = CliRunner().invoke(main, ["doctor", "--audit", "--db", str(ctx.db.path)])
    assert "unlock passphrase changed" in shown.output and NEW not in shown.output


def test_a_config_file_that_cannot_be_written_leaves_no_audit_entry(ctx: ServiceContext,
                                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    ctx.settings = officer_settings(PASS)

    def cannot_write(settings: Settings) -> None:
        raise PermissionError("config.toml: permission denied")

    monkeypatch.setattr(passphrase_service, "save_settings", cannot_write)
    with pytest.raises(PermissionError):
        change_passphrase(ctx, NEW, NEW, current=PASS)
    assert passphrase_events(ctx) == []


# -- the modal, with keys ---------------------------------------------------------------------------------------


async def lock_after_idle(app: HtstApp, pilot: Pilot[Any], clock: FakeClock) -> LockScreen:
    clock.now += 5 * 60
    app.check_idle_lock()
    await pilot.pause()
    assert isinstance(app.screen, LockScreen)
    return app.screen


def officer_app(ctx: ServiceContext, passphrase: str | None) -> tuple[HtstApp, FakeClock]:
    """The app for an officer with `passphrase` set (None: not set yet), its idle clock under the test's hand."""
    ctx.settings = officer_settings(passphrase)
    clock = FakeClock()
    return HtstApp(ctx=ctx, idle_clock=clock), clock


async def keys_then_settle(app: HtstApp, pilot: Pilot[Any], *steps: tuple[str, ...]) -> None:
    for keys in steps:
        await pilot.press(*keys)
        await settle(app, pilot)


async def open_from_settings(app: HtstApp, pilot: Pilot[Any]) -> ChangePassphraseModal:
    await settle(app, pilot)
    await keys_then_settle(app, pilot, ("f9",))
    assert isinstance(app.screen, SettingsScreen)
    await keys_then_settle(app, pilot, ("ctrl+l",))
    assert isinstance(app.screen, ChangePassphraseModal)
    return app.screen


async def test_change_from_settings_then_the_lock_takes_only_the_new_passphrase(ctx: ServiceContext) -> None:
    app, clock = officer_app(ctx, PASS)
    async with app.run_test() as pilot:
        modal = await open_from_settings(app, pilot)
        assert modal.query_one("#passphrase-current", Input).has_focus
        await pilot.press(*PASS, "enter", *NEW, "tab", *NEW, "enter")
        await settle(app, pilot)
        assert isinstance(app.screen, SettingsScreen)
        assert any("passphrase changed" in n.message for n in app._notifications)

        lock = await lock_after_idle(app, pilot, clock)
        await pilot.press(*PASS, "enter")  # the old one no longer opens it
        await settle(app, pilot)
        assert app.screen is lock
        assert "not the passphrase" in str(lock.query_one("#lock-message", Static).render())
        await pilot.press(*NEW, "enter")
        await settle(app, pilot)
        assert not app.locked and isinstance(app.screen, SettingsScreen)
    assert verify_passphrase(NEW, load_settings().security.passphrase_hash)
    assert len(passphrase_events(ctx)) == 1


async def test_wrong_current_passphrase_is_refused_and_the_new_one_kept(ctx: ServiceContext) -> None:
    app, _ = officer_app(ctx, PASS)
    async with app.run_test() as pilot:
        modal = await open_from_settings(app, pilot)
        await pilot.press(*"not-it-at-all", "tab", *NEW, "tab", *NEW, "enter")
        await settle(app, pilot)
        assert app.screen is modal
        assert "not your current passphrase" in message(modal, "current")
        assert message(modal, "new") == "" and message(modal, "again") == ""
        assert typed(modal, "current") == "" and modal.query_one("#passphrase-current", Input).has_focus
        assert typed(modal, "new") == NEW and typed(modal, "again") == NEW  # what was typed elsewhere stays
        await pilot.press(*PASS, "ctrl+s")  # only the wrong field is typed again
        await settle(app, pilot)
        assert isinstance(app.screen, SettingsScreen)
    assert verify_passphrase(NEW, ctx.settings.security.passphrase_hash)


async def test_mismatch_and_too_short_are_refused_next_to_their_field(ctx: ServiceContext) -> None:
    app, _ = officer_app(ctx, PASS)
    before = ctx.settings.security.passphrase_hash
    async with app.run_test() as pilot:
        modal = await open_from_settings(app, pilot)
        await pilot.press(*PASS, "tab", *NEW, "tab", *"kettle-and-tost", "enter")
        await settle(app, pilot)
        assert app.screen is modal
        assert "differ" in message(modal, "again") and message(modal, "current") == ""
        assert typed(modal, "again") == "" and modal.query_one("#passphrase-again", Input).has_focus
        assert typed(modal, "current") == PASS and typed(modal, "new") == NEW

        await pilot.press("shift+tab", "ctrl+u", *"short", "tab", *"short", "enter")
        await settle(app, pilot)
        assert app.screen is modal
        assert "too short" in message(modal, "new") and message(modal, "again") == ""
        assert typed(modal, "current") == PASS
        assert modal.query_one("#passphrase-new", Input).has_focus

        await pilot.press("escape")  # cancel: nothing changes
        await settle(app, pilot)
        assert isinstance(app.screen, SettingsScreen)
    assert ctx.settings.security.passphrase_hash == before
    assert load_settings().security.passphrase_hash == ""
    assert passphrase_events(ctx) == []


async def test_first_time_asks_only_for_the_new_passphrase(ctx: ServiceContext) -> None:
    app, clock = officer_app(ctx, None)
    async with app.run_test() as pilot:
        modal = await open_from_settings(app, pilot)
        assert not modal.query("#passphrase-current")
        assert "Set unlock passphrase" in str(modal.query_one(".modal-title", Static).render())
        assert modal.query_one("#passphrase-new", Input).has_focus
        await pilot.press(*NEW, "enter", *NEW, "enter")
        await settle(app, pilot)
        assert isinstance(app.screen, SettingsScreen)
        assert not (await lock_after_idle(app, pilot, clock)).choosing  # asks for it, not for a new one
        await pilot.press(*NEW, "enter")
        await settle(app, pilot)
        assert not app.locked
    assert verify_passphrase(NEW, load_settings().security.passphrase_hash)
    assert [e.detail for e in passphrase_events(ctx)] == ["unlock passphrase set"]


async def test_palette_opens_it_and_help_lists_it(ctx: ServiceContext) -> None:
    app, _ = officer_app(ctx, PASS)
    async with app.run_test() as pilot:
        await settle(app, pilot)
        await keys_then_settle(app, pilot, ("ctrl+p", *"change unlock passphrase"), ("enter",))
        assert isinstance(app.screen, ChangePassphraseModal)
        assert app.screen.query_one("#passphrase-current", Input).has_focus
        await keys_then_settle(app, pilot, ("f1",))
        assert isinstance(app.screen, HelpScreen)  # its own help, though a modal hides the app's keys
        assert "current one, then the new one twice" in str(app.screen.query_one("#help-topic", Static).render())
        await keys_then_settle(app, pilot, ("escape",), ("escape",))
        assert not isinstance(app.screen, ChangePassphraseModal)  # help closed, then the modal cancelled

        await keys_then_settle(app, pilot, ("f9",), ("f1",))
        assert isinstance(app.screen, HelpScreen)
        table = app.screen.query_one("#help-keys", DataTable)
        settings_keys = [tuple(map(str, table.get_row_at(i)[:2])) for i in range(table.row_count)]
        assert ("^l", "Unlock passphrase") in settings_keys
