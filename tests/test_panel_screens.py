"""A whole panel meeting driven by keys only: attendance, three cases, a refused finalise, a dissent, next and
previous case, the letter and the minutes written to disk; and a draft restored after a 'crash'."""

from __future__ import annotations

from pathlib import Path

from textual.pilot import Pilot
from textual.widgets import Input

from htst_tui.app import HtstApp
from htst_tui.screens.panel import PanelScreen
from htst_tui.screens.panel.banner import AttendanceBanner
from htst_tui.screens.panel.case_form import CaseScreen
from htst_tui.screens.panel.meeting import MeetingScreen
from htst_tui.services import panel
from htst_tui.services.context import ServiceContext
from htst_tui.widgets.modals import ErrorModal
from tests.panel_fixtures import MEETING_DATE, make_register
from tests.pilot_support import settle


def make_app(ctx: ServiceContext) -> HtstApp:
    """Animations off: scrolling a long form to each focused field would otherwise animate on every Tab."""
    app = HtstApp(ctx=ctx)
    app.animation_level = "none"
    return app


NEAR = 7
"""Up to this many fields ahead the test tabs, as a chair would; further, it uses ctrl+g (go to field)."""

JUMP_WORDS = {"evidence": "evid", "effective_date": "eff", "deliberation_notes": "del", "reasons": "pla",
              "deferred_what": "what", "outcome": "outc", "distance_miles": "walk"}


async def goto(app: HtstApp, pilot: Pilot[None], name: str) -> None:
    """Reach field `name` by keys only: Tab when it is near, else ctrl+g and part of its label."""
    target = app.screen.query_one(f"#f-{name}")
    chain = app.screen.focus_chain
    ahead = (chain.index(target) - chain.index(app.focused)) % len(chain) if app.focused in chain else NEAR + 1
    if ahead <= NEAR:
        await pilot.press(*["tab"] * ahead)
    else:
        await pilot.press("ctrl+g", *JUMP_WORDS[name], "enter")
        await pilot.pause()
    assert app.focused is target


async def type_into(app: HtstApp, pilot: Pilot[None], name: str, text: str) -> None:
    await goto(app, pilot, name)
    await pilot.press(*text)


async def choose(app: HtstApp, pilot: Pilot[None], name: str, search: str) -> None:
    """Open a Select with Enter, type to find the option, Enter to pick it."""
    await goto(app, pilot, name)
    await pilot.press("enter", *search, "enter")


async def toggle(app: HtstApp, pilot: Pilot[None], name: str) -> None:
    await goto(app, pilot, name)
    await pilot.press("space")


async def add_case(app: HtstApp, pilot: Pilot[None], ref: str) -> CaseScreen:
    await pilot.press("c", *ref, "enter")
    await settle(app, pilot)
    assert isinstance(app.screen, CaseScreen)
    return app.screen


async def evidence_and_conflicts(app: HtstApp, pilot: Pilot[None]) -> None:
    await type_into(app, pilot, "evidence", "Map")
    await toggle(app, pilot, "conflicts_asked")


async def deliberation(app: HtstApp, pilot: Pilot[None]) -> None:
    await type_into(app, pilot, "deliberation_notes", "Map")
    await type_into(app, pilot, "factors_weighed", "Age")


async def test_whole_meeting_by_keyboard(ctx: ServiceContext) -> None:
    make_register(ctx)
    app = make_app(ctx)
    async with app.run_test(size=(120, 40)) as pilot:
        app.push_screen(PanelScreen())
        await settle(app, pilot)

        # New meeting: date, place, chair defaulted to the chair-role member.
        await pilot.press("n")
        await pilot.pause()
        await pilot.press("home", "ctrl+k", *MEETING_DATE.isoformat(), "tab", *"Hall", "ctrl+s")
        await settle(app, pilot)
        assert isinstance(app.screen, MeetingScreen)
        meeting_id = app.screen.meeting_id
        banner = app.screen.query_one(AttendanceBanner)
        assert "Senior SEND member: NOT PRESENT" in str(banner.render())

        # Attendance, one key per member (rows by name: Alex, Ari, Jo, Pat, Sam).
        await pilot.press("down", "p", "down", "p", "down", "a", "down", "p")
        await settle(app, pilot)
        view = panel.meeting_view(ctx, meeting_id)
        assert {m.name: m.status.value for m in view.members} == {
            "Alex Chairperson": "present", "Ari Amazeworker": "present", "Jo Officer": "present",
            "Pat Stale": "apologies", "Sam Sendlead": "present"}
        text = str(banner.render())
        assert "Senior SEND member: present" in text and "Amaze parent-carer worker: present" in text
        assert "Law training of those present: all current" in text

        # Case 1: register pupil, eligible under A, refused finalise (no reasons), dissent, finalise, letter.
        screen = await add_case(app, pilot, "FP0001")
        case1 = screen.case_id
        assert screen.query_one("#f-date_of_birth", Input).value == "2013-05-01"
        await type_into(app, pilot, "distance_miles", "3.4")
        await toggle(app, pilot, "nearest_suitable")
        hint = str(screen.query_one("#hint").render())
        assert "A: beyond walking distance" in hint and "B: SEN, disability or mobility" in hint
        await evidence_and_conflicts(app, pilot)
        await choose(app, pilot, "outcome", "Elig")
        await choose(app, pilot, "statutory_category", "A:")
        await toggle(app, pilot, "award_types")
        await type_into(app, pilot, "effective_date", "2026-01-05")
        await deliberation(app, pilot)
        assert screen.query_one("#f-review_date", Input).value == "2026-08-31"  # end of the academic year
        await pilot.press("ctrl+f")
        await settle(app, pilot)
        assert isinstance(app.screen, ErrorModal)
        assert "Write the reasons in plain language for the family." in app.screen.message
        assert panel.case_view(ctx, case1).finalised is False
        await pilot.press("escape")
        await pilot.press("ctrl+r")
        await pilot.pause()
        await pilot.press("enter", *"Ari", "enter", "tab", *"Solo", "ctrl+s")
        await settle(app, pilot)
        await type_into(app, pilot, "reasons", "Far")
        await pilot.press("ctrl+f")
        await settle(app, pilot)
        view1 = panel.case_view(ctx, case1)
        assert view1.finalised and view1.decision is not None and view1.decision["outcome"] == "eligible"
        assert [d.name for d in view1.dissents] == ["Ari Amazeworker"]
        await pilot.press("ctrl+l")
        await settle(app, pilot)
        await pilot.press("escape")
        await settle(app, pilot)

        # Case 2: entered pupil, not eligible (no category met), finalised.
        screen = await add_case(app, pilot, "FX0002")
        case2 = screen.case_id
        await type_into(app, pilot, "distance_miles", "1.2")
        await toggle(app, pilot, "nearest_suitable")
        assert "No statutory category is met" in str(screen.query_one("#hint").render())
        await evidence_and_conflicts(app, pilot)
        await choose(app, pilot, "outcome", "Not")
        await deliberation(app, pilot)
        await type_into(app, pilot, "reasons", "Near")
        await pilot.press("ctrl+f")
        await settle(app, pilot)
        assert panel.case_view(ctx, case2).finalised
        await pilot.press("escape")
        await settle(app, pilot)

        # Case 3: deferred; previous/next case keys move along the agenda.
        screen = await add_case(app, pilot, "FX0003")
        case3 = screen.case_id
        await type_into(app, pilot, "distance_miles", "2.6")
        await pilot.press("ctrl+b")
        await settle(app, pilot)
        assert isinstance(app.screen, CaseScreen) and app.screen.case_id == case2
        await pilot.press("ctrl+n")
        await settle(app, pilot)
        assert isinstance(app.screen, CaseScreen) and app.screen.case_id == case3
        assert app.screen.query_one("#f-distance_miles", Input).value == "2.6"
        await evidence_and_conflicts(app, pilot)
        await choose(app, pilot, "outcome", "Def")
        await type_into(app, pilot, "deferred_what", "FSM proof")
        await type_into(app, pilot, "deferred_by", "2026-01-16")
        await deliberation(app, pilot)
        await type_into(app, pilot, "reasons", "FSM")
        await pilot.press("ctrl+f")
        await settle(app, pilot)
        assert panel.case_view(ctx, case3).finalised
        await pilot.press("ctrl+n")  # already the last case: stays
        await settle(app, pilot)
        assert isinstance(app.screen, CaseScreen) and app.screen.case_id == case3

        # Minutes from the meeting screen.
        await pilot.press("escape")
        await settle(app, pilot)
        assert isinstance(app.screen, MeetingScreen)
        await pilot.press("m")
        await settle(app, pilot)

    folder = panel.output_folder()
    minutes = next(folder.glob("minutes-*.md")).read_text()
    assert "Ari Amazeworker (Amaze parent-carer worker) disagreed: Solo" in minutes
    assert minutes.count("Finalised by Test Officer") == 3
    assert "Pat Stale" in minutes and "apologies" in minutes
    assert "FSM proof" in minutes
    letter_path = next(folder.glob("letter-FP0001-*.md"))
    letter = letter_path.read_text()
    deadline = panel.stage1_deadline(ctx, case1)
    assert deadline is not None and panel.long_date(deadline) in letter
    assert "Stage 1 review" in letter
    for path in folder.iterdir():
        assert "Traceback" not in path.read_text()
        assert (path.stat().st_mode & 0o777) == 0o600
    assert {p.suffix for p in folder.iterdir()} == {".md", ".html"}


async def test_case_form_draft_survives_a_restart(ctx: ServiceContext, tmp_path: Path) -> None:
    reg = make_register(ctx)
    meeting = panel.start_meeting(ctx, MEETING_DATE, place="Fictional Hall", chair_member_id=reg.chair)
    case = panel.add_case(ctx, meeting, {"pupil_id": reg.pupil})
    app = make_app(ctx)
    async with app.run_test(size=(120, 40)) as pilot:
        app.push_screen(CaseScreen(meeting, case))
        await settle(app, pilot)
        await type_into(app, pilot, "distance_miles", "4.75")
        await settle(app, pilot)
    assert panel.case_view(ctx, case).data["distance_miles"] is None  # never saved: only the draft holds it
    again = make_app(ctx)
    async with again.run_test(size=(120, 40)) as pilot:
        again.push_screen(CaseScreen(meeting, case))
        await settle(again, pilot)
        assert again.screen.query_one("#f-distance_miles", Input).value == "4.75"
        await pilot.press("ctrl+s")
        await settle(again, pilot)
    assert panel.case_view(ctx, case).data["distance_miles"] == 4.75
