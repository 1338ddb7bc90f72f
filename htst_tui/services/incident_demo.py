"""`htst demo` extension: about 250 synthetic incidents over three school terms and 15 route returns.

The mix is meant to look like a real log so lists, filters, the dashboard and the committee summary have
something to show: mostly Minor lateness and behaviour, a handful of Critical incidents, older incidents
closed, recent ones open, a few written reports overdue, and route returns clustered before September
(Brighton 2019: 14 routes handed back in three weeks, many without 30 days' notice).
"""

from __future__ import annotations

import datetime as dt
import random
from typing import Any

from htst_tui.domain.follow_ups import FollowUpSource
from htst_tui.domain.incidents import (
    IncidentCategory,
    IncidentStatus,
    NotificationKind,
    ReporterKind,
    Severity,
    default_severity,
    prompted_notifications,
)
from htst_tui.domain.route_returns import RouteReturnStatus, notice_days
from htst_tui.entities import entity
from htst_tui.services.bulk import insert_new
from htst_tui.services.context import ServiceContext
from htst_tui.services.demo_types import DemoReference
from htst_tui.services.incidents import deadline_for
from htst_tui.services.records import validate_data

INCIDENTS = 250
ROUTE_RETURNS = 15
TERM_DAYS = 280
"""Three school terms back from today, summer holiday skipped."""

C = IncidentCategory
CATEGORY_WEIGHTS: dict[IncidentCategory, int] = {
    C.late_or_missed_pickup: 34, C.behaviour: 18, C.complaint: 10, C.breakdown: 8, C.no_authorised_adult: 6,
    C.medical_event: 5, C.injury: 4, C.other: 4, C.physical_intervention: 3, C.road_traffic_accident: 2,
    C.safeguarding: 2, C.child_left_on_vehicle: 1,
}

DESCRIPTIONS: dict[IncidentCategory, list[str]] = {
    C.late_or_missed_pickup: ["Vehicle arrived 35 minutes late for the morning run.",
                              "Afternoon pick-up missed; school waited 15 minutes then called the office.",
                              "Driver did not wait the 5 minutes at the home address."],
    C.behaviour: ["Pupil repeatedly unbuckled seat belt; PA stopped the vehicle safely.",
                  "Shouting and kicking seats during the journey home."],
    C.complaint: ["Parent complained that the driver was on the phone.", "School complained of repeated lateness."],
    C.breakdown: ["Minibus broke down with children on board; replacement sent.", "Flat tyre on the way to school."],
    C.no_authorised_adult: ["No authorised adult at the drop-off; pupil returned to school.",
                            "Handover attempted to a neighbour not on the list."],
    C.medical_event: ["Pupil had a seizure; epilepsy protocol followed and ambulance called.",
                      "Pupil became unwell; parent collected from the roadside."],
    C.injury: ["Pupil trapped fingers in the sliding door.", "Pupil fell on the vehicle steps."],
    C.other: ["Wheelchair clamp found broken at the start of the run.", "Vehicle not as on the contract."],
    C.physical_intervention: ["PA used a guiding hold to stop a pupil leaving the moving vehicle."],
    C.road_traffic_accident: ["Low-speed collision at a roundabout; no injuries reported.",
                              "Vehicle hit from behind at traffic lights."],
    C.safeguarding: ["Concern about a driver's comments to a pupil raised by a parent.",
                     "PA reported a disclosure made by a pupil during the journey."],
    C.child_left_on_vehicle: ["Pupil found asleep on the vehicle at the depot after the morning run."],
}

ACTIONS = ["Office called the school and parent.", "Replacement vehicle sent.", "Operator asked for a report.",
           "Crew reminded of the procedure.", "Route supervisor informed."]
OUTCOMES = ["Operator warned in writing.", "Crew retrained on the handover procedure.", "No further action.",
            "Apology sent to the family.", "Contract default recorded.", "Referred to Licensing."]
REPORTERS = ["Fictional Reporter", "Pat Example", "Sam Placeholder", "Alex Notreal", "Jo Madeup"]


def _school_day(today: dt.date, rng: random.Random) -> dt.date:
    while True:
        day = today - dt.timedelta(days=rng.randrange(TERM_DAYS))
        if day.weekday() < 5 and day.month != 8 and not (day.month == 12 and day.day > 20) and \
                not (day.month == 1 and day.day < 4):
            return day


def _when(day: dt.date, rng: random.Random) -> dt.datetime:
    start = dt.time(7, 30) if rng.random() < 0.55 else dt.time(15, 0)
    moment = dt.datetime.combine(day, start) + dt.timedelta(minutes=rng.randrange(90))
    return moment.astimezone()


def _incident(ctx: ServiceContext, ref: DemoReference, rng: random.Random, by_route: dict[str, list[str]],
              now: dt.datetime) -> dict[str, Any]:
    category = rng.choices(list(CATEGORY_WEIGHTS), weights=list(CATEGORY_WEIGHTS.values()))[0]
    severity, reason = default_severity(category), None
    if category == C.behaviour and rng.random() < 0.1:
        severity, reason = Severity.significant, "Repeated incidents on this route; crew at risk."
    elif category in (C.road_traffic_accident, C.injury) and rng.random() < 0.15:
        severity, reason = Severity.critical, "Child taken to hospital."
    occurred = _when(_school_day(ref.today, rng), rng)
    reported = occurred + dt.timedelta(minutes=rng.randrange(5, 240))
    route = rng.choice(ref.route_ids)
    pupils = rng.sample(by_route.get(route, []), k=min(len(by_route.get(route, [])), rng.choice([0, 1, 1, 1, 2])))
    deadline = deadline_for(ctx.settings.incidents, occurred, severity)
    age_days = (now - occurred).days
    kinds = {NotificationKind.school} | set(prompted_notifications(category, severity))
    if pupils and rng.random() < 0.7:
        kinds.add(NotificationKind.parent)
    if category == C.road_traffic_accident:
        kinds.add(NotificationKind.police)
    if category in (C.safeguarding, C.other) and rng.random() < 0.5:
        kinds.add(NotificationKind.licensing)
    notes = [{"kind": k.value, "at": reported + dt.timedelta(minutes=rng.randrange(5, 120))} for k in sorted(kinds)]
    late_report = rng.random() < (0.25 if age_days < 30 else 0.04)
    written = None if late_report else min(deadline - dt.timedelta(hours=rng.randrange(1, 20)), now)
    if written is not None and written < reported:
        written = reported
    status, outcome, closed_at = IncidentStatus.open, None, None
    if age_days > 30 and not late_report and rng.random() < 0.92:
        status, outcome = IncidentStatus.closed, rng.choice(OUTCOMES)
        closed_at = min(occurred + dt.timedelta(days=rng.randrange(2, 28)), now)
    elif age_days > 5 and rng.random() < 0.5:
        status = IncidentStatus.investigating
    return {
        "occurred_at": occurred, "reported_at": reported,
        "reported_by_kind": rng.choice(list(ReporterKind)).value, "reported_by_name": rng.choice(REPORTERS),
        "route_id": route, "operator_id": ref.route_operator.get(route), "school_id": ref.route_school.get(route),
        "pupil_ids": pupils, "pupil_count": len(pupils) + (1 if rng.random() < 0.1 else 0),
        "category": category.value, "severity": severity.value, "severity_reason": reason,
        "description": rng.choice(DESCRIPTIONS[category]), "immediate_action": rng.choice(ACTIONS),
        "notifications": notes, "report_deadline": deadline, "written_report_at": written,
        "status": status.value, "outcome": outcome, "closed_at": closed_at,
    }


def _route_return(ref: DemoReference, rng: random.Random, i: int) -> dict[str, Any]:
    route = ref.route_ids[i % len(ref.route_ids)]
    operator = ref.route_operator.get(route) or rng.choice(ref.operator_ids)
    if i < 9:  # the pre-September cluster
        year = ref.today.year if ref.today >= dt.date(ref.today.year, 9, 3) else ref.today.year - 1
        effective = dt.date(year, 9, 1) + dt.timedelta(days=rng.randrange(0, 3))
        received = dt.date(year, 8, 14) + dt.timedelta(days=rng.randrange(0, 14)) if i < 6 else \
            effective - dt.timedelta(days=rng.randrange(30, 60))
    else:  # mid-year, some still to happen
        effective = ref.today + dt.timedelta(days=rng.randrange(-60, 40))
        received = effective - dt.timedelta(days=rng.choice([10, 21, 30, 35, 45]))
    others = [o for o in ref.operator_ids if o != operator]
    reallocated = bool(effective <= ref.today and others and (i < 9 or rng.random() < 0.5))
    status = RouteReturnStatus.reallocated if reallocated else RouteReturnStatus.open
    if i == 8:
        status, reallocated = RouteReturnStatus.closed, False
    return {
        "route_id": route, "operator_id": operator, "notice_received": received, "effective_date": effective,
        "notice_days": notice_days(received, effective), "children_affected": rng.randrange(1, 9),
        "reason": rng.choice(["Driver shortage.", "Contract price no longer viable.", "Vehicle off the road.",
                              "Operator ceasing trading.", "Operator withdrew to take other work."]),
        "reallocated_to_operator_id": rng.choice(others) if reallocated else None,
        "reallocated_on": min(effective - dt.timedelta(days=rng.randrange(0, 4)), ref.today) if reallocated else None,
        "status": status.value,
    }


def _follow_ups(incident_rows: list[dict[str, Any]], ids: list[str], ref: DemoReference,
                rng: random.Random) -> list[dict[str, Any]]:
    out = []
    for rid, row in zip(ids, incident_rows, strict=True):
        if row["severity"] == Severity.minor.value or rng.random() < 0.5:
            continue
        due = row["occurred_at"].date() + dt.timedelta(days=14)
        done = row["status"] == IncidentStatus.closed.value
        code = "referral_LADO_safeguarding" if row["category"] == C.safeguarding.value else rng.choice(
            ["operator_warning", "advice_given", "contract_default", "referral_licensing"])
        follow_up = {"source_kind": FollowUpSource.incident.value, "source_id": rid, "outcome_code": code,
                     "description": "Chase the operator's written report and confirm actions taken.",
                     "owner": "Demo Officer", "due_date": due, "status": "open"}
        if done:
            follow_up.update(status="done", closed_on=min(due, ref.today), closing_note="Done.")
        out.append(follow_up)
    return out


def add_demo(ctx: ServiceContext, ref: DemoReference, rng: random.Random) -> None:
    """Add the incidents, route returns and their follow-ups to a demo database (one transaction)."""
    if not ref.route_ids:
        return
    by_route: dict[str, list[str]] = {}
    for pupil, route in ref.pupil_route.items():
        if route:
            by_route.setdefault(route, []).append(pupil)
    now = dt.datetime.combine(ref.today, dt.time(12, 0)).astimezone()
    incidents_ent, returns_ent, follow_ent = entity("incidents"), entity("route_returns"), entity("follow_ups")
    incidents = [validate_data(incidents_ent, _incident(ctx, ref, rng, by_route, now)) for _ in range(INCIDENTS)]
    returns = [validate_data(returns_ent, _route_return(ref, rng, i)) for i in range(ROUTE_RETURNS)]
    with ctx.transaction() as session:
        ids = insert_new(ctx, session, incidents_ent, incidents, detail="demo")
        insert_new(ctx, session, returns_ent, returns, detail="demo")
        follow = [validate_data(follow_ent, f) for f in _follow_ups(incidents, ids, ref, rng)]
        insert_new(ctx, session, follow_ent, follow, detail="demo")
