"""Tables for reference data. Natural keys (URN, LA reference, route code) are indexed, not unique:
two devices may create the same school offline, and sync must keep both for a person to resolve
rather than fail. Services enforce uniqueness among live records on each device.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import JSON, Boolean, Date, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from htst_tui.db.base import Base, SyncMixin


class SchoolRecord(SyncMixin, Base):
    __tablename__ = "schools"
    urn: Mapped[int] = mapped_column(Integer, index=True)
    name: Mapped[str] = mapped_column(String(120), index=True)
    phase: Mapped[str] = mapped_column(String(30))
    postcode: Mapped[str] = mapped_column(String(10))


class OperatorRecord(SyncMixin, Base):
    __tablename__ = "operators"
    name: Mapped[str] = mapped_column(String(120), index=True)
    licence_no: Mapped[str] = mapped_column(String(40))
    contact: Mapped[str] = mapped_column(String(200), default="")


class RouteRecord(SyncMixin, Base):
    __tablename__ = "routes"
    code: Mapped[str] = mapped_column(String(20), index=True)
    operator_id: Mapped[str] = mapped_column(ForeignKey("operators.id"), index=True)
    school_ids: Mapped[list[str]] = mapped_column(JSON)
    vehicle_type: Mapped[str] = mapped_column(String(20))


class PupilRecord(SyncMixin, Base):
    __tablename__ = "pupils"
    la_reference: Mapped[str] = mapped_column(String(20), index=True)
    first_name: Mapped[str] = mapped_column(String(120))
    last_name: Mapped[str] = mapped_column(String(120), index=True)
    date_of_birth: Mapped[dt.date] = mapped_column(Date)
    school_id: Mapped[str] = mapped_column(ForeignKey("schools.id"), index=True)
    year_group: Mapped[int] = mapped_column(Integer)
    send: Mapped[bool] = mapped_column(Boolean, default=False)
    ehcp: Mapped[bool] = mapped_column(Boolean, default=False)
    needs_summary: Mapped[str] = mapped_column(Text, default="")
    route_id: Mapped[str | None] = mapped_column(ForeignKey("routes.id"), index=True)

    __table_args__ = (
        # The Records list's order plus what its search and filter read: a page of 50,000 pupils walks this
        # index in order and stops at 50 matches, without a sort or a visit to the table (bench/city_scale.py).
        Index("ix_pupils_list_order", "first_name", "last_name", "id", "la_reference", "deleted"),
    )


class CrewMemberRecord(SyncMixin, Base):
    __tablename__ = "crew_members"
    name: Mapped[str] = mapped_column(String(120), index=True)
    operator_id: Mapped[str] = mapped_column(ForeignKey("operators.id"), index=True)
    role: Mapped[str] = mapped_column(String(10))
    badge_number: Mapped[str] = mapped_column(String(30), index=True)
    dbs_expiry: Mapped[dt.date | None] = mapped_column(Date)
    training_completed: Mapped[str] = mapped_column(Text, default="")
    route_id: Mapped[str | None] = mapped_column(ForeignKey("routes.id"), index=True)


class PanelMemberRecord(SyncMixin, Base):
    __tablename__ = "panel_members"
    name: Mapped[str] = mapped_column(String(120), index=True)
    role: Mapped[str] = mapped_column(String(20))
    organisation: Mapped[str] = mapped_column(String(200), default="")
    training_date: Mapped[dt.date | None] = mapped_column(Date)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
