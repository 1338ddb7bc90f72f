"""Local-only sync bookkeeping (never synced): per-target cursors, applied bundles and conflict losers.

A target is known by the store id it keeps (a marker file in a folder, a row in PostgreSQL), not by its path or
URL, so a USB stick mounted at another path is still the same store and a new store gets everything.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import JSON, Boolean, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from htst_tui.db.base import Base, UTCDateTime


class SyncTargetState(Base):
    """What this device has pushed to one store ("pushed up to local_seq X") and how the last sync went."""

    __tablename__ = "sync_targets"
    store_id: Mapped[str] = mapped_column(String(36), primary_key=True)
    target: Mapped[str] = mapped_column(String(500))
    """The folder or URL last used for this store (shown to people; passwords removed)."""
    pushed_seq: Mapped[int] = mapped_column(Integer, default=0)
    last_sync_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
    last_result: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)


class SyncPullState(Base):
    """How far this device has read one source in one store: a device's last applied bundle seq (folder), or
    the server sequence (PostgreSQL, source "")."""

    __tablename__ = "sync_pull_state"
    store_id: Mapped[str] = mapped_column(String(36), primary_key=True)
    source: Mapped[str] = mapped_column(String(36), primary_key=True)
    position: Mapped[int] = mapped_column(Integer, default=0)


class SyncConflict(Base):
    """A concurrent version that lost to the record's current one: kept for review, relayed like a record.

    It has a `local_seq` so it travels to every target, and every device ends with the same losers.
    """

    __tablename__ = "sync_conflicts"
    __table_args__ = (UniqueConstraint("entity", "record_id", "rev"),)
    seq: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    entity: Mapped[str] = mapped_column(String(40))
    record_id: Mapped[str] = mapped_column(String(36), index=True)
    rev: Mapped[str] = mapped_column(String(48))
    rev_history: Mapped[list[str]] = mapped_column(JSON, default=list)
    data: Mapped[dict[str, Any]] = mapped_column(JSON)
    deleted: Mapped[bool] = mapped_column(Boolean, default=False)
    updated_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())
    updated_by: Mapped[str] = mapped_column(String(120))
    origin_device: Mapped[str] = mapped_column(String(36))
    detected_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())
    local_seq: Mapped[int] = mapped_column(Integer, index=True)
