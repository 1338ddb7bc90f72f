"""Transport Panel tables: meetings, attendance, cases, decisions, dissent, reviews and appeals (all synced).

A decision is one row per case: locking and revisions come from the sync columns (`rev`, `rev_history`) plus
the audit log, so a reopened decision keeps its history on every device rather than in a side table.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import JSON, Boolean, Date, Float, ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from htst_tui.db.base import Base, SyncMixin, UTCDateTime


class PanelMeetingRecord(SyncMixin, Base):
    __tablename__ = "panel_meetings"
    meeting_date: Mapped[dt.date] = mapped_column(Date, index=True)
    place: Mapped[str] = mapped_column(String(200), default="")
    online: Mapped[bool] = mapped_column(Boolean, default=False)
    chair_member_id: Mapped[str | None] = mapped_column(ForeignKey("panel_members.id"), index=True)
    status: Mapped[str] = mapped_column(String(10))
    notes: Mapped[str] = mapped_column(Text, default="")


class PanelAttendanceRecord(SyncMixin, Base):
    __tablename__ = "panel_attendance"
    meeting_id: Mapped[str] = mapped_column(ForeignKey("panel_meetings.id"), index=True)
    member_id: Mapped[str] = mapped_column(ForeignKey("panel_members.id"), index=True)
    status: Mapped[str] = mapped_column(String(10))


class PanelCaseRecord(SyncMixin, Base):
    __tablename__ = "panel_cases"
    meeting_id: Mapped[str] = mapped_column(ForeignKey("panel_meetings.id"), index=True)
    seq: Mapped[int] = mapped_column(Integer)
    pupil_id: Mapped[str | None] = mapped_column(ForeignKey("pupils.id"), index=True)
    pupil_ref: Mapped[str] = mapped_column(String(20), default="", index=True)
    child_name: Mapped[str] = mapped_column(String(200), default="")
    school_name: Mapped[str] = mapped_column(String(200), default="")
    application_type: Mapped[str] = mapped_column(String(30))
    review_of_case_id: Mapped[str | None] = mapped_column(ForeignKey("panel_cases.id"), index=True)
    relevant_date: Mapped[dt.date] = mapped_column(Date)
    date_of_birth: Mapped[dt.date | None] = mapped_column(Date)
    distance_miles: Mapped[float | None] = mapped_column(Float)
    road_distance_miles: Mapped[float | None] = mapped_column(Float)
    nearest_suitable: Mapped[bool] = mapped_column(Boolean, default=False)
    school_rank: Mapped[int | None] = mapped_column(Integer)
    need_summary: Mapped[str] = mapped_column(Text, default="")
    ehcp: Mapped[bool] = mapped_column(Boolean, default=False)
    low_income: Mapped[bool] = mapped_column(Boolean, default=False)
    unsafe_route: Mapped[bool] = mapped_column(Boolean, default=False)
    religion_belief: Mapped[bool] = mapped_column(Boolean, default=False)
    evidence: Mapped[list[str]] = mapped_column(JSON, default=list)
    conflicts_asked: Mapped[bool] = mapped_column(Boolean, default=False)
    conflicts_declared: Mapped[str] = mapped_column(Text, default="")
    letter_sent_on: Mapped[dt.date | None] = mapped_column(Date)


class PanelDecisionRecord(SyncMixin, Base):
    __tablename__ = "panel_decisions"
    case_id: Mapped[str] = mapped_column(ForeignKey("panel_cases.id"), index=True)
    outcome: Mapped[str | None] = mapped_column(String(20), index=True)
    statutory_category: Mapped[str | None] = mapped_column(String(1))
    discretionary_reason: Mapped[str] = mapped_column(String(200), default="")
    departure_reason: Mapped[str] = mapped_column(Text, default="")
    award_types: Mapped[list[str]] = mapped_column(JSON, default=list)
    award_details: Mapped[str] = mapped_column(Text, default="")
    conditions: Mapped[str] = mapped_column(Text, default="")
    mileage_pence_per_mile: Mapped[int | None] = mapped_column(Integer)
    journeys_per_day: Mapped[int | None] = mapped_column(Integer)
    ptb_amount_gbp: Mapped[int | None] = mapped_column(Integer)
    effective_date: Mapped[dt.date | None] = mapped_column(Date)
    time_limited: Mapped[bool] = mapped_column(Boolean, default=False)
    post16_contribution_gbp: Mapped[int | None] = mapped_column(Integer)
    post16_exemption: Mapped[str] = mapped_column(String(200), default="")
    review_date: Mapped[dt.date | None] = mapped_column(Date, index=True)
    deferred_what: Mapped[str] = mapped_column(Text, default="")
    deferred_by: Mapped[dt.date | None] = mapped_column(Date)
    deliberation_notes: Mapped[str] = mapped_column(Text, default="")
    factors_weighed: Mapped[str] = mapped_column(Text, default="")
    reasons: Mapped[str] = mapped_column(Text, default="")
    consulted: Mapped[str] = mapped_column(String(200), default="")
    amaze_perspective: Mapped[str] = mapped_column(Text, default="")
    finalised: Mapped[bool] = mapped_column(Boolean, default=False)
    finalised_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
    finalised_by: Mapped[str] = mapped_column(String(200), default="")
    revision_no: Mapped[int] = mapped_column(Integer, default=0)
    reopen_reason: Mapped[str] = mapped_column(Text, default="")


class PanelDissentRecord(SyncMixin, Base):
    __tablename__ = "panel_dissents"
    decision_id: Mapped[str] = mapped_column(ForeignKey("panel_decisions.id"), index=True)
    member_id: Mapped[str] = mapped_column(ForeignKey("panel_members.id"), index=True)
    view: Mapped[str] = mapped_column(Text)


class PanelReviewRecord(SyncMixin, Base):
    __tablename__ = "panel_reviews"
    case_id: Mapped[str] = mapped_column(ForeignKey("panel_cases.id"), index=True)
    stage: Mapped[int] = mapped_column(Integer)
    requested_by: Mapped[str] = mapped_column(String(200), default="")
    grounds: Mapped[str] = mapped_column(Text, default="")
    request_received: Mapped[dt.date] = mapped_column(Date)
    reviewer_member_ids: Mapped[list[str]] = mapped_column(JSON, default=list)
    hearing_date: Mapped[dt.date | None] = mapped_column(Date)
    letter_sent_on: Mapped[dt.date | None] = mapped_column(Date)
    outcome: Mapped[str | None] = mapped_column(String(20))
    reasons: Mapped[str] = mapped_column(Text, default="")
