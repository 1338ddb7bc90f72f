"""The registry of synced entities: one place that names each record kind, its table and its model.

Sync, export, import, the Records browser and generic CRUD all iterate this list, so a table added here is
synced, exported and searchable from the day it lands. Order matters: parents before children, so a
pulled batch applies without breaking foreign keys.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from htst_tui.db.base import Base, SyncMixin
from htst_tui.db.follow_ups import FollowUpRecord
from htst_tui.db.incidents import IncidentRecord, RouteReturnRecord
from htst_tui.db.panel import (
    PanelAttendanceRecord,
    PanelCaseRecord,
    PanelDecisionRecord,
    PanelDissentRecord,
    PanelMeetingRecord,
    PanelReviewRecord,
)
from htst_tui.db.reference import (
    CrewMemberRecord,
    OperatorRecord,
    PanelMemberRecord,
    PupilRecord,
    RouteRecord,
    SchoolRecord,
)
from htst_tui.db.spot_checks import SpotCheckVisitRecord, VehicleCheckRecord
from htst_tui.domain import follow_ups as fu
from htst_tui.domain import incidents as inc
from htst_tui.domain import panel as pn
from htst_tui.domain import reference as ref
from htst_tui.domain import route_returns as rr
from htst_tui.domain import spot_checks as sc
from htst_tui.domain.common import RecordModel


@dataclass(frozen=True)
class Entity:
    name: str
    """Plural snake_case: the table name, the CSV/sheet name and the bundle's entity key."""
    label: str
    """Singular, for people: "School"."""
    orm: type[SyncMixin]
    schema: type[RecordModel]
    title_fields: tuple[str, ...]
    """Fields that make a one-line title for a record (lists, pickers, conflicts)."""
    search_fields: tuple[str, ...]
    """Columns type-to-search looks in (SQL LIKE, indexed where it matters)."""
    list_fields: tuple[str, ...]
    """Columns shown in the Records browser."""
    unique_fields: tuple[str, ...] = ()
    """A natural key that must be unique among live records on this device."""
    references: dict[str, str] = field(default_factory=dict)
    """field -> entity name it points at; a list field holds several ids (checked by services and sync)."""
    personal: bool = False
    """Holds personal data about a child (drives retention, SAR and export warnings)."""

    @property
    def table(self) -> Any:
        return self.orm.__table__  # type: ignore[attr-defined]

    @property
    def data_fields(self) -> tuple[str, ...]:
        return tuple(self.schema.model_fields)


ENTITIES: list[Entity] = [
    Entity("schools", "School", SchoolRecord, ref.School, ("name",), ("name", "postcode"),
           ("urn", "name", "phase", "postcode"), unique_fields=("urn",)),
    Entity("operators", "Operator", OperatorRecord, ref.Operator, ("name",), ("name", "licence_no"),
           ("name", "licence_no", "contact")),
    Entity("routes", "Route", RouteRecord, ref.Route, ("code",), ("code",),
           ("code", "vehicle_type", "operator_id"), unique_fields=("code",),
           references={"operator_id": "operators", "school_ids": "schools"}),
    Entity("pupils", "Pupil", PupilRecord, ref.Pupil, ("first_name", "last_name"),
           ("la_reference", "first_name", "last_name"),
           ("la_reference", "first_name", "last_name", "year_group", "send", "ehcp"),
           unique_fields=("la_reference",),
           references={"school_id": "schools", "route_id": "routes"}, personal=True),
    Entity("crew_members", "Crew member", CrewMemberRecord, ref.CrewMember, ("name",), ("name", "badge_number"),
           ("name", "role", "badge_number", "dbs_expiry"),
           references={"operator_id": "operators", "route_id": "routes"}),
    Entity("panel_members", "Panel member", PanelMemberRecord, ref.PanelMember, ("name",), ("name", "role"),
           ("name", "role", "organisation", "training_date", "active")),
    # Feature entities go here, parents before children. follow_ups stays last: it points at any of them.
    Entity("spot_check_visits", "Spot-check visit", SpotCheckVisitRecord, sc.SpotCheckVisit,
           ("started_at", "officers"), ("officers", "notes"),
           ("started_at", "school_id", "officers", "licensing_attended", "finished_at"),
           references={"school_id": "schools"}),
    Entity("vehicle_checks", "Vehicle check", VehicleCheckRecord, sc.VehicleCheck,
           ("vehicle_registration", "final_outcome"), ("vehicle_registration", "plate_number"),
           ("checked_at", "vehicle_registration", "plate_number", "status", "final_outcome"),
           references={"visit_id": "spot_check_visits", "route_id": "routes", "operator_id": "operators"}),
    Entity("incidents", "Incident", IncidentRecord, inc.Incident, ("category", "occurred_at"),
           ("description", "reported_by_name", "immediate_action", "outcome"),
           ("occurred_at", "category", "severity", "status", "report_deadline"),
           references={"route_id": "routes", "operator_id": "operators", "school_id": "schools",
                       "pupil_ids": "pupils"}, personal=True),
    Entity("route_returns", "Route return", RouteReturnRecord, rr.RouteReturn, ("effective_date",),
           ("reason",), ("notice_received", "effective_date", "notice_days", "children_affected", "status"),
           references={"route_id": "routes", "operator_id": "operators",
                       "reallocated_to_operator_id": "operators"}),
    Entity("panel_meetings", "Panel meeting", PanelMeetingRecord, pn.PanelMeeting, ("meeting_date", "place"),
           ("place", "status"), ("meeting_date", "place", "online", "status"),
           references={"chair_member_id": "panel_members"}),
    Entity("panel_attendance", "Panel attendance", PanelAttendanceRecord, pn.PanelAttendance,
           ("meeting_id", "member_id"), ("status",), ("meeting_id", "member_id", "status"),
           references={"meeting_id": "panel_meetings", "member_id": "panel_members"}),
    Entity("panel_cases", "Panel case", PanelCaseRecord, pn.PanelCase, ("pupil_ref", "application_type"),
           ("pupil_ref", "child_name", "school_name"),
           ("seq", "pupil_ref", "application_type", "relevant_date", "distance_miles"),
           references={"meeting_id": "panel_meetings", "pupil_id": "pupils", "review_of_case_id": "panel_cases"},
           personal=True),
    Entity("panel_decisions", "Panel decision", PanelDecisionRecord, pn.PanelDecision,
           ("outcome", "statutory_category"), ("outcome", "reasons"),
           ("outcome", "statutory_category", "review_date", "finalised"),
           references={"case_id": "panel_cases"}, personal=True),
    Entity("panel_dissents", "Panel dissent", PanelDissentRecord, pn.PanelDissent, ("view",), ("view",),
           ("decision_id", "member_id", "view"),
           references={"decision_id": "panel_decisions", "member_id": "panel_members"}),
    Entity("panel_reviews", "Review or appeal", PanelReviewRecord, pn.PanelReview, ("stage", "request_received"),
           ("requested_by", "grounds"), ("stage", "request_received", "hearing_date", "outcome"),
           references={"case_id": "panel_cases", "reviewer_member_ids": "panel_members"}, personal=True),
    Entity("follow_ups", "Follow-up action", FollowUpRecord, fu.FollowUp, ("outcome_code", "owner"),
           ("owner", "description"), ("outcome_code", "owner", "due_date", "status")),
]

BY_NAME: dict[str, Entity] = {e.name: e for e in ENTITIES}


def entity(name: str) -> Entity:
    try:
        return BY_NAME[name]
    except KeyError:
        raise KeyError(f"unknown record kind {name!r}; known: {', '.join(BY_NAME)}") from None


def synced_tables() -> list[str]:
    return [e.name for e in ENTITIES]


assert all(issubclass(e.orm, Base) for e in ENTITIES)
