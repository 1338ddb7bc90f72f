"""Follow-up actions table (shared by spot checks, incidents and route returns)."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import Date, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from htst_tui.db.base import Base, SyncMixin


class FollowUpRecord(SyncMixin, Base):
    __tablename__ = "follow_ups"
    source_kind: Mapped[str] = mapped_column(String(20))
    source_id: Mapped[str] = mapped_column(String(36), index=True)
    outcome_code: Mapped[str] = mapped_column(String(40))
    description: Mapped[str] = mapped_column(Text)
    owner: Mapped[str] = mapped_column(String(120))
    due_date: Mapped[dt.date] = mapped_column(Date, index=True)
    status: Mapped[str] = mapped_column(String(12), index=True)
    closed_on: Mapped[dt.date | None] = mapped_column(Date, index=True)
    closing_note: Mapped[str] = mapped_column(Text, default="")
