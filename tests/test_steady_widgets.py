"""Widgets of kept forms that change value without a layout of the whole screen (widgets/steady.py), and the kept
forms that use them: refilled with another record, or opened for the first time after being built ahead, a
form is drawn without being laid out again. Each check is paired with the stock widget's behaviour, so a test
that could not fail would show."""

from __future__ import annotations

from typing import Any

import pytest
from textual._text_area_theme import TextAreaTheme
from textual.app import App, ComposeResult
from textual.geometry import Region
from textual.screen import Screen
from textual.strip import Strip
from textual.widget import Widget
from textual.widgets import Input, Select, Static, TextArea
from textual.widgets._select import SelectCurrent

from htst_tui.app import HtstApp
from htst_tui.screens.incidents.form_support import RouteCodeSuggester
from htst_tui.screens.incidents.incident_form import IncidentFormScreen
from htst_tui.screens.record_form import RecordFormScreen
from htst_tui.services import incidents
from htst_tui.services.context import ServiceContext
from htst_tui.services.records import Records
from htst_tui.widgets.steady import SteadyInput, SteadySelect, SteadyTextArea, show_text
from tests.incident_fixtures import make_reference
from tests.test_form_reuse import schools, settle
from tests.test_kept_screens import open_schools_list

LONG = "A very long choice that cannot possibly fit on one line of a narrow drop-down box"


class Layouts:
    """Counts the layouts of one screen while it is shown (Textual lays out a whole screen at a time; a kept form
    filled ahead of time is laid out off screen, while the officer reads the list, which no opening waits for)."""

    def __init__(self, screen: Screen[Any]) -> None:
        self.count = 0
        original = screen._refresh_layout

        def counted(*args: Any, **kwargs: Any) -> None:
            self.count += screen.is_current
            original(*args, **kwargs)

        screen._refresh_layout = counted  # type: ignore[method-assign]


class Fields(App[None]):
    CSS = "Input, Select { width: 30; } #note { width: 20; }"

    def compose(self) -> ComposeResult:
        yield Input(id="stock-input")
        yield SteadyInput(id="steady-input")
        yield Select([("One", 1), (LONG, 2)], id="stock-select")
        yield SteadySelect([("One", 1), (LONG, 2)], id="steady-select")
        yield Static("one line", id="note")


async def layouts_after(app: Fields, pilot: Any, change: Any) -> int:
    await pilot.pause()
    layouts = Layouts(app.screen)
    change()
    await pilot.pause()
    await pilot.pause()
    return layouts.count


async def test_a_steady_input_takes_new_text_without_a_layout_and_still_scrolls() -> None:
    app = Fields()
    async with app.run_test(size=(80, 30)) as pilot:
        stock, steady = app.query_one("#stock-input", Input), app.query_one("#steady-input", SteadyInput)
        assert await layouts_after(app, pilot, lambda: setattr(stock, "value", "Fictional Lane")) >= 1
        assert await layouts_after(app, pilot, lambda: setattr(steady, "value", "Fictional Lane")) == 0
        assert steady.render_line(0).text.strip() == "Fictional Lane"

        steady.focus()
        await pilot.pause()
        steady.value = "x" * 80
        steady.action_end()
        await pilot.pause()
        assert steady.scroll_x > 0, "a long value scrolls to keep the cursor in view"
        steady.value = "short"
        await pilot.pause()
        assert steady.scroll_x == 0 and "short" in steady.render_line(0).text


def drawn(widget: Widget) -> list[Strip]:
    """Every line of `widget` as it would be drawn now, border included, from its line cache where lines are not
    marked dirty."""
    return [strip.simplify() for strip in widget.render_lines(Region(0, 0, *widget.outer_size))]


def drawn_afresh(widget: Widget) -> list[Strip]:
    """Every line of `widget` drawn from nothing."""
    widget._styles_cache.clear()
    return drawn(widget)


async def test_a_steady_input_repaints_only_its_line_of_text_and_is_drawn_as_from_nothing() -> None:
    """A value, a cursor move, a blink or a suggestion marks only the text line to draw again; the border lines it
    keeps must be those a draw from nothing makes, after each change, for the stock and steady input alike."""
    app = Fields()
    async with app.run_test(size=(80, 30)) as pilot:
        stock, steady = app.query_one("#stock-input", Input), app.query_one("#steady-input", SteadyInput)
        changes = [
            lambda i: setattr(i, "value", "Fictional Lane"),
            lambda i: i.focus(),
            lambda i: i.action_cursor_left(),
            lambda i: setattr(i, "_cursor_visible", not i._cursor_visible),
            lambda i: setattr(i, "_suggestion", "Fictional Lane East"),
            lambda i: setattr(i, "value", "x" * 80),
            lambda i: i.action_end(),
            lambda i: setattr(i, "value", "short"),
            lambda i: i.blur(),
        ]
        for change in changes:
            for field in (stock, steady):
                drawn(field)  # everything drawn: nothing left dirty from before
                change(field)
                await pilot.pause()
                assert drawn(field) == drawn_afresh(field), f"{field.id} kept a stale line"
        for field in (stock, steady):
            drawn(field)
            field.value = "Another fictional lane"  # what to draw again is marked at once
        assert steady._styles_cache._dirty_lines == {1} and len(steady._styles_cache._cache) == 3, \
            "only the text line (under the top border) is drawn again"
        assert not stock._styles_cache._cache, "the stock input draws all of its lines again"



class Areas(App[None]):
    CSS = """
    TextArea { height: 5; width: 40; background: $surface 50%; }
    TextArea.warn { background: darkred; }
    TextArea.warn .text-area--cursor-line { background: red; }
    TextArea:focus .text-area--cursor { background: yellow; }
    """

    def compose(self) -> ComposeResult:
        yield TextArea(id="stock-area")
        yield SteadyTextArea(id="steady-area")


async def test_a_steady_text_area_restyles_only_on_a_change_of_style_and_draws_as_restyled(
        monkeypatch: pytest.MonkeyPatch) -> None:
    """A stock TextArea works out its theme's styles at every draw; the steady one only after a change of style
    (focus, classes, the app's theme, its own theme, its parent's background). After each change its lines must
    be those drawn with the styles worked out afresh."""
    restyled: list[TextArea] = []
    apply_css = TextAreaTheme.apply_css

    def noted(theme: TextAreaTheme, area: TextArea) -> None:
        restyled.append(area)
        apply_css(theme, area)

    monkeypatch.setattr(TextAreaTheme, "apply_css", noted)

    def afresh(area: SteadyTextArea) -> list[Strip]:
        """Drawn as a stock TextArea would draw it now: its theme's styles worked out, and no line from a cache."""
        area._styled_for = None
        area._line_cache.clear()
        return drawn_afresh(area)

    app = Areas()
    async with app.run_test(size=(80, 30)) as pilot:
        stock, steady = app.query_one("#stock-area", TextArea), app.query_one("#steady-area", SteadyTextArea)
        await pilot.pause()
        for area in (stock, steady):
            drawn(area)
            restyled.clear()
            area.text = "A fictional note\nover two lines"
            await pilot.pause()
            drawn(area)
            assert (restyled.count(area) >= 1) is (area is stock), "a new text restyles only the stock area"

        changes = [
            lambda: steady.focus(),
            lambda: steady.move_cursor((1, 3)),
            lambda: steady.add_class("warn"),
            lambda: steady.remove_class("warn"),
            lambda: steady.blur(),
            lambda: setattr(app, "theme", "textual-light"),
            lambda: setattr(steady, "theme", "monokai"),
            lambda: setattr(app.screen.styles, "background", "darkblue"),
            lambda: setattr(steady, "text", "Another fictional note"),
        ]
        for n, change in enumerate(changes):
            drawn(steady)
            change()
            await pilot.pause()
            assert drawn(steady) == afresh(steady), f"change {n} left stale styles"


async def test_a_steady_select_shows_its_choice_on_one_line_without_a_layout() -> None:
    app = Fields()
    async with app.run_test(size=(80, 30)) as pilot:
        stock = app.query_one("#stock-select", Select)
        steady = app.query_one("#steady-select", SteadySelect)
        assert await layouts_after(app, pilot, lambda: setattr(stock, "value", 2)) >= 1
        assert await layouts_after(app, pilot, lambda: setattr(steady, "value", 2)) == 0
        label = steady.query_one("#label", Static)
        assert label.size.height == 1 and steady.size.height == 3 < stock.size.height, "the stock one wraps"
        shown = label.render_line(0).text
        assert shown.startswith("A very long choice") and shown.rstrip().endswith("…")
        await pilot.press("tab", "tab", "tab", "enter", "up", "enter")  # to the steady select, then choose "One"
        assert steady.value == 1 and label.render_line(0).text.strip() == "One"


async def test_show_text_lays_out_only_when_the_number_of_lines_changes() -> None:
    app = Fields()
    async with app.run_test(size=(80, 30)) as pilot:
        note = app.query_one("#note", Static)
        assert await layouts_after(app, pilot, lambda: show_text(note, "another line")) == 0
        assert note.render_line(0).text.strip() == "another line"
        assert await layouts_after(app, pilot, lambda: show_text(note, "a line far too long for a box 20 wide")) >= 1
        assert note.size.height == 2
        assert await layouts_after(app, pilot, lambda: show_text(note, "a line far too long for a box 20 wide")) == 0
        assert await layouts_after(app, pilot, lambda: note.update("short")) >= 1, "the stock update always asks"


async def test_a_kept_record_form_opens_each_record_without_a_layout(ctx: ServiceContext) -> None:
    a, b = schools(ctx)
    app = HtstApp(ctx=ctx)
    async with app.run_test(size=(120, 48)) as pilot:
        await open_schools_list(app, pilot)
        ahead = app.get_screen(RecordFormScreen.kept_as("schools"))
        assert isinstance(ahead, RecordFormScreen) and not ahead._layout_required, "laid out while built ahead"
        layouts = Layouts(ahead)
        for record_id in (b, a, b):
            RecordFormScreen.show(app, "schools", record_id)
            await settle(app, pilot)
            assert app.screen is ahead and ahead.form is not None
            assert ahead.form.raw_data()["name"] == Records(ctx, "schools").get(record_id).data["name"]
            await pilot.press("escape")
            await settle(app, pilot)
        assert layouts.count == 0


async def test_a_kept_incident_form_opens_each_incident_without_a_layout(ctx: ServiceContext) -> None:
    ref = make_reference(ctx)
    notified = [{"kind": "parent", "at": "2026-11-02T09:30:00+00:00"}]
    logged = [incidents.log_incident(ctx, {
        "occurred_at": f"2026-11-0{n} 08:1{n}", "reported_at": f"2026-11-0{n} 09:00", "reported_by_kind": "crew",
        "category": category, "description": f"Fictional incident {n}.", "route_id": ref.routes[n % 2],
        "operator_id": ref.operators[n % 2], "school_id": ref.schools[n % 2], "pupil_ids": ref.pupils[:n],
        "pupil_count": n, "notifications": notified if n == 2 else []}).id
        for n, category in ((1, "breakdown"), (2, "behaviour"), (3, "medical_event"))]
    app = HtstApp(ctx=ctx)
    async with app.run_test(size=(160, 48)) as pilot:
        await settle(app, pilot)
        await pilot.press("f7")
        await settle(app, pilot)
        ahead = app.get_screen(IncidentFormScreen.KEPT_AS)
        assert isinstance(ahead, IncidentFormScreen) and not ahead._layout_required
        layouts = Layouts(ahead)
        for record_id in logged:
            IncidentFormScreen.show(app, record_id)
            await settle(app, pilot)
            assert app.screen is ahead and ahead.record_id == record_id
            assert ahead.values()["description"] == Records(ctx, "incidents").get(record_id).data["description"]
            await pilot.press("escape")
            await settle(app, pilot)
        assert layouts.count == 0


async def test_a_refilled_incident_form_is_quiet_and_titles_each_field(ctx: ServiceContext,
                                                                        monkeypatch: pytest.MonkeyPatch) -> None:
    """Refilling posts no change message (nothing was edited: no draft, no route looked up) and asks the route
    code's suggester nothing; typing still does both. Each field's label is its box's border title."""
    ref = make_reference(ctx)
    logged = incidents.log_incident(ctx, {
        "occurred_at": "2026-11-02 08:10", "reported_at": "2026-11-02 09:00", "reported_by_kind": "crew",
        "category": "breakdown", "description": "Fictional breakdown.", "route_id": ref.routes[0],
        "operator_id": ref.operators[0], "school_id": ref.schools[0], "pupil_ids": [], "notifications": []}).id
    asked: list[str] = []
    ask = RouteCodeSuggester.get_suggestion

    async def counted(self: RouteCodeSuggester, value: str) -> str | None:
        asked.append(value)
        return await ask(self, value)

    monkeypatch.setattr(RouteCodeSuggester, "get_suggestion", counted)
    changes: list[str] = []

    def hook(message: Any) -> None:
        if isinstance(message, Input.Changed | Select.Changed | TextArea.Changed) and isinstance(
                message._sender, Widget) and isinstance(message._sender.screen, IncidentFormScreen):
            changes.append(type(message).__qualname__)

    app = HtstApp(ctx=ctx)
    async with app.run_test(size=(160, 48), message_hook=hook) as pilot:
        await settle(app, pilot)
        await pilot.press("f7")
        await settle(app, pilot)
        changes.clear()
        IncidentFormScreen.show(app, logged)
        await settle(app, pilot)
        form = app.screen
        assert isinstance(form, IncidentFormScreen) and form.record_id == logged
        route = form.query_one("#route", Input)
        assert route.value == "R101" and asked == [] and changes == []
        assert form.draft.ready and not form.draft.has_draft

        assert route.border_title == "Route code"
        category = form.query_one("#category", SteadySelect)
        assert category.query_one(SelectCurrent).border_title == "Category"
        top = form.query_one(SelectCurrent).render_lines(Region(0, 0, category.size.width, 1))[0].text
        assert "Category" in top, "the title is drawn on the box of the choice"

        route.focus()
        route.value = ""
        await pilot.press(*"r2")
        await settle(app, pilot)
        assert asked and asked[-1].lower() == "r2" and "Input.Changed" in changes
        assert form.draft.has_draft
