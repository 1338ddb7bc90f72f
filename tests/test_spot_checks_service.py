"""Spot-check services: autosaved checks, roster mismatch, follow-ups, dashboard, compliance, privacy, demo."""

from __future__ import annotations

import datetime as dt
import json
import random

import pytest
from sqlalchemy import select

from htst_tui.db.follow_ups import FollowUpRecord
from htst_tui.db.local import AuditEntry
from htst_tui.db.spot_checks import SpotCheckVisitRecord, VehicleCheckRecord
from htst_tui.domain.follow_ups import FollowUpSource, FollowUpStatus, OutcomeCode
from htst_tui.domain.spot_checks import Answer, Outcome
from htst_tui.entities import entity
from htst_tui.errors import ValidationFailed
from htst_tui.services import spot_checks as svc
from htst_tui.services.context import ServiceContext
from htst_tui.services.records import Records, row_data
from htst_tui.services.spot_check_demo import add_demo
from tests.spot_check_fixtures import CHILD_NAMES, SpotReference, build_reference

CREW_ITEMS = ("badge_displayed", "badge_matches_roster", "hi_vis", "child_knowledge", "dbs_evidence", "training_card")
VEHICLE_ITEMS = ("cctv_working", "restraints", "plate_visible")


def _answer_all(ctx: ServiceContext, check: svc.CheckView, fails: dict[tuple[int | None, str], Answer]) -> None:
    for slot in range(len(check.check.crew)):
        for item in CREW_ITEMS:
            svc.set_answer(ctx, check.id, slot, item, fails.get((slot, item), Answer.passed))
    for item in VEHICLE_ITEMS:
        svc.set_answer(ctx, check.id, None, item, fails.get((None, item), Answer.passed))


@pytest.fixture
def spot(ctx: ServiceContext) -> SpotReference:
    return build_reference(ctx)


def test_routes_expected_at_a_school_with_roster(ctx: ServiceContext, spot: SpotReference) -> None:
    assert [s.name for s in svc.search_schools(ctx, "kestrel")] == ["Kestrel Hill Academy (fictional)"]
    routes = svc.expected_routes(ctx, spot.school)
    assert [r.code for r in routes] == ["GATE1", "GATE2", "GATE3"]
    assert [r.role for r in routes[0].roster] == ["driver", "pa"]
    assert routes[0].operator_name == "Fictional Cars 1"
    assert [r.code for r in svc.expected_routes(ctx, spot.other_school)] == ["OTHER1"]


def test_every_answer_is_saved_at_once_and_finish_needs_all(ctx: ServiceContext, spot: SpotReference) -> None:
    visit = svc.start_visit(ctx, spot.school, "Gate Officer", True)
    check = svc.start_vehicle_check(ctx, visit.id, spot.routes["GATE1"])
    assert [c.roster_crew_id for c in check.check.crew] == [r["id"] for r in spot.crew["GATE1"]]
    svc.set_answer(ctx, check.id, 1, "hi_vis", Answer.failed)
    assert svc.get_check(ctx, check.id).check.crew[1].answers == {"hi_vis": Answer.failed}
    assert svc.resume_point(ctx) is not None
    assert svc.resume_point(ctx)[1] == check.id  # type: ignore[index]
    with pytest.raises(ValidationFailed, match="not answered yet: crew 1: badge_displayed"):
        svc.finish_check(ctx, check.id)
    with pytest.raises(ValidationFailed, match="not finished"):
        svc.finish_visit(ctx, visit.id)
    _answer_all(ctx, check, {(1, "hi_vis"): Answer.failed})
    result = svc.finish_check(ctx, check.id, today=dt.date(2026, 3, 2))
    assert result.check.check.final_outcome == Outcome.advice_given
    assert [(f.outcome_code, f.due_date) for f in result.follow_ups] == [("advice_given", dt.date(2026, 3, 12))]
    assert svc.finish_check(ctx, check.id).follow_ups == []  # finishing again raises nothing twice
    assert svc.finish_visit(ctx, visit.id).finished_at is not None
    assert svc.resume_point(ctx) is None


def test_typed_badge_detects_roster_mismatch(ctx: ServiceContext, spot: SpotReference) -> None:
    visit = svc.start_visit(ctx, spot.school, "Gate Officer")
    check = svc.start_vehicle_check(ctx, visit.id, spot.routes["GATE2"])
    pa_badge = spot.crew["GATE2"][1]["badge_number"]
    view = svc.set_badge_typed(ctx, check.id, 0, "FICT-9999")
    assert view.check.crew[0].answers["badge_matches_roster"] == Answer.failed
    assert view.live_outcome == Outcome.non_compliant
    view = svc.set_badge_typed(ctx, check.id, 0, pa_badge.lower())
    assert view.check.crew[0].answers["badge_matches_roster"] == Answer.passed
    assert view.check.crew[0].roster_crew_id == spot.crew["GATE2"][1]["id"]
    view = svc.set_badge_typed(ctx, check.id, 0, "")
    assert "badge_matches_roster" not in view.check.crew[0].answers


def test_override_needs_a_reason_and_drives_follow_ups(ctx: ServiceContext, spot: SpotReference) -> None:
    visit = svc.start_visit(ctx, spot.school, "Gate Officer")
    check = svc.start_vehicle_check(ctx, visit.id, spot.routes["GATE3"])
    _answer_all(ctx, check, {(0, "badge_displayed"): Answer.failed})
    with pytest.raises(ValidationFailed, match="override_reason"):
        svc.override_outcome(ctx, check.id, Outcome.advice_given, "  ")
    svc.override_outcome(ctx, check.id, Outcome.advice_given, "Badge found in the glovebox")
    result = svc.finish_check(ctx, check.id)
    assert result.check.check.computed_outcome == Outcome.non_compliant
    assert result.check.check.final_outcome == Outcome.advice_given
    assert [f.outcome_code for f in result.follow_ups] == ["advice_given"]


def test_follow_ups_on_the_dashboard_any_source_overdue_marked(ctx: ServiceContext, spot: SpotReference) -> None:
    visit = svc.start_visit(ctx, spot.school, "Gate Officer")
    check = svc.start_vehicle_check(ctx, visit.id, spot.routes["GATE1"])
    _answer_all(ctx, check, {(0, "dbs_evidence"): Answer.failed})
    today = dt.date.today()
    made = svc.finish_check(ctx, check.id, today=today - dt.timedelta(days=30)).follow_ups
    assert [f.outcome_code for f in made] == ["operator_warning", "referral_licensing"]
    Records(ctx, "follow_ups").create({
        "source_kind": "incident", "source_id": "00000000-0000-4000-8000-00000000abcd",
        "outcome_code": "referral_LADO_safeguarding", "description": "Fictional incident referral",
        "owner": "Office Officer", "due_date": today + dt.timedelta(days=3)})
    items = svc.due_items(ctx, today)
    assert [(i.screen, i.overdue, i.urgent) for i in items] == [
        ("spot_checks", True, False), ("spot_checks", True, False), ("incidents", False, True)]
    assert sorted(i.title for i in items)[1].startswith("Operator warning: GATE1 (Fictional Cars 1): Warn the operator")
    closed = svc.close_follow_up(ctx, made[0].id, note="Operator replied", today=today)
    assert closed.status == FollowUpStatus.done and not closed.overdue
    assert len(svc.due_items(ctx, today)) == 2
    assert [f.id for f in svc.open_follow_ups(ctx, today, overdue_only=True)] == [made[1].id]


def test_home_lists_the_soonest_follow_ups_then_how_many_more(ctx: ServiceContext,
                                                               monkeypatch: pytest.MonkeyPatch) -> None:
    today = dt.date(2026, 3, 16)
    for n in range(5):
        Records(ctx, "follow_ups").create({
            "source_kind": "incident", "source_id": "00000000-0000-4000-8000-00000000abcd",
            "outcome_code": "advice_given", "description": f"Fictional follow-up {n}", "owner": "Office Officer",
            "due_date": today + dt.timedelta(days=5 - n)})
    monkeypatch.setattr(svc, "SECTION_LIMIT", 2)
    items = svc.due_items(ctx, today)
    assert [i.title for i in items] == ["Advice given: Fictional follow-up 4", "Advice given: Fictional follow-up 3",
                                        "…and 3 more open follow-ups (Enter opens the list)"]
    assert items[-1].screen == "spot_checks" and items[-1].due is None

    Records(ctx, "follow_ups").create({  # far off, but a safeguarding referral: never cut below routine ones
        "source_kind": "incident", "source_id": "00000000-0000-4000-8000-00000000abcd",
        "outcome_code": "referral_LADO_safeguarding", "description": "Fictional LADO referral",
        "owner": "Office Officer", "due_date": today + dt.timedelta(days=60)})
    items = svc.due_items(ctx, today)
    assert [(i.title, i.urgent) for i in items] == [
        ("LADO / safeguarding referral: Fictional LADO referral", True),
        ("Advice given: Fictional follow-up 4", False), ("…and 4 more open follow-ups (Enter opens the list)", False)]


def test_compliance_per_operator_and_item_on_fixed_data(ctx: ServiceContext, spot: SpotReference) -> None:
    visit = svc.start_visit(ctx, spot.school, "Gate Officer")
    plan = [("GATE1", {}), ("GATE1", {(1, "hi_vis"): Answer.failed}), ("GATE2", {(None, "restraints"): Answer.failed}),
            ("GATE3", {(0, "training_card"): Answer.not_applicable})]
    for code, fails in plan:
        check = svc.start_vehicle_check(ctx, visit.id, spot.routes[code])
        _answer_all(ctx, check, fails)
        svc.finish_check(ctx, check.id)
    unfinished = svc.start_vehicle_check(ctx, visit.id, spot.routes["GATE2"])  # in progress: not counted
    svc.set_answer(ctx, unfinished.id, 0, "hi_vis", Answer.failed)
    today = dt.date.today()
    report = svc.compliance(ctx, today, today)
    rows = {o.operator_name: o.figures for o in report.operators}
    assert {name: (f.checks, f.pass_rate) for name, f in rows.items()} == {
        "Fictional Cars 1": (2, 0.5), "Fictional Cars 2": (1, 0.0), "Fictional Cars 3": (1, 1.0)}
    assert (rows["Fictional Cars 1"].items["hi_vis"].passed, rows["Fictional Cars 1"].items["hi_vis"].counted) == (3, 4)
    assert report.items["hi_vis"].passed == 6 and report.items["hi_vis"].counted == 7
    assert report.items["restraints"].rate == 0.75
    assert report.items["training_card"].counted == 6  # n/a left out
    assert report.item_codes[:2] == ("badge_displayed", "badge_matches_roster")
    assert svc.compliance(ctx, today - dt.timedelta(days=9), today - dt.timedelta(days=1)).operators == []
    with pytest.raises(ValidationFailed, match="before the start"):
        svc.compliance(ctx, today, today - dt.timedelta(days=1))


def _all_spot_check_text(ctx: ServiceContext) -> str:
    """Everything the spot-check tables hold, as an export would write it: every field of every row, the
    vehicle-check follow-ups, and the audit entries for them."""
    out = []
    with ctx.read() as session:
        for name, orm in (("spot_check_visits", SpotCheckVisitRecord), ("vehicle_checks", VehicleCheckRecord)):
            for row in session.execute(select(orm)).scalars():
                out.append(json.dumps(row_data(entity(name), row), default=str))
        for row in session.execute(select(FollowUpRecord).where(
                FollowUpRecord.source_kind == FollowUpSource.vehicle_check)).scalars():
            out.append(json.dumps(row_data(entity("follow_ups"), row), default=str))
        for row in session.execute(select(AuditEntry).where(
                AuditEntry.entity.in_(["spot_check_visits", "vehicle_checks"]))).scalars():
            out.append(f"{row.fields} {row.detail}")
    for name in ("spot_check_visits", "vehicle_checks"):
        out.extend(json.dumps(r, default=str) for r in Records(ctx, name).list(limit=10_000).rows)
    return "\n".join(out)


def test_no_child_name_reaches_spot_check_records(ctx: ServiceContext, spot: SpotReference) -> None:
    visit = svc.start_visit(ctx, spot.school, "Gate Officer", notes="Busy gate; two vehicles late")
    check = svc.start_vehicle_check(ctx, visit.id, spot.routes["GATE1"])
    children = svc.route_children(ctx, spot.routes["GATE1"])
    assert [c.first_name for c in children] == ["Orlaith", "Zephyrine"]  # shown on screen ...
    with pytest.raises(ValidationFailed, match="names a child"):
        svc.set_child_knowledge_note(ctx, check.id, "PA did not know zephyrine's seizure plan")
    with pytest.raises(ValidationFailed, match="names a child"):
        svc.set_visit_notes(ctx, visit.id, "Spoke to Quarrington family")
    with pytest.raises(ValidationFailed, match="names a child"):
        svc.create_follow_up(ctx, FollowUpSource.vehicle_check, check.id, OutcomeCode.other,
                             "Retrain on Orlaith's needs", "Gate Officer", dt.date.today())
    svc.set_child_knowledge_note(ctx, check.id, "PA unsure of the seat 2 child's seizure plan")
    _answer_all(ctx, check, {(1, "child_knowledge"): Answer.failed})
    svc.finish_check(ctx, check.id)
    add_demo(ctx, spot.ref, random.Random(7))
    text = _all_spot_check_text(ctx).lower()
    assert "seat 2 child" in text and "busy gate" in text  # the search really covers the stored notes
    for first, last in CHILD_NAMES:
        assert first.lower() not in text and last.lower() not in text


def test_demo_adds_visits_checks_and_overdue_follow_ups(ctx: ServiceContext, spot: SpotReference) -> None:
    add_demo(ctx, spot.ref, random.Random(2026))
    assert 25 <= Records(ctx, "spot_check_visits").count() <= 35
    checks = Records(ctx, "vehicle_checks").list(limit=1000)
    with ctx.read() as session:
        outcomes = [o for (o,) in session.execute(select(VehicleCheckRecord.final_outcome))]
    assert len(outcomes) == checks.total
    assert outcomes.count("compliant") > len(outcomes) / 2
    assert outcomes.count("non_compliant") >= 1 and outcomes.count("advice_given") >= 1
    items = svc.due_items(ctx, dt.date.today())
    assert any(i.overdue for i in items)
    report = svc.compliance(ctx, dt.date.today() - dt.timedelta(days=200), dt.date.today())
    assert sum(o.figures.checks for o in report.operators) == checks.total
