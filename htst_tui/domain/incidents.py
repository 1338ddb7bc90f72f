"""Incidents on home-to-school transport: categories, severity, notifications, deadlines and status rules.

domain.md §5.1 lists the categories the sources evidence; §5.2 proposes the three severity levels this module
encodes. No published UK HTST scheme exists, so the default severity of each category is a starting point an
officer may change — but a change must say why, so the committee summary can trust the levels.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from enum import StrEnum
from typing import Annotated

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, field_serializer, model_validator

from htst_tui.domain.common import LongText, Name, RecordId, RecordModel, ShortText


class IncidentCategory(StrEnum):
    late_or_missed_pickup = "late_or_missed_pickup"
    no_authorised_adult = "no_authorised_adult"
    child_left_on_vehicle = "child_left_on_vehicle"
    breakdown = "breakdown"
    road_traffic_accident = "road_traffic_accident"
    injury = "injury"
    medical_event = "medical_event"
    behaviour = "behaviour"
    physical_intervention = "physical_intervention"
    safeguarding = "safeguarding"
    complaint = "complaint"
    other = "other"


CATEGORY_LABELS: dict[IncidentCategory, str] = {
    IncidentCategory.late_or_missed_pickup: "Late or missed pick-up",
    IncidentCategory.no_authorised_adult: "No authorised adult at drop-off",
    IncidentCategory.child_left_on_vehicle: "Child left on vehicle",
    IncidentCategory.breakdown: "Breakdown",
    IncidentCategory.road_traffic_accident: "Road traffic accident",
    IncidentCategory.injury: "Injury",
    IncidentCategory.medical_event: "Medical event",
    IncidentCategory.behaviour: "Behaviour",
    IncidentCategory.physical_intervention: "Physical intervention",
    IncidentCategory.safeguarding: "Safeguarding concern or allegation",
    IncidentCategory.complaint: "Complaint",
    IncidentCategory.other: "Other",
}


class Severity(StrEnum):
    critical = "critical"
    significant = "significant"
    minor = "minor"


SEVERITY_LABELS: dict[Severity, str] = {
    Severity.critical: "Critical",
    Severity.significant: "Significant",
    Severity.minor: "Minor",
}

DEFAULT_SEVERITY: dict[IncidentCategory, Severity] = {
    # §5.2 level 1: child left on vehicle, allegation against crew.
    IncidentCategory.child_left_on_vehicle: Severity.critical,
    IncidentCategory.safeguarding: Severity.critical,
    # §5.2 level 2: unsafe drop-off, breakdown with children on board, restraint, medical emergency. An RTA or
    # an injury is level 2 unless someone is hurt seriously; the officer raises it to Critical with a reason.
    IncidentCategory.no_authorised_adult: Severity.significant,
    IncidentCategory.breakdown: Severity.significant,
    IncidentCategory.road_traffic_accident: Severity.significant,
    IncidentCategory.injury: Severity.significant,
    IncidentCategory.medical_event: Severity.significant,
    IncidentCategory.physical_intervention: Severity.significant,
    # §5.2 level 3: lateness, minor behaviour; complaints and anything else start here.
    IncidentCategory.late_or_missed_pickup: Severity.minor,
    IncidentCategory.behaviour: Severity.minor,
    IncidentCategory.complaint: Severity.minor,
    IncidentCategory.other: Severity.minor,
}


def default_severity(category: IncidentCategory | str) -> Severity:
    return DEFAULT_SEVERITY[IncidentCategory(category)]


class ReporterKind(StrEnum):
    operator = "operator"
    school = "school"
    parent = "parent"
    crew = "crew"
    officer = "officer"
    other = "other"


class NotificationKind(StrEnum):
    parent = "parent"
    school = "school"
    lado = "lado"
    police = "police"
    licensing = "licensing"
    phone_escalation = "phone_escalation"


NOTIFICATION_LABELS: dict[NotificationKind, str] = {
    NotificationKind.parent: "Parent/carer",
    NotificationKind.school: "School",
    NotificationKind.lado: "LADO",
    NotificationKind.police: "Police",
    NotificationKind.licensing: "Licensing",
    NotificationKind.phone_escalation: "Escalated by phone",
}


class IncidentStatus(StrEnum):
    open = "open"
    investigating = "investigating"
    closed = "closed"


ALLOWED_TRANSITIONS: dict[IncidentStatus, frozenset[IncidentStatus]] = {
    IncidentStatus.open: frozenset({IncidentStatus.investigating, IncidentStatus.closed}),
    IncidentStatus.investigating: frozenset({IncidentStatus.closed}),
    IncidentStatus.closed: frozenset(),
}
"""Forward only. A minor incident may close straight from open (nothing to investigate). Going back is a
*reopen* (closed -> open), a separate use case that needs a reason and is audited, so a closed record
never changes status silently."""


class TransitionRefused(ValueError):
    """A status change the rules do not allow; the message says why in the officer's words."""


def check_transition(current: IncidentStatus | str, new: IncidentStatus | str, outcome: str | None) -> None:
    current, new = IncidentStatus(current), IncidentStatus(new)
    if new == current:
        raise TransitionRefused(f"the incident is already {current.value}")
    if new not in ALLOWED_TRANSITIONS[current]:
        if current == IncidentStatus.closed:
            raise TransitionRefused("a closed incident can only be reopened, with a reason")
        raise TransitionRefused(f"an incident cannot go from {current.value} to {new.value}")
    if new == IncidentStatus.closed and not (outcome or "").strip():
        raise TransitionRefused("write the outcome before closing the incident")


def next_status(current: IncidentStatus | str) -> IncidentStatus | None:
    """The status one key press moves to: open -> investigating -> closed; None once closed."""
    return {IncidentStatus.open: IncidentStatus.investigating,
            IncidentStatus.investigating: IncidentStatus.closed}.get(IncidentStatus(current))


def deadline_hours(severity: Severity | str, *, critical: int, significant: int, minor: int) -> int:
    return {Severity.critical: critical, Severity.significant: significant, Severity.minor: minor}[
        Severity(severity)]


def report_deadline(occurred_at: dt.datetime, severity: Severity | str, *, critical: int, significant: int,
                    minor: int) -> dt.datetime:
    """When the written report is due. The clock starts when the incident happened, not when it reached the
    office: a report phoned in late does not buy the operator more time (Victoria's 72 h runs the same way)."""
    hours = deadline_hours(severity, critical=critical, significant=significant, minor=minor)
    return occurred_at + dt.timedelta(hours=hours)


def prompted_notifications(category: IncidentCategory | str, severity: Severity | str) -> list[NotificationKind]:
    """Who should hear about an incident of this kind: a safeguarding concern goes to the LADO (§4.3, §5.1);
    a Critical incident needs an immediate phone call (§5.2)."""
    out: list[NotificationKind] = []
    if IncidentCategory(category) == IncidentCategory.safeguarding:
        out.append(NotificationKind.lado)
    if Severity(severity) == Severity.critical:
        out.append(NotificationKind.phone_escalation)
    return out


def missing_notifications(category: IncidentCategory | str, severity: Severity | str,
                          made_kinds: Iterable[str]) -> list[NotificationKind]:
    """The prompted notifications not yet made (the form shows these as a reminder)."""
    done = {NotificationKind(k) for k in made_kinds}
    return [k for k in prompted_notifications(category, severity) if k not in done]


class Notification(BaseModel):
    """One notification made about an incident, and when. Stored in a JSON list, so `at` is kept as ISO text."""

    model_config = ConfigDict(extra="forbid")
    kind: NotificationKind
    at: AwareDatetime

    @field_serializer("at")
    def _iso(self, value: dt.datetime) -> str:
        return value.astimezone(dt.UTC).isoformat()


class Incident(RecordModel):
    occurred_at: AwareDatetime
    reported_at: AwareDatetime
    reported_by_kind: ReporterKind
    reported_by_name: Name | None = None
    """The reporter's name is the only name an incident holds (children are linked by id)."""
    route_id: RecordId | None = None
    operator_id: RecordId | None = None
    school_id: RecordId | None = None
    pupil_ids: list[RecordId] = Field(default_factory=list)
    pupil_count: Annotated[int, Field(ge=0, le=200)] = 0
    """Children involved; may be more than the linked ids (a child not known to the service)."""
    category: IncidentCategory
    severity: Severity
    severity_reason: ShortText | None = None
    description: Annotated[str, Field(min_length=1, max_length=4000)]
    immediate_action: LongText | None = None
    notifications: list[Notification] = Field(default_factory=list)
    report_deadline: AwareDatetime
    written_report_at: AwareDatetime | None = None
    status: IncidentStatus = IncidentStatus.open
    outcome: LongText | None = None
    closed_at: AwareDatetime | None = None

    @model_validator(mode="after")
    def _rules(self) -> Incident:
        if self.reported_at < self.occurred_at:
            raise ValueError("reported at is before the incident occurred")
        if len(set(self.pupil_ids)) != len(self.pupil_ids):
            raise ValueError("pupils involved lists the same pupil twice")
        if self.pupil_count < len(self.pupil_ids):
            raise ValueError("pupil count is fewer than the pupils linked")
        if self.severity != default_severity(self.category) and not self.severity_reason:
            raise ValueError(
                f"severity differs from the default for this category "
                f"({SEVERITY_LABELS[default_severity(self.category)]}): give a reason")
        if self.status == IncidentStatus.closed:
            if not self.outcome:
                raise ValueError("a closed incident needs an outcome")
            if self.closed_at is None:
                raise ValueError("a closed incident needs the time it was closed")
        elif self.closed_at is not None:
            raise ValueError("only a closed incident has a closed time")
        return self


def is_report_overdue(deadline: dt.datetime, written_report_at: dt.datetime | None, now: dt.datetime) -> bool:
    return written_report_at is None and deadline < now
