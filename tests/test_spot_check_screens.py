"""Spot checks driven by keys only: a three-vehicle visit with every keystroke counted, and kill/resume."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from sqlalchemy import select
from textual.pilot import Pilot

from htst_tui.app import HtstApp
from htst_tui.db.follow_ups import FollowUpRecord
from htst_tui.db.spot_checks import SpotCheckVisitRecord, VehicleCheckRecord
from htst_tui.domain.spot_checks import Answer
from htst_tui.screens.spot_check.checklist import ChecklistView
from htst_tui.screens.spot_check.compliance import ComplianceScreen
from htst_tui.screens.spot_check.vehicle import VehicleCheckScreen
from htst_tui.screens.spot_check.visit import VisitScreen
from htst_tui.screens.spot_check.visits import SpotChecksScreen
from htst_tui.services import spot_checks as svc
from htst_tui.services.context import ServiceContext, open_context
from htst_tui.settings import Settings
from tests.spot_check_fixtures import SpotReference, build_reference


class KeyCounter:
    """Presses keys through the Pilot and counts every one."""

    def __init__(self, pilot: Pilot[None]) -> None:
        self.pilot = pilot
        self.count = 0

    async def press(self, *keys: str) -> None:
        for key in keys:
            self.count += 1
            await self.pilot.press(key)
        await self.pilot.pause()


def _remember_registration(ctx: ServiceContext, spot: SpotReference) -> None:
    """An earlier (finished) visit saw GATE1's regular vehicle, so its registration need not be typed."""
    visit = svc.start_visit(ctx, spot.school, "Earlier Officer",
                            started_at=dt.datetime.now(dt.UTC) - dt.timedelta(days=20))
    check = svc.start_vehicle_check(ctx, visit.id, spot.routes["GATE1"])
    svc.set_vehicle_details(ctx, check.id, registration="FI23 CTN", plate="HTST 101")
    svc.set_answer(ctx, check.id, 0, "hi_vis", Answer.passed)  # left unfinished, but too old to be resumed


async def test_three_vehicle_visit_by_keys_only(ctx: ServiceContext) -> None:
    spot = build_reference(ctx)
    _remember_registration(ctx, spot)
    app = HtstApp(ctx=ctx)
    per_vehicle: list[int] = []
    async with app.run_test(size=(140, 50)) as pilot:
        app.push_screen(SpotChecksScreen())
        await app.workers.wait_for_complete()
        await pilot.pause()
        keys = KeyCounter(pilot)
        # Start the visit: type part of the school's name, Enter picks it; time and officer are prefilled.
        await keys.press("n", *"gull", "enter", "enter", "enter", "y", "enter")
        assert isinstance(app.screen, VisitScreen)

        # Vehicle 1: GATE1 (two crew), everything passes; registration remembered from the earlier visit.
        keys.count = 0
        await keys.press("a", "1")
        assert isinstance(app.screen, VehicleCheckScreen)
        assert app.screen.query_one("#registration").value == "FI23CTN"
        await keys.press(*["y"] * 15)
        await keys.press("enter")
        per_vehicle.append(keys.count)
        assert isinstance(app.screen, VisitScreen)

        # Vehicle 2: GATE2 (two crew): PA does not know the children, driver's DBS evidence not seen.
        keys.count = 0
        await keys.press("a", "2")
        # driver: badge, roster, hi-vis, knowledge, DBS (not seen), training
        await keys.press("y", "y", "y", "y", "s", "y")
        # PA: badge, roster, hi-vis (n/a answered with -), knowledge FAIL, DBS, training
        await keys.press("y", "y", "minus", "n", "y", "y")
        await keys.press("y", "y", "y")  # CCTV, restraints, plate
        assert "Non-compliant" in str(app.screen.query_one("#outcome").render())
        await keys.press("enter")
        per_vehicle.append(keys.count)

        # Vehicle 3: GATE3 (driver only), no hi-vis; a new vehicle, so the registration is typed.
        keys.count = 0
        await keys.press("a", "3", "r", *"FI24NEW", "enter")
        await keys.press("y", "y", "n", "y", "y", "y", "y", "y", "y")
        await keys.press("enter")
        per_vehicle.append(keys.count)
        assert isinstance(app.screen, VisitScreen)
        assert app.screen.query_one("DataTable").row_count == 3

    assert per_vehicle == [18, 18, 21]  # two-crew vehicles: 18 keys each; driver-only + typed registration: 21
    with ctx.read() as session:
        visit = session.execute(select(SpotCheckVisitRecord).where(
            SpotCheckVisitRecord.officers == "Test Officer")).scalar_one()
        assert visit.licensing_attended is True
        checks = session.execute(select(VehicleCheckRecord).where(VehicleCheckRecord.visit_id == visit.id)
                                 .order_by(VehicleCheckRecord.checked_at)).scalars().all()
        assert [c.status for c in checks] == ["complete"] * 3
        assert [c.final_outcome for c in checks] == ["compliant", "non_compliant", "advice_given"]
        assert [c.vehicle_registration for c in checks] == ["FI23CTN", None, "FI24NEW"]
        assert checks[1].crew[0]["answers"]["dbs_evidence"] == "not_seen"
        assert checks[1].crew[1]["answers"]["child_knowledge"] == "fail"
        assert checks[1].crew[1]["answers"]["hi_vis"] == "not_applicable"
        assert checks[2].crew[0]["answers"]["hi_vis"] == "fail"
        codes = {(f.source_id, f.outcome_code) for f in session.execute(select(FollowUpRecord)).scalars()}
        assert codes == {(checks[1].id, "operator_warning"), (checks[2].id, "advice_given")}


async def test_kill_mid_vehicle_then_resume(db_path: Path) -> None:
    first = open_context(db_path, officer="Gate Officer", settings=Settings())
    spot = build_reference(first)
    visit = svc.start_visit(first, spot.school, "Gate Officer")
    app = HtstApp(ctx=first)
    async with app.run_test(size=(140, 50)) as pilot:
        app.push_screen(SpotChecksScreen())  # resumes the visit just started
        await pilot.pause()
        assert isinstance(app.screen, VisitScreen)
        await pilot.press("a", "1", "y", "n", "y", "s")
        await pilot.pause()
    first.close()  # torn down mid-vehicle: nothing was finished or saved by hand

    again = open_context(db_path, officer="Gate Officer", settings=Settings())
    app = HtstApp(ctx=again)
    async with app.run_test(size=(140, 50)) as pilot:
        app.push_screen(SpotChecksScreen())
        await pilot.pause()
        await pilot.pause()
        screen = app.screen
        assert isinstance(screen, VehicleCheckScreen)
        assert screen.view is not None and screen.view.visit_id == visit.id
        assert screen.view.check.crew[0].answers == {"badge_displayed": "pass", "badge_matches_roster": "fail",
                                                      "hi_vis": "pass", "child_knowledge": "not_seen"}
        checklist = screen.query_one(ChecklistView)
        assert checklist.current is not None and checklist.current.item.code == "dbs_evidence"
        await pilot.press("y")  # carries on where it stopped
        await pilot.pause()
    with again.read() as session:
        check = session.execute(select(VehicleCheckRecord)).scalar_one()
        assert check.crew[0]["answers"]["dbs_evidence"] == "pass"
        assert check.status == "in_progress"
    again.close()


async def test_children_list_is_shown_read_only(ctx: ServiceContext) -> None:
    spot = build_reference(ctx)
    visit = svc.start_visit(ctx, spot.school, "Gate Officer")
    app = HtstApp(ctx=ctx)
    async with app.run_test(size=(140, 50)) as pilot:
        app.push_screen(VehicleCheckScreen(visit.id))
        await pilot.pause()
        await pilot.press("1", "c")
        await pilot.pause()
        text = " ".join(str(s.render()) for s in app.screen.query("Static"))
        assert "Zephyrine" in text and "Orlaith" in text and "Thaddeus" not in text
        await pilot.press("escape")
        await pilot.pause()
        assert isinstance(app.screen, VehicleCheckScreen)


async def test_compliance_screen_shows_table_and_bars(ctx: ServiceContext) -> None:
    spot = build_reference(ctx)
    visit = svc.start_visit(ctx, spot.school, "Gate Officer")
    check = svc.start_vehicle_check(ctx, visit.id, spot.routes["GATE3"])
    for item in ("badge_displayed", "badge_matches_roster", "hi_vis", "child_knowledge", "dbs_evidence",
                 "training_card"):
        svc.set_answer(ctx, check.id, 0, item, Answer.passed)
    for item in ("cctv_working", "restraints", "plate_visible"):
        svc.set_answer(ctx, check.id, None, item, Answer.passed)
    svc.finish_check(ctx, check.id)
    app = HtstApp(ctx=ctx)
    async with app.run_test(size=(160, 50)) as pilot:
        app.push_screen(ComplianceScreen())
        await app.workers.wait_for_complete()
        await pilot.pause()
        table = app.screen.query_one("#operators")
        assert table.row_count == 2
        assert table.get_row_at(0)[:6] == ["Fictional Cars 3", "1", "1", "0", "0", "100%"]
        assert "█" * 40 in str(app.screen.query_one("#operator-chart").render())
