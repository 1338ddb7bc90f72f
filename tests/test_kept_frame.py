"""Kept forms, and the lists they open from, shown again from their last frame (screens/kept_frame.py). Every frame
drawn that way must be the frame Textual would compose in full at that very moment, whatever changed since the
screen was last shown: another record with other values and other lengths of text, a field typed into while shown,
a save, a write elsewhere, a list's cursor moved just before Enter, a list read again while covered. A resize or a
theme change in between must make the next showing compose the frame in full."""

from __future__ import annotations

from collections import Counter
from typing import Any

import pytest
from textual import events
from textual._compositor import ChopsUpdate, LayoutUpdate
from textual.containers import VerticalScroll
from textual.pilot import Pilot
from textual.strip import Strip
from textual.widget import Widget
from textual.widgets import Input

from htst_tui.app import HtstApp
from htst_tui.screens.draft_modal import DraftModal
from htst_tui.screens.incidents.incident_form import IncidentFormScreen
from htst_tui.screens.kept_frame import KeptFrameCompositor
from htst_tui.screens.record_form import RecordFormScreen
from htst_tui.screens.records import RecordsScreen
from htst_tui.services import incidents
from htst_tui.services.context import ServiceContext
from htst_tui.services.drafts import Drafts
from htst_tui.services.records import Records
from htst_tui.widgets.modals import ConfirmModal
from htst_tui.widgets.row_table import RowTable
from tests.incident_fixtures import make_reference
from tests.test_form_reuse import error, schools, settle
from tests.test_kept_screens import on_the_focused_schools_list
from tests.test_prepared_forms import incident_log


class Compared:
    """Every frame a screen draws again (a kept form, a list), checked against a full composition made just after,
    before anything else can run (a cursor's blink, say). Counted per screen's compositor."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch) -> None:
        self.frames: Counter[KeptFrameCompositor] = Counter()
        """Frames drawn again and checked."""
        self.composed: Counter[KeptFrameCompositor] = Counter()
        """Whole frames put on the terminal composed in full."""
        self.partly: Counter[KeptFrameCompositor] = Counter()
        """Partial updates drawn into a kept frame, and the frame then checked whole."""
        self.whole: dict[KeptFrameCompositor, list[str]] = {}
        """Each whole frame put on the terminal, in order: "again" (drawn from the kept frame) or "composed"."""
        original = KeptFrameCompositor.render_update

        def render_update(compositor: KeptFrameCompositor, *args: Any, **kwargs: Any) -> Any:
            before, partly = compositor.drawn_again, compositor.drawn_partly
            update = original(compositor, *args, **kwargs)
            if compositor.drawn_again > before:
                self.check([Strip.join(line) for line in update.strips], compositor.render_strips())
                self.frames[compositor] += 1
                self.whole.setdefault(compositor, []).append("again")
            elif compositor.drawn_partly > partly:
                assert isinstance(update, ChopsUpdate) and update.chops is compositor._frame
                self.check([Strip.join(line.values()) for line in update.chops], compositor.render_strips())
                self.partly[compositor] += 1
            elif isinstance(update, LayoutUpdate):
                self.composed[compositor] += 1
                self.whole.setdefault(compositor, []).append("composed")
            return update

        monkeypatch.setattr(KeptFrameCompositor, "render_update", render_update)

    @staticmethod
    def check(drawn: list[Strip], composed: list[Strip]) -> None:
        assert len(drawn) == len(composed)
        for y, (line, full) in enumerate(zip(drawn, composed, strict=True)):
            assert line.simplify() == full.simplify(), f"line {y} drawn as {line.text!r}, composed {full.text!r}"

    def whole_frames(self, screen: Any) -> list[str]:
        """The whole frames `screen` has put on the terminal so far (see `whole`)."""
        return list(self.whole.get(screen._compositor, []))

    def all_checked(self, *screens: Any) -> bool:
        """Was every frame these screens drew again, and every partial update drawn into a kept frame, checked?"""
        return all(self.frames[screen._compositor] == screen._compositor.drawn_again
                   and self.partly[screen._compositor] == screen._compositor.drawn_partly for screen in screens)


@pytest.fixture
def compared(monkeypatch: pytest.MonkeyPatch) -> Compared:
    return Compared(monkeypatch)


def log_varied(ctx: ServiceContext) -> None:
    """Incidents unlike each other in every field the form shows: lengths of text, choices, pupils, notices."""
    ref = make_reference(ctx)
    shapes = [
        ("breakdown", "crew", "Fictional breakdown on the ring road.", [], [], 0),
        ("injury", "school", "A pretend pupil grazed a knee stepping down.\nFirst aid given by the escort.\n"
         "Parent told at the gate.", ref.pupils[:1], ["parent", "school"], 1),
        ("safeguarding", "parent", "Imaginary concern raised by a parent about the driver's manner.",
         ref.pupils, ["lado", "police", "licensing"], None),
        ("complaint", "operator", "Made-up complaint.", ref.pupils[1:], [], 0),
    ]
    for n, (category, reporter, text, pupils, notified, operator) in enumerate(shapes, start=1):
        incidents.log_incident(ctx, {
            "occurred_at": f"2026-11-0{n} 08:1{n}", "reported_at": f"2026-11-0{n} 09:0{n}",
            "reported_by_kind": reporter, "category": category, "description": text,
            "route_id": ref.routes[n % 2], "operator_id": None if operator is None else ref.operators[operator],
            "school_id": ref.schools[n % 2], "pupil_ids": pupils, "pupil_count": len(pupils) + n,
            "notifications": [{"kind": kind, "at": f"2026-11-0{n}T09:30:00+00:00"} for kind in notified]})


async def in_the_incident_log(app: HtstApp, pilot: Pilot[Any]) -> IncidentFormScreen:
    """On the incident log (F7) with its list focused; the incident form it keeps."""
    paged, form = await incident_log(app, pilot)
    paged.table.focus()
    await settle(app, pilot)
    return form


def typed_together(app: HtstApp, *keys: str) -> None:
    """`keys` all queued before the app handles the first, as a quick typist's arrive (Pilot waits for the app
    to look idle after each key, so the list's cursor move would be drawn before Enter)."""
    for key in keys:
        event = events.Key(key, None)
        event.set_sender(app)
        app._driver.send_message(event)  # type: ignore[union-attr]


async def on_the_schools_list(app: HtstApp, pilot: Pilot[Any]) -> tuple[RecordsScreen, RecordFormScreen]:
    """On Records' list of schools with the list focused; the schools form it keeps."""
    records = await on_the_focused_schools_list(app, pilot)
    form = app.get_screen(RecordFormScreen.kept_as("schools"))
    assert isinstance(form, RecordFormScreen)
    return records, form


async def open_and_leave(app: HtstApp, pilot: Pilot[Any], *keys: str) -> None:
    """Press `keys` on the list (they end with Enter), then go back to it with Escape."""
    await pilot.press(*keys)
    await settle(app, pilot)
    await pilot.press("escape")
    await settle(app, pilot)


async def test_the_incident_form_shown_again_draws_the_frame_a_full_composition_would(
        ctx: ServiceContext, compared: Compared) -> None:
    log_varied(ctx)
    app = HtstApp(ctx=ctx)
    async with app.run_test(size=(150, 48)) as pilot:
        form = await in_the_incident_log(app, pilot)
        log = app.screen
        # down the list with Enter typed at once, then back up after reading each row
        for _ in range(3):
            await open_and_leave(app, pilot, "down", "enter")
        for _ in range(3):
            await pilot.press("up")
            await pilot.pause(RowTable.REST * 3)
            await open_and_leave(app, pilot, "enter")
        # typed into while shown (partial updates), saved, then left: the next showing starts from that frame
        await pilot.press("enter")
        await settle(app, pilot)
        assert app.screen is form
        await pilot.press("tab", *"Typed into the shown form.")
        await pilot.press("ctrl+s")
        await settle(app, pilot)
        await pilot.press("escape")
        await settle(app, pilot)
        # a write elsewhere just before the opening: the form reads the record itself
        Drafts(ctx).save("elsewhere", None, {"note": "a write"})
        await open_and_leave(app, pilot, "down", "enter")
        assert form._compositor.drawn_again >= 7, "the openings after the first drew the kept frame"
        assert log._compositor.drawn_again >= 7, "the list, left for its form, was drawn from its frame on return"
        assert form._compositor.drawn_partly >= 10, "the typing was drawn into the form's kept frame"
        assert log._compositor.drawn_partly >= 3, "the cursor's moves were drawn into the list's kept frame"
        assert compared.all_checked(form, log)


async def test_a_resize_or_a_new_theme_composes_the_next_showing_in_full(
        ctx: ServiceContext, compared: Compared) -> None:
    log_varied(ctx)
    app = HtstApp(ctx=ctx)
    async with app.run_test(size=(150, 48)) as pilot:
        form = await in_the_incident_log(app, pilot)
        await open_and_leave(app, pilot, "down", "enter")
        await open_and_leave(app, pilot, "down", "enter")
        drawn, composed = form._compositor.drawn_again, compared.composed[form._compositor]
        assert drawn >= 1

        await pilot.resize_terminal(132, 44)
        await settle(app, pilot)
        await open_and_leave(app, pilot, "up", "enter")
        assert compared.composed[form._compositor] > composed, \
            "the frame of the old size was not reused: one of the new was composed"
        drawn, composed = form._compositor.drawn_again, compared.composed[form._compositor]
        await open_and_leave(app, pilot, "up", "enter")
        assert (form._compositor.drawn_again, compared.composed[form._compositor]) == (drawn + 1, composed), \
            "the frame of the new size is drawn again at the next showing"

        app.theme = "textual-light" if app.theme != "textual-light" else "nord"
        await settle(app, pilot)
        await open_and_leave(app, pilot, "down", "enter")
        # The showing after the theme change is either composed in full, or drawn again from a frame the form
        # made off screen in the new colours (its restyle may ask for a layout, done and drawn off screen,
        # screens/kept.py; whether it does before Enter depends on timing). A frame in the old colours drawn
        # again would differ from the composition `compared` checks it against.
        assert form._compositor.drawn_again + compared.composed[form._compositor] == drawn + composed + 2
        assert compared.all_checked(form)
        drawn, composed = form._compositor.drawn_again, compared.composed[form._compositor]
        await open_and_leave(app, pilot, "down", "enter")
        assert (form._compositor.drawn_again, compared.composed[form._compositor]) == (drawn + 1, composed)
        assert compared.all_checked(form)


async def test_a_records_form_shown_again_draws_the_frame_a_full_composition_would(
        ctx: ServiceContext, compared: Compared) -> None:
    schools(ctx)
    app = HtstApp(ctx=ctx)
    async with app.run_test(size=(120, 48)) as pilot:
        records, form = await on_the_schools_list(app, pilot)
        await open_and_leave(app, pilot, "down", "enter")
        await open_and_leave(app, pilot, "up", "enter")
        # an error shown while the form is up; left, its draft kept; opened again, the draft is offered over the
        # form and restored into it while it is covered
        await pilot.press("enter")
        await settle(app, pilot)
        assert app.screen is form
        form.query_one("#field-urn", Input).focus()
        await pilot.press("end", "x", "ctrl+s")
        await settle(app, pilot)
        assert app.screen is form and error(form, "urn")
        await pilot.press("escape")
        await settle(app, pilot)
        assert app.screen is records
        await pilot.press("enter")
        await settle(app, pilot)
        assert isinstance(app.screen, DraftModal)
        await pilot.press("r")
        await settle(app, pilot)
        assert app.screen is form and form.changed
        await pilot.press("escape")
        await settle(app, pilot)
        await open_and_leave(app, pilot, "down", "enter")
        assert form._compositor.drawn_again >= 3
        assert compared.all_checked(form, records)


async def test_a_form_changed_while_another_screen_covers_it_is_drawn_with_the_change(
        ctx: ServiceContext, compared: Compared) -> None:
    """Drawn under a modal, a change goes to the modal's drawing, not to the form's frame: the frame must not be
    drawn again as it was."""
    log_varied(ctx)
    app = HtstApp(ctx=ctx)
    async with app.run_test(size=(150, 48)) as pilot:
        form = await in_the_incident_log(app, pilot)
        await open_and_leave(app, pilot, "down", "enter")
        await pilot.press("down", "enter")
        await settle(app, pilot)
        assert app.screen is form
        app.push_screen(ConfirmModal("A question over the form?"))
        await settle(app, pilot)
        form.query_one("#route", Input).value = "R999"
        await settle(app, pilot)
        await pilot.press("escape")
        await settle(app, pilot)
        assert app.screen is form
        await pilot.press("escape")
        await settle(app, pilot)
        await open_and_leave(app, pilot, "down", "enter")
        assert form._compositor.drawn_again >= 2 and compared.all_checked(form)


async def test_a_form_left_scrolled_down_is_drawn_right_when_shown_again_from_the_top(
        ctx: ServiceContext, compared: Compared) -> None:
    log_varied(ctx)
    app = HtstApp(ctx=ctx)
    async with app.run_test(size=(150, 30)) as pilot:  # too short for the form: it scrolls
        form = await in_the_incident_log(app, pilot)
        for _ in range(3):
            await pilot.press("down", "enter")
            await settle(app, pilot)
            assert app.screen is form
            form.query_one("#outcome").focus()  # the last field: the form scrolls down to it
            await settle(app, pilot)
            assert form.query_one(VerticalScroll).scroll_y > 0
            await pilot.press("escape")
            await settle(app, pilot)
        # Scrolling changed which widgets show where, so a frame may be composed in full instead; either way each
        # showing put a whole frame on the terminal, and any frame drawn again was right.
        assert compared.all_checked(form)
        assert compared.frames[form._compositor] + compared.composed[form._compositor] >= 3


async def test_a_list_shown_again_after_its_form_is_drawn_from_its_frame_then_shows_the_saved_row(
        ctx: ServiceContext, compared: Compared) -> None:
    schools(ctx)
    app = HtstApp(ctx=ctx)
    async with app.run_test(size=(120, 40)) as pilot:
        records, form = await on_the_schools_list(app, pilot)
        before = len(compared.whole_frames(records))
        typed_together(app, "down", "enter")  # the list's cursor moves just before Enter: drawn on the way back
        await settle(app, pilot)
        assert app.screen is form and form.record_id == records.paged.current_id
        assert records.paged.table.cursor_row == 1
        await pilot.press("escape")
        await settle(app, pilot)
        assert app.screen is records
        back = compared.whole_frames(records)[before:]
        # shown again, then the whole repaint `App.pop_screen` asks for: both from the kept frame, none composed
        assert back and set(back) == {"again"}, back
        before += len(back)
        # opened again, renamed and saved: back on the list, drawn from its frame, then the row read again
        await pilot.press("enter")
        await settle(app, pilot)
        assert app.screen is form
        form.query_one("#field-name", Input).value = "Renamed Fictional Primary"
        await pilot.press("ctrl+s")
        await settle(app, pilot)
        assert app.screen is records
        back = compared.whole_frames(records)[before:]
        assert back and set(back) == {"again"}, "the list came back from its frame"
        assert "Renamed Fictional Primary" in "\n".join(strip.text for strip in records._compositor.render_strips()), \
            "read again once shown, the saved row is drawn over the frame"
        assert compared.all_checked(form, records)


async def test_a_list_read_again_while_its_form_covers_it_is_composed_in_full_when_shown_again(
        ctx: ServiceContext, compared: Compared) -> None:
    """A list whose rows change under its form (a sync brings records in, say) draws them while covered, through
    the form: its frame is out of date and must not be drawn again."""
    schools(ctx)
    app = HtstApp(ctx=ctx)
    async with app.run_test(size=(120, 40)) as pilot:
        records = await on_the_focused_schools_list(app, pilot)
        await open_and_leave(app, pilot, "enter")
        before = len(compared.whole_frames(records))
        await pilot.press("enter")
        await settle(app, pilot)
        assert app.screen is not records
        Records(ctx, "schools").create({"urn": 100099, "name": "Aardvark Fictional Infants", "phase": "primary",
                                        "postcode": "BN2 2BB"})
        records.paged.reload()
        await settle(app, pilot)
        await pilot.press("escape")
        await settle(app, pilot)
        assert app.screen is records
        back = compared.whole_frames(records)[before:]
        assert back[:1] == ["composed"], "the out-of-date frame was not drawn: the list was composed in full"
        assert "Aardvark Fictional Infants" in "\n".join(strip.text for strip in records._compositor.render_strips())
        before += len(back)
        await open_and_leave(app, pilot, "enter")
        assert compared.whole_frames(records)[before:][:1] == ["again"], \
            "the frame composed then is drawn again next time"
        assert compared.all_checked(records)


async def test_a_cursor_move_on_a_list_draws_its_two_rows_and_the_frame_stays_the_full_composition(
        ctx: ServiceContext, compared: Compared, monkeypatch: pytest.MonkeyPatch) -> None:
    records_of = Records(ctx, "schools")
    for n in range(6):
        records_of.create({"urn": 100100 + n, "name": f"Fictional School {n}", "phase": "primary",
                           "postcode": "BN1 1AA"})
    app = HtstApp(ctx=ctx)
    async with app.run_test(size=(120, 40)) as pilot:
        records, _form = await on_the_schools_list(app, pilot)
        table = records.paged.table
        drawn: list[int] = []
        line = RowTable.render_line
        monkeypatch.setattr(RowTable, "render_line", lambda self, y: drawn.append(y) or line(self, y))
        for key in ("down", "down", "up", "down"):
            drawn.clear()
            await pilot.press(key)
            await settle(app, pilot)
            assert sorted(drawn) == sorted({table.cursor_row + 1, table.cursor_row + (2 if key == "up" else 0)}), \
                "only the lines of the row left and the row reached are drawn again"
            frame = records._compositor._frame
            assert frame is not None, "kept through partial updates"
            Compared.check([Strip.join(list(pieces.values())) for pieces in frame], records._compositor.render_strips())


async def test_a_cursor_move_on_a_shown_list_is_drawn_by_the_table_alone(
        ctx: ServiceContext, compared: Compared, monkeypatch: pytest.MonkeyPatch) -> None:
    """Drawn into the list's kept frame, a cursor move asks only the table for its two rows: not the screen and
    the containers its rows cross, which Textual's partial update also asks (~0.3 ms each at city scale)."""
    schools(ctx)
    app = HtstApp(ctx=ctx)
    async with app.run_test(size=(120, 40)) as pilot:
        records, _form = await on_the_schools_list(app, pilot)
        await open_and_leave(app, pilot, "enter")  # shown again: the list keeps its frame from now on
        table = records.paged.table
        asked: list[Widget] = []
        drawing: list[bool] = []
        render_lines, render_partial_update = Widget.render_lines, records._compositor.render_partial_update

        def noted(widget: Widget, crop: Any) -> Any:
            if drawing:
                asked.append(widget)
            return render_lines(widget, crop)

        def partial_update() -> Any:
            drawing.append(True)
            try:
                return render_partial_update()
            finally:
                drawing.clear()

        monkeypatch.setattr(Widget, "render_lines", noted)
        monkeypatch.setattr(records._compositor, "render_partial_update", partial_update)
        partly = records._compositor.drawn_partly
        await pilot.press("down")
        await settle(app, pilot)
        assert table.cursor_row == 1 and records._compositor.drawn_partly > partly
        assert set(asked) == {table}, "only the table drew"
        assert compared.all_checked(records)
