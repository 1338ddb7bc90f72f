"""`htst demo` extension: about 30 visits and 120 vehicle checks with realistic failure rates and follow-ups.

Failure rates per item are modest (most vehicles are compliant) and vary by operator, so the compliance view
has something to show. Follow-ups come from the same suggestion rule as a real check; older ones are mostly
closed, a few are left open past their due date so the Home dashboard has overdue items. No child data is
touched: vehicle checks never hold any.
"""

from __future__ import annotations

import datetime as dt
import random
import uuid
from typing import Any

from sqlalchemy import select

from htst_tui.db.reference import CrewMemberRecord
from htst_tui.domain import spot_checks as sc
from htst_tui.domain.follow_ups import FollowUpSource, FollowUpStatus
from htst_tui.entities import entity
from htst_tui.services.bulk import insert_new
from htst_tui.services.context import ServiceContext
from htst_tui.services.demo_types import DemoReference
from htst_tui.services.records import validate_data

VISITS = 30
VEHICLES_PER_VISIT = (3, 5)

FAIL_RATES: dict[str, tuple[float, float]] = {
    "badge_displayed": (0.03, 0.01),
    "badge_matches_roster": (0.02, 0.02),
    "hi_vis": (0.07, 0.01),
    "child_knowledge": (0.04, 0.02),
    "dbs_evidence": (0.02, 0.06),
    "training_card": (0.05, 0.08),
    "cctv_working": (0.05, 0.03),
    "restraints": (0.015, 0.01),
    "plate_visible": (0.03, 0.0),
}
"""item -> (chance of fail, chance of not seen) for an average operator."""

OFFICERS = ["Demo Officer Ash", "Demo Officer Birch", "Demo Officer Cedar"]


def _answer(rng: random.Random, code: str, quality: float) -> sc.Answer:
    fail, unseen = FAIL_RATES[code]
    roll = rng.random()
    if roll < fail * quality:
        return sc.Answer.failed
    if roll < (fail + unseen) * quality:
        return sc.Answer.not_seen
    return sc.Answer.passed


def _registration(rng: random.Random) -> str:
    letters = "ABCDEFGHJKLMNOPRSTUVWXY"
    return (f"{rng.choice(letters)}{rng.choice(letters)}{rng.randint(15, 25)}"
            f"{''.join(rng.choice(letters) for _ in range(3))}")


def _uuid(rng: random.Random) -> str:
    """Ids from the seeded generator: the same seed gives the same demo database."""
    return str(uuid.UUID(int=rng.getrandbits(128), version=4))


def add_demo(ctx: ServiceContext, ref: DemoReference, rng: random.Random) -> None:
    """Add demo visits, vehicle checks and their follow-ups (bulk Core inserts, one transaction)."""
    if not ref.route_ids:
        return
    items = sc.checklist(ctx.settings.spot_checks.extra_items)
    quality = {op: rng.choice([0.4, 0.8, 1.0, 1.0, 1.5, 2.5]) for op in ref.operator_ids}
    routes_of_school: dict[str, list[str]] = {}
    for route, school in ref.route_school.items():
        routes_of_school.setdefault(school, []).append(route)
    schools = sorted(routes_of_school)
    registrations: dict[str, tuple[str, str]] = {}
    visits: list[dict[str, Any]] = []
    checks: list[dict[str, Any]] = []
    follow_ups: list[dict[str, Any]] = []
    with ctx.transaction() as session:
        roster: dict[str, list[tuple[str, str]]] = {}
        for crew_id, role, crew_route in session.execute(
                select(CrewMemberRecord.id, CrewMemberRecord.role, CrewMemberRecord.route_id)
                .where(CrewMemberRecord.id.in_(ref.crew_ids)).order_by(CrewMemberRecord.role != "driver")):
            if crew_route:
                roster.setdefault(crew_route, []).append((crew_id, role))
        for _ in range(VISITS):
            school = schools[rng.randrange(len(schools))]
            day = ref.today - dt.timedelta(days=rng.randint(0, 120))
            started = dt.datetime.combine(day, dt.time(7, rng.randint(30, 59)), tzinfo=dt.UTC)
            visit_id = _uuid(rng)
            visits.append({"id": visit_id, **validate_data(entity("spot_check_visits"), {
                "school_id": school, "started_at": started, "officers": rng.choice(OFFICERS),
                "licensing_attended": rng.random() < 0.3,
                "finished_at": started + dt.timedelta(minutes=40)})})
            routes = routes_of_school[school]
            for k, route in enumerate(rng.sample(routes, min(len(routes), rng.randint(*VEHICLES_PER_VISIT)))):
                operator = ref.route_operator[route]
                q = quality.get(operator, 1.0)
                crew: list[dict[str, Any]] = [{"role": role, "roster_crew_id": cid,
                         "answers": {i.code: _answer(rng, i.code, q) for i in items.crew_items}}
                        for cid, role in roster.get(route, [])] or [
                    {"role": "driver", "answers": {i.code: _answer(rng, i.code, q) for i in items.crew_items}}]
                vehicle = {i.code: _answer(rng, i.code, q) for i in items.vehicle_items}
                answers: list[dict[str, sc.Answer]] = [c["answers"] for c in crew]
                outcome = sc.compute_outcome(answers, vehicle)
                reg, plate = registrations.setdefault(route, (_registration(rng), f"HTST {rng.randint(100, 999)}"))
                check_id = _uuid(rng)
                checks.append({"id": check_id, **validate_data(entity("vehicle_checks"), {
                    "visit_id": visit_id, "route_id": route, "operator_id": operator,
                    "checked_at": started + dt.timedelta(minutes=3 * k), "vehicle_registration": reg,
                    "plate_number": plate, "crew": crew, "vehicle_answers": vehicle, "status": "complete",
                    "computed_outcome": outcome, "final_outcome": outcome})})
                for s in sc.suggest_follow_ups(outcome, sc.failed_items(answers, vehicle),
                                               sc.not_seen_items(answers, vehicle), day,
                                               ctx.settings.spot_checks.follow_up_days):
                    closed = s.due_date < ref.today and rng.random() < 0.75
                    follow_ups.append(validate_data(entity("follow_ups"), {
                        "source_kind": FollowUpSource.vehicle_check, "source_id": check_id,
                        "outcome_code": s.outcome_code, "description": s.description,
                        "owner": rng.choice(OFFICERS), "due_date": s.due_date,
                        "status": FollowUpStatus.done if closed else FollowUpStatus.open,
                        "closed_on": min(ref.today, s.due_date) if closed else None,
                        **({"closing_note": "Operator confirmed the fix in writing."} if closed else {})}))
        insert_new(ctx, session, entity("spot_check_visits"), visits, detail="demo data")
        insert_new(ctx, session, entity("vehicle_checks"), checks, detail="demo data")
        insert_new(ctx, session, entity("follow_ups"), follow_ups, detail="demo data")
