"""Tables for incidents and route returns (domain/incidents.py, domain/route_returns.py).

Indexed on what the lists filter by (status, category, severity, operator, school, dates). Children are
linked by pupil id in a JSON list plus a count; the only name stored is the reporter's. Route returns hold
no child identifiers at all, only a count.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import JSON, Date, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from htst_tui.db.base import Base, SyncMixin, UTCDateTime


class IncidentRecord(SyncMixin, Base):
    __tablename__ = "incidents"
    occurred_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), index=True)
    reported_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())
    reported_by_kind: Mapped[str] = mapped_column(String(12))
    reported_by_name: Mapped[str | None] = mapped_column(String(120))
    route_id: Mapped[str | None] = mapped_column(ForeignKey("routes.id"), index=True)
    operator_id: Mapped[str | None] = mapped_column(ForeignKey("operators.id"), index=True)
    school_id: Mapped[str | None] = mapped_column(ForeignKey("schools.id"), index=True)
    pupil_ids: Mapped[list[str]] = mapped_column(JSON, default=list)
    pupil_count: Mapped[int] = mapped_column(Integer, default=0)
    category: Mapped[str] = mapped_column(String(30), index=True)
    severity: Mapped[str] = mapped_column(String(12), index=True)
    severity_reason: Mapped[str | None] = mapped_column(String(200))
    description: Mapped[str] = mapped_column(Text)
    immediate_action: Mapped[str | None] = mapped_column(Text)
    notifications: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    report_deadline: Mapped[dt.datetime] = mapped_column(UTCDateTime(), index=True)
    written_report_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
    status: Mapped[str] = mapped_column(String(14), index=True)
    outcome: Mapped[str | None] = mapped_column(Text)
    closed_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())

    __table_args__ = (
        # The incident log's order plus what its filters and search read of a row (services/incidents.py): a
        # searched page walks this index in order, probing each row's text matches and its route, operator and
        # school, and visits the table only for the rows shown (bench/city_scale.py).
        Index("ix_incidents_list_order", "occurred_at", "id", "deleted", "status", "severity", "category",
              "route_id", "operator_id", "school_id"),
    )


class RouteReturnRecord(SyncMixin, Base):
    __tablename__ = "route_returns"
    route_id: Mapped[str] = mapped_column(ForeignKey("routes.id"), index=True)
    operator_id: Mapped[str] = mapped_column(ForeignKey("operators.id"), index=True)
    notice_received: Mapped[dt.date] = mapped_column(Date)
    effective_date: Mapped[dt.date] = mapped_column(Date, index=True)
    notice_days: Mapped[int] = mapped_column(Integer)
    children_affected: Mapped[int] = mapped_column(Integer, default=0)
    reason: Mapped[str] = mapped_column(Text)
    reallocated_to_operator_id: Mapped[str | None] = mapped_column(ForeignKey("operators.id"), index=True)
    reallocated_on: Mapped[dt.date | None] = mapped_column(Date)
    status: Mapped[str] = mapped_column(String(12), index=True)
