"""`htst demo` extension: a panel register, 8 past meetings and about 150 finalised decisions.

The data is synthetic and shaped to exercise the screens: some dissent, stage 1 reviews and stage 2 appeals
(with reviewers who did not sit earlier), two meetings missing the senior SEND member or the Amaze worker,
and review dates that fall due around `ref.today`. Every decision satisfies the finalise rule, and rows are
validated with the same models as forms, then written with Core bulk inserts (DESIGN.md: the ORM is slow).
"""

from __future__ import annotations

import datetime as dt
import random
import uuid
from typing import Any

from sqlalchemy import select

from htst_tui.db.reference import PanelMemberRecord, PupilRecord, SchoolRecord
from htst_tui.domain.eligibility import CaseFacts, Category, statutory_hint
from htst_tui.domain.panel import ApplicationType, AttendanceStatus, AwardType, Outcome, ReviewOutcome
from htst_tui.domain.panel_rules import default_review_date
from htst_tui.domain.reference import PanelRole
from htst_tui.domain.working_days import add_working_days
from htst_tui.entities import entity
from htst_tui.services.bulk import insert_new
from htst_tui.services.context import ServiceContext
from htst_tui.services.demo import FIRST_NAMES, LAST_NAMES
from htst_tui.services.demo_types import DemoReference
from htst_tui.services.records import validate_data

MEETINGS = 8
CASES_PER_MEETING = (17, 21)
NO_SEND_MEETING = 2
NO_AMAZE_MEETING = 5

EXTRA_MEMBERS = [
    (f"{FIRST_NAMES[i]} {LAST_NAMES[-1 - i]}", role)
    for i, role in enumerate([PanelRole.chair, PanelRole.senior_send, PanelRole.amaze_rep, PanelRole.la_officer,
                              PanelRole.la_officer, PanelRole.other, PanelRole.other, PanelRole.other])
]
"""Added only for roles the reference register lacks (the panel needs each role, plus people for reviews)."""

AWARDS_BY_CATEGORY = {
    Category.A: [[AwardType.bus_pass], [AwardType.mileage_allowance]],
    Category.B: [[AwardType.shared_vehicle], [AwardType.shared_vehicle, AwardType.passenger_assistant],
                 [AwardType.solo_vehicle, AwardType.passenger_assistant], [AwardType.personal_travel_budget],
                 [AwardType.group_travel_vpa]],
    Category.C: [[AwardType.bus_pass], [AwardType.shared_vehicle]],
    Category.D: [[AwardType.bus_pass]],
}

NEEDS = ["Autism; distressed by crowds", "Wheelchair user", "Epilepsy; needs an adult trained in rescue medication",
         "Broken leg (temporary)", "Severe anxiety; school refusal risk", "Visual impairment", ""]
DISSENT_VIEWS = ["Shared transport will not meet this child's needs; a solo vehicle should have been offered.",
                 "The walking route has not been assessed with the child's needs in mind.",
                 "The family's circumstances are exceptional and discretion should have been used.",
                 "A personal travel budget would be more cost-effective and suit the family better."]


def _rows(ctx: ServiceContext, name: str, rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Validate each row with the entity's model (ids kept) so demo data is as valid as typed data."""
    ent = entity(name)
    out = []
    for row in rows:
        data = {k: v for k, v in row.items() if k != "id"}
        out.append({"id": row["id"], **validate_data(ent, data)})
    return out


def _new_id() -> str:
    return str(uuid.uuid4())


def add_demo(ctx: ServiceContext, ref: DemoReference, rng: random.Random) -> None:
    with ctx.transaction() as session:
        members = {r.id: (r.name, PanelRole(r.role)) for r in session.execute(
            select(PanelMemberRecord).where(PanelMemberRecord.id.in_(ref.panel_member_ids))).scalars()}
        have_roles = {role for _, role in members.values()}
        extra: list[dict[str, Any]] = []
        for name, role in EXTRA_MEMBERS:
            if role not in have_roles or role == PanelRole.other:
                extra.append({"id": _new_id(), "name": name, "role": role, "organisation": "Fictional Council (DEMO)",
                              "training_date": ref.today - dt.timedelta(days=rng.randint(30, 600)), "active": True})
                have_roles.add(role)
        insert_new(ctx, session, entity("panel_members"), _rows(ctx, "panel_members", extra))
        members.update({m["id"]: (m["name"], m["role"]) for m in extra})
        pupils = _pupils(session, ref, rng)
    by_role: dict[PanelRole, list[str]] = {}
    for mid, (_, role) in members.items():
        by_role.setdefault(role, []).append(mid)
    reviewers = by_role.get(PanelRole.other, [])
    panel_ids = [m for m in members if m not in reviewers]

    meetings, attendance, cases, decisions, dissents, reviews = [], [], [], [], [], []
    for k in range(MEETINGS, 0, -1):
        day = _weekday(ref.today - dt.timedelta(days=28 * k - 3))
        mid = _new_id()
        index = MEETINGS - k
        chair = by_role[PanelRole.chair][0]
        online = index % 3 == 1
        meetings.append({"id": mid, "meeting_date": day, "place": "" if online else "Fictional Town Hall, Room 2",
                         "online": online, "chair_member_id": chair, "status": "closed"})
        present = []
        for member in panel_ids:
            _, role = members[member]
            status = AttendanceStatus.present
            if (role == PanelRole.senior_send and index == NO_SEND_MEETING) or \
                    (role == PanelRole.amaze_rep and index == NO_AMAZE_MEETING):
                status = AttendanceStatus.apologies
            elif role not in (PanelRole.chair, PanelRole.senior_send, PanelRole.amaze_rep) and rng.random() < 0.2:
                status = rng.choice([AttendanceStatus.apologies, AttendanceStatus.absent])
            attendance.append({"id": _new_id(), "meeting_id": mid, "member_id": member, "status": status})
            if status == AttendanceStatus.present:
                present.append(member)
        for seq in range(1, rng.randint(*CASES_PER_MEETING) + 1):
            case, decision = _case(rng, mid, seq, day, pupils)
            cases.append(case)
            decisions.append(decision)
            if rng.random() < 0.1:
                dissenter = rng.choice([m for m in present if m != chair] or present)
                dissents.append({"id": _new_id(), "decision_id": decision["id"], "member_id": dissenter,
                                 "view": rng.choice(DISSENT_VIEWS)})
            if decision["outcome"] == Outcome.not_eligible and rng.random() < 0.35 and reviewers:
                reviews += _reviews(rng, case, reviewers, ref.today)
    with ctx.transaction() as session:
        for name, rows in (("panel_meetings", meetings), ("panel_attendance", attendance), ("panel_cases", cases),
                           ("panel_decisions", decisions), ("panel_dissents", dissents), ("panel_reviews", reviews)):
            insert_new(ctx, session, entity(name), _rows(ctx, name, rows), detail="demo")


def _weekday(day: dt.date) -> dt.date:
    while day.weekday() >= 5:
        day -= dt.timedelta(days=1)
    return day


def _pupils(session: Any, ref: DemoReference, rng: random.Random) -> list[dict[str, Any]]:
    """Up to 200 register pupils with what a case copies from them; entered references when there are none."""
    ids = rng.sample(ref.pupil_ids, min(len(ref.pupil_ids), 200))
    rows = session.execute(select(PupilRecord, SchoolRecord.name).join(
        SchoolRecord, SchoolRecord.id == PupilRecord.school_id).where(PupilRecord.id.in_(ids))).all()
    out = [{"pupil_id": p.id, "pupil_ref": p.la_reference, "date_of_birth": p.date_of_birth, "ehcp": p.ehcp,
            "need_summary": p.needs_summary, "school_name": school} for p, school in rows]
    if not out:
        out = [{"pupil_id": None, "pupil_ref": f"DEMO{i:04d}", "child_name": f"Demo Child {i}",
                "date_of_birth": ref.today.replace(year=ref.today.year - rng.randint(5, 16)) - dt.timedelta(days=i),
                "ehcp": rng.random() < 0.5, "need_summary": rng.choice(NEEDS), "school_name": "Fictional School"}
               for i in range(1, 61)]
    return out


def _case(rng: random.Random, meeting_id: str, seq: int, day: dt.date,
          pupils: list[dict[str, Any]]) -> tuple[dict[str, Any], dict[str, Any]]:
    pupil = rng.choice(pupils)
    kind = rng.choices([ApplicationType.new, ApplicationType.annual_reassessment,
                        ApplicationType.change_of_circumstances, ApplicationType.post_16], [5, 3, 1, 1])[0]
    distance = round(rng.uniform(0.3, 9.0), 1)
    case = {
        "id": _new_id(), "meeting_id": meeting_id, "seq": seq, "pupil_id": pupil["pupil_id"],
        "pupil_ref": pupil["pupil_ref"], "child_name": pupil.get("child_name", ""),
        "school_name": pupil["school_name"], "application_type": kind, "relevant_date": day,
        "date_of_birth": pupil["date_of_birth"], "distance_miles": distance, "nearest_suitable": rng.random() < 0.7,
        "school_rank": rng.randint(1, 5), "need_summary": pupil["need_summary"], "ehcp": pupil["ehcp"],
        "low_income": rng.random() < 0.25, "unsafe_route": rng.random() < 0.08,
        "religion_belief": rng.random() < 0.05,
        "evidence": rng.sample(["Application form", "Walking route measurement", "EHCP section F",
                                "GP letter", "FSM confirmation", "Route safety assessment"], 2),
        "conflicts_asked": True, "conflicts_declared": "", "letter_sent_on": add_working_days(day, 2)}
    hints = statutory_hint(CaseFacts(
        relevant_date=day, date_of_birth=case["date_of_birth"], distance_miles=distance,
        nearest_suitable=case["nearest_suitable"], school_rank=case["school_rank"], need_summary=case["need_summary"],
        ehcp=case["ehcp"], low_income=case["low_income"], unsafe_route=case["unsafe_route"],
        religion_belief=case["religion_belief"]))
    return case, _decision(rng, case, hints, day)


def _decision(rng: random.Random, case: dict[str, Any], hints: list[Any], day: dt.date) -> dict[str, Any]:
    certain = [h.category for h in hints if not h.for_panel]
    panel_b = any(h.for_panel for h in hints)
    d: dict[str, Any] = {"id": _new_id(), "case_id": case["id"], "finalised": True,
                         "finalised_at": dt.datetime.combine(day, dt.time(12, 0), tzinfo=dt.UTC),
                         "finalised_by": "Demo Clerk Fictional", "revision_no": 1,
                         "deliberation_notes": "The panel discussed the walking route, the school place and the "
                                               "evidence from the family.",
                         "factors_weighed": f"Distance {case['distance_miles']} miles against the walking limit; age; "
                                            "nearest suitable school; needs recorded.",
                         "amaze_perspective": rng.choice(["The family support the application.",
                                                          "Parent reports the child cannot manage the bus.", ""])}
    if certain or (panel_b and rng.random() < 0.7):
        category = certain[0] if certain else Category.B
        awards = rng.choice(AWARDS_BY_CATEGORY[category])
        d.update(outcome=Outcome.eligible, statutory_category=category, award_types=awards,
                 effective_date=add_working_days(day, 5),
                 review_date=default_review_date(day, awards, time_limited="temporary" in case["need_summary"],
                                                 pa_months=6, time_limited_months=6),
                 time_limited="temporary" in case["need_summary"],
                 reasons="Your child meets the rules for free travel to school.")
        if AwardType.mileage_allowance in awards:
            d.update(mileage_pence_per_mile=52, journeys_per_day=4)
        if AwardType.personal_travel_budget in awards:
            d.update(ptb_amount_gbp=rng.choice([1800, 2400, 3200]))
        if case["application_type"] == ApplicationType.post_16 and rng.random() < 0.7:
            d.update(post16_contribution_gbp=547)
        elif case["application_type"] == ApplicationType.post_16:
            d.update(post16_exemption="Low income")
    elif rng.random() < 0.1:
        d.update(outcome=Outcome.deferred, deferred_what="A letter from the child's consultant.",
                 deferred_by=add_working_days(day, 20), reasons="We need more information before we can decide.")
    else:
        d.update(outcome=Outcome.not_eligible,
                 reasons="The school is within walking distance and no other rule for free travel applies.")
    return d


def _reviews(rng: random.Random, case: dict[str, Any], reviewers: list[str], today: dt.date) -> list[dict[str, Any]]:
    """A stage 1 review by someone who did not sit on the panel; sometimes a stage 2 by yet another person."""
    received = add_working_days(case["letter_sent_on"], rng.randint(3, 15))
    responded = add_working_days(received, rng.randint(10, 19))
    senior, *others = reviewers
    stage1 = {"id": _new_id(), "case_id": case["id"], "stage": 1, "requested_by": "Parent (demo)",
              "grounds": "The family say the walking route is not safe.", "request_received": received,
              "reviewer_member_ids": [senior]}
    if responded > today:
        return [stage1]
    outcome = rng.choice([ReviewOutcome.upheld, ReviewOutcome.upheld, ReviewOutcome.varied])
    stage1.update(letter_sent_on=responded, outcome=outcome, reasons="The senior officer checked the route again.")
    rows = [stage1]
    if outcome == ReviewOutcome.upheld and others and rng.random() < 0.5:
        requested = add_working_days(responded, rng.randint(5, 15))
        if requested <= today:
            hearing = add_working_days(requested, rng.randint(20, 35))
            stage2: dict[str, Any] = {"id": _new_id(), "case_id": case["id"], "stage": 2,
                                      "requested_by": "Parent (demo)", "grounds": "Distance measurement disputed.",
                                      "request_received": requested, "reviewer_member_ids": others}
            if hearing <= today:
                stage2.update(hearing_date=hearing, letter_sent_on=add_working_days(hearing, 3),
                              outcome=rng.choice(list(ReviewOutcome)[:3]),
                              reasons="The appeal panel heard from the parent and officers.")
            rows.append(stage2)
    return rows
