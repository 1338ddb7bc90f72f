"""Spot checks at school sites: visits, vehicle checks saved answer by answer, follow-ups, compliance.

Autosave is the design, not a feature: every answer, badge number, registration and note is its own small
transaction on the synced vehicle check (status `in_progress` until finished), so closing the lid or killing
the app mid-vehicle loses nothing, and reopening resumes the unfinished visit and vehicle.

Privacy by design: the route's children (first names and needs summaries) are read for the screen and never
written anywhere; free-text notes that name one of the children concerned are refused.
"""

from __future__ import annotations

import datetime as dt
import re
import typing
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import String, and_, case, cast, func, or_, select
from sqlalchemy.orm import Session
from sqlalchemy.sql.elements import ColumnElement

from htst_tui.db.base import utcnow
from htst_tui.db.follow_ups import FollowUpRecord
from htst_tui.db.reference import CrewMemberRecord, OperatorRecord, PupilRecord, RouteRecord, SchoolRecord
from htst_tui.db.spot_checks import SpotCheckVisitRecord, VehicleCheckRecord
from htst_tui.domain import spot_checks as sc
from htst_tui.domain.follow_ups import FollowUpSource, FollowUpStatus, OutcomeCode
from htst_tui.entities import entity
from htst_tui.errors import NotFound, ValidationFailed
from htst_tui.services.context import ServiceContext
from htst_tui.services.dashboard_types import SECTION_LIMIT, DueItem, more_line
from htst_tui.services.records import (
    Page,
    Records,
    check_integrity,
    new_row,
    row_data,
    stamp_local_write,
    validate_data,
)

RESUME_HOURS = 12
"""An unfinished visit started this long ago or less reopens by itself; older ones wait in the list."""

FOLLOW_UP_SCREENS = {FollowUpSource.vehicle_check: "spot_checks", FollowUpSource.incident: "incidents",
                     FollowUpSource.route_return: "route_returns"}

OUTCOME_CODE_LABELS: dict[OutcomeCode, str] = {
    OutcomeCode.advice_given: "Advice given",
    OutcomeCode.operator_warning: "Operator warning",
    OutcomeCode.contract_default: "Contract default",
    OutcomeCode.referral_licensing: "Referral to Licensing",
    OutcomeCode.referral_LADO_safeguarding: "LADO / safeguarding referral",
    OutcomeCode.crew_stood_down: "Crew stood down",
    OutcomeCode.other: "Other",
}


# ---------------------------------------------------------------------------------------------------- views


@dataclass(frozen=True)
class SchoolChoice:
    id: str
    name: str
    postcode: str


@dataclass(frozen=True)
class ExpectedRoute:
    id: str
    code: str
    vehicle_type: str
    operator_id: str
    operator_name: str
    roster: tuple[sc.RosterEntry, ...]
    last_registration: str | None
    last_plate: str | None


@dataclass(frozen=True)
class ChildLine:
    """Shown to test the crew's knowledge; read-only and never stored."""

    first_name: str
    needs_summary: str


@dataclass(frozen=True)
class VisitView:
    id: str
    school_id: str
    school_name: str
    started_at: dt.datetime
    officers: str
    licensing_attended: bool
    notes: str | None
    finished_at: dt.datetime | None


@dataclass(frozen=True)
class CheckView:
    id: str
    visit_id: str
    route_id: str
    route_code: str
    operator_id: str
    operator_name: str
    roster: tuple[sc.RosterEntry, ...]
    check: sc.VehicleCheck
    items: sc.Checklist

    @property
    def crew_answers(self) -> list[dict[str, sc.Answer]]:
        return [c.answers for c in self.check.crew]

    @property
    def live_outcome(self) -> sc.Outcome:
        return sc.compute_outcome(self.crew_answers, self.check.vehicle_answers)

    @property
    def missing(self) -> list[str]:
        return sc.missing_items(self.items, self.crew_answers, self.check.vehicle_answers)

    def roster_entry(self, crew_id: str | None) -> sc.RosterEntry | None:
        return next((r for r in self.roster if r.crew_id == crew_id), None)


@dataclass(frozen=True)
class CheckSummary:
    id: str
    checked_at: dt.datetime
    route_code: str
    operator_name: str
    registration: str | None
    status: str
    outcome: str | None


@dataclass(frozen=True)
class FollowUpView:
    id: str
    source_kind: str
    source_id: str
    outcome_code: str
    description: str
    owner: str
    due_date: dt.date
    status: str
    overdue: bool


@dataclass(frozen=True)
class FinishResult:
    check: CheckView
    follow_ups: list[FollowUpView]


@dataclass(frozen=True)
class OperatorCompliance:
    operator_id: str
    operator_name: str
    figures: sc.OperatorFigures


@dataclass(frozen=True)
class ComplianceReport:
    start: dt.date
    end: dt.date
    operators: list[OperatorCompliance]
    items: dict[str, sc.Rate]
    item_codes: tuple[str, ...]


# ---------------------------------------------------------------------------------------------------- helpers


def items_for(ctx: ServiceContext) -> sc.Checklist:
    return sc.checklist(ctx.settings.spot_checks.extra_items)


def _day_start(day: dt.date) -> dt.datetime:
    return dt.datetime.combine(day, dt.time.min, tzinfo=dt.UTC)


def _child_names(session: Session, *, route_id: str | None = None, school_id: str | None = None) -> set[str]:
    cond: list[ColumnElement[bool]] = [PupilRecord.deleted.is_(False)]
    if route_id:
        cond.append(PupilRecord.route_id == route_id)
    if school_id:
        cond.append(PupilRecord.school_id == school_id)
    names: set[str] = set()
    for first, last in session.execute(select(PupilRecord.first_name, PupilRecord.last_name).where(*cond)):
        names.update(n for n in (first, last) if n and len(n) > 1)
    return names


def _refuse_child_names(text: str | None, names: Iterable[str], field: str) -> None:
    """Privacy by design: a note may say how the crew did, but may not name a child (domain.md §4.3)."""
    if not text:
        return
    for name in sorted(names):
        if re.search(rf"(?<!\w){re.escape(name)}(?!\w)", text, flags=re.IGNORECASE):
            raise ValidationFailed({field: f"names a child on this route ({name!r}); spot-check records hold no "
                                           "child names — describe by seat or need instead"})


def _roster(session: Session, route_id: str) -> tuple[sc.RosterEntry, ...]:
    rows = session.execute(
        select(CrewMemberRecord.id, CrewMemberRecord.name, CrewMemberRecord.role, CrewMemberRecord.badge_number)
        .where(CrewMemberRecord.route_id == route_id, CrewMemberRecord.deleted.is_(False))
        .order_by(CrewMemberRecord.role != "driver", CrewMemberRecord.name)
    )
    return tuple(sc.RosterEntry(r.id, r.name, r.role, r.badge_number) for r in rows)


def _visit_view(session: Session, row: SpotCheckVisitRecord) -> VisitView:
    school = session.get(SchoolRecord, row.school_id)
    return VisitView(row.id, row.school_id, school.name if school else "(unknown school)", row.started_at,
                     row.officers, row.licensing_attended, row.notes, row.finished_at)


def _check_view(ctx: ServiceContext, session: Session, row: VehicleCheckRecord) -> CheckView:
    route = session.get(RouteRecord, row.route_id)
    operator = session.get(OperatorRecord, row.operator_id)
    check = sc.VehicleCheck.model_validate(row_data(entity("vehicle_checks"), row))
    return CheckView(row.id, row.visit_id, row.route_id, route.code if route else "?", row.operator_id,
                     operator.name if operator else "?", _roster(session, row.route_id), check, items_for(ctx))


def _live(session: Session, orm: Any, record_id: str, label: str) -> Any:
    row = session.get(orm, record_id)
    if row is None or row.deleted:
        raise NotFound(f"No {label} with id {record_id} (it may have been deleted).")
    return row


def _write(ctx: ServiceContext, session: Session, name: str, row: Any, data: dict[str, Any], action: str) -> None:
    """Validate `data` as the entity's model and store it on `row` with a new local revision."""
    ent = entity(name)
    clean = validate_data(ent, data)
    errors = check_integrity(session, ent, clean, row.id)
    if errors:
        raise ValidationFailed(errors, entity=name)
    before = row_data(ent, row) if row.rev else {}
    changed = [f for f in ent.data_fields if before.get(f) != clean.get(f)]
    if row.rev and not changed:
        return
    for f in ent.data_fields:
        setattr(row, f, clean[f])
    stamp_local_write(ctx, session, ent, row, clean, deleted=False, action=action, fields=changed)


def _no_blanks(data: dict[str, Any]) -> dict[str, Any]:
    """Models read a blank string as "missing"; a stored "" default goes back in as its default."""
    return {k: v for k, v in data.items() if v != ""}


# ---------------------------------------------------------------------------------------------------- visits


def search_schools(ctx: ServiceContext, text: str, limit: int = 9) -> list[SchoolChoice]:
    """Schools whose name (or postcode) contains `text`, names starting with it first."""
    term = text.strip()
    if not term:
        return []
    with ctx.read() as session:
        rows = session.execute(
            select(SchoolRecord.id, SchoolRecord.name, SchoolRecord.postcode)
            .where(SchoolRecord.deleted.is_(False),
                   or_(SchoolRecord.name.ilike(f"%{term}%"), SchoolRecord.postcode.ilike(f"%{term}%")))
            .order_by(~SchoolRecord.name.ilike(f"{term}%"), SchoolRecord.name).limit(limit))
        return [SchoolChoice(r.id, r.name, r.postcode) for r in rows]


def start_visit(ctx: ServiceContext, school_id: str, officers: str, licensing_attended: bool = False, *,
                started_at: dt.datetime | None = None, notes: str | None = None) -> VisitView:
    data = {"school_id": school_id, "started_at": started_at or utcnow(), "officers": officers,
            "licensing_attended": licensing_attended, "notes": notes}
    with ctx.transaction() as session:
        _refuse_child_names(notes, _child_names(session, school_id=school_id), "notes")
        row = typing.cast(SpotCheckVisitRecord, new_row(ctx, entity("spot_check_visits")))
        _write(ctx, session, "spot_check_visits", row, data, "create")
        session.add(row)
        session.flush()
        return _visit_view(session, row)


def get_visit(ctx: ServiceContext, visit_id: str) -> VisitView:
    with ctx.read() as session:
        return _visit_view(session, _live(session, SpotCheckVisitRecord, visit_id, "spot-check visit"))


def _update_visit(ctx: ServiceContext, visit_id: str, change: Callable[[dict[str, Any]], None]) -> VisitView:
    with ctx.transaction() as session:
        row = _live(session, SpotCheckVisitRecord, visit_id, "spot-check visit")
        data = row_data(entity("spot_check_visits"), row)
        change(data)
        _refuse_child_names(data.get("notes"), _child_names(session, school_id=row.school_id), "notes")
        _write(ctx, session, "spot_check_visits", row, data, "update")
        return _visit_view(session, row)


def set_visit_notes(ctx: ServiceContext, visit_id: str, notes: str | None) -> VisitView:
    return _update_visit(ctx, visit_id, lambda d: d.update(notes=notes))


def finish_visit(ctx: ServiceContext, visit_id: str) -> VisitView:
    with ctx.read() as session:
        open_checks = session.execute(select(func.count()).where(
            VehicleCheckRecord.visit_id == visit_id, VehicleCheckRecord.deleted.is_(False),
            VehicleCheckRecord.status == sc.CheckStatus.in_progress)).scalar_one()
    if open_checks:
        raise ValidationFailed({"vehicles": f"{open_checks} vehicle check(s) not finished yet"})
    return _update_visit(ctx, visit_id, lambda d: d.update(finished_at=utcnow()))


def resume_point(ctx: ServiceContext, now: dt.datetime | None = None) -> tuple[VisitView, str | None] | None:
    """This device's unfinished visit from the last few hours, and its unfinished vehicle check if any."""
    since = (now or utcnow()) - dt.timedelta(hours=RESUME_HOURS)
    with ctx.read() as session:
        row = session.execute(
            select(SpotCheckVisitRecord)
            .where(SpotCheckVisitRecord.deleted.is_(False), SpotCheckVisitRecord.finished_at.is_(None),
                   SpotCheckVisitRecord.origin_device == ctx.device_id, SpotCheckVisitRecord.started_at >= since)
            .order_by(SpotCheckVisitRecord.started_at.desc()).limit(1)).scalar_one_or_none()
        if row is None:
            return None
        check_id = session.execute(
            select(VehicleCheckRecord.id)
            .where(VehicleCheckRecord.visit_id == row.id, VehicleCheckRecord.deleted.is_(False),
                   VehicleCheckRecord.status == sc.CheckStatus.in_progress)
            .order_by(VehicleCheckRecord.checked_at.desc()).limit(1)).scalar_one_or_none()
        return _visit_view(session, row), check_id


def list_visits(ctx: ServiceContext, search: str, offset: int, limit: int) -> Page:
    """One page of visits, newest first, for the visits list (search: school name or officers)."""
    vehicles = (select(VehicleCheckRecord.visit_id, func.count().label("n"))
                .where(VehicleCheckRecord.deleted.is_(False)).group_by(VehicleCheckRecord.visit_id).subquery())
    cond: list[ColumnElement[bool]] = [SpotCheckVisitRecord.deleted.is_(False)]
    if search.strip():
        like = f"%{search.strip()}%"
        cond.append(or_(SchoolRecord.name.ilike(like), SpotCheckVisitRecord.officers.ilike(like)))
    base = (select(SpotCheckVisitRecord.id, SpotCheckVisitRecord.started_at, SchoolRecord.name.label("school"),
                   SpotCheckVisitRecord.officers, SpotCheckVisitRecord.licensing_attended,
                   SpotCheckVisitRecord.finished_at, func.coalesce(vehicles.c.n, 0).label("vehicles"))
            .join(SchoolRecord, SchoolRecord.id == SpotCheckVisitRecord.school_id)
            .outerjoin(vehicles, vehicles.c.visit_id == SpotCheckVisitRecord.id).where(*cond))
    with ctx.read() as session:
        total = session.execute(select(func.count()).select_from(base.subquery())).scalar_one()
        result = session.execute(base.order_by(SpotCheckVisitRecord.started_at.desc()).offset(offset).limit(limit))
        rows = [{**r._mapping, "state": "finished" if r.finished_at else "open"} for r in result]
    return Page(rows=rows, total=total, offset=offset, limit=limit)


# ---------------------------------------------------------------------------------------------------- routes


def expected_routes(ctx: ServiceContext, school_id: str) -> list[ExpectedRoute]:
    """Routes serving the school (its id in the route's school_ids), with operator, roster and the vehicle
    last seen on the route (so a regular vehicle's registration need not be typed again)."""
    with ctx.read() as session:
        rows = session.execute(
            select(RouteRecord.id, RouteRecord.code, RouteRecord.vehicle_type, RouteRecord.operator_id,
                   OperatorRecord.name)
            .join(OperatorRecord, OperatorRecord.id == RouteRecord.operator_id)
            .where(RouteRecord.deleted.is_(False), cast(RouteRecord.school_ids, String).like(f'%"{school_id}"%'))
            .order_by(RouteRecord.code)).all()
        ids = [r.id for r in rows]
        last: dict[str, tuple[str | None, str | None]] = {}
        seen = session.execute(
            select(VehicleCheckRecord.route_id, VehicleCheckRecord.vehicle_registration,
                   VehicleCheckRecord.plate_number)
            .where(VehicleCheckRecord.route_id.in_(ids), VehicleCheckRecord.deleted.is_(False),
                   VehicleCheckRecord.vehicle_registration.is_not(None))
            .order_by(VehicleCheckRecord.checked_at))
        for route_id, registration, plate in seen:
            last[route_id] = (registration, plate)
        return [ExpectedRoute(r.id, r.code, r.vehicle_type, r.operator_id, r.name, _roster(session, r.id),
                              *last.get(r.id, (None, None))) for r in rows]


def route_children(ctx: ServiceContext, route_id: str) -> list[ChildLine]:
    """First names and needs summaries of the route's children, to test the crew. Read-only; never stored."""
    with ctx.read() as session:
        rows = session.execute(
            select(PupilRecord.first_name, PupilRecord.needs_summary)
            .where(PupilRecord.route_id == route_id, PupilRecord.deleted.is_(False))
            .order_by(PupilRecord.first_name))
        return [ChildLine(first, needs or "") for first, needs in rows]


# ---------------------------------------------------------------------------------------------------- checks


def start_vehicle_check(ctx: ServiceContext, visit_id: str, route_id: str) -> CheckView:
    """Create the check the moment the route is picked: from here on every answer is saved at once."""
    with ctx.transaction() as session:
        _live(session, SpotCheckVisitRecord, visit_id, "spot-check visit")
        route = _live(session, RouteRecord, route_id, "route")
        roster = _roster(session, route_id)
        crew = [{"role": r.role, "roster_crew_id": r.crew_id, "answers": {}} for r in roster] or [
            {"role": "driver", "answers": {}}]
        last = session.execute(
            select(VehicleCheckRecord.vehicle_registration, VehicleCheckRecord.plate_number)
            .where(VehicleCheckRecord.route_id == route_id, VehicleCheckRecord.deleted.is_(False),
                   VehicleCheckRecord.vehicle_registration.is_not(None))
            .order_by(VehicleCheckRecord.checked_at.desc()).limit(1)).first()
        data = {"visit_id": visit_id, "route_id": route_id, "operator_id": route.operator_id,
                "checked_at": utcnow(), "vehicle_registration": last[0] if last else None,
                "plate_number": last[1] if last else None, "crew": crew, "vehicle_answers": {},
                "status": sc.CheckStatus.in_progress, "computed_outcome": sc.Outcome.compliant}
        row = typing.cast(VehicleCheckRecord, new_row(ctx, entity("vehicle_checks")))
        _write(ctx, session, "vehicle_checks", row, data, "create")
        session.add(row)
        session.flush()
        return _check_view(ctx, session, row)


def get_check(ctx: ServiceContext, check_id: str) -> CheckView:
    with ctx.read() as session:
        return _check_view(ctx, session, _live(session, VehicleCheckRecord, check_id, "vehicle check"))


def visit_checks(ctx: ServiceContext, visit_id: str) -> list[CheckSummary]:
    """The vehicles checked in one visit (a visit holds a handful, so no paging)."""
    with ctx.read() as session:
        rows = session.execute(
            select(VehicleCheckRecord.id, VehicleCheckRecord.checked_at, RouteRecord.code, OperatorRecord.name,
                   VehicleCheckRecord.vehicle_registration, VehicleCheckRecord.status,
                   VehicleCheckRecord.final_outcome, VehicleCheckRecord.computed_outcome)
            .join(RouteRecord, RouteRecord.id == VehicleCheckRecord.route_id)
            .join(OperatorRecord, OperatorRecord.id == VehicleCheckRecord.operator_id)
            .where(VehicleCheckRecord.visit_id == visit_id, VehicleCheckRecord.deleted.is_(False))
            .order_by(VehicleCheckRecord.checked_at))
        return [CheckSummary(r.id, r.checked_at, r.code, r.name, r.vehicle_registration, r.status,
                             r.final_outcome or r.computed_outcome) for r in rows]


def _update_check(ctx: ServiceContext, check_id: str, change: Callable[[dict[str, Any], CheckView], None]) -> CheckView:
    """Read, change and save one vehicle check in one transaction, recomputing its outcome."""
    with ctx.transaction() as session:
        row = _live(session, VehicleCheckRecord, check_id, "vehicle check")
        view = _check_view(ctx, session, row)
        data = row_data(entity("vehicle_checks"), row)
        data["crew"] = [dict(c, answers=dict(c.get("answers") or {})) for c in data["crew"]]
        data["vehicle_answers"] = dict(data["vehicle_answers"] or {})
        change(data, view)
        computed = sc.compute_outcome([c["answers"] for c in data["crew"]], data["vehicle_answers"])
        data["computed_outcome"] = computed
        if data["status"] == sc.CheckStatus.complete and not data.get("override_reason"):
            data["final_outcome"] = computed
        _refuse_child_names(data.get("child_knowledge_note"), _child_names(session, route_id=row.route_id),
                            "child_knowledge_note")
        _write(ctx, session, "vehicle_checks", row, data, "update")
        return _check_view(ctx, session, row)


def set_answer(ctx: ServiceContext, check_id: str, slot: int | None, item: str,
               answer: sc.Answer | None) -> CheckView:
    """Save one answer at once. `slot` is the crew member's index, None for a vehicle item; None clears."""
    def change(data: dict[str, Any], view: CheckView) -> None:
        scope = "vehicle" if slot is None else "crew"
        known = view.items.vehicle_items if slot is None else view.items.crew_items
        if item not in {i.code for i in known}:
            raise ValidationFailed({item: f"is not a {scope} item of this checklist"})
        if slot is not None and not 0 <= slot < len(data["crew"]):
            raise ValidationFailed({"crew": f"there is no crew member {slot + 1}"})
        target = data["vehicle_answers"] if slot is None else data["crew"][slot]["answers"]
        if answer is None:
            target.pop(item, None)
        else:
            target[item] = sc.Answer(answer)

    return _update_check(ctx, check_id, change)


def set_badge_typed(ctx: ServiceContext, check_id: str, slot: int, typed: str | None) -> CheckView:
    """Store the badge number read off a card; it answers "badge matches roster" (pass/fail) by itself."""
    def change(data: dict[str, Any], view: CheckView) -> None:
        member = data["crew"][slot]
        member["badge_number_typed"] = typed or None
        match = sc.match_badge(typed, view.roster)
        if match.answer is None:
            member["answers"].pop("badge_matches_roster", None)
        else:
            member["answers"]["badge_matches_roster"] = match.answer
            if match.crew_id:
                member["roster_crew_id"] = match.crew_id

    return _update_check(ctx, check_id, change)


def set_vehicle_details(ctx: ServiceContext, check_id: str, *, registration: str | None,
                        plate: str | None) -> CheckView:
    def change(data: dict[str, Any], view: CheckView) -> None:
        data["vehicle_registration"] = "".join((registration or "").split()) or None
        data["plate_number"] = (plate or "").strip() or None

    return _update_check(ctx, check_id, change)


def set_child_knowledge_note(ctx: ServiceContext, check_id: str, note: str | None) -> CheckView:
    return _update_check(ctx, check_id, lambda d, v: d.update(child_knowledge_note=(note or "").strip() or None))


def override_outcome(ctx: ServiceContext, check_id: str, outcome: sc.Outcome, reason: str | None) -> CheckView:
    """Set the final outcome by hand; a change from the computed outcome needs a reason."""
    def change(data: dict[str, Any], view: CheckView) -> None:
        computed = sc.compute_outcome([c["answers"] for c in data["crew"]], data["vehicle_answers"])
        if outcome == computed:
            data.update(final_outcome=computed if data["status"] == sc.CheckStatus.complete else None,
                        override_reason=None)
            return
        if not (reason or "").strip():
            raise ValidationFailed({"override_reason": "is required to change the computed outcome"})
        data.update(final_outcome=outcome, override_reason=reason.strip() if reason else None)

    return _update_check(ctx, check_id, change)


def finish_check(ctx: ServiceContext, check_id: str, today: dt.date | None = None) -> FinishResult:
    """Mark the check complete and raise its suggested follow-ups (once: finishing again adds none)."""
    def change(data: dict[str, Any], view: CheckView) -> None:
        missing = sc.missing_items(view.items, [c["answers"] for c in data["crew"]], data["vehicle_answers"])
        if missing:
            raise ValidationFailed({"checklist": f"not answered yet: {', '.join(missing)}"})
        data["status"] = sc.CheckStatus.complete

    view = _update_check(ctx, check_id, change)
    existing = follow_ups_for(ctx, check_id)
    created: list[FollowUpView] = []
    if not existing:
        final = view.check.final_outcome or view.live_outcome
        suggestions = sc.suggest_follow_ups(
            final, sc.failed_items(view.crew_answers, view.check.vehicle_answers),
            sc.not_seen_items(view.crew_answers, view.check.vehicle_answers), today or dt.date.today(),
            ctx.settings.spot_checks.follow_up_days)
        for s in suggestions:
            created.append(create_follow_up(ctx, FollowUpSource.vehicle_check, check_id, s.outcome_code,
                                            f"{view.route_code} ({view.operator_name}): {s.description}",
                                            ctx.officer, s.due_date))
    return FinishResult(view, created)


# ---------------------------------------------------------------------------------------------------- follow-ups


def _follow_up_view(row: Any, today: dt.date) -> FollowUpView:
    return FollowUpView(row.id, row.source_kind, row.source_id, row.outcome_code, row.description, row.owner,
                        row.due_date, row.status, row.status == FollowUpStatus.open and row.due_date < today)


def create_follow_up(ctx: ServiceContext, source_kind: FollowUpSource, source_id: str, outcome_code: OutcomeCode,
                     description: str, owner: str, due_date: dt.date) -> FollowUpView:
    if source_kind == FollowUpSource.vehicle_check:
        with ctx.read() as session:
            check = _live(session, VehicleCheckRecord, source_id, "vehicle check")
            _refuse_child_names(description, _child_names(session, route_id=check.route_id), "description")
    view = Records(ctx, "follow_ups").create({
        "source_kind": source_kind, "source_id": source_id, "outcome_code": outcome_code,
        "description": description, "owner": owner, "due_date": due_date})
    with ctx.read() as session:
        return _follow_up_view(session.get(FollowUpRecord, view.id), dt.date.today())


def close_follow_up(ctx: ServiceContext, follow_up_id: str, *, status: FollowUpStatus = FollowUpStatus.done,
                    note: str = "", today: dt.date | None = None) -> FollowUpView:
    records = Records(ctx, "follow_ups")
    current = records.get(follow_up_id)
    data = _no_blanks({**current.data, "status": status, "closed_on": today or dt.date.today(), "closing_note": note})
    records.update(follow_up_id, data, expected_rev=current.rev)
    with ctx.read() as session:
        return _follow_up_view(session.get(FollowUpRecord, follow_up_id), today or dt.date.today())


def follow_ups_for(ctx: ServiceContext, source_id: str, today: dt.date | None = None) -> list[FollowUpView]:
    with ctx.read() as session:
        rows = session.execute(select(FollowUpRecord).where(
            FollowUpRecord.source_id == source_id, FollowUpRecord.deleted.is_(False))
            .order_by(FollowUpRecord.due_date, FollowUpRecord.id)).scalars()
        return [_follow_up_view(r, today or dt.date.today()) for r in rows]


def _open_follow_up_filter() -> list[ColumnElement[bool]]:
    return [FollowUpRecord.deleted.is_(False), FollowUpRecord.status == FollowUpStatus.open]


URGENT_OUTCOMES = (OutcomeCode.referral_LADO_safeguarding, OutcomeCode.crew_stood_down)
"""Follow-ups Home marks urgent whatever their due date: a safeguarding referral, a crew member stood down."""


def open_follow_ups(ctx: ServiceContext, today: dt.date, *, source_kind: FollowUpSource | None = None,
                    overdue_only: bool = False, limit: int = 500, urgent_first: bool = False) -> list[FollowUpView]:
    """Open follow-ups, soonest due first (overdue ones first of all). `urgent_first`: Home's order — overdue,
    then urgent ones however far off, then by date — so a cut list never drops a LADO referral below routine
    ones that happen to be due sooner."""
    cond = _open_follow_up_filter()
    if source_kind:
        cond.append(FollowUpRecord.source_kind == source_kind)
    if overdue_only:
        cond.append(FollowUpRecord.due_date < today)
    order: list[Any] = [FollowUpRecord.due_date, FollowUpRecord.id]
    if urgent_first:
        order.insert(0, case((FollowUpRecord.due_date < today, 0),
                             (FollowUpRecord.outcome_code.in_([c.value for c in URGENT_OUTCOMES]), 1), else_=2))
    with ctx.read() as session:
        rows = session.execute(select(FollowUpRecord).where(*cond).order_by(*order).limit(limit)).scalars()
        return [_follow_up_view(r, today) for r in rows]


def due_items(ctx: ServiceContext, today: dt.date) -> list[DueItem]:
    """Home dashboard: open follow-ups of any source (spot checks, incidents, route returns), the SECTION_LIMIT
    first in Home's order (overdue, urgent, soonest due), then how many more."""
    out = []
    shown = open_follow_ups(ctx, today, limit=SECTION_LIMIT, urgent_first=True)
    for f in shown:
        label = OUTCOME_CODE_LABELS.get(OutcomeCode(f.outcome_code), f.outcome_code)
        title = f"{label}: {f.description}"
        out.append(DueItem(section="Follow-ups", title=title if len(title) <= 100 else title[:99] + "…",
                           due=f.due_date, overdue=f.overdue,
                           screen=FOLLOW_UP_SCREENS.get(FollowUpSource(f.source_kind), ""), record_id=f.id,
                           urgent=f.outcome_code in URGENT_OUTCOMES))
    if len(shown) == SECTION_LIMIT:
        with ctx.read() as session:
            total = session.execute(select(func.count()).where(*_open_follow_up_filter())).scalar_one()
        out += more_line("Follow-ups", total - len(shown), "open follow-ups", "spot_checks")
    return out


# ---------------------------------------------------------------------------------------------------- compliance


def compliance(ctx: ServiceContext, start: dt.date, end: dt.date) -> ComplianceReport:
    """Pass rate per operator and per check item over finished checks made from `start` to `end` inclusive."""
    if end < start:
        raise ValidationFailed({"period": "the end date is before the start date"})
    with ctx.read() as session:
        rows = session.execute(
            select(VehicleCheckRecord.operator_id, VehicleCheckRecord.final_outcome, VehicleCheckRecord.crew,
                   VehicleCheckRecord.vehicle_answers)
            .where(VehicleCheckRecord.deleted.is_(False), VehicleCheckRecord.status == sc.CheckStatus.complete,
                   and_(VehicleCheckRecord.checked_at >= _day_start(start),
                        VehicleCheckRecord.checked_at < _day_start(end + dt.timedelta(days=1))))).all()
        names = dict(session.execute(select(OperatorRecord.id, OperatorRecord.name)).all())
    facts = [sc.CheckFacts(op, sc.Outcome(outcome),
                           sc.all_answers([{k: sc.Answer(v) for k, v in (c.get("answers") or {}).items()}
                                           for c in crew], {k: sc.Answer(v) for k, v in vehicle.items()}))
             for op, outcome, crew, vehicle in rows]
    per_operator, overall = sc.compliance_figures(facts)
    operators = sorted((OperatorCompliance(f.operator_id, names.get(f.operator_id, "?"), f) for f in per_operator),
                       key=lambda o: o.operator_name)
    items = items_for(ctx)
    codes = tuple(i.code for i in (*items.crew_items, *items.vehicle_items))
    codes += tuple(c for c in overall if c not in codes)
    return ComplianceReport(start, end, operators, overall, codes)
