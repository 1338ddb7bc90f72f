"""Transport Panel use cases: run a meeting, record and finalise decisions, minutes, letters, reviews, appeals.

No Textual here, so the TUI and tests share one path. Every write goes through `_save` (validation with the
entity's model, integrity checks, `stamp_local_write` for revision + audit) inside one transaction per use
case. A finalised decision is locked: the only way to change it is `reopen_decision` with a reason, which makes
a new audited revision (domain.md §2.3: the record must show how the panel arrived at its decision).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import ColumnElement, String, and_, cast, exists, func, or_, select
from sqlalchemy.orm import Session, aliased

from htst_tui.db.base import SyncMixin, utcnow
from htst_tui.db.panel import (
    PanelAttendanceRecord,
    PanelCaseRecord,
    PanelDecisionRecord,
    PanelDissentRecord,
    PanelMeetingRecord,
    PanelReviewRecord,
)
from htst_tui.db.reference import PanelMemberRecord, PupilRecord, SchoolRecord
from htst_tui.domain.eligibility import (
    CATEGORY_LABELS,
    CaseFacts,
    Category,
    Hint,
    age_on,
    hint_notes,
    statutory_hint,
)
from htst_tui.domain.panel import (
    APPLICATION_LABELS,
    AWARD_LABELS,
    OUTCOME_LABELS,
    REVIEW_OUTCOME_LABELS,
    STAGE_OF_APPLICATION,
    ApplicationType,
    AttendanceStatus,
    AwardType,
    MeetingStatus,
    Outcome,
    PanelDecision,
    ReviewOutcome,
)
from htst_tui.domain.panel_rules import (
    AttendanceCheck,
    Attendee,
    FinaliseInput,
    check_attendance,
    conflict_sentences,
    default_review_date,
    finalise_gaps,
    stage_conflicts,
    training_current,
)
from htst_tui.domain.reference import PANEL_ROLE_LABELS, PanelRole
from htst_tui.domain.working_days import Periods
from htst_tui.entities import entity
from htst_tui.errors import HtstError, NotFound, RecordLocked, ValidationFailed
from htst_tui.paths import data_directory, ensure_private_dir
from htst_tui.services.context import ServiceContext
from htst_tui.services.dashboard_types import SECTION_LIMIT, DueItem, more_line
from htst_tui.services.documents import (
    Bullets,
    Document,
    DocumentPaths,
    Fields,
    Heading,
    Para,
    Table,
    write_document,
)
from htst_tui.services.records import Page, row_data, save_in_session
from htst_tui.settings import Settings


class FinaliseRefused(HtstError):
    """A decision cannot be locked yet; `missing` lists each missing item as a sentence."""

    title = "The decision cannot be finalised yet"

    def __init__(self, missing: list[str]) -> None:
        self.missing = missing
        super().__init__("Still needed:\n" + "\n".join(f"• {m}" for m in missing))


class StageConflict(HtstError):
    title = "A member sat at an earlier stage"


REVIEWS_SECTION = "Reviews and appeals"
AWARD_REVIEWS_SECTION = "Award reviews"
REVIEW_HORIZON_DAYS = 30
"""Award reviews show on Home this many days before they fall due."""


def periods(settings: Settings) -> Periods:
    p = settings.panel
    return Periods(stage1_request=p.review_working_days, stage1_response=p.review_working_days,
                   stage2_request=p.review_working_days, stage2_hearing=p.appeal_hearing_working_days,
                   stage2_letter=p.appeal_letter_working_days)


def output_folder() -> Path:
    """Where minutes and letters go unless the caller says otherwise (0700, inside the app's data folder)."""
    return ensure_private_dir(data_directory() / "panel")


def long_date(day: dt.date) -> str:
    """Dates in letters read as people say them: "Wednesday 21 January 2026"."""
    return f"{day:%A} {day.day} {day:%B %Y}"


# --- the one write path -------------------------------------------------------------------------------------

def _save(ctx: ServiceContext, session: Session, name: str, data: dict[str, Any], record_id: str | None = None,
          *, action: str | None = None, detail: str = "") -> SyncMixin:
    """Validate `data` (the record's full content) and create or update the row, stamped and audited."""
    return save_in_session(ctx, session, entity(name), data, record_id, action=action, detail=detail)


def _get(session: Session, orm: type[SyncMixin], record_id: str, label: str) -> Any:
    row = session.get(orm, record_id)
    if row is None or row.deleted:
        raise NotFound(f"No {label.lower()} with id {record_id} (it may have been deleted).")
    return row


def _data(name: str, row: SyncMixin) -> dict[str, Any]:
    return row_data(entity(name), row)


# --- meetings and attendance --------------------------------------------------------------------------------

@dataclass(frozen=True)
class MemberLine:
    member_id: str
    attendance_id: str
    name: str
    role: PanelRole
    organisation: str
    training_date: dt.date | None
    status: AttendanceStatus

    @property
    def role_label(self) -> str:
        return PANEL_ROLE_LABELS[self.role]

    def attendee(self) -> Attendee:
        return Attendee(self.name, self.role, self.status, self.training_date)


@dataclass(frozen=True)
class CaseLine:
    id: str
    seq: int
    pupil_label: str
    application_type: ApplicationType
    outcome: Outcome | None
    finalised: bool


@dataclass(frozen=True)
class MeetingView:
    id: str
    meeting_date: dt.date
    place: str
    online: bool
    status: MeetingStatus
    chair_name: str
    members: list[MemberLine]
    check: AttendanceCheck
    cases: list[CaseLine]

    @property
    def where(self) -> str:
        if self.online and self.place:
            return f"{self.place} (online)"
        return "Online" if self.online else self.place

    @property
    def present(self) -> list[MemberLine]:
        return [m for m in self.members if m.status == AttendanceStatus.present]


def list_meetings(ctx: ServiceContext, search: str = "", offset: int = 0, limit: int = 50) -> Page:
    """One page of meetings, newest first, with their case counts (for the PagedTable)."""
    m = PanelMeetingRecord
    cases = (select(PanelCaseRecord.meeting_id, func.count().label("n")).where(PanelCaseRecord.deleted.is_(False))
             .group_by(PanelCaseRecord.meeting_id).subquery())
    cond: list[ColumnElement[bool]] = [m.deleted.is_(False)]
    term = search.strip()
    if term:
        like = f"%{term}%"
        cond.append(or_(m.place.ilike(like), m.status.ilike(like), cast(m.meeting_date, String).ilike(like)))
    with ctx.read() as session:
        total = session.execute(select(func.count()).select_from(m).where(*cond)).scalar_one()
        rows = session.execute(
            select(m.id, m.meeting_date, m.place, m.online, m.status, func.coalesce(cases.c.n, 0).label("cases"))
            .outerjoin(cases, cases.c.meeting_id == m.id).where(*cond)
            .order_by(m.meeting_date.desc(), m.id).offset(offset).limit(limit)).all()
    out = [{"id": r.id, "meeting_date": r.meeting_date, "where": "Online" if r.online and not r.place else r.place,
            "status": r.status, "cases": r.cases} for r in rows]
    return Page(rows=out, total=total, offset=offset, limit=limit)


def active_members(ctx: ServiceContext) -> list[dict[str, Any]]:
    with ctx.read() as session:
        rows = session.execute(select(PanelMemberRecord).where(PanelMemberRecord.deleted.is_(False),
                                                               PanelMemberRecord.active.is_(True))
                               .order_by(PanelMemberRecord.name)).scalars()
        return [{"id": r.id, "name": r.name, "role": PanelRole(r.role)} for r in rows]


def start_meeting(ctx: ServiceContext, meeting_date: dt.date, *, place: str = "", online: bool = False,
                  chair_member_id: str | None = None) -> str:
    """Create the meeting with one attendance line per active member (the chair marked present)."""
    with ctx.transaction() as session:
        meeting = _save(ctx, session, "panel_meetings", {
            "meeting_date": meeting_date, "place": place, "online": online, "chair_member_id": chair_member_id,
            "status": MeetingStatus.open})
        members = session.execute(select(PanelMemberRecord.id).where(
            PanelMemberRecord.deleted.is_(False), PanelMemberRecord.active.is_(True))).scalars().all()
        for mid in members:
            status = AttendanceStatus.present if mid == chair_member_id else AttendanceStatus.absent
            _save(ctx, session, "panel_attendance", {"meeting_id": meeting.id, "member_id": mid, "status": status})
        return meeting.id


def set_attendance(ctx: ServiceContext, meeting_id: str, member_id: str, status: AttendanceStatus) -> None:
    with ctx.transaction() as session:
        row = session.execute(select(PanelAttendanceRecord).where(
            PanelAttendanceRecord.meeting_id == meeting_id, PanelAttendanceRecord.member_id == member_id,
            PanelAttendanceRecord.deleted.is_(False))).scalar_one_or_none()
        data = {"meeting_id": meeting_id, "member_id": member_id, "status": status}
        _save(ctx, session, "panel_attendance", data, row.id if row else None)


def close_meeting(ctx: ServiceContext, meeting_id: str) -> None:
    with ctx.transaction() as session:
        row = _get(session, PanelMeetingRecord, meeting_id, "panel meeting")
        _save(ctx, session, "panel_meetings", {**_data("panel_meetings", row), "status": MeetingStatus.closed},
              meeting_id, action="close")


def _members(session: Session, meeting_id: str) -> list[MemberLine]:
    rows = session.execute(
        select(PanelAttendanceRecord, PanelMemberRecord)
        .join(PanelMemberRecord, PanelMemberRecord.id == PanelAttendanceRecord.member_id)
        .where(PanelAttendanceRecord.meeting_id == meeting_id, PanelAttendanceRecord.deleted.is_(False))
        .order_by(PanelMemberRecord.name)).all()
    return [MemberLine(member_id=m.id, attendance_id=a.id, name=m.name, role=PanelRole(m.role),
                       organisation=m.organisation, training_date=m.training_date,
                       status=AttendanceStatus(a.status)) for a, m in rows]


def _pupil_labels(session: Session, cases: Sequence[PanelCaseRecord]) -> dict[str, str]:
    ids = [c.pupil_id for c in cases if c.pupil_id]
    refs = dict(session.execute(select(PupilRecord.id, PupilRecord.la_reference)
                                .where(PupilRecord.id.in_(ids))).all()) if ids else {}
    return {c.id: (refs.get(c.pupil_id, "") if c.pupil_id else "") or c.pupil_ref for c in cases}


def meeting_view(ctx: ServiceContext, meeting_id: str) -> MeetingView:
    with ctx.read() as session:
        m = _get(session, PanelMeetingRecord, meeting_id, "panel meeting")
        members = _members(session, meeting_id)
        chair = session.get(PanelMemberRecord, m.chair_member_id) if m.chair_member_id else None
        cases = session.execute(select(PanelCaseRecord).where(
            PanelCaseRecord.meeting_id == meeting_id, PanelCaseRecord.deleted.is_(False))
            .order_by(PanelCaseRecord.seq, PanelCaseRecord.id)).scalars().all()
        decisions = {d.case_id: d for d in session.execute(select(PanelDecisionRecord).where(
            PanelDecisionRecord.case_id.in_([c.id for c in cases]), PanelDecisionRecord.deleted.is_(False)))
            .scalars()}
        labels = _pupil_labels(session, cases)
        lines = []
        for c in cases:
            d = decisions.get(c.id)
            lines.append(CaseLine(id=c.id, seq=c.seq, pupil_label=labels[c.id],
                                  application_type=ApplicationType(c.application_type),
                                  outcome=Outcome(d.outcome) if d and d.outcome else None,
                                  finalised=bool(d and d.finalised)))
        check = check_attendance([x.attendee() for x in members], m.meeting_date,
                                 ctx.settings.panel.training_valid_months)
        return MeetingView(id=m.id, meeting_date=m.meeting_date, place=m.place, online=m.online,
                           status=MeetingStatus(m.status), chair_name=chair.name if chair else "", members=members,
                           check=check, cases=lines)


# --- cases --------------------------------------------------------------------------------------------------

CASE_FACT_FIELDS = ("pupil_id", "pupil_ref", "child_name", "school_name", "application_type", "review_of_case_id",
                    "relevant_date", "date_of_birth", "distance_miles", "road_distance_miles", "nearest_suitable",
                    "school_rank", "need_summary", "ehcp", "low_income", "unsafe_route", "religion_belief",
                    "evidence", "conflicts_asked", "conflicts_declared")
"""What the case form edits; `letter_sent_on` is administrative and set by `write_letter`."""


def add_case(ctx: ServiceContext, meeting_id: str, data: dict[str, Any]) -> str:
    """Add a case at the end of the agenda; a register pupil fills date of birth, EHCP and need summary."""
    with ctx.transaction() as session:
        meeting = _get(session, PanelMeetingRecord, meeting_id, "panel meeting")
        last = session.execute(select(func.max(PanelCaseRecord.seq)).where(
            PanelCaseRecord.meeting_id == meeting_id, PanelCaseRecord.deleted.is_(False))).scalar()
        full: dict[str, Any] = {"relevant_date": meeting.meeting_date, **data, "meeting_id": meeting_id,
                                "seq": (last or 0) + 1}
        pupil_id = full.get("pupil_id")
        if pupil_id:
            pupil = _get(session, PupilRecord, pupil_id, "pupil")
            full.setdefault("pupil_ref", pupil.la_reference)
            full.setdefault("date_of_birth", pupil.date_of_birth)
            full.setdefault("ehcp", pupil.ehcp)
            full.setdefault("need_summary", pupil.needs_summary)
            school = session.get(SchoolRecord, pupil.school_id)
            if school is not None:
                full.setdefault("school_name", school.name)
        return _save(ctx, session, "panel_cases", full).id


def _decision_row(session: Session, case_id: str) -> PanelDecisionRecord | None:
    return session.execute(select(PanelDecisionRecord).where(
        PanelDecisionRecord.case_id == case_id, PanelDecisionRecord.deleted.is_(False))
        .order_by(PanelDecisionRecord.updated_at)).scalars().first()


def _refuse_if_locked(decision: PanelDecisionRecord | None) -> None:
    if decision is not None and decision.finalised:
        raise RecordLocked("This decision is finalised and locked. Reopen it with a reason (ctrl+o) to change it; "
                           "the change is kept as a new, audited revision.")


def update_case(ctx: ServiceContext, case_id: str, changes: dict[str, Any]) -> None:
    """Change the case's facts (refused once its decision is finalised: the facts are the decision's basis)."""
    unknown = set(changes) - set(CASE_FACT_FIELDS)
    if unknown:
        raise ValidationFailed({f: "is not a case fact" for f in sorted(unknown)}, entity="panel_cases")
    with ctx.transaction() as session:
        row = _get(session, PanelCaseRecord, case_id, "panel case")
        _refuse_if_locked(_decision_row(session, case_id))
        _save(ctx, session, "panel_cases", {**_data("panel_cases", row), **changes}, case_id)


def case_ids(ctx: ServiceContext, meeting_id: str) -> list[str]:
    """The agenda in order (next/previous case)."""
    with ctx.read() as session:
        return list(session.execute(select(PanelCaseRecord.id).where(
            PanelCaseRecord.meeting_id == meeting_id, PanelCaseRecord.deleted.is_(False))
            .order_by(PanelCaseRecord.seq, PanelCaseRecord.id)).scalars())


def facts_from(data: dict[str, Any]) -> CaseFacts:
    """The hint's input from a case's fields (stored or typed)."""
    return CaseFacts(relevant_date=data["relevant_date"], date_of_birth=data.get("date_of_birth"),
                     distance_miles=data.get("distance_miles"), road_distance_miles=data.get("road_distance_miles"),
                     nearest_suitable=bool(data.get("nearest_suitable")), school_rank=data.get("school_rank"),
                     need_summary=data.get("need_summary") or "", ehcp=bool(data.get("ehcp")),
                     low_income=bool(data.get("low_income")), unsafe_route=bool(data.get("unsafe_route")),
                     religion_belief=bool(data.get("religion_belief")))


@dataclass(frozen=True)
class DissentLine:
    id: str
    member_id: str
    name: str
    role: PanelRole
    view: str


@dataclass(frozen=True)
class CaseView:
    id: str
    meeting_id: str
    meeting_date: dt.date
    pupil_label: str
    child_first_name: str
    data: dict[str, Any]
    decision_id: str | None
    decision: dict[str, Any] | None
    dissents: list[DissentLine]
    hints: list[Hint]
    notes: list[str]
    stage_conflicts: list[str]

    @property
    def finalised(self) -> bool:
        return bool(self.decision and self.decision["finalised"])


def _dissents(session: Session, decision_id: str | None) -> list[DissentLine]:
    if decision_id is None:
        return []
    rows = session.execute(select(PanelDissentRecord, PanelMemberRecord)
                           .join(PanelMemberRecord, PanelMemberRecord.id == PanelDissentRecord.member_id)
                           .where(PanelDissentRecord.decision_id == decision_id,
                                  PanelDissentRecord.deleted.is_(False))
                           .order_by(PanelDissentRecord.local_seq)).all()
    return [DissentLine(d.id, m.id, m.name, PanelRole(m.role), d.view) for d, m in rows]


def _present_ids(session: Session, meeting_id: str) -> set[str]:
    return set(session.execute(select(PanelAttendanceRecord.member_id).where(
        PanelAttendanceRecord.meeting_id == meeting_id, PanelAttendanceRecord.deleted.is_(False),
        PanelAttendanceRecord.status == AttendanceStatus.present)).scalars())


def _stage_history(session: Session, original_case_id: str, *, exclude_case: str | None = None,
                   exclude_review: str | None = None) -> list[tuple[int, set[str]]]:
    """Who sat at each stage of one case: the original panel (0), stage 1/2 panel hearings and review records."""
    original = session.get(PanelCaseRecord, original_case_id)
    history: list[tuple[int, set[str]]] = []
    if original is not None:
        history.append((0, _present_ids(session, original.meeting_id)))
    hearings = session.execute(select(PanelCaseRecord).where(
        PanelCaseRecord.review_of_case_id == original_case_id, PanelCaseRecord.deleted.is_(False))).scalars()
    for h in hearings:
        if h.id != exclude_case:
            history.append((STAGE_OF_APPLICATION.get(ApplicationType(h.application_type), 0),
                            _present_ids(session, h.meeting_id)))
    reviews = session.execute(select(PanelReviewRecord).where(
        PanelReviewRecord.case_id == original_case_id, PanelReviewRecord.deleted.is_(False))).scalars()
    for r in reviews:
        if r.id != exclude_review:
            history.append((r.stage, set(r.reviewer_member_ids)))
    return history


def _member_names(session: Session, ids: Iterable[str]) -> dict[str, str]:
    ids = list(ids)
    if not ids:
        return {}
    return dict(session.execute(select(PanelMemberRecord.id, PanelMemberRecord.name)
                                .where(PanelMemberRecord.id.in_(ids))).all())


def _case_conflicts(session: Session, case: PanelCaseRecord) -> list[str]:
    stage = STAGE_OF_APPLICATION.get(ApplicationType(case.application_type), 0)
    if stage == 0 or not case.review_of_case_id:
        return []
    present = _present_ids(session, case.meeting_id)
    found = stage_conflicts(_stage_history(session, case.review_of_case_id, exclude_case=case.id), stage, present)
    return conflict_sentences(found, _member_names(session, found), stage)


def _child_first_name(session: Session, case: PanelCaseRecord) -> str:
    if case.pupil_id:
        pupil = session.get(PupilRecord, case.pupil_id)
        if pupil is not None:
            return pupil.first_name
    return case.child_name.split()[0] if case.child_name.strip() else ""


def case_view(ctx: ServiceContext, case_id: str) -> CaseView:
    with ctx.read() as session:
        c = _get(session, PanelCaseRecord, case_id, "panel case")
        meeting = _get(session, PanelMeetingRecord, c.meeting_id, "panel meeting")
        data = _data("panel_cases", c)
        d = _decision_row(session, case_id)
        facts = facts_from(data)
        return CaseView(id=c.id, meeting_id=c.meeting_id, meeting_date=meeting.meeting_date,
                        pupil_label=_pupil_labels(session, [c])[c.id], child_first_name=_child_first_name(session, c),
                        data=data, decision_id=d.id if d else None,
                        decision=_data("panel_decisions", d) if d else None,
                        dissents=_dissents(session, d.id if d else None),
                        hints=statutory_hint(facts), notes=hint_notes(facts),
                        stage_conflicts=_case_conflicts(session, c))


def find_pupil(ctx: ServiceContext, la_reference: str) -> str | None:
    """The register pupil with this LA reference, if any (case entry types a reference, not a name)."""
    ref = la_reference.strip().upper()
    if not ref:
        return None
    with ctx.read() as session:
        return session.execute(select(PupilRecord.id).where(PupilRecord.la_reference == ref,
                                                            PupilRecord.deleted.is_(False)).limit(1)).scalar()


def _lenient(value: Any, kind: type) -> Any:
    """A typed value from what the chair has typed so far, or None while it is incomplete."""
    if value is None or value == "":
        return None
    if isinstance(value, kind):
        return value
    try:
        return dt.date.fromisoformat(value) if kind is dt.date else kind(value)
    except (TypeError, ValueError):
        return None


def live_hint(raw: dict[str, Any], fallback_date: dt.date) -> tuple[list[Hint], list[str]]:
    """The hint for a half-typed form: fields that do not parse yet count as not entered."""
    facts = CaseFacts(
        relevant_date=_lenient(raw.get("relevant_date"), dt.date) or fallback_date,
        date_of_birth=_lenient(raw.get("date_of_birth"), dt.date),
        distance_miles=_lenient(raw.get("distance_miles"), float),
        road_distance_miles=_lenient(raw.get("road_distance_miles"), float),
        nearest_suitable=bool(raw.get("nearest_suitable")), school_rank=_lenient(raw.get("school_rank"), int),
        need_summary=str(raw.get("need_summary") or ""), ehcp=bool(raw.get("ehcp")),
        low_income=bool(raw.get("low_income")), unsafe_route=bool(raw.get("unsafe_route")),
        religion_belief=bool(raw.get("religion_belief")))
    return statutory_hint(facts), hint_notes(facts)


# --- decisions ----------------------------------------------------------------------------------------------

DECISION_FIELDS = tuple(f for f in PanelDecision.model_fields
                        if f not in ("case_id", "finalised", "finalised_at", "finalised_by", "revision_no",
                                     "reopen_reason"))
"""What the case form edits; the lock fields change only through finalise and reopen."""


def suggested_review_date(ctx: ServiceContext, decision_date: dt.date, award_types: Iterable[AwardType | str],
                          time_limited: bool) -> dt.date:
    p = ctx.settings.panel
    return default_review_date(decision_date, [AwardType(a) for a in award_types], time_limited=time_limited,
                               pa_months=p.pa_review_months, time_limited_months=p.time_limited_review_months)


def save_decision(ctx: ServiceContext, case_id: str, changes: dict[str, Any]) -> str:
    """Create or update the case's (unfinalised) decision with `changes`; returns the decision id."""
    unknown = set(changes) - set(DECISION_FIELDS)
    if unknown:
        raise ValidationFailed({f: "cannot be set on the form" for f in sorted(unknown)}, entity="panel_decisions")
    with ctx.transaction() as session:
        _get(session, PanelCaseRecord, case_id, "panel case")
        row = _decision_row(session, case_id)
        _refuse_if_locked(row)
        base = _data("panel_decisions", row) if row else {"case_id": case_id}
        return _save(ctx, session, "panel_decisions", {**base, **changes}, row.id if row else None).id


def finalise_decision(ctx: ServiceContext, case_id: str) -> None:
    """Lock the decision, or raise FinaliseRefused listing everything still missing."""
    with ctx.transaction() as session:
        case = _get(session, PanelCaseRecord, case_id, "panel case")
        row = _decision_row(session, case_id)
        _refuse_if_locked(row)
        decision = PanelDecision.model_validate(_data("panel_decisions", row) if row else {"case_id": case_id})
        present = [m.attendee() for m in _members(session, case.meeting_id) if m.status == AttendanceStatus.present]
        case_data = _data("panel_cases", case)
        missing = finalise_gaps(FinaliseInput(
            decision=decision, present_members=present, conflicts_asked=case.conflicts_asked,
            evidence=case.evidence or [], hints=statutory_hint(facts_from(case_data)),
            post_16=case.application_type == ApplicationType.post_16,
            stage_conflicts=_case_conflicts(session, case)))
        if missing:
            raise FinaliseRefused(missing)
        assert row is not None  # an absent decision always has gaps
        data = {**_data("panel_decisions", row), "finalised": True, "finalised_at": utcnow(),
                "finalised_by": ctx.officer, "revision_no": row.revision_no + 1}
        _save(ctx, session, "panel_decisions", data, row.id, action="finalise",
              detail=f"finalised revision {row.revision_no + 1}")


def reopen_decision(ctx: ServiceContext, case_id: str, reason: str) -> None:
    """Unlock a finalised decision for change; the reason is kept on the record (and the revision in its history)."""
    if not reason.strip():
        raise ValidationFailed({"reason": "say why the finalised decision is being changed"},
                               entity="panel_decisions")
    with ctx.transaction() as session:
        row = _decision_row(session, case_id)
        if row is None or not row.finalised:
            raise HtstError("Only a finalised decision needs reopening; this one can be edited as it is.",
                            title="Nothing to reopen")
        data = {**_data("panel_decisions", row), "finalised": False, "reopen_reason": reason.strip()}
        _save(ctx, session, "panel_decisions", data, row.id, action="reopen",
              detail=f"reopened after revision {row.revision_no}")


def add_dissent(ctx: ServiceContext, case_id: str, member_id: str, view: str) -> str:
    """Record a present member's disagreement with the decision, in their words (co-production agreement)."""
    with ctx.transaction() as session:
        case = _get(session, PanelCaseRecord, case_id, "panel case")
        if member_id not in _present_ids(session, case.meeting_id):
            raise ValidationFailed({"member_id": "only a member present at the meeting can record dissent"},
                                   entity="panel_dissents")
        row = _decision_row(session, case_id)
        _refuse_if_locked(row)
        decision_id = row.id if row else _save(ctx, session, "panel_decisions", {"case_id": case_id}).id
        return _save(ctx, session, "panel_dissents", {"decision_id": decision_id, "member_id": member_id,
                                                      "view": view}).id


def decision_history(ctx: ServiceContext, case_id: str) -> list[dict[str, Any]]:
    """The audit trail of a case's decision (who finalised, reopened, changed which fields, when)."""
    from htst_tui.db.local import AuditEntry

    with ctx.read() as session:
        row = _decision_row(session, case_id)
        if row is None:
            return []
        entries = session.execute(select(AuditEntry).where(AuditEntry.entity == "panel_decisions",
                                                           AuditEntry.record_id == row.id)
                                  .order_by(AuditEntry.seq)).scalars()
        return [{"at": e.at, "officer": e.officer, "action": e.action, "fields": list(e.fields),
                 "detail": e.detail} for e in entries]


# --- plain-language pieces shared by minutes and letters ----------------------------------------------------

def _yes(value: Any) -> str:
    return "yes" if value else "no"


def _miles(value: float | None) -> str:
    return "" if value is None else f"{value:g} miles"


def award_text(d: dict[str, Any]) -> str:
    parts = []
    for a in d.get("award_types") or []:
        label = AWARD_LABELS[AwardType(a)]
        if a == AwardType.mileage_allowance and d.get("mileage_pence_per_mile"):
            label += f" at {d['mileage_pence_per_mile']}p a mile for {d.get('journeys_per_day') or '?'} journeys a day"
        if a == AwardType.personal_travel_budget and d.get("ptb_amount_gbp") is not None:
            label += f" of £{d['ptb_amount_gbp']:,} a year"
        parts.append(label)
    return "; ".join(parts)


def basis_text(d: dict[str, Any]) -> str:
    if d.get("statutory_category"):
        return f"Statutory category {CATEGORY_LABELS[Category(d['statutory_category'])]}"
    if d.get("discretionary_reason"):
        return f"Discretionary: {d['discretionary_reason']}"
    return ""


def _facts_fields(view: CaseView) -> Fields:
    c = view.data
    age = age_on(c["date_of_birth"], c["relevant_date"]) if c.get("date_of_birth") else None
    return Fields([
        ("Application", APPLICATION_LABELS[ApplicationType(c["application_type"])]),
        ("School", c.get("school_name") or ""),
        ("Age on the relevant date", f"{age} on {c['relevant_date'].isoformat()}" if age is not None else
         "date of birth not recorded"),
        ("Walking-route distance", _miles(c.get("distance_miles"))),
        ("Road distance", _miles(c.get("road_distance_miles"))),
        ("Nearest suitable school", _yes(c.get("nearest_suitable"))),
        ("Rank among nearest suitable schools", str(c["school_rank"]) if c.get("school_rank") else ""),
        ("SEN, disability or mobility need", c.get("need_summary") or "none recorded"),
        ("EHCP", _yes(c.get("ehcp"))),
        ("Low income (FSM or maximum WTC)", _yes(c.get("low_income"))),
        ("Unsafe route assessed", _yes(c.get("unsafe_route"))),
        ("Nearest school preferred on religion or belief", _yes(c.get("religion_belief"))),
        ("Evidence considered", "; ".join(c.get("evidence") or []) or "none listed"),
        ("Conflicts of interest asked", _yes(c.get("conflicts_asked"))),
        ("Conflicts of interest declared", c.get("conflicts_declared") or "none"),
    ])


def _decision_fields(d: dict[str, Any]) -> Fields:
    return Fields([
        ("Outcome", OUTCOME_LABELS[Outcome(d["outcome"])] if d.get("outcome") else "not decided"),
        ("Basis", basis_text(d)),
        ("Departure from the statutory hint", d.get("departure_reason") or ""),
        ("Award", award_text(d)),
        ("Award details", d.get("award_details") or ""),
        ("Conditions", d.get("conditions") or ""),
        ("Effective date", d["effective_date"].isoformat() if d.get("effective_date") else ""),
        ("Time-limited or temporary medical", "yes" if d.get("time_limited") else ""),
        ("Post-16 contribution", f"£{d['post16_contribution_gbp']:,} a year"
         if d.get("post16_contribution_gbp") is not None else ""),
        ("Post-16 exemption", d.get("post16_exemption") or ""),
        ("Review date", d["review_date"].isoformat() if d.get("review_date") else ""),
        ("Deferred: needed", d.get("deferred_what") or ""),
        ("Deferred: by", d["deferred_by"].isoformat() if d.get("deferred_by") else ""),
        ("Other departments or agencies consulted", d.get("consulted") or ""),
    ])


# --- minutes ------------------------------------------------------------------------------------------------

def minutes_document(ctx: ServiceContext, meeting_id: str) -> Document:
    meeting = meeting_view(ctx, meeting_id)
    doc = Document(f"Transport Panel minutes: {long_date(meeting.meeting_date)}")
    doc.add(Fields([("Date", meeting.meeting_date.isoformat()), ("Where", meeting.where),
                    ("Chair", meeting.chair_name or "not recorded"), ("Cases heard", str(len(meeting.cases)))]))
    doc.add(Heading("Attendance"))
    months = ctx.settings.panel.training_valid_months
    doc.add(Table(["Name", "Role", "Organisation", "Attendance", "Law training"], [
        [m.name, m.role_label, m.organisation, m.status.value,
         (m.training_date.isoformat() + ("" if training_current(m.training_date, meeting.meeting_date, months)
                                         else " (out of date)")) if m.training_date else "none recorded"]
        for m in meeting.members]))
    doc.add(Heading("Composition and training gaps", 3))
    doc.add(Bullets(meeting.check.gaps) if meeting.check.gaps else
            Para("None: a senior SEND team member and the Amaze parent-carer worker were present and every present "
                 "member's training was current."))
    for line in meeting.cases:
        view = case_view(ctx, line.id)
        doc.add(Heading(f"Case {line.seq}: {line.pupil_label} ({APPLICATION_LABELS[line.application_type]})"))
        doc.add(Heading("Facts", 3), _facts_fields(view))
        doc.add(Heading("Statutory basis hint", 3))
        doc.add(Bullets([f"{h.label}: {h.reason}" for h in view.hints]) if view.hints else
                Para("The facts recorded meet none of the statutory categories A–D."))
        if view.stage_conflicts:
            doc.add(Heading("Stage conflicts", 3), Bullets(view.stage_conflicts))
        d = view.decision or {}
        doc.add(Heading("Decision", 3), _decision_fields(d))
        doc.add(Heading("Deliberation", 3), Fields([
            ("Deliberation notes", d.get("deliberation_notes") or "not recorded"),
            ("Factors weighed", d.get("factors_weighed") or "not recorded"),
            ("Reasons (plain language)", d.get("reasons") or "not recorded"),
            ("Amaze / parental perspective", d.get("amaze_perspective") or "not recorded"),
        ]))
        doc.add(Heading("Dissent", 3))
        doc.add(Bullets([f"{x.name} ({PANEL_ROLE_LABELS[x.role]}) disagreed: {x.view}" for x in view.dissents])
                if view.dissents else Para("No member recorded dissent."))
        if view.finalised:
            at = d["finalised_at"].astimezone().strftime("%Y-%m-%d %H:%M") if d.get("finalised_at") else ""
            status = f"Finalised by {d['finalised_by']} at {at} (revision {d['revision_no']})."
            if d.get("reopen_reason"):
                status += f" Previously reopened because: {d['reopen_reason']}"
        else:
            status = "NOT FINALISED: this decision is still a draft."
        doc.add(Para(status, strong=True))
    return doc


def write_minutes(ctx: ServiceContext, meeting_id: str, folder: Path | None = None) -> DocumentPaths:
    doc = minutes_document(ctx, meeting_id)
    meeting = meeting_view(ctx, meeting_id)
    stem = f"minutes-{meeting.meeting_date.isoformat()}-{meeting_id[:8]}"
    return write_document(doc, folder or output_folder(), stem)


# --- decision letters ---------------------------------------------------------------------------------------

def _letter_escalation(view: CaseView, letter_date: dt.date, p: Periods) -> list[Heading | Para | Bullets]:
    stage = STAGE_OF_APPLICATION.get(ApplicationType(view.data["application_type"]), 0)
    if stage == 0:
        due = p.stage1_request_due(letter_date)
        return [Heading("6. If you disagree: how to ask for a review"),
                Para(f"You can ask us to look at this decision again (a Stage 1 review). Your request must reach us "
                     f"by {long_date(due)}. That is {p.stage1_request} working days from the date of this letter."),
                Bullets(["Tell us in writing why you disagree, and send anything you would like us to consider.",
                         "A senior officer who was not involved in this decision will review it.",
                         f"They will write to you within {p.stage1_response} working days of receiving your "
                         "request, explaining what they decided and why.",
                         "If you are still unhappy after that, you can ask for a Stage 2 appeal to an independent "
                         "panel, and after that you can complain to the Local Government and Social Care Ombudsman.",
                         "While a review is under way, this decision stays in place."])]
    if stage == 1:
        due = p.stage2_request_due(letter_date)
        return [Heading("6. If you disagree: how to appeal"),
                Para(f"You can ask for a Stage 2 appeal to an independent appeal panel. Your request must reach us by "
                     f"{long_date(due)}, {p.stage2_request} working days from the date of this letter."),
                Bullets(["The panel will meet within "
                         f"{p.stage2_hearing} working days of your request and will hear from you and from officers.",
                         f"You will get the panel's decision in writing within {p.stage2_letter} working days of it "
                         "meeting.",
                         "After Stage 2 you can complain to the Local Government and Social Care Ombudsman."])]
    return [Heading("6. If you disagree: the Ombudsman"),
            Para("This was the final stage of our review process. If you think we did not follow the process fairly, "
                 "you can complain to the Local Government and Social Care Ombudsman (www.lgo.org.uk).")]


def letter_document(ctx: ServiceContext, case_id: str, letter_date: dt.date) -> Document:
    view = case_view(ctx, case_id)
    if not view.finalised or view.decision is None:
        raise HtstError("Finalise the decision before writing the letter, so the letter matches the record.",
                        title="The decision is not finalised")
    meeting = meeting_view(ctx, view.meeting_id)
    d = view.decision
    child = view.child_first_name or "your child"
    outcome = Outcome(d["outcome"])
    doc = Document(f"Our decision about home to school travel for {child}")
    doc.add(Fields([("Date of this letter", long_date(letter_date)), ("Our reference", view.pupil_label)]))
    doc.add(Para("Dear parent or carer,"))
    doc.add(Heading("1. What we decided"))
    if outcome == Outcome.eligible:
        text = f"The Transport Panel decided that {child} can have help with travel to school."
        if d.get("award_types"):
            text += f" We will provide: {award_text(d)}."
        if d.get("effective_date"):
            text += f" This starts on {long_date(d['effective_date'])}."
        doc.add(Para(text))
        if d.get("conditions"):
            doc.add(Para(f"Conditions: {d['conditions']}"))
        if d.get("post16_contribution_gbp") is not None:
            doc.add(Para(f"Because this is post-16 travel, there is a contribution of £{d['post16_contribution_gbp']:,}"
                         " a year." if d["post16_contribution_gbp"] else "You do not need to pay a contribution."))
        if d.get("post16_exemption"):
            doc.add(Para(f"You do not need to pay the post-16 contribution because: {d['post16_exemption']}."))
        if d.get("review_date"):
            doc.add(Para(f"We will look at this again by {long_date(d['review_date'])}, or sooner if your address, "
                         f"{child}'s school or {child}'s needs change. Please tell us if they do."))
    elif outcome == Outcome.not_eligible:
        doc.add(Para(f"The Transport Panel decided that {child} cannot have free travel to school."))
    else:
        doc.add(Para("The Transport Panel has not made a final decision yet, because it needs more information: "
                     f"{d.get('deferred_what') or ''}. Please send it by "
                     f"{long_date(d['deferred_by']) if d.get('deferred_by') else 'the date we agree with you'}."))
    doc.add(Heading("2. How we made the decision"))
    roles = sorted({m.role_label for m in meeting.present})
    doc.add(Para(f"The Transport Panel met on {long_date(meeting.meeting_date)}"
                 f"{' online' if meeting.online else ''}{' at ' + meeting.place if meeting.place else ''}. "
                 f"The people who made the decision were: {', '.join(roles) or 'not recorded'}. "
                 "Each member was asked to say if they had any conflict of interest."))
    doc.add(Para("We looked at this evidence:"))
    doc.add(Bullets(view.data.get("evidence") or ["No written evidence was listed."]))
    doc.add(Heading("3. Who else we asked"))
    doc.add(Para(f"We asked: {d['consulted']}." if d.get("consulted") else
                 "We did not ask any other departments or organisations about this application."))
    doc.add(Heading("4. What we considered"))
    doc.add(Para(d.get("factors_weighed") or ""))
    doc.add(Heading("5. Why we made this decision"))
    doc.add(Para(d.get("reasons") or ""))
    if d.get("statutory_category"):
        doc.add(Para(f"In law, {child} is an eligible child because of {_plain_category(d['statutory_category'])}."))
    elif outcome == Outcome.eligible and d.get("discretionary_reason"):
        doc.add(Para("The law does not require us to provide travel here, but the council has chosen to because: "
                     f"{d['discretionary_reason']}."))
    doc.add(*_letter_escalation(view, letter_date, periods(ctx.settings)))
    doc.add(Para("If you would like this letter in another format or language, or would like someone to talk it "
                 "through with you, please contact the Home to School Transport team. Amaze can also help you."))
    doc.add(Para("Yours sincerely,\nHome to School Transport team"))
    return doc


def _plain_category(code: str) -> str:
    return {
        "A": "the distance to the nearest suitable school (it is further than the legal walking distance)",
        "B": "their special educational needs, disability or mobility, which mean they cannot reasonably be "
             "expected to walk to school, even with an adult",
        "C": "the walking route, which is not safe to walk even with an adult",
        "D": "your family's low income and the distance to the school",
    }[code]


def write_letter(ctx: ServiceContext, case_id: str, folder: Path | None = None,
                 today: dt.date | None = None) -> DocumentPaths:
    """Write the decision letter; the first letter's date is stored, so the review deadline never moves."""
    today = today or dt.date.today()
    with ctx.read() as session:
        case = _get(session, PanelCaseRecord, case_id, "panel case")
        letter_date = case.letter_sent_on or today
    doc = letter_document(ctx, case_id, letter_date)
    if case.letter_sent_on is None:
        with ctx.transaction() as session:
            row = _get(session, PanelCaseRecord, case_id, "panel case")
            _save(ctx, session, "panel_cases", {**_data("panel_cases", row), "letter_sent_on": letter_date},
                  case_id, action="letter")
    label = case_view(ctx, case_id).pupil_label or "case"
    return write_document(doc, folder or output_folder(), f"letter-{label}-{case_id[:8]}")


def stage1_deadline(ctx: ServiceContext, case_id: str) -> dt.date | None:
    with ctx.read() as session:
        case = _get(session, PanelCaseRecord, case_id, "panel case")
        return periods(ctx.settings).stage1_request_due(case.letter_sent_on) if case.letter_sent_on else None


# --- reviews and appeals ------------------------------------------------------------------------------------

@dataclass(frozen=True)
class ReviewDeadlines:
    response_due: dt.date | None = None
    """Stage 1: the senior officer's written response."""
    escalation_due: dt.date | None = None
    """Stage 1: last day to ask for stage 2 (once the stage 1 letter has gone)."""
    hearing_due: dt.date | None = None
    letter_due: dt.date | None = None
    """Stage 2: the panel's letter (once the hearing date is known)."""


def review_deadlines(settings: Settings, review: dict[str, Any]) -> ReviewDeadlines:
    p = periods(settings)
    if review["stage"] == 1:
        return ReviewDeadlines(
            response_due=p.stage1_response_due(review["request_received"]),
            escalation_due=p.stage2_request_due(review["letter_sent_on"]) if review.get("letter_sent_on") else None)
    return ReviewDeadlines(
        hearing_due=p.stage2_hearing_due(review["request_received"]),
        letter_due=p.stage2_letter_due(review["hearing_date"]) if review.get("hearing_date") else None)


def _check_review_members(session: Session, case_id: str, stage: int, member_ids: Sequence[str],
                          review_id: str | None) -> None:
    found = stage_conflicts(_stage_history(session, case_id, exclude_review=review_id), stage, member_ids)
    if found:
        raise StageConflict("\n".join(conflict_sentences(found, _member_names(session, found), stage)))


def record_review(ctx: ServiceContext, case_id: str, *, stage: int, request_received: dt.date,
                  reviewer_member_ids: Sequence[str] = (), requested_by: str = "", grounds: str = "") -> str:
    """Record a stage 1 request (or a stage 2 request once a stage 1 letter has gone) against a decided case."""
    with ctx.transaction() as session:
        _get(session, PanelCaseRecord, case_id, "panel case")
        decision = _decision_row(session, case_id)
        if decision is None or not decision.finalised:
            raise HtstError("A review can only be asked for once the decision is finalised and the letter sent.",
                            title="No decision to review")
        if stage == 2:
            stage1 = session.execute(select(PanelReviewRecord).where(
                PanelReviewRecord.case_id == case_id, PanelReviewRecord.stage == 1,
                PanelReviewRecord.deleted.is_(False))).scalars().first()
            if stage1 is None or stage1.letter_sent_on is None:
                raise HtstError("A stage 2 appeal follows the stage 1 review letter: record that first.",
                                title="Stage 1 comes first")
        _check_review_members(session, case_id, stage, reviewer_member_ids, None)
        return _save(ctx, session, "panel_reviews", {
            "case_id": case_id, "stage": stage, "request_received": request_received,
            "reviewer_member_ids": list(reviewer_member_ids), "requested_by": requested_by,
            "grounds": grounds}).id


def update_review(ctx: ServiceContext, review_id: str, changes: dict[str, Any]) -> None:
    with ctx.transaction() as session:
        row = _get(session, PanelReviewRecord, review_id, "review or appeal")
        data = {**_data("panel_reviews", row), **changes}
        _check_review_members(session, row.case_id, data["stage"], data["reviewer_member_ids"], review_id)
        _save(ctx, session, "panel_reviews", data, review_id)


def reviews_for(ctx: ServiceContext, case_id: str) -> list[dict[str, Any]]:
    with ctx.read() as session:
        rows = session.execute(select(PanelReviewRecord).where(
            PanelReviewRecord.case_id == case_id, PanelReviewRecord.deleted.is_(False))
            .order_by(PanelReviewRecord.stage, PanelReviewRecord.request_received)).scalars()
        out = []
        for r in rows:
            data = {"id": r.id, **_data("panel_reviews", r)}
            data["deadlines"] = review_deadlines(ctx.settings, data)
            data["outcome_label"] = REVIEW_OUTCOME_LABELS[ReviewOutcome(r.outcome)] if r.outcome else "pending"
            out.append(data)
        return out


# --- Home dashboard -----------------------------------------------------------------------------------------

def due_items(ctx: ServiceContext, today: dt.date) -> list[DueItem]:
    """Award reviews due within 30 days or overdue, open review/appeal deadlines, deferred information due."""
    items: list[DueItem] = []
    horizon = today + dt.timedelta(days=REVIEW_HORIZON_DAYS)
    with ctx.read() as session:
        items += _award_review_items(session, today, horizon)
        reviews = session.execute(select(PanelReviewRecord).where(
            PanelReviewRecord.deleted.is_(False), PanelReviewRecord.outcome.is_(None))).scalars().all()
        labels = _pupil_labels(session, session.execute(select(PanelCaseRecord).where(
            PanelCaseRecord.id.in_([r.case_id for r in reviews]))).scalars().all()) if reviews else {}
        for r in reviews:
            dl = review_deadlines(ctx.settings, _data("panel_reviews", r))
            who = labels.get(r.case_id, "")
            if r.stage == 1 and r.letter_sent_on is None and dl.response_due:
                items.append(DueItem(REVIEWS_SECTION, f"Stage 1 review response: {who}", dl.response_due,
                                     dl.response_due < today, "panel", r.id))
            elif r.stage == 2 and r.hearing_date is None and dl.hearing_due:
                items.append(DueItem(REVIEWS_SECTION, f"Stage 2 appeal hearing: {who}", dl.hearing_due,
                                     dl.hearing_due < today, "panel", r.id))
            elif r.stage == 2 and r.letter_sent_on is None and dl.letter_due:
                items.append(DueItem(REVIEWS_SECTION, f"Stage 2 appeal letter: {who}", dl.letter_due,
                                     dl.letter_due < today, "panel", r.id, urgent=True))
        deferred = session.execute(select(PanelDecisionRecord, PanelCaseRecord)
                                   .join(PanelCaseRecord, PanelCaseRecord.id == PanelDecisionRecord.case_id)
                                   .where(PanelDecisionRecord.deleted.is_(False),
                                          PanelDecisionRecord.finalised.is_(True),
                                          PanelDecisionRecord.outcome == Outcome.deferred,
                                          PanelDecisionRecord.deferred_by <= horizon, _not_decided_later())).all()
        dlabels = _pupil_labels(session, [c for _, c in deferred])
        for d, c in deferred:
            if d.deferred_by is not None:
                items.append(DueItem(REVIEWS_SECTION, f"Deferred case, information due: {dlabels[c.id]}",
                                     d.deferred_by, d.deferred_by < today, "panel", c.id))
    return sorted(items, key=lambda i: (i.due or dt.date.max, i.title))


def _not_decided_later() -> ColumnElement[bool]:
    """True for a case (the query's PanelCaseRecord) with no later finalised decision for the same pupil: a later
    decision replaces this one (no review of a superseded award). The pupil is the register id when the case has
    one, else the reference typed in. One correlated subquery, so a dashboard over years of decisions is one
    statement, not one query per decision."""
    case, later, decision = PanelCaseRecord, aliased(PanelCaseRecord), aliased(PanelDecisionRecord)
    same_pupil = or_(and_(case.pupil_id.is_not(None), later.pupil_id == case.pupil_id),
                     and_(case.pupil_id.is_(None), later.pupil_ref == case.pupil_ref))
    return ~exists().where(decision.case_id == later.id, same_pupil, later.deleted.is_(False),
                           later.relevant_date > case.relevant_date, decision.finalised.is_(True),
                           decision.deleted.is_(False))


def _award_review_items(session: Session, today: dt.date, horizon: dt.date) -> list[DueItem]:
    """The SECTION_LIMIT earliest award reviews due by `horizon`, then how many more (a city has thousands)."""
    due = (select(PanelDecisionRecord, PanelCaseRecord)
           .join(PanelCaseRecord, PanelCaseRecord.id == PanelDecisionRecord.case_id)
           .where(PanelDecisionRecord.deleted.is_(False), PanelDecisionRecord.finalised.is_(True),
                  PanelDecisionRecord.outcome == Outcome.eligible,
                  PanelDecisionRecord.review_date <= horizon, _not_decided_later()))
    rows = session.execute(due.order_by(PanelDecisionRecord.review_date, PanelDecisionRecord.id)
                           .limit(SECTION_LIMIT)).all()
    total = len(rows) if len(rows) < SECTION_LIMIT else session.execute(
        select(func.count()).select_from(due.with_only_columns(PanelDecisionRecord.id).subquery())).scalar_one()
    labels = _pupil_labels(session, [c for _, c in rows])
    items = []
    for d, c in rows:
        if d.review_date is None:
            continue
        what = award_text(_data("panel_decisions", d)) or "award"
        items.append(DueItem(AWARD_REVIEWS_SECTION, f"Award review: {labels[c.id]} ({what})", d.review_date,
                             d.review_date < today, "panel", c.id))
    items += more_line(AWARD_REVIEWS_SECTION, total - len(rows), "award reviews", "panel")
    return items
