"""Spot-check tables: a visit to a school gate and the vehicle checks made during it.

Privacy by design (domain.md §4.3, §6): no column here can hold a child's name or id. The crew's answers
are JSON (item -> answer) so the configurable checklist can grow without a migration.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import JSON, Boolean, ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from htst_tui.db.base import Base, SyncMixin, UTCDateTime


class SpotCheckVisitRecord(SyncMixin, Base):
    __tablename__ = "spot_check_visits"
    school_id: Mapped[str] = mapped_column(ForeignKey("schools.id"), index=True)
    started_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), index=True)
    officers: Mapped[str] = mapped_column(String(200))
    licensing_attended: Mapped[bool] = mapped_column(Boolean, default=False)
    notes: Mapped[str | None] = mapped_column(Text)
    finished_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())


class VehicleCheckRecord(SyncMixin, Base):
    __tablename__ = "vehicle_checks"
    visit_id: Mapped[str] = mapped_column(ForeignKey("spot_check_visits.id"), index=True)
    route_id: Mapped[str] = mapped_column(ForeignKey("routes.id"), index=True)
    operator_id: Mapped[str] = mapped_column(ForeignKey("operators.id"), index=True)
    checked_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), index=True)
    vehicle_registration: Mapped[str | None] = mapped_column(String(12), index=True)
    plate_number: Mapped[str | None] = mapped_column(String(20))
    crew: Mapped[list[dict[str, Any]]] = mapped_column(JSON)
    vehicle_answers: Mapped[dict[str, Any]] = mapped_column(JSON)
    status: Mapped[str] = mapped_column(String(12), index=True)
    computed_outcome: Mapped[str | None] = mapped_column(String(20))
    final_outcome: Mapped[str | None] = mapped_column(String(20))
    override_reason: Mapped[str | None] = mapped_column(Text)
    child_knowledge_note: Mapped[str | None] = mapped_column(String(200))
