"""Forms at city scale: schools picked by typing, route codes completed from the database, saves in a thread
that neither an Escape nor a keystroke pressed mid-save can lose (the incident form keeps what was typed as a
draft; a record form is locked until its save ends)."""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

import pytest
from textual.pilot import Pilot
from textual.widgets import Input, Select, TextArea

from htst_tui.app import HtstApp
from htst_tui.screens.incidents.incident_form import IncidentFormScreen
from htst_tui.screens.picker import RecordPicker
from htst_tui.screens.record_form import RecordFormScreen
from htst_tui.services import incidents as inc
from htst_tui.services.context import ServiceContext
from htst_tui.services.drafts import Drafts
from htst_tui.services.records import Records
from htst_tui.widgets.model_form import RefPicker
from tests.incident_fixtures import make_reference
from tests.pilot_support import settle


async def shown(app: HtstApp, pilot: Pilot[Any], screen: Any) -> Any:
    app.push_screen(screen)
    await settle(app, pilot)
    return screen


def held(original: Callable[..., Any], gate: threading.Event) -> Callable[..., Any]:
    """`original`, but each call waits for `gate`: a save that is still running when the test presses keys."""

    def wrapper(*args: Any, **kwargs: Any) -> Any:
        assert gate.wait(10), "the test never let the save finish"
        return original(*args, **kwargs)

    return wrapper


async def test_school_is_picked_by_typing_in_the_incident_form(ctx: ServiceContext) -> None:
    ref = make_reference(ctx)
    app = HtstApp(ctx=ctx)
    async with app.run_test(size=(120, 48)) as pilot:
        form = await shown(app, pilot, IncidentFormScreen())
        assert not form.query("Select#school_id"), "no drop-down of every school"
        form.query_one("#school_id", RefPicker).focus()
        await pilot.press("enter")
        await settle(app, pilot)
        assert isinstance(app.screen, RecordPicker)
        await pilot.press(*"imag")
        await settle(app, pilot)
        await pilot.press("enter", "enter")  # search box -> list -> choose the one match
        await settle(app, pilot)
        assert app.screen is form
        picker = form.query_one("#school_id", RefPicker)
        assert picker.value == ref.schools[1]
        assert "Imaginary Vale Academy" in str(picker.render())
        assert form.values()["school_id"] == ref.schools[1]
        assert Drafts(ctx).load("incident", None).data["school_id"] == ref.schools[1]  # type: ignore[union-attr]


async def test_route_code_is_completed_from_the_database_and_fills_operator_and_school(ctx: ServiceContext) -> None:
    ref = make_reference(ctx)
    app = HtstApp(ctx=ctx)
    async with app.run_test(size=(120, 48)) as pilot:
        form = await shown(app, pilot, IncidentFormScreen())
        route = form.query_one("#route", Input)
        route.focus()
        await pilot.press(*"r2")
        await settle(app, pilot)
        assert route._suggestion == "R202"
        await pilot.press("right")  # at the end of the box: take the suggestion
        await settle(app, pilot)
        assert route.value == "R202"
        assert form.query_one("#operator_id", Select).value == ref.operators[1]
        assert form.query_one("#school_id", RefPicker).value == ref.schools[1]


async def test_escape_mid_save_keeps_the_incident_save(ctx: ServiceContext, monkeypatch: pytest.MonkeyPatch) -> None:
    ref = make_reference(ctx)
    logged = inc.log_incident(ctx, {
        "occurred_at": "2026-03-02 08:10", "reported_at": "2026-03-02 09:00", "reported_by_kind": "crew",
        "category": "behaviour", "route_id": ref.routes[0], "operator_id": ref.operators[0],
        "school_id": ref.schools[0], "pupil_ids": [], "notifications": [], "description": "Shouting."})
    gate = threading.Event()
    monkeypatch.setattr(inc, "edit_incident", held(inc.edit_incident, gate))
    app = HtstApp(ctx=ctx)
    async with app.run_test(size=(120, 48)) as pilot:
        form = await shown(app, pilot, IncidentFormScreen(logged.id))
        area = form.query_one("#immediate_action", TextArea)
        area.focus()
        await pilot.press(*"Called")
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert form.saving
        await pilot.press(*"XY", "escape", "ctrl+n")  # typed mid-save; the notification is refused until done
        await pilot.pause()
        assert app.screen is form and area.text == "CalledXY" and form.notifications == []
        gate.set()
        await settle(app, pilot)
        assert not form.is_attached, "the Escape pressed mid-save closes the form once the save is done"
    stored = Records(ctx, "incidents").get(logged.id)
    assert stored.data["immediate_action"] == "Called" and stored.rev != logged.rev
    draft = Drafts(ctx).load("incident", logged.id)  # what was typed during the save is kept, not lost
    assert draft is not None and draft.data["immediate_action"] == "CalledXY"


async def test_escape_mid_save_keeps_the_record_save(ctx: ServiceContext, monkeypatch: pytest.MonkeyPatch) -> None:
    school = Records(ctx, "schools").create({"urn": 100001, "name": "Fictional Downs Primary", "phase": "primary",
                                             "postcode": "BN1 1AA"})
    gate = threading.Event()
    monkeypatch.setattr(Records, "update", held(Records.update, gate))
    app = HtstApp(ctx=ctx)
    async with app.run_test(size=(120, 48)) as pilot:
        form_screen = await shown(app, pilot, RecordFormScreen("schools", school.id))
        assert form_screen.form is not None
        name = form_screen.form.editor("name")
        assert isinstance(name, Input)
        name.focus()
        name.value = "Fictional Hills Primary"
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert form_screen.saving
        await pilot.press(*"zz", "escape")
        await pilot.pause()
        assert app.screen is form_screen and name.value == "Fictional Hills Primary"
        gate.set()
        await settle(app, pilot)
        assert not form_screen.is_attached
    assert Records(ctx, "schools").get(school.id).data["name"] == "Fictional Hills Primary"
    assert Drafts(ctx).load("record:schools", school.id) is None
