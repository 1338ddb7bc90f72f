"""Transport Panel records: meetings, attendance, cases, decisions, dissent, reviews and appeals.

The shape follows what the Ombudsman found missing (domain.md §2.3, LGSCO 23 004 544): each decision carries
its deliberation, the factors weighed, plain-language reasons and any dissent, so the minutes and the letter
can be generated from the record rather than written from memory afterwards.
"""

from __future__ import annotations

import datetime as dt
from enum import StrEnum
from typing import Annotated

from pydantic import BeforeValidator, Field, StringConstraints, model_validator

from htst_tui.domain.common import RecordId, RecordModel
from htst_tui.domain.eligibility import Category


class MeetingStatus(StrEnum):
    open = "open"
    closed = "closed"


class AttendanceStatus(StrEnum):
    present = "present"
    apologies = "apologies"
    absent = "absent"


class ApplicationType(StrEnum):
    new = "new"
    annual_reassessment = "annual_reassessment"
    change_of_circumstances = "change_of_circumstances"
    post_16 = "post_16"
    stage1_review = "stage1_review"
    stage2_appeal = "stage2_appeal"


APPLICATION_LABELS: dict[ApplicationType, str] = {
    ApplicationType.new: "New application",
    ApplicationType.annual_reassessment: "Annual reassessment",
    ApplicationType.change_of_circumstances: "Change of circumstances",
    ApplicationType.post_16: "Post-16",
    ApplicationType.stage1_review: "Stage 1 review",
    ApplicationType.stage2_appeal: "Stage 2 appeal",
}

STAGE_OF_APPLICATION: dict[ApplicationType, int] = {
    ApplicationType.stage1_review: 1,
    ApplicationType.stage2_appeal: 2,
}
"""Which stage of the two-stage process a case heard at a panel is; anything else is stage 0 (the decision)."""


class Outcome(StrEnum):
    eligible = "eligible"
    not_eligible = "not_eligible"
    deferred = "deferred"


OUTCOME_LABELS: dict[Outcome, str] = {
    Outcome.eligible: "Eligible",
    Outcome.not_eligible: "Not eligible",
    Outcome.deferred: "Deferred",
}


class AwardType(StrEnum):
    bus_pass = "bus_pass"
    group_travel_vpa = "group_travel_vpa"
    shared_vehicle = "shared_vehicle"
    solo_vehicle = "solo_vehicle"
    passenger_assistant = "passenger_assistant"
    mileage_allowance = "mileage_allowance"
    personal_travel_budget = "personal_travel_budget"
    independent_travel_training = "independent_travel_training"


AWARD_LABELS: dict[AwardType, str] = {
    AwardType.bus_pass: "Bus pass",
    AwardType.group_travel_vpa: "Group travel with a vehicle passenger assistant",
    AwardType.shared_vehicle: "Shared taxi or minibus",
    AwardType.solo_vehicle: "Solo vehicle",
    AwardType.passenger_assistant: "Passenger assistant",
    AwardType.mileage_allowance: "Mileage allowance",
    AwardType.personal_travel_budget: "Personal travel budget",
    AwardType.independent_travel_training: "Independent travel training",
}


class ReviewOutcome(StrEnum):
    upheld = "upheld"
    overturned = "overturned"
    varied = "varied"
    withdrawn = "withdrawn"


REVIEW_OUTCOME_LABELS: dict[ReviewOutcome, str] = {
    ReviewOutcome.upheld: "Original decision upheld",
    ReviewOutcome.overturned: "Original decision overturned",
    ReviewOutcome.varied: "Original decision changed",
    ReviewOutcome.withdrawn: "Request withdrawn",
}

def _none_is_blank(value: object) -> object:
    """RecordModel turns a blank cell into None; optional text here is stored as "" rather than NULL."""
    return "" if value is None else value


ShortText = Annotated[str, BeforeValidator(_none_is_blank), StringConstraints(max_length=200)]
LongText = Annotated[str, BeforeValidator(_none_is_blank), StringConstraints(max_length=4000)]
RefText = Annotated[str, BeforeValidator(_none_is_blank), StringConstraints(max_length=20, to_upper=True)]
NeedText = Annotated[str, BeforeValidator(_none_is_blank), StringConstraints(max_length=500)]
Miles = Annotated[float, Field(ge=0, le=200)]
Pounds = Annotated[int, Field(ge=0, le=1_000_000)]


class PanelMeeting(RecordModel):
    meeting_date: dt.date
    place: ShortText = ""
    online: bool = False
    chair_member_id: RecordId | None = None
    status: MeetingStatus = MeetingStatus.open
    notes: LongText = ""

    @model_validator(mode="after")
    def _somewhere(self) -> PanelMeeting:
        if not self.online and not self.place:
            raise ValueError("a meeting needs a place, or to be marked online")
        return self


class PanelAttendance(RecordModel):
    meeting_id: RecordId
    member_id: RecordId
    status: AttendanceStatus = AttendanceStatus.absent


class PanelCase(RecordModel):
    meeting_id: RecordId
    seq: Annotated[int, Field(ge=1, le=999)]
    pupil_id: RecordId | None = None
    pupil_ref: RefText = ""
    child_name: ShortText = ""
    school_name: ShortText = ""
    application_type: ApplicationType = ApplicationType.new
    review_of_case_id: RecordId | None = None
    """For a stage 1 review or stage 2 appeal heard at a panel: the case whose decision is being reviewed."""
    relevant_date: dt.date
    date_of_birth: dt.date | None = None
    distance_miles: Miles | None = None
    road_distance_miles: Miles | None = None
    nearest_suitable: bool = False
    school_rank: Annotated[int, Field(ge=1, le=99)] | None = None
    need_summary: NeedText = ""
    ehcp: bool = False
    low_income: bool = False
    unsafe_route: bool = False
    religion_belief: bool = False
    evidence: list[ShortText] = Field(default_factory=list)
    conflicts_asked: bool = False
    conflicts_declared: LongText = ""
    letter_sent_on: dt.date | None = None

    @model_validator(mode="after")
    def _someone(self) -> PanelCase:
        if not self.pupil_id and not self.pupil_ref:
            raise ValueError("a case needs a pupil: pick one from the register or enter their LA reference")
        return self


class PanelDecision(RecordModel):
    case_id: RecordId
    outcome: Outcome | None = None
    statutory_category: Category | None = None
    discretionary_reason: ShortText = ""
    departure_reason: LongText = ""
    award_types: list[AwardType] = Field(default_factory=list)
    award_details: LongText = ""
    conditions: LongText = ""
    mileage_pence_per_mile: Annotated[int, Field(ge=1, le=500)] | None = None
    journeys_per_day: Annotated[int, Field(ge=1, le=8)] | None = None
    ptb_amount_gbp: Pounds | None = None
    effective_date: dt.date | None = None
    time_limited: bool = False
    """Time-limited or temporary-medical award: reviewed sooner (settings.panel.time_limited_review_months)."""
    post16_contribution_gbp: Pounds | None = None
    post16_exemption: ShortText = ""
    review_date: dt.date | None = None
    deferred_what: LongText = ""
    deferred_by: dt.date | None = None
    deliberation_notes: LongText = ""
    factors_weighed: LongText = ""
    reasons: LongText = ""
    consulted: ShortText = ""
    """Other departments or agencies consulted (letter content 3, domain.md §2.2)."""
    amaze_perspective: LongText = ""
    finalised: bool = False
    finalised_at: dt.datetime | None = None
    finalised_by: ShortText = ""
    revision_no: Annotated[int, Field(ge=0)] = 0
    """0 until first finalised; each reopening adds one, so a changed decision reads as a new revision."""
    reopen_reason: LongText = ""


class PanelDissent(RecordModel):
    decision_id: RecordId
    member_id: RecordId
    view: Annotated[str, StringConstraints(min_length=1, max_length=4000)]


class PanelReview(RecordModel):
    case_id: RecordId
    """The case whose decision is reviewed (the original decision)."""
    stage: Annotated[int, Field(ge=1, le=2)]
    requested_by: ShortText = ""
    grounds: LongText = ""
    request_received: dt.date
    reviewer_member_ids: list[RecordId] = Field(default_factory=list)
    hearing_date: dt.date | None = None
    letter_sent_on: dt.date | None = None
    outcome: ReviewOutcome | None = None
    reasons: LongText = ""
