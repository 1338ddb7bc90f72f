"""Local-only tables: they never sync (DESIGN.md: drafts, sync state, conflicts, settings are local)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import JSON, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from htst_tui.db.base import Base, UTCDateTime


class LocalMeta(Base):
    """Key/value facts about this database: its device id and the write counter."""

    __tablename__ = "local_meta"
    key: Mapped[str] = mapped_column(String(60), primary_key=True)
    value: Mapped[str] = mapped_column(String(200))


class AuditEntry(Base):
    """Append-only: who changed what, when, from which device. Field names only, never values, so the
    log itself holds no personal data and survives a purge."""

    __tablename__ = "audit_log"
    seq: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), index=True)
    officer: Mapped[str] = mapped_column(String(120))
    device: Mapped[str] = mapped_column(String(36))
    action: Mapped[str] = mapped_column(String(20))
    entity: Mapped[str] = mapped_column(String(40), index=True)
    record_id: Mapped[str] = mapped_column(String(36), index=True)
    fields: Mapped[list[str]] = mapped_column(JSON, default=list)
    detail: Mapped[str] = mapped_column(String(500), default="")


class Draft(Base):
    """A form's unsaved state, written as the user types so a crash or a closed lid loses nothing."""

    __tablename__ = "drafts"
    key: Mapped[str] = mapped_column(String(120), primary_key=True)
    form: Mapped[str] = mapped_column(String(60))
    record_id: Mapped[str | None] = mapped_column(String(36))
    data: Mapped[dict[str, Any]] = mapped_column(JSON)
    saved_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())
