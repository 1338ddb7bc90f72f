"""Forms built ahead of time (screens/kept.py `prebuild`): a list screen builds the form it opens behind itself,
filled with its current row and drawn to nowhere. The first opening then uses that screen, which must look and
behave exactly as one built on opening; nothing of it may show (not even a draft offer) until it is opened; and
an opening that comes while it is still being built gets a form all the same."""

from __future__ import annotations

import re
from typing import Any

from textual.pilot import Pilot
from textual.widgets import Input

from htst_tui.app import HtstApp
from htst_tui.screens.incidents.incident_form import IncidentFormScreen
from htst_tui.screens.incidents.incident_list import IncidentListScreen
from htst_tui.screens.kept import on_a_stack
from htst_tui.screens.record_form import RecordFormScreen
from htst_tui.screens.records import RecordsScreen
from htst_tui.services.context import ServiceContext
from htst_tui.services.drafts import Drafts
from htst_tui.widgets.modals import ConfirmModal
from htst_tui.widgets.paged_table import PagedTable
from tests.incident_fixtures import make_reference
from tests.test_form_reuse import schools, settle


def screen_text(app: HtstApp) -> list[str]:
    """The characters on the terminal, row by row (styles left out; the cursor's blink would differ)."""
    return [re.sub(r"\s+$", "", line.text) for line in app.screen._compositor.render_strips()]


async def open_schools_list(app: HtstApp, pilot: Pilot[Any]) -> RecordsScreen:
    """From Home to the Records screen (F3), which lists schools first, with its first page shown."""
    await settle(app, pilot)
    await pilot.press("f3")
    await settle(app, pilot)
    records = app.screen
    assert isinstance(records, RecordsScreen) and records.kind == "schools"
    return records


async def on_the_focused_schools_list(app: HtstApp, pilot: Pilot[Any]) -> RecordsScreen:
    """On Records' list of schools (F3) with its table focused."""
    records = await open_schools_list(app, pilot)
    records.paged.table.focus()
    await settle(app, pilot)
    return records


async def test_the_records_list_builds_its_kinds_form_ahead_and_the_first_opening_uses_it(
        ctx: ServiceContext) -> None:
    a, b = schools(ctx)
    app = HtstApp(ctx=ctx)
    async with app.run_test(size=(120, 48)) as pilot:
        records = await open_schools_list(app, pilot)
        name = RecordFormScreen.kept_as("schools")
        assert app.is_screen_installed(name)
        ahead = app.get_screen(name)
        assert isinstance(ahead, RecordFormScreen)
        assert ahead.is_mounted and not on_a_stack(app, ahead), "built, but not shown"
        current = records.paged.current_id
        assert current in (a, b) and ahead.record_id == current, "filled with the list's current row"

        await pilot.press("down", "enter")
        await settle(app, pilot)
        assert app.screen is ahead, "the first opening uses the form built ahead"
        opened = ahead.record_id
        assert opened in (a, b) and opened != current
        assert ahead.form is not None and ahead.form.raw_data()["name"] == (
            "Imaginary Vale Academy" if opened == b else "Fictional Downs Primary")
        ahead.query_one("#field-postcode", Input).value = "XYZ"  # its checks run as on any form
        await settle(app, pilot)
        assert "postcode" in str(ahead.query_one("#error-postcode").render()).lower()
        ahead.query_one("#field-postcode", Input).value = "BN2 2BB"
        await settle(app, pilot)
        shown_ahead = screen_text(app)

    fresh_app = HtstApp(ctx=ctx)
    async with fresh_app.run_test(size=(120, 48)) as pilot:
        await settle(fresh_app, pilot)
        RecordFormScreen.show(fresh_app, "schools", opened)
        await settle(fresh_app, pilot)
        assert isinstance(fresh_app.screen, RecordFormScreen)
        assert screen_text(fresh_app) == shown_ahead, "the form built ahead looks as one built on opening"


async def test_the_incident_form_built_ahead_offers_its_draft_only_when_opened(ctx: ServiceContext) -> None:
    make_reference(ctx)
    Drafts(ctx).save("incident", None, {"description": "Half-typed before a crash."})
    app = HtstApp(ctx=ctx)
    async with app.run_test(size=(120, 48)) as pilot:
        await settle(app, pilot)
        await pilot.press("f7")
        await settle(app, pilot)
        assert isinstance(app.screen, IncidentListScreen), "no draft offer over the list"
        ahead = app.get_screen(IncidentFormScreen.KEPT_AS)
        assert ahead.is_mounted and not on_a_stack(app, ahead)

        await pilot.press("n")  # a new incident: now the draft of a new incident is offered
        await settle(app, pilot)
        assert isinstance(app.screen, ConfirmModal) and app.screen_stack[-2] is ahead
        await pilot.press("y")  # Restore
        await settle(app, pilot)
        assert app.screen is ahead and ahead.values()["description"] == "Half-typed before a crash."


async def test_an_opening_while_the_form_is_still_being_built_gets_a_form(ctx: ServiceContext) -> None:
    a, _b = schools(ctx)
    app = HtstApp(ctx=ctx)
    async with app.run_test(size=(120, 48)) as pilot:
        await settle(app, pilot)
        closed: list[Any] = []
        RecordFormScreen.prebuild(app, "schools", None)
        RecordFormScreen.show(app, "schools", a, closed.append)  # before the one built ahead is mounted
        await settle(app, pilot)
        shown = app.screen
        assert isinstance(shown, RecordFormScreen) and shown.record_id == a
        assert shown is not app.get_screen(RecordFormScreen.kept_as("schools")), "a fresh one, not the half-built"
        assert shown.form is not None and shown.form.raw_data()["name"] == "Fictional Downs Primary"
        await pilot.press("escape")
        await settle(app, pilot)
        assert closed == [None]
        RecordFormScreen.show(app, "schools", a)  # and the one built ahead serves the next opening
        await settle(app, pilot)
        assert app.screen is app.get_screen(RecordFormScreen.kept_as("schools"))



async def test_a_page_announced_by_a_list_taken_down_is_ignored(ctx: ServiceContext) -> None:
    """Switching kinds removes the old list while its last page may still be announcing itself (CI caught
    this as a crash on Home's "open this due item"): its rows are gone, and it must not build a form."""
    schools(ctx)
    app = HtstApp(ctx=ctx)
    async with app.run_test(size=(120, 48)) as pilot:
        records = await open_schools_list(app, pilot)
        old = records.paged
        await records.switch_kind("operators")
        await settle(app, pilot)
        assert old.current_id is None and not old.is_attached, "its rows went with it"
        app.uninstall_screen(RecordFormScreen.kept_as("operators"))
        records.post_message(PagedTable.Loaded(old, 2))
        await settle(app, pilot)
        assert app.screen is records and app.return_code is None
        assert not app.is_screen_installed(RecordFormScreen.kept_as("operators")), "no form built for it"
        assert not app.is_screen_installed(RecordFormScreen.kept_as("schools")) or \
            not on_a_stack(app, app.get_screen(RecordFormScreen.kept_as("schools")))


async def test_a_form_opened_as_the_list_moves_is_drawn_once(ctx: ServiceContext) -> None:
    """Enter at once after a cursor move: the list's repaint still pending is not passed up to the opaque form
    (which would draw it in full a second time), and the list shows its moved cursor when it is back."""
    from textual._compositor import LayoutUpdate

    schools(ctx)
    app = HtstApp(ctx=ctx)
    async with app.run_test(size=(120, 48)) as pilot:
        records = await open_schools_list(app, pilot)
        form = app.get_screen(RecordFormScreen.kept_as("schools"))
        frames: list[Any] = []
        display = app._display

        def counted(screen: Any, renderable: Any) -> None:
            if screen is form and isinstance(renderable, LayoutUpdate):
                frames.append(renderable)  # a whole frame put on the terminal
            display(screen, renderable)

        app._display = counted  # type: ignore[method-assign]
        try:
            records.paged.table.focus()
            await settle(app, pilot)
            records.paged.table.move_cursor(row=1)  # and Enter before the list has drawn it
            records.open_form(records.paged.current_id)
            await settle(app, pilot)
            assert app.screen is form and len(frames) == 1
        finally:
            app._display = display  # type: ignore[method-assign]
        await pilot.press("escape")
        await settle(app, pilot)
        assert app.screen is records and records.paged.table.cursor_row == 1
        table = records.paged.table
        cursor = (table.rich_style + table.get_component_rich_style("row-table--cursor")).bgcolor
        wanted = table.get_row_at(1)[0].strip()
        lines = [strip for strip in app.screen._compositor.render_strips() if wanted in strip.text]
        assert lines and any(seg.style is not None and seg.style.bgcolor == cursor for seg in lines[0]), \
            "the list on the screen shows its cursor on the row it moved to"


async def test_back_on_the_records_list_its_table_has_the_focus_without_being_drawn_again(
        ctx: ServiceContext) -> None:
    """A form left with Escape: the table it was opened from keeps the focus and is asked for nothing (a whole
    repaint of it cost ~4–10 ms on the officer's next key at city scale). A form opened while the focus was
    elsewhere (the list of kinds) comes back to the table all the same."""
    schools(ctx)
    app = HtstApp(ctx=ctx)
    async with app.run_test(size=(120, 48)) as pilot:
        records = await on_the_focused_schools_list(app, pilot)
        table = records.paged.table
        whole: list[bool] = []
        refresh = table.refresh

        def counted(*regions: Any, **kwargs: Any) -> Any:
            if not regions and kwargs.get("repaint", True):
                whole.append(True)
            return refresh(*regions, **kwargs)

        table.refresh = counted  # type: ignore[method-assign]
        await pilot.press("enter")
        await settle(app, pilot)
        assert isinstance(app.screen, RecordFormScreen)
        await pilot.press("escape")
        await settle(app, pilot)
        assert app.screen is records and app.focused is table and not whole

        records.query_one("#kinds").focus()
        await settle(app, pilot)
        records.action_new()
        await settle(app, pilot)
        assert isinstance(app.screen, RecordFormScreen) and app.screen.record_id is None
        await pilot.press("escape")
        await settle(app, pilot)
        assert app.screen is records and app.focused is table
